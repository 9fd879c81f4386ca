/* The chat template of lesson 8, live: edit a conversation (a role and a content per message, add or remove
   messages), toggle add_generation_prompt, and see the text the template writes, its special tokens
   highlighted, and the ids the model reads.

   The template is the checkpoint's own (`chat_template` in its tokenizer_config.json), rendered by
   @huggingface/jinja with the variables autotutor gives it (the special tokens: bos_token, eos_token, ...);
   the text is then tokenized without adding special tokens, as `apply_chat_template(messages)` does.
*/
autotutorLive.define("chat-template", function (container, live) {
  "use strict";
  const { _, ngettext, format, escape, code, prose, plain, el, settings } = live;
  const { Tokenizer } = live.libraries["@huggingface/tokenizers"];
  const { Template } = live.libraries["@huggingface/jinja"];
  const files = live.data[settings.repo_id];
  const tokenizer = new Tokenizer(files.tokenizer, files.config);
  const template = new Template(files.config.chat_template);

  // The special tokens the template may name, as autotutor passes them (its tokenizer's special_tokens_map).
  const variables = {};
  for (const name of ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]) {
    const token = files.config[name];
    if (token !== undefined && token !== null) {
      variables[name] = typeof token === "object" ? token.content : token;
    }
  }
  const specials = files.tokenizer.added_tokens.filter(function (t) { return t.special; })
    .map(function (t) { return t.content; }).sort(function (a, b) { return b.length - a.length; });
  const specialPattern = new RegExp("(" + specials.map(function (s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("|") + ")");

  function applyChatTemplate(messages, addGenerationPrompt) {
    // As transformers: a key whose value is null is dropped (templates expect no key rather than None).
    const cleaned = messages.map(function (message) {
      return Object.fromEntries(Object.entries(message).filter(function ([, value]) { return value !== null; }));
    });
    return template.render(Object.assign({}, variables, {
      messages: cleaned, add_generation_prompt: Boolean(addGenerationPrompt), tools: null, documents: null,
    }));  // raise_exception() is @huggingface/jinja's own, as it is autotutor's
  }

  function tokenize(text) {
    return tokenizer.encode(text).ids;
  }

  function decode(ids, skipSpecialTokens) {
    return ids.length ? tokenizer.decode(ids, { skip_special_tokens: Boolean(skipSpecialTokens) }) : "";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The picture: the call, the rendered text with its special tokens marked, then one chip per token
  // ---------------------------------------------------------------------------------------------------------------
  function countTokens(n) {
    return format(ngettext("{n} token", "{n} tokens", n), { n: n });
  }

  // A token's text made visible, as the lesson prints it: a space as "␣", a line break as "\n".
  function shown(text) {
    return text.replace(/ /g, "\u2423").replace(/\n/g, "\\n");
  }

  function renderedText(text) {
    return text.split(specialPattern).map(function (part, i) {
      return i % 2 ? '<mark class="autotutor-live-special" title="' + escape(_("special token")) + '">' +
        escape(part) + "</mark>" : escape(part);
    }).join("");
  }

  function chips(ids) {
    return ids.map(function (id) {
      const text = decode([id], false);
      const special = specials.includes(text);
      return '<span class="autotutor-live-chip' + (special ? " autotutor-live-special" : "") + '"' +
        (special ? ' title="' + escape(_("special token")) + '"' : "") + ">" +
        '<span class="autotutor-live-chip-token">' + escape(shown(text)) + "</span>" +
        '<span class="autotutor-live-chip-id">' + id + "</span></span>";
    }).join("");
  }

  function picture(messages, addGenerationPrompt) {
    const call = "tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=" +
      (addGenerationPrompt ? "True" : "False") + ")";
    let text;
    try {
      text = applyChatTemplate(messages, addGenerationPrompt);
    } catch (error) {
      const problem = format(_("The chat template could not render this conversation: {reason}"), { reason: error.message });
      return "<p>" + code(call) + '</p><p role="alert">' + escape(problem) + "</p>";
    }
    const ids = tokenize(text);
    return "<p>" + code(call) + "</p>" +
      "<p>" + escape(_("The text the model reads, special tokens highlighted:")) + "</p>" +
      '<pre dir="ltr" class="autotutor-live-rendered">' + renderedText(text) + "</pre>" +
      "<p>" + escape(format(_("Its tokens: {tokens}"), { tokens: countTokens(ids.length) })) + "</p>" +
      '<div dir="ltr" class="autotutor-live-chips" aria-label="' + escape(_("token")) + ", " + escape(_("id")) +
      '" role="region" tabindex="0">' + chips(ids) + "</div>";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The conversation editor
  // ---------------------------------------------------------------------------------------------------------------
  const list = el("ol", { class: "autotutor-live-messages" });
  const add = el("button", { type: "button" }, _("Add a message"));
  const generation = el("button", { type: "button", "aria-pressed": String(settings.add_generation_prompt),
    title: plain(_("Open the assistant's turn at the end, so that the model's next tokens are its answer")) });
  const output = el("div", { class: "autotutor-live-output" });
  let rows = 0;  // ids stay unique while rows come and go

  function messages() {
    return Array.from(list.children).map(function (item) {
      return { role: item.querySelector("select").value, content: item.querySelector("textarea").value };
    });
  }

  function renumber() {
    Array.from(list.children).forEach(function (item, i) {
      const number = i + 1;
      item.setAttribute("aria-label", format(_("Message {number}"), { number: number }));
      item.querySelector("button").setAttribute("aria-label", format(_("Remove message {number}"), { number: number }));
    });
  }

  function addRow(message) {
    rows += 1;
    const role = el("select", { id: "autotutor-live-role-" + rows },
      ...settings.roles.map(function (name) {
        return el("option", { value: name, selected: name === message.role }, name);
      }));
    const content = el("textarea", { id: "autotutor-live-content-" + rows, rows: 2 });
    content.value = message.content;
    const remove = el("button", { type: "button", class: "autotutor-live-remove" }, _("Remove"));
    const item = el("li", { role: "group" },
      el("span", { class: "autotutor-live-field" }, el("label", { for: role.id }, _("role")), role),
      el("span", { class: "autotutor-live-field autotutor-live-wide" },
         el("label", { for: content.id }, _("content")), content),
      remove);
    role.addEventListener("change", redraw);
    content.addEventListener("input", redraw);
    remove.addEventListener("click", function () {
      // Keep the keyboard where the reader is: on the next message's role, else on the button that adds one.
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber();
      redraw();
      (next ? next.querySelector("select") : add).focus();
    });
    list.append(item);
    renumber();
    return item;
  }

  function redraw() {
    const prompt = generation.getAttribute("aria-pressed") === "true";
    generation.textContent = "add_generation_prompt=" + (prompt ? "True" : "False");
    output.innerHTML = picture(messages(), prompt);
  }

  add.addEventListener("click", function () {
    const last = messages().pop();
    const item = addRow({ role: last && last.role === "user" ? "assistant" : "user", content: "" });
    redraw();
    item.querySelector("textarea").focus();
  });
  generation.addEventListener("click", function () {
    generation.setAttribute("aria-pressed", String(generation.getAttribute("aria-pressed") !== "true"));
    redraw();
  });

  const note = el("p", { class: "autotutor-live-note" });
  note.innerHTML = prose(format(_("Try it here: edit the conversation, and the chat template of {repo_id} is rendered " +
    "in your browser by `@huggingface/jinja`, then tokenized by `@huggingface/tokenizers`."),
    { repo_id: "`" + settings.repo_id + "`" }));  // the checkpoint's name, as code
  const fieldset = el("fieldset", {}, el("legend", {}, _("Messages")), list);
  container.replaceChildren(note, fieldset, el("div", { class: "autotutor-live-controls" }, add, generation), output);
  settings.messages.forEach(addRow);
  redraw();

  return { tokenize: tokenize, applyChatTemplate: applyChatTemplate, decode: decode };
});
