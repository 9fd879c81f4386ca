"""The words of the website's live explorers: every message their scripts show is a catalog message, in each
language as the catalogs have it, with the catalog's plural forms.

(The explorers themselves run in a browser: tests/browser/test_live.py.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autotutor.i18n import LANGUAGES, plural_rule, translate
from autotutor.widgets.live_labels import CHAT_TEMPLATE_MESSAGES, PLURALS, TOKENIZER_EXPLORER_MESSAGES, labels

LIVE_SCRIPTS = Path(__file__).resolve().parents[1] / "book" / "_static" / "live"
# _("...") or _("..." + "..."), and ngettext("...", "...", n), in the page scripts.
_STRING = r'"(?:[^"\\]|\\.)*"'
_CALL = re.compile(rf"\b(_|ngettext)\(\s*({_STRING}(?:\s*\+\s*{_STRING})*)")


def _messages_in_scripts() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for script in sorted(LIVE_SCRIPTS.glob("*.js")):
        for function, literal in _CALL.findall(script.read_text(encoding="utf-8")):
            text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', literal)).encode().decode("unicode_escape")
            found.setdefault(function, set()).add(text)
    return found


def test_every_message_the_scripts_show_is_listed_for_the_catalogs():
    found = _messages_in_scripts()
    listed = set(TOKENIZER_EXPLORER_MESSAGES) | set(CHAT_TEMPLATE_MESSAGES)
    assert len(found["_"]) > 30
    assert found["_"] - listed == set()
    assert listed - found["_"] == set()  # nothing listed that no page shows
    assert found["ngettext"] <= set(PLURALS)


def test_the_listed_messages_are_extracted_into_the_catalog_template():
    from autotutor.course.translations import _template

    template = {message.id if isinstance(message.id, str) else message.id[0] for message in _template() if message.id}
    listed = set(TOKENIZER_EXPLORER_MESSAGES) | set(CHAT_TEMPLATE_MESSAGES) | set(PLURALS)
    assert listed - template == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_are_the_catalogs_words_in_each_language(lang):
    table = labels(lang)
    assert table["lang"] == lang and table["dir"] == ("rtl" if lang == "ar" else "ltr")
    assert table["messages"] == {message: translate(message, lang) for message in table["messages"]}
    if lang != "en":  # the notebook explorer's own labels are translated already
        assert table["messages"]["Texts"] != "Texts"
        assert table["messages"]["Type a text above to see its tokens."] != "Type a text above to see its tokens."


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_follow_the_catalog(lang):
    """The page evaluates the catalog's Plural-Forms expression as JavaScript (live.js); in Node.js, which the
    site's build needs anyway, it must pick gettext's form for every count, and there must be that many forms."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js not found: the course website needs it (Debian: apt-get install npm).")
    table = labels(lang)
    script = f"console.log(JSON.stringify([...Array(300).keys()].map(n => Number({table['plural_forms']}))))"
    picked = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    rule = plural_rule(lang)
    assert picked == [rule(n) for n in range(300)]
    assert len(table["plurals"]["{n} token"]) == max(picked) + 1
