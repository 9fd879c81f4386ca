"""How a lesson prints an error autotutor raised: its class and its sentence in the learner's language.
(`widgets/refusal.py` shows it as HTML, with the English original one click away.)

    >>> from autotutor.errors import ConfigError
    >>> error_line(ConfigError("num_labels must be a positive integer, got {value!r}.", value=0))
    'ConfigError: num_labels must be a positive integer, got 0.'
"""

from __future__ import annotations

from ..errors import AutotutorError
from ..i18n import printed

__all__ = ["error_line", "message_of"]


def message_of(err: BaseException) -> str:
    """The error's sentence in the learner's language, without the line isolation `str()` adds in Arabic."""
    return err.text.render() if isinstance(err, AutotutorError) else str(err)


def error_line(err: BaseException) -> str:
    """`ConfigError: <its sentence>` for `print()`; in Arabic the line is isolated right to left (`printed`)."""
    return printed(f"{type(err).__name__}: {message_of(err)}")
