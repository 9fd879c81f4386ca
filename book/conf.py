"""Sphinx configuration of the course website, the same for every language.

`book/build.py` runs Sphinx once per language on a generated source folder:

    sphinx-build -c book -D language=fr book/_src/fr book/_build/html/fr

This is the stack of Jupyter Book 1 (myst-nb reads the notebooks, sphinx-book-theme lays out the pages)
configured directly, so every extension the site loads is listed here and nothing reaches the network.
Relative paths are relative to this folder (book/).
"""

from __future__ import annotations

import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
sys.path.insert(0, str(BOOK / "_ext"))  # site_languages and live_explorers, the local extensions

project = "autotutor"
author = "the autotutor authors"
copyright = "2026, the autotutor authors"
language = "en"  # each build sets its own with -D language=fr / ar: the theme's own words follow it

# jupyter-book 1 also loads thebe, comments, togglebutton, copybutton, design and intersphinx; the site needs
# none of them, and thebe and the comment widgets would reach for the network.
# live_explorers adds the script of the live explorers (book/_static/live/) to the pages that have one.
extensions = ["myst_nb", "sphinx_book_theme", "site_languages", "live_explorers"]


# The notebooks were run when they were generated (`make notebooks`): their stored outputs are the pages.
nb_execution_mode = "off"
# Widget JavaScript served by the site itself (book/build.py copies it from book/node_modules into
# _build/static/widgets/), never from a CDN. RequireJS first: embed-amd.js is a set of AMD modules, and
# widgets-paths.js tells RequireJS where they live.
nb_ipywidgets_js = {
    "widgets/require.js": {},
    "widgets-paths.js": {},
    "widgets/embed-amd.js": {},
}
myst_enable_extensions: list[str] = []  # plain CommonMark: no `$` maths, no bare-URL linking
nitpicky = True  # every cross-reference must resolve

templates_path = ["_templates"]
html_static_path = ["_static", "_build/static"]
html_css_files = ["site.css"]
html_theme = "sphinx_book_theme"
html_title = "autotutor"
html_favicon = "_static/favicon.svg"  # without one, browsers ask for /favicon.ico and log a 404
html_context = {"default_mode": "light"}  # the theme's colour mode until a reader picks one
html_copy_source = False  # the notebooks are in the repository; the pages need no copy of them
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    "use_source_button": False,
    "launch_buttons": {},
    "navbar_persistent": [],  # the sidebar has the search field; no second one in a top bar
    "article_header_end": ["language-switcher.html", "article-header-buttons.html"],
}
