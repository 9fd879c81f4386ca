/* The live explorers of the course website: a lesson's explorer that runs in the reader's browser.

   book/build.py puts a placeholder after the lesson's explorer cell,
       <div class="autotutor-live" data-live="tokenizer-explorer" data-settings="{...}" hidden></div>
   and book/_ext/live_explorers.py adds this script to that page. It loads, from its own folder (_static/live/),
   what the placeholder's settings name, each a classic script so that a page opened from file:// works too:
       the libraries     tokenizers.js, jinja.js    (npm's @huggingface/tokenizers and @huggingface/jinja)
       the checkpoint    <repo id with -- for />.js (its tokenizer.json and tokenizer_config.json, from the pack)
       the words         labels.<lang>.js           (the notebook explorer's labels, from the catalogs)
       the explorer      <kind>.js                  (tokenizer-explorer.js, chat-template.js)
   then draws the explorer in the placeholder. Until it is drawn, and if anything fails, the page stays as it was
   built: the notebook's stored widget shows, and nothing live does.

   window.autotutorLive = {ready: Promise, tokenize(text) → Promise<number[]>, ...} lets a test compare the page
   with autotutor in Python (tests/browser/test_live.py).
*/
(function () {
  "use strict";

  const folder = new URL(".", document.currentScript.src);  // _static/live/
  const container = document.querySelector(".autotutor-live[data-live]");
  if (!container) {
    return;
  }
  const settings = JSON.parse(container.dataset.settings);
  const kind = container.dataset.live;
  const lang = document.documentElement.lang || "en";

  // What each explorer answers for a test, once it is ready: every call waits for `ready`.
  const METHODS = {
    "tokenizer-explorer": ["tokenize", "encode", "decode"],
    "chat-template": ["tokenize", "applyChatTemplate", "decode"],
  };

  // -------------------------------------------------------------------------------------------------------------
  // Loading: each file is a <script>; a data file calls autotutorLiveData(name, value), a library registers its
  // exports in self.autotutorLiveLibraries, an explorer calls autotutorLive.define(kind, draw).
  // -------------------------------------------------------------------------------------------------------------
  const data = {};
  const explorers = {};
  window.autotutorLiveData = function (name, value) { data[name] = value; };
  self.autotutorLiveLibraries = self.autotutorLiveLibraries || {};

  function load(file) {
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = new URL(file, folder).href;
      script.charset = "utf-8";
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + script.src)); };
      document.head.appendChild(script);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Words in the page's language: labels.<lang>.js holds {messages: {msgid: text}, plurals: {singular: [forms]},
  // plural_forms: "<the catalog's C expression>"} (autotutor/widgets/live_labels.py).
  // -------------------------------------------------------------------------------------------------------------
  let labels = { messages: {}, plurals: {}, plural_forms: "(n != 1)" };
  let pluralIndex = function (n) { return Number(n !== 1); };

  function useLabels(value) {
    labels = value;
    // The Plural-Forms expression is C with only n, numbers and operators (checked when the site is built), and
    // the same in JavaScript: gettext's own rule, so Arabic's six forms are picked as in Python.
    if (!/^[n0-9\s()?:<>=!&|%+\-*/]+$/.test(labels.plural_forms)) {
      throw new Error("unexpected plural rule " + labels.plural_forms);
    }
    const rule = new Function("n", "return Number(" + labels.plural_forms + ");");
    pluralIndex = function (n) { return rule(n); };
  }

  function _(message) {
    return labels.messages[message] || message;
  }

  function ngettext(singular, plural, n) {
    const forms = labels.plurals[singular];
    if (forms && forms.length) {
      return forms[Math.min(pluralIndex(n), forms.length - 1)];
    }
    return n === 1 ? singular : plural;
  }

  // str.format with named fields, as the Python side calls it: "{n} tokens" → "3 tokens".
  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (field, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : field;
    });
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Code inside prose, isolated left to right (an Arabic sentence keeps `padding='max_length'` in its order).
  function code(text) {
    return '<bdi dir="ltr"><code>' + escape(text) + "</code></bdi>";
  }

  // A translated sentence as HTML: escaped, each `inline code` span as code() (widgets/_html.py's prose()).
  function prose(text) {
    return text.split("`").map(function (part, i) { return i % 2 ? code(part) : escape(part); }).join("");
  }

  // A translated sentence for a place without HTML (a tooltip): in a right-to-left page each code span isolated
  // left to right (LRI ... PDI), elsewhere the backticks dropped (widgets/_html.py's plain()).
  function plain(text) {
    if (document.documentElement.dir === "rtl") {
      return text.replace(/`([^`]+)`/g, "\u2066$1\u2069");
    }
    return text.replace(/`([^`]+)`/g, "$1");
  }

  // An element: el("button", {type: "button", title: "..."}, "text", child, ...).
  function el(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) {
        continue;
      }
      element.setAttribute(name, value === true ? "" : value);
    }
    element.append(...children.filter(function (child) { return child !== null && child !== undefined; }));
    return element;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Start: load, draw, then take the stored widget's place.
  // -------------------------------------------------------------------------------------------------------------
  const api = {};
  const ready = Promise.all(
    [...settings.libraries, settings.data, "labels." + lang + ".js", kind + ".js"].map(load)
  ).then(function () {
    useLabels(data.labels);
    if (!explorers[kind]) {
      throw new Error("no explorer " + kind);
    }
    const tools = { settings: settings, data: data, libraries: self.autotutorLiveLibraries,
                    _: _, ngettext: ngettext, format: format, escape: escape, code: code, prose: prose,
                    plain: plain, el: el };
    Object.assign(api, explorers[kind](container, tools));
    container.hidden = false;
    // The cell before the placeholder shows the notebook's stored widget: the live explorer replaces it.
    const cell = settings.replaces_previous_output ? container.previousElementSibling : null;
    const stored = cell ? cell.querySelector(".cell_output") : null;
    if (stored) {
      stored.classList.add("autotutor-live-replaced");
    }
  });

  window.autotutorLive = {
    ready: ready,
    define: function (name, draw) { explorers[name] = draw; },
  };
  for (const method of METHODS[kind] || []) {
    window.autotutorLive[method] = function (...args) {
      return ready.then(function () { return api[method](...args); });
    };
  }
  ready.catch(function (error) {
    container.hidden = true;
    console.warn("autotutor: the live explorer could not start (" + error.message + "); the stored one stays.");
  });
})();
