"""An error as a lesson shows it: its class, its sentence in the learner's language and, in French or Arabic,
the English original folded underneath, one click away: the words a web search finds.
"""

from __future__ import annotations

import html

from ..errors import AutotutorError
from ..i18n import _, get_language
from ..lessons.refusals import message_of
from ._html import container, prose

__all__ = ["error_html", "show_error"]


def error_html(err: BaseException) -> str:
    body = f"<p><code>{html.escape(type(err).__name__)}</code>: {prose(message_of(err))}</p>"
    if get_language() != "en" and isinstance(err, AutotutorError):
        summary = _("The same message in English, to search the web with")
        body += (f"<details><summary>{html.escape(summary)}</summary>"
                 f'<p dir="ltr" lang="en">{prose(err.english)}</p></details>')
    return container(body)


def show_error(err: BaseException) -> None:
    """Display `error_html(err)` below the cell."""
    from IPython.display import HTML, display

    display(HTML(error_html(err)))
