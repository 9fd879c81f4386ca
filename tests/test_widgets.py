"""The lesson widgets and the helpers behind them: what they show for an input, in each language, without a browser."""

from __future__ import annotations

import re

import pytest

from autotutor import AutoTokenizer
from autotutor.i18n import _, set_language
from autotutor.lessons.autotokenizer import (
    PADDING_COLOUR,
    PALETTE,
    SPECIAL_COLOUR,
    checkpoint_origin,
    count_tokens,
    hobbit_question,
    mask_question,
    piece_table,
    pieces_with_colours,
    round_trip,
)
from autotutor.widgets._html import RTL_CLASS, container, plain, prose
from autotutor.widgets.quiz import Quiz, feedback_html, question_html
from autotutor.widgets.tokenizer_explorer import MAX_TEXTS, TokenizerExplorer, call_text, explorer_html

HOBBIT = "In a hole in the ground there lived a hobbit."
HOBBIT_IDS = [101, 1999, 1037, 4920, 1999, 1996, 2598, 2045, 2973, 1037, 7570, 10322, 4183, 1012, 102]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(scope="module")
def tok(minilm_dir):
    """bert-base-uncased's real tokenizer (all-MiniLM-L6-v2 ships it unchanged)."""
    return AutoTokenizer.from_pretrained(minilm_dir)


# ---------------------------------------------------------------------------------------------------------------
# The lesson's helpers
# ---------------------------------------------------------------------------------------------------------------
def test_pieces_of_the_hobbit_sentence(tok):
    pieces = pieces_with_colours(tok(HOBBIT)[0])
    assert [p.id for p in pieces] == HOBBIT_IDS
    assert [p.text for p in pieces][10:13] == ["ho", "##bb", "##it"]
    assert [p.is_special for p in pieces] == [True] + [False] * 13 + [True]
    assert pieces[0].colour == pieces[-1].colour == SPECIAL_COLOUR
    # the pieces of one word share a colour; neighbouring words differ
    assert pieces[10].colour == pieces[11].colour == pieces[12].colour
    assert pieces[9].colour != pieces[10].colour != pieces[13].colour
    assert all(p.colour in PALETTE for p in pieces[1:-1])
    assert all(p.attention == 1 and not p.is_padding for p in pieces)


def test_pieces_of_a_padded_row(tok):
    batch = tok([HOBBIT, "A short one."], padding=True)
    short = pieces_with_colours(batch[1])
    assert len(short) == 15
    assert [p.text for p in short[5:]] == ["[SEP]"] + ["[PAD]"] * 9
    assert [p.attention for p in short] == [1] * 6 + [0] * 9
    assert all(p.is_padding and p.is_special and p.colour == PADDING_COLOUR for p in short[6:])
    assert not short[5].is_padding


def test_piece_table_lines_up_pieces_and_ids(tok):
    lines = piece_table(tok, HOBBIT).splitlines()
    assert lines[0].split() == ["word-piece", "id"]
    assert lines[1].split() == ["[CLS]", "101", "special", "token"]
    assert lines[12].split() == ["##bb", "10322"]
    assert len({len(line) for line in lines[2:-1]}) == 1  # the ids end in one column


def test_round_trip_verdicts(tok):
    assert round_trip(tok, "a hobbit.").verdict == "identical"
    lowered = round_trip(tok, HOBBIT)
    assert lowered.ids == HOBBIT_IDS
    assert (lowered.decoded, lowered.verdict) == ("in a hole in the ground there lived a hobbit.", "normalized")
    assert round_trip(tok, "Un élève à l'école.").verdict == "normalized"
    assert round_trip(tok, "I ❤ tea").verdict == "lossy"  # ❤ is [UNK]
    cut = round_trip(tok, HOBBIT, max_length=5)
    assert (cut.decoded, cut.verdict) == ("in a hole", "lossy")
    assert str(cut).splitlines() == [HOBBIT, "in a hole", cut.explanation().format(unk="[UNK]")]


def test_quiz_questions_are_consistent():
    for question in (hobbit_question(), mask_question()):
        assert len(question.choices) == len(question.feedback) >= 3
        assert 0 <= question.answer < len(question.choices)
        assert len(set(question.choices)) == len(question.choices)


def test_token_count_follows_the_plural_rules():
    assert count_tokens(1) == "1 token"
    assert count_tokens(15) == "15 tokens"
    set_language("ar")
    forms = {count_tokens(n).replace(str(n), "N") for n in (0, 1, 2, 3, 11, 100)}
    assert len(forms) >= 4  # Arabic: dual, 3-10, 11-99, ... each their own form


def test_checkpoint_origin_of_a_folder_says_the_files_are_real(minilm_dir):
    expected = f"{minilm_dir}: the real files, from the Hugging Face Hub or your cache."
    assert checkpoint_origin(str(minilm_dir)) == expected


def test_checkpoint_origin_from_the_pack_shows_the_packs_note_translated(monkeypatch):
    """Served by the pack: two lines, the second the pack's own note (autotutor.pack.note), in the lesson's language."""
    from autotutor import checkpoint as files
    from autotutor import pack
    from autotutor.pack.catalog import CATALOG

    class PackCheckpoint:
        from_pack = True

        def get(self, filename):
            return None

    repo_id = "google-bert/bert-base-uncased"
    monkeypatch.setattr(files, "open_checkpoint", lambda name: PackCheckpoint())
    monkeypatch.setattr(pack, "note", lambda name: CATALOG[name].summary)
    english = checkpoint_origin(repo_id).splitlines()
    assert english[0].startswith(repo_id) and "offline course pack" in english[0]
    assert english[1] == f"What the pack says of its copy: {CATALOG[repo_id].summary}"
    set_language("fr")
    french = checkpoint_origin(repo_id).splitlines()
    assert french[1] == _("What the pack says of its copy: {note}").format(note=_(CATALOG[repo_id].summary))
    assert "offline stand-in" not in french[1] and "all-MiniLM-L6-v2" in french[1]


# ---------------------------------------------------------------------------------------------------------------
# HTML shared by the widgets
# ---------------------------------------------------------------------------------------------------------------
def test_prose_keeps_inline_code_left_to_right_and_escapes_the_rest():
    assert prose("Use `a<b>` & co") == 'Use <bdi dir="ltr"><code>a&lt;b&gt;</code></bdi> &amp; co'
    assert plain("Use `[PAD]` here") == "Use [PAD] here"


@pytest.mark.parametrize("lang,direction", [("en", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
def test_container_carries_language_and_direction(lang, direction):
    set_language(lang)
    assert container("x").startswith(f'<div class="autotutor-widget" lang="{lang}" dir="{direction}">')


# ---------------------------------------------------------------------------------------------------------------
# The tokenizer explorer
# ---------------------------------------------------------------------------------------------------------------
def test_call_text_is_the_code_a_learner_would_write():
    assert call_text(["hi"], padding=False, truncation=False, max_length=8) == "tokenizer('hi')"
    assert (call_text(["a", "b"], padding=True, truncation=True, max_length=8)
            == "tokenizer(texts, padding=True, truncation=True, max_length=8)")
    assert (call_text(["a"], padding="max_length", truncation=False, max_length=4, add_special_tokens=False)
            == "tokenizer('a', add_special_tokens=False, padding='max_length', max_length=4)")


def _cells(html: str) -> list[str]:
    """The texts of the explorer's token cells, in order."""
    return re.findall(r'<td title="[^"]*" style="[^"]*"><bdi dir="ltr">([^<]*)</bdi></td>', html)


def test_explorer_shows_pieces_ids_mask_and_round_trip(tok):
    html = explorer_html(tok, HOBBIT)
    assert _cells(html) == [p.text for p in pieces_with_colours(tok(HOBBIT)[0])]
    for token_id in HOBBIT_IDS:
        assert f">{token_id}</td>" in html
    assert "<code>attention_mask</code>" in html and "<code>input_ids</code>" in html
    assert "in a hole in the ground there lived a hobbit." in html  # the decoded text
    assert "The same words, normalized" in html
    assert html == explorer_html(tok, HOBBIT)  # deterministic: no ids, no times


def test_explorer_batch_padding_and_truncation(tok):
    texts = HOBBIT + "\n\nA short one.\n"  # blank lines are not texts
    unpadded = explorer_html(tok, texts)
    assert "choose " in unpadded and "padding=True" in unpadded
    padded = explorer_html(tok, texts, padding=True)
    assert _cells(padded).count("[PAD]") == 9
    assert "Every row is 15 tokens long" in padded
    cut = explorer_html(tok, texts, padding=True, truncation=True, max_length=8)
    assert _cells(cut)[:8] == ["[CLS]", "in", "a", "hole", "in", "the", "ground", "[SEP]"]
    assert _cells(cut).count("[PAD]") == 2
    assert cut.count("Truncated:") == 1  # only the long text was cut
    assert "tokenizer(texts, padding=True, truncation=True, max_length=8)" in cut
    fixed = explorer_html(tok, "a hobbit", padding="max_length", max_length=10)
    assert _cells(fixed).count("[PAD]") == 4
    bare = explorer_html(tok, "a hobbit", add_special_tokens=False)
    assert _cells(bare) == ["a", "ho", "##bb", "##it"]


def test_explorer_takes_french_and_arabic(tok):
    french = explorer_html(tok, "Un élève")
    assert _cells(french) == ["[CLS]", "un", "el", "##eve", "[SEP]"]
    arabic = explorer_html(tok, "مرحبا")
    assert _cells(arabic)[1:3] == ["م", "##ر"]


def test_explorer_shows_at_most_a_few_texts(tok):
    html = explorer_html(tok, "\n".join(f"text {i}" for i in range(MAX_TEXTS + 3)))
    assert html.count("<h4>") == MAX_TEXTS and f"Only the first {MAX_TEXTS} lines are shown." in html


def test_explorer_empty_text(tok):
    assert "Type a text above" in explorer_html(tok, "  \n ")


def test_explorer_widget_follows_its_controls_and_the_language(tok):
    explorer = TokenizerExplorer(tok, HOBBIT + "\nA short one.")
    assert repr(explorer) == f"TokenizerExplorer({tok.name_or_path!r})"
    assert explorer._picture.value == explorer_html(tok, HOBBIT + "\nA short one.")
    assert explorer._max_length.disabled
    explorer._padding.value = True
    assert "[PAD]" in explorer._picture.value
    explorer._truncation.value = True
    explorer._max_length.value = 8
    assert explorer._picture.value == explorer_html(tok, HOBBIT + "\nA short one.", padding=True, truncation=True,
                                                    max_length=8)
    assert not explorer._max_length.disabled
    # the toggle buttons read as the argument written in code, so their text (and accessible name) is their state
    assert (explorer._truncation.description, explorer._special.description) == (
        "truncation=True", "add_special_tokens=True")
    explorer._special.value = False
    assert explorer._special.description == "add_special_tokens=False"
    assert "add_special_tokens=False" in explorer._picture.value  # the call the picture shows
    explorer._special.value = True
    english = explorer._picture.value

    set_language("fr")
    assert explorer._picture.value != english
    assert explorer._picture.value.startswith('<div class="autotutor-widget" lang="fr" dir="ltr">')
    assert _("word-piece") in explorer._picture.value and _("word-piece") != "word-piece"
    assert RTL_CLASS not in explorer._dom_classes

    set_language("ar")
    assert explorer._picture.value.startswith('<div class="autotutor-widget" lang="ar" dir="rtl">')
    assert RTL_CLASS in explorer._dom_classes
    assert '<div dir="ltr" style="overflow-x:auto">' in explorer._picture.value  # the token table stays ltr
    assert repr(explorer) == f"TokenizerExplorer({tok.name_or_path!r})"

    set_language("en")
    assert explorer._picture.value == english and RTL_CLASS not in explorer._dom_classes


def test_every_widgets_html_brings_the_style_the_page_needs():
    """The <style> in each widget's HTML: rtl boxes, typed lines in their own direction, wide tables that scroll."""
    page = container("<p>x</p>")
    style = page[page.index("<style>"):page.index("</style>")]
    assert f".{RTL_CLASS} {{ direction: rtl; }}" in style
    assert f".{RTL_CLASS} textarea, .{RTL_CLASS} input[type=text] {{ unicode-bidi: plaintext; }}" in style
    assert ".widget-html-content:has(> .autotutor-widget) { min-width: 0; }" in style
    # in Arabic a control's label is on its right: the gap between them goes on the label's left
    assert (f".{RTL_CLASS} .widget-inline-hbox > .widget-label {{ margin-right: 0; "
            "margin-left: calc(var(--jp-widgets-inline-margin) * 2); }") in style
    assert ".widget-toggle-buttons > .widget-label { margin-inline-end: calc(var(--jp-widgets-inline-margin) * 2); }" \
        in style


def test_tooltip_box_shows_its_controls_tooltip():
    """ipywidgets 8 draws a box's tooltip only if the box has a (synced) description; the box follows relabels."""
    import ipywidgets as widgets

    from autotutor.widgets._html import TooltipBox

    control = widgets.SelectMultiple(options=["a"], description="out_indices", tooltip="first")
    box = TooltipBox(control)
    assert box.children == (control,) and box.tooltip == "first"
    assert "description" in box.keys and box.description == ""  # synced: the browser reads it
    control.tooltip = "second"
    assert box.tooltip == "second"


def test_tokenizer_explorer_labels_its_text_box_and_padding_list_in_each_language(tok):
    """The description is the visible label and the accessible name; it follows the language like the tooltip."""
    explorer = TokenizerExplorer(tok, HOBBIT)
    assert (explorer._text.description, explorer._padding.description) == ("Texts", "padding")
    set_language("fr")
    assert (explorer._text.description, explorer._padding.description) == ("Textes", "remplissage")
    set_language("ar")
    assert (explorer._text.description, explorer._padding.description) == ("النصوص", "حشو")
    assert explorer._text.tooltip == _("One text per line: each line is a sequence of the batch")


# ---------------------------------------------------------------------------------------------------------------
# The quiz
# ---------------------------------------------------------------------------------------------------------------
def test_feedback_for_each_choice():
    question = hobbit_question()
    assert "Pick an answer first." in feedback_html(question, None)
    right = feedback_html(question, question.answer)
    assert "✔" in right and "Correct!" in right
    for wrong in set(range(len(question.choices))) - {question.answer}:
        html = feedback_html(question, wrong)
        assert "✘" in html and prose(question.feedback[wrong]) in html
    assert '<bdi dir="ltr"><code>##bb</code></bdi>' in question_html(question)


def test_quiz_widget_checks_and_follows_the_language():
    quiz = Quiz(hobbit_question)
    assert quiz._feedback.value == ""  # nothing is judged before the button
    assert quiz._choices.value is None
    assert repr(quiz) == "Quiz('The tokenizer turned “hobbit” into three pieces: ho, ##bb, ##it. Why?')"
    assert "Correct!" in quiz.answer(0)
    assert "Not this one." in quiz.answer(2)

    set_language("fr")
    french = hobbit_question()
    assert quiz._question_box.value == question_html(french) and "hobbit" in french.question
    assert quiz._choices.value == 2  # the learner's choice survives the switch
    assert [label for label, _index in quiz._choices.options] == [plain(c) for c in french.choices]
    assert quiz._button.description == _("Check my answer") != "Check my answer"
    assert quiz._feedback.value == feedback_html(french, 2)
    assert 'lang="fr"' in quiz._feedback.value

    set_language("ar")
    assert RTL_CLASS in quiz._dom_classes
    assert 'dir="rtl"' in quiz._question_box.value
    assert '<bdi dir="ltr"><code>##bb</code></bdi>' in quiz._question_box.value


def test_quiz_translations_keep_the_inline_code():
    """Translators keep `ho`, `##bb`: the code spans of every question and feedback survive in every language."""
    spans = re.compile(r"`[^`]+`")
    english = [hobbit_question(), mask_question()]
    for lang in ("fr", "ar"):
        set_language(lang)
        for before, after in zip(english, [hobbit_question(), mask_question()]):
            for a, b in zip((before.question, *before.choices, *before.feedback),
                            (after.question, *after.choices, *after.feedback)):
                assert b != a and sorted(spans.findall(a)) == sorted(spans.findall(b))
