/* The tokenizer explorer of lesson 1, live: what autotutor/widgets/tokenizer_explorer.py shows in a notebook,
   drawn in the browser from the checkpoint's own tokenizer.json by @huggingface/tokenizers.

   Type any text (several lines make a batch) and see the word-pieces coloured by word, their ids, the special
   tokens, the attention mask, what padding and truncation do to the batch, and the round trip through decode.
   The controls are named after the arguments they set, as in the notebook, and the picture starts with the call
   it shows. The tokenizer library encodes one text; the batch (special tokens, truncation to max_length,
   padding) is put together here the way `tokenizer(texts, ...)` does it in Python.
*/
autotutorLive.define("tokenizer-explorer", function (container, live) {
  "use strict";
  const { _, ngettext, format, escape, code, prose, plain, el, settings } = live;
  const { Tokenizer } = live.libraries["@huggingface/tokenizers"];
  const files = live.data[settings.repo_id];
  const tokenizer = new Tokenizer(files.tokenizer, files.config);

  const CELL = "padding:2px 6px;text-align:center;font-family:monospace;white-space:pre;";
  const padId = tokenizer.token_to_id(settings.pad_token);
  const unkId = tokenizer.token_to_id(files.tokenizer.model.unk_token);
  const subwordPrefix = files.tokenizer.model.continuing_subword_prefix || "##";

  // What `add_special_tokens=True` puts around a text ([CLS] before, [SEP] after), read off one encoding.
  const wrapper = (function () {
    const full = tokenizer.encode("a"), bare = tokenizer.encode("a", { add_special_tokens: false });
    const at = full.ids.findIndex(function (_id, i) {
      return bare.ids.every(function (id, j) { return full.ids[i + j] === id; });
    });
    const part = function (from, to) { return { ids: full.ids.slice(from, to), tokens: full.tokens.slice(from, to) }; };
    return { before: part(0, at), after: part(at + bare.ids.length) };
  })();

  // ---------------------------------------------------------------------------------------------------------------
  // Encoding, as `tokenizer(texts, padding=..., truncation=..., max_length=..., add_special_tokens=...)`
  // ---------------------------------------------------------------------------------------------------------------
  function encodeOne(text, options) {
    const content = tokenizer.encode(text, { add_special_tokens: false });
    let ids = content.ids, tokens = content.tokens;
    const nothing = { ids: [], tokens: [] };
    const around = options.add_special_tokens ? wrapper : { before: nothing, after: nothing };
    const room = options.max_length - around.before.ids.length - around.after.ids.length;
    const overflowing = Boolean(options.truncation) && ids.length > room;
    if (overflowing) {  // the text is cut, never the special tokens
      ids = ids.slice(0, Math.max(room, 0));
      tokens = tokens.slice(0, ids.length);
    }
    // A word is one piece of the pre-tokenizer: its first word-piece, then those glued to it with "##".
    let word = -1;
    const words = tokens.map(function (token) {
      return token.startsWith(subwordPrefix) && word >= 0 ? word : ++word;
    });
    const none = function (part) { return part.ids.map(function () { return null; }); };
    const ones = function (part, value) { return part.ids.map(function () { return value; }); };
    return {
      input_ids: [...around.before.ids, ...ids, ...around.after.ids],
      tokens: [...around.before.tokens, ...tokens, ...around.after.tokens],
      word_ids: [...none(around.before), ...words, ...none(around.after)],
      special_tokens_mask: [...ones(around.before, 1), ...ids.map(function () { return 0; }), ...ones(around.after, 1)],
      attention_mask: [...ones(around.before, 1), ...ids.map(function () { return 1; }), ...ones(around.after, 1)],
      overflowing: overflowing,
    };
  }

  function encode(texts, options) {
    options = Object.assign({ padding: false, truncation: false, max_length: 16, add_special_tokens: true }, options);
    const rows = texts.map(function (text) { return encodeOne(text, options); });
    const longest = Math.max(0, ...rows.map(function (row) { return row.input_ids.length; }));
    const target = options.padding === true ? longest : options.padding === "max_length" ? options.max_length : 0;
    for (const row of rows) {
      while (row.input_ids.length < target) {  // padding on the right, as bert-base-uncased pads
        row.input_ids.push(padId);
        row.tokens.push(settings.pad_token);
        row.word_ids.push(null);
        row.special_tokens_mask.push(1);
        row.attention_mask.push(0);
      }
    }
    return rows;
  }

  function decode(ids, skipSpecialTokens) {
    // autotutor's decode leaves the spaces around punctuation ("l ' ecole"), as transformers 5 does.
    return ids.length ? tokenizer.decode(ids, { skip_special_tokens: Boolean(skipSpecialTokens),
                                                clean_up_tokenization_spaces: false }) : "";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The picture (explorer_html in Python)
  // ---------------------------------------------------------------------------------------------------------------
  function countTokens(n) {
    return format(ngettext("{n} token", "{n} tokens", n), { n: n });
  }

  // Python's repr() of a string, for the call the picture shows: tokenizer('a hobbit').
  function pythonRepr(text) {
    const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
    const unprintable = /[\\\n\r\t]|[\x00-\x1f\x7f-\xa0\xad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
    const escaped = text.replace(unprintable, function (c) {
      const named = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" }[c];
      if (named) return named;
      const hex = c.charCodeAt(0).toString(16);
      return c.charCodeAt(0) < 0x100 ? "\\x" + hex.padStart(2, "0") : "\\u" + hex.padStart(4, "0");
    });
    return quote + escaped.split(quote).join("\\" + quote) + quote;
  }

  function callText(texts, options) {
    const args = [texts.length === 1 ? pythonRepr(texts[0]) : "texts"];
    if (!options.add_special_tokens) args.push("add_special_tokens=False");
    if (options.padding !== false) args.push("padding=" + (options.padding === true ? "True" : "'max_length'"));
    if (options.truncation) args.push("truncation=True");
    if (options.truncation || options.padding === "max_length") args.push("max_length=" + options.max_length);
    return "tokenizer(" + args.join(", ") + ")";
  }

  function pieceColour(row, i) {
    if (row.attention_mask[i] === 0) return settings.padding_colour;
    if (row.special_tokens_mask[i] || row.word_ids[i] === null) return settings.special_colour;
    return settings.palette[row.word_ids[i] % settings.palette.length];
  }

  function pieceCell(row, i) {
    let tip, border;
    if (row.attention_mask[i] === 0) {
      tip = _("padding: filler the model ignores"); border = "1px dashed #999;color:#777";
    } else if (row.special_tokens_mask[i]) {
      tip = _("special token, added by the tokenizer"); border = "2px solid #555;font-weight:bold";
    } else {
      tip = format(_("a piece of word {number} of the text"), { number: (row.word_ids[i] || 0) + 1 });
      border = "1px solid #bbb";
    }
    return '<td title="' + escape(tip) + '" style="' + CELL + "background:" + pieceColour(row, i) + ";border:" +
      border + '"><bdi dir="ltr">' + escape(row.tokens[i]) + "</bdi></td>";
  }

  // One column per token: the word-piece, its id, its attention mask. Always left to right, like the lists.
  function sequenceTable(row, name) {
    const label = '<th scope="row" style="' + CELL + 'text-align:left">';
    const cells = function (f) { return row.input_ids.map(function (_id, i) { return f(i); }).join(""); };
    const rows = [
      label + escape(_("word-piece")) + "</th>" + cells(function (i) { return pieceCell(row, i); }),
      label + "<code>input_ids</code></th>" + cells(function (i) {
        return '<td style="' + CELL + '">' + row.input_ids[i] + "</td>";
      }),
      label + "<code>attention_mask</code></th>" + cells(function (i) {
        const hidden = row.attention_mask[i] ? "" : "color:#c00;font-weight:bold";
        return '<td style="' + CELL + hidden + '">' + row.attention_mask[i] + "</td>";
      }),
    ];
    // A wide table scrolls in its own box, which the keyboard can reach and scroll too.
    return '<div dir="ltr" class="autotutor-live-scroll" tabindex="0" role="region" aria-label="' +
      escape(name) + '"><table style="border-collapse:separate;border-spacing:2px">' +
      rows.map(function (r) { return "<tr>" + r + "</tr>"; }).join("") + "</table></div>";
  }

  function legend() {
    const swatch = function (style, text) {
      return '<span style="' + style + 'padding:0 6px;margin:0 4px"><bdi dir="ltr">' + escape(text) + "</bdi></span>";
    };
    return "<p>" + [
      swatch("background:#fde2b8;border:1px solid #bbb;", "ho") +
        swatch("background:#fde2b8;border:1px solid #bbb;", "##bb") +
        escape(_("one colour per word: its pieces share it")),
      swatch("background:#d9d9d9;border:2px solid #555;font-weight:bold;", "[CLS]") + escape(_("special token")),
      swatch("border:1px dashed #999;color:#777;", "[PAD]") + escape(_("padding")),
    ].join(" ") + "</p>";
  }

  // What decode gives back, and how it compares with what was typed (lessons/autotokenizer.py's round_trip).
  function roundTrip(text, ids) {
    const decoded = decode(ids, true);
    let explanation;
    const squeeze = function (s) { return s.split(/\s+/).join(""); };
    const normalized = tokenizer.normalizer ? tokenizer.normalizer.normalize(text) : text;
    if (decoded === text) {
      explanation = _("Identical: decoding gives back exactly the text you typed.");
    } else if (!ids.includes(unkId) && squeeze(decoded) === squeeze(normalized)) {
      explanation = _("The same words, normalized: this checkpoint lowercases the text and removes accents before " +
                      "cutting it, and decoding gives back that normalized form.");
    } else {
      explanation = _("Something was lost: characters the vocabulary cannot spell became {unk}, or the text was " +
                      "truncated.");
    }
    return "<p>" + code("tokenizer.decode(input_ids, skip_special_tokens=True)") + " \u2192 " + code(decoded) +
      "<br>" + format(prose(explanation), { unk: code("[UNK]") }) + "</p>";
  }

  function picture(text, options) {
    let texts = text.split(/\r?\n/).filter(function (line) { return line.trim(); });
    const dropped = texts.length - settings.max_texts;
    texts = texts.slice(0, settings.max_texts);
    if (!texts.length) {
      return "<p>" + escape(_("Type a text above to see its tokens.")) + "</p>";
    }
    const rows = encode(texts, options);
    const parts = ["<p>" + code(callText(texts, options)) + "</p>", legend()];
    if (dropped > 0) {
      const note = format(_("Only the first {count} lines are shown."), { count: settings.max_texts });
      parts.push("<p>" + escape(note) + "</p>");
    }
    const lengths = new Set(rows.map(function (row) { return row.input_ids.length; }));
    if (texts.length > 1) {
      parts.push("<p>" + (lengths.size === 1
        ? format(prose(_("Every row is {tokens} long: the batch is a rectangle, as a model needs.")),
                 { tokens: countTokens([...lengths][0]) })
        : prose(_("The rows have different lengths. A model needs a rectangle: choose `padding=True`."))) + "</p>");
    }
    rows.forEach(function (row, i) {
      const heading = format(_("Text {number}: {tokens}"), { number: i + 1, tokens: countTokens(row.input_ids.length) });
      parts.push("<h3>" + escape(heading) + "</h3>");
      if (row.overflowing) {
        parts.push("<p>" + prose(_("Truncated: `truncation=True` cut this text to `max_length` tokens; " +
                                   "the rest is dropped.")) + "</p>");
      }
      parts.push(sequenceTable(row, heading));
      parts.push(roundTrip(texts[i], row.input_ids.filter(function (_id, j) { return row.attention_mask[j] === 1; })));
    });
    return parts.join("");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The controls, each with its label and tooltip (the notebook's), then the picture
  // ---------------------------------------------------------------------------------------------------------------
  const [lowest, highest] = settings.max_length_range;
  const textBox = el("textarea", { id: "autotutor-live-texts", rows: 3, spellcheck: "false",
                                   placeholder: _("In a hole in the ground there lived a hobbit."),
                                   title: _("One text per line: each line is a sequence of the batch") });
  textBox.value = settings.text;
  const padding = el("select", {
    id: "autotutor-live-padding",
    title: plain(_("Pad the shorter texts with `[PAD]` so every row has the same length")) },
    ...settings.padding_options.map(function ([label, value]) {
      return el("option", { value: JSON.stringify(value), selected: value === settings.padding }, label);
    }));
  const truncation = el("button", { type: "button", "aria-pressed": String(settings.truncation),
                                    title: plain(_("Cut every text longer than `max_length` tokens")) });
  const maxLength = el("input", {
    id: "autotutor-live-max-length", type: "number", min: lowest, max: highest, step: 1, value: settings.max_length,
    inputmode: "numeric", title: plain(_("The length that truncation cuts to, and that `padding='max_length'` pads to")) });
  const special = el("button", {
    type: "button", "aria-pressed": "true",
    title: plain(_("Add `[CLS]` at the start and `[SEP]` at the end, as BERT was trained")) });
  const output = el("div", { class: "autotutor-live-output" });
  let chosenLength = settings.max_length;

  function options() {
    return { padding: JSON.parse(padding.value), truncation: truncation.getAttribute("aria-pressed") === "true",
             max_length: chosenLength, add_special_tokens: special.getAttribute("aria-pressed") === "true" };
  }

  function redraw() {
    const chosen = options();
    truncation.textContent = "truncation=" + (chosen.truncation ? "True" : "False");
    special.textContent = "add_special_tokens=" + (chosen.add_special_tokens ? "True" : "False");
    maxLength.disabled = !(chosen.truncation || chosen.padding === "max_length");
    output.innerHTML = picture(textBox.value, chosen);
  }

  function toggle(button) {
    button.addEventListener("click", function () {
      button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
      redraw();
    });
  }

  toggle(truncation);
  toggle(special);
  textBox.addEventListener("input", redraw);
  padding.addEventListener("change", redraw);
  maxLength.addEventListener("input", function () {  // a number box bounded like the notebook's BoundedIntText
    const n = parseInt(maxLength.value, 10);
    if (!Number.isNaN(n)) {
      chosenLength = Math.min(highest, Math.max(lowest, n));
      redraw();
    }
  });
  maxLength.addEventListener("change", function () { maxLength.value = chosenLength; });

  container.replaceChildren(
    el("p", { class: "autotutor-live-note" }),
    el("p", {}, _("Type a text, or several: one line per text makes a batch. French and Arabic work too.")),
    el("div", { class: "autotutor-live-field autotutor-live-wide" },
       el("label", { for: textBox.id }, _("Texts")), textBox),
    el("div", { class: "autotutor-live-controls" },
       el("span", { class: "autotutor-live-field" }, el("label", { for: padding.id }, _("padding")), padding),
       truncation,
       el("span", { class: "autotutor-live-field" }, el("label", { for: maxLength.id }, "max_length"), maxLength),
       special),
    output);
  container.querySelector(".autotutor-live-note").innerHTML = prose(_(
    "This explorer runs in your browser, on the checkpoint's own `tokenizer.json` read by " +
    "`@huggingface/tokenizers`, a JavaScript tokenizer library: type, and the pieces follow."));
  redraw();

  return {
    tokenize: function (text) { return encodeOne(text, { add_special_tokens: true, truncation: false }).input_ids; },
    encode: encode,
    decode: decode,
  };
});
