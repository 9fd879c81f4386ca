"""autotutor.chat_template against transformers 5.23's apply_chat_template: same text, same ids, hostile templates
refused. The templates are real-world ones, written out here; the tokenizer is a tiny byte-level BPE that knows
their special tokens, saved by transformers with each template (as chat_template.jinja, as transformers 5 writes it).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import torch

from autotutor import AutoTokenizer
from autotutor.batch_encoding import BatchEncoding
from autotutor.chat_template import CHAT_TEMPLATE_FILE, render_chat
from autotutor.errors import ChatTemplateError, TokenizerError

# SmolLM2-Instruct (ChatML, as Qwen uses it), with its default system prompt.
SMOLLM2 = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Meta-Llama-3-8B-Instruct.
LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim "
    "+ '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
# Mistral-7B-Instruct-v0.1 style: the roles must alternate, or the template raises.
ALTERNATING = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)
# Llama 3.1's date header: strftime_now, a date_string the caller may pass, whitespace control, tojson.
LLAMA31_DATE = (
    "{{- bos_token }}\n"
    "{%- if not date_string is defined %}\n"
    "    {%- if strftime_now is defined %}\n"
    "        {%- set date_string = strftime_now(\"%d %b %Y\") %}\n"
    "    {%- else %}\n"
    "        {%- set date_string = \"26 Jul 2024\" %}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
    "{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n"
    "{%- if tools is not none %}{{- tools | tojson(indent=4) }}{{- \"\\n\\n\" }}{%- endif %}\n"
    "{{- \"<|eot_id|>\" }}\n"
    "{%- for message in messages %}\n"
    "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
    "'<|eot_id|>' }}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n"
    "{%- endif %}\n"
)
TEMPLATES = {"smollm2": SMOLLM2, "llama3": LLAMA3, "alternating": ALTERNATING, "llama31_date": LLAMA31_DATE}

HOSTILE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{% set ns = namespace(__class__=1) %}{{ ns }}",
    "{{ messages.append({'role': 'user', 'content': 'injected'}) }}",
    "{{ messages[0].__class__ }}",
]

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>"]
CHAT = [
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris. "},
    {"role": "user", "content": "And of Italy? Answer with one word."},
]
WITH_SYSTEM = [{"role": "system", "content": "Be brief."}, *CHAT]
SHORT = [{"role": "user", "content": "Hi"}]


def _train():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    corpus = [m["content"] for m in WITH_SYSTEM] * 5 + ["You are a helpful AI assistant named SmolLM"] * 5
    tokenizer.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=320, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tokenizer


def save_chat_tokenizer(folder, template, *, in_config: bool = False):
    """Save with transformers: the template goes to chat_template.jinja, or into tokenizer_config.json."""
    from transformers import PreTrainedTokenizerFast

    bos = "<|begin_of_text|>" if "bos_token" in (template or "") else "<|endoftext|>"
    tok = PreTrainedTokenizerFast(tokenizer_object=_train(), bos_token=bos, eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>")
    tok.chat_template = None if in_config else template
    tok.save_pretrained(folder)
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "GPT2Tokenizer"  # as SmolLM2's
    if in_config:
        config["chat_template"] = template
    config_path.write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="session")
def pairs(tmp_path_factory):
    """template name → (ours, transformers'), each loaded from a folder transformers saved."""
    import transformers

    root = tmp_path_factory.mktemp("chat")
    out = {}
    for name, template in TEMPLATES.items():
        folder = save_chat_tokenizer(root / name, template)
        out[name] = (AutoTokenizer.from_pretrained(folder), transformers.AutoTokenizer.from_pretrained(folder))
    return out


@pytest.fixture(params=["smollm2", "llama3", "llama31_date"])
def pair(request, pairs):
    return pairs[request.param]


# ---------------------------------------------------------------------------------------------------------------
# Same text, same ids
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("messages", [CHAT, WITH_SYSTEM, SHORT], ids=["chat", "system", "short"])
@pytest.mark.parametrize("generation_prompt", [False, True])
def test_rendered_text_and_ids_are_transformers(pair, messages, generation_prompt):
    ours, theirs = pair
    text = ours.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
    assert text == theirs.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
    ids = ours.apply_chat_template(messages, add_generation_prompt=generation_prompt, return_dict=False)
    assert ids == theirs.apply_chat_template(messages, add_generation_prompt=generation_prompt, return_dict=False)
    assert ids == ours(text, add_special_tokens=False).input_ids


def test_smollm2_adds_its_default_system_prompt_and_the_assistant_header(pairs):
    ours, _ = pairs["smollm2"]
    text = ours.apply_chat_template(SHORT, tokenize=False, add_generation_prompt=True)
    assert text == ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                    "<|im_end|>\n"
                    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    ids = ours.apply_chat_template(SHORT, add_generation_prompt=True, return_dict=False)
    assert ids[0] == ours.convert_tokens_to_ids("<|im_start|>")  # a special token: one id, not its characters


def test_llama3_starts_with_the_bos_token_it_was_given(pairs):
    ours, theirs = pairs["llama3"]
    assert ours.apply_chat_template(SHORT, tokenize=False).startswith("<|begin_of_text|><|start_header_id|>user")
    with_other_bos = ours.apply_chat_template(SHORT, tokenize=False, bos_token="<s>")
    assert with_other_bos == theirs.apply_chat_template(SHORT, tokenize=False, bos_token="<s>")
    assert with_other_bos.startswith("<s>")


def test_return_dict_and_tensors_are_transformers(pairs):
    ours, theirs = pairs["smollm2"]
    mine = ours.apply_chat_template(CHAT, add_generation_prompt=True)  # transformers 5: a dict by default
    ref = theirs.apply_chat_template(CHAT, add_generation_prompt=True)
    assert isinstance(mine, BatchEncoding)
    assert dict(mine) == dict(ref)
    mine_pt = ours.apply_chat_template(CHAT, add_generation_prompt=True, return_tensors="pt")
    ref_pt = theirs.apply_chat_template(CHAT, add_generation_prompt=True, return_tensors="pt")
    assert torch.equal(mine_pt["input_ids"], ref_pt["input_ids"]) and mine_pt["input_ids"].shape[0] == 1
    ids_pt = ours.apply_chat_template(CHAT, return_tensors="pt", return_dict=False)
    assert torch.equal(ids_pt, theirs.apply_chat_template(CHAT, return_tensors="pt", return_dict=False))


def test_a_batch_of_conversations_pads_on_the_left(pairs):
    ours, theirs = pairs["smollm2"]
    kwargs = dict(add_generation_prompt=True, padding=True, return_tensors="pt")
    ours.padding_side = theirs.padding_side = "left"
    try:
        mine = ours.apply_chat_template([SHORT, CHAT], **kwargs)
        ref = theirs.apply_chat_template([SHORT, CHAT], **kwargs)
    finally:
        ours.padding_side = theirs.padding_side = "right"
    assert torch.equal(mine["input_ids"], ref["input_ids"])
    assert torch.equal(mine["attention_mask"], ref["attention_mask"])
    assert mine["attention_mask"][0, 0] == 0 and mine["attention_mask"][0, -1] == 1
    texts = ours.apply_chat_template([SHORT, CHAT], tokenize=False)
    assert texts == theirs.apply_chat_template([SHORT, CHAT], tokenize=False)


def test_strftime_now_gives_todays_date_unless_the_caller_passes_one(pairs):
    ours, theirs = pairs["llama31_date"]
    text = ours.apply_chat_template(SHORT, tokenize=False)
    assert "Today Date: " + datetime.now().strftime("%d %b %Y") in text
    fixed = ours.apply_chat_template(SHORT, tokenize=False, date_string="01 Jan 2030")
    assert "Today Date: 01 Jan 2030" in fixed
    assert fixed == theirs.apply_chat_template(SHORT, tokenize=False, date_string="01 Jan 2030")


def test_tools_go_through_tojson_as_transformers_writes_them(pairs):
    ours, theirs = pairs["llama31_date"]
    tools = [{"type": "function", "function": {"name": "météo", "description": "<b>weather</b> & more",
                                               "parameters": {"type": "object", "properties": {}}}}]
    text = ours.apply_chat_template(SHORT, tools=tools, tokenize=False, date_string="x")
    assert text == theirs.apply_chat_template(SHORT, tools=tools, tokenize=False, date_string="x")
    assert "<b>weather</b> & more" in text and "météo" in text  # no HTML escaping, no \\u escapes


def test_a_none_content_is_dropped_as_in_transformers(pairs):
    ours, theirs = pairs["smollm2"]
    messages = [{"role": "user", "content": "Hi", "tool_calls": None}]
    assert ours.apply_chat_template(messages, tokenize=False) == theirs.apply_chat_template(messages, tokenize=False)


# ---------------------------------------------------------------------------------------------------------------
# Where the template comes from
# ---------------------------------------------------------------------------------------------------------------
def test_the_template_is_read_from_the_jinja_file_or_the_config(tmp_path):
    from_file = AutoTokenizer.from_pretrained(save_chat_tokenizer(tmp_path / "file", SMOLLM2))
    assert (tmp_path / "file" / CHAT_TEMPLATE_FILE).is_file()
    from_config = AutoTokenizer.from_pretrained(save_chat_tokenizer(tmp_path / "config", SMOLLM2, in_config=True))
    assert not (tmp_path / "config" / CHAT_TEMPLATE_FILE).exists()
    assert from_file.chat_template == from_config.chat_template == SMOLLM2


def test_the_jinja_file_wins_over_the_config(tmp_path):
    import transformers

    folder = save_chat_tokenizer(tmp_path / "both", SMOLLM2)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "chat_template": LLAMA3}))
    assert AutoTokenizer.from_pretrained(folder).chat_template == SMOLLM2
    assert transformers.AutoTokenizer.from_pretrained(folder).chat_template == SMOLLM2


def test_named_templates_in_the_config_and_chosen_by_name(tmp_path):
    folder = save_chat_tokenizer(tmp_path / "named", None)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = [{"name": "default", "template": SMOLLM2}, {"name": "llama", "template": LLAMA3}]
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    ours = AutoTokenizer.from_pretrained(folder)
    assert ours.apply_chat_template(SHORT, tokenize=False).startswith("<|im_start|>system")
    assert ours.apply_chat_template(SHORT, tokenize=False, chat_template="llama").startswith("<|endoftext|><|start")


def test_a_template_passed_in_the_call_is_used(pairs):
    ours, theirs = pairs["smollm2"]
    template = "{% for m in messages %}{{ m.role | upper }}: {{ m.content }}\n{% endfor %}"
    assert ours.apply_chat_template(CHAT, chat_template=template, tokenize=False) == \
        theirs.apply_chat_template(CHAT, chat_template=template, tokenize=False)


def test_no_template_is_a_clear_error(tmp_path):
    ours = AutoTokenizer.from_pretrained(save_chat_tokenizer(tmp_path / "none", None))
    assert ours.chat_template is None
    with pytest.raises(ChatTemplateError, match="no chat template") as info:
        ours.apply_chat_template(SHORT)
    assert isinstance(info.value, TokenizerError) and isinstance(info.value, ValueError)
    assert info.value.key == "chat_template"


# ---------------------------------------------------------------------------------------------------------------
# Errors: the template's own, bad Jinja, and templates that reach outside the sandbox
# ---------------------------------------------------------------------------------------------------------------
def test_the_templates_raise_exception_message_is_shown(pairs):
    ours, theirs = pairs["alternating"]
    good = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert ours.apply_chat_template(good, tokenize=False) == theirs.apply_chat_template(good, tokenize=False)
    bad = [{"role": "user", "content": "Hi"}, {"role": "user", "content": "again"}]
    with pytest.raises(ChatTemplateError, match="Conversation roles must alternate user/assistant") as info:
        ours.apply_chat_template(bad)
    assert info.value.key == "messages"
    with pytest.raises(ChatTemplateError, match="Only user and assistant roles are supported!"):
        ours.apply_chat_template([{"role": "user", "content": "Hi"}, {"role": "system", "content": "x"}])


@pytest.mark.parametrize("template", HOSTILE)
def test_a_hostile_template_is_refused_not_run(pairs, template):
    ours, _ = pairs["smollm2"]
    messages = [{"role": "user", "content": "Hi"}]
    with pytest.raises(ChatTemplateError, match="sandbox") as info:
        ours.apply_chat_template(messages, chat_template=template, tokenize=False)
    assert info.value.key == "chat_template"
    assert messages == [{"role": "user", "content": "Hi"}]  # nothing was changed


def test_transformers_refuses_the_same_templates_in_its_own_way(pairs):
    import jinja2

    _, theirs = pairs["smollm2"]
    with pytest.raises(jinja2.exceptions.SecurityError):
        theirs.apply_chat_template(SHORT, chat_template=HOSTILE[0], tokenize=False)


def test_objects_reach_the_template_only_as_plain_data():
    class Secret:
        def run(self):  # pragma: no cover - the template must not be able to call it
            raise AssertionError("called")

    text = render_chat("{{ messages[0]['content'] }}|{{ extra }}", [[{"role": "user", "content": Secret()}]],
                       extra=Secret())
    assert text == ["<Secret>|<Secret>"]


def test_bad_jinja_names_the_line(pairs):
    ours, _ = pairs["smollm2"]
    with pytest.raises(ChatTemplateError, match=r"not valid Jinja \(line 2\)"):
        ours.apply_chat_template(SHORT, chat_template="ok\n{% for m in messages %}", tokenize=False)


def test_an_empty_conversation_is_refused(pairs):
    ours, _ = pairs["smollm2"]
    with pytest.raises(ChatTemplateError, match="non-empty list of messages"):
        ours.apply_chat_template([])
    with pytest.raises(ChatTemplateError, match="should be a dict"):
        ours.apply_chat_template(["Hello"])


def test_generation_blocks_render_their_text(pairs):
    ours, theirs = pairs["smollm2"]
    template = ("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}"
                "{% endgeneration %}{% else %}{{ m.content }}{% endif %}\n{% endfor %}")
    assert ours.apply_chat_template(CHAT, chat_template=template, tokenize=False) == \
        theirs.apply_chat_template(CHAT, chat_template=template, tokenize=False)
