// Where RequireJS finds ipywidgets' modules: _static/widgets/, beside this file (book/build.py puts
// embed-amd.js and its icon fonts there). embed-amd.js defines @jupyter-widgets/base, controls, output and
// html-manager itself; each takes the folder of its module's address as the place of its fonts, and without
// this map that address would be a folder beside the page, which does not exist.
require.config({ paths: { "@jupyter-widgets": new URL("widgets", document.currentScript.src).href } });
