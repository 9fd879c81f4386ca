"""The language switch a lesson shows in its first cell: English, Français, العربية.

Choosing a language calls `set_language`, and every widget listening (`on_language_change`) redraws in it.
The notebook's prose stays as it was generated: open `notebooks/<lang>/` for a lesson written in that language.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..i18n import LANGUAGES, _, get_language, on_language_change, set_language
from ._html import follow_direction

__all__ = ["language_choices", "language_switch", "switch_label"]

# Each language is named in itself, the way its speakers look for it in a menu, so these names are the same in
# every language and are not translated.
_ENDONYMS = {"en": "English", "fr": "Français", "ar": "العربية"}


def language_choices() -> list[tuple[str, str]]:
    """(name shown, language code) for each language, in `LANGUAGES` order."""
    return [(_ENDONYMS[lang], lang) for lang in LANGUAGES]


def switch_label() -> str:
    """The switch's label in the current language."""
    return _("Language of the widgets:")


def language_switch() -> widgets.HBox:
    """A label and three buttons; a click switches every widget of the lesson to that language.

    In Arabic the row runs right to left: the label on the right, then the buttons, English last (the rtl class
    takes effect through the style the lesson's other widgets bring, see `_html._STYLE`).
    """
    label = widgets.Label(value=switch_label())
    buttons = widgets.ToggleButtons(options=language_choices(), value=get_language(),
                                    tooltip=_("Show the widgets in this language"),
                                    tooltips=[_("Show the widgets in this language")] * len(LANGUAGES))

    def chosen(change: dict) -> None:
        if change["new"] != get_language():
            set_language(change["new"])

    def redraw(lang: str) -> None:  # also follows a set_language called from code
        label.value = switch_label()
        buttons.tooltip = _("Show the widgets in this language")
        buttons.tooltips = [_("Show the widgets in this language")] * len(LANGUAGES)
        buttons.value = lang
        follow_direction(switch)

    switch = widgets.HBox([label, buttons], layout=widgets.Layout(align_items="center"))
    switch.add_class("autotutor-language-switch")  # a stable hook for the page's tests and styles
    follow_direction(switch)
    buttons.observe(chosen, names="value")
    on_language_change(redraw)
    return switch
