"""The exercises' framework: a task, a check that answers *right* or *not yet, and why*, a hint, a solution.

An exercise ends a lesson. The learner writes a function in a code cell and passes it to `ex.check(...)`; the
check runs that function on fresh inputs the learner never saw (so printing the expected output, or hard-coding
it, cannot pass) and looks at what came back: objects, tensors, shapes, ids. Each common mistake gets its own
verdict code and message. A check never raises on a wrong answer: it classifies it.

    Verdict            passed, a stable code ("right", "not_done", "wrong_padding_side", …), a message (msgid)
    right(), not_yet() the two ways to make one
    Exercise           id, lesson, title, task, hint, solution, check, wrong_example, wrong_code;
                       `judge(answer)` is `check` with a blank answered and a failing check caught
    is_blank(answer)   the cell was left as it came: `...`, None, or a function whose body is only `...`
    attempt(fn, ...)   call the learner's function safely: blank, exception or `None` become a verdict

Every sentence here is an `N_()` msgid in English (with `{fields}`), put into the learner's language when shown.
The notebook's side (`ex.check(...)`, `ex.hint()`, `ex.solution()`) follows Kaggle Learn's exercises
(https://github.com/Kaggle/learntools); here the inputs are drawn afresh at every check.
"""

from __future__ import annotations

import contextlib
import dis
import io
import logging
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from ...i18n import N_, Text

__all__ = ["Attempt", "Exercise", "Verdict", "attempt", "is_blank", "not_done", "not_yet", "right"]


@dataclass(frozen=True)
class Verdict:
    """What a check says about one answer."""

    passed: bool
    code: str  # a stable classification: "right", "not_done", "wrong_padding_side", … (counted in progress)
    message: str  # the msgid: English, with {fields}
    fields: dict = field(default_factory=dict, hash=False)

    def text(self, lang: str | None = None) -> str:
        """The message in `lang` (default: the current language), its fields filled in."""
        return Text(self.message, **self.fields).render(lang)


def right(message: str = N_("Right."), **fields: Any) -> Verdict:
    """A passing verdict; `message` is an `N_()` msgid."""
    return Verdict(True, "right", message, fields)


def not_yet(code: str, message: str, **fields: Any) -> Verdict:
    """A verdict that says what is still wrong: `code` classifies the mistake, `message` is an `N_()` msgid."""
    return Verdict(False, code, message, fields)


def not_done() -> Verdict:
    """The verdict for a blank left as it came."""
    return not_yet("not_done", N_("Not yet: fill in the blank (the `...`) with your code, run the cell, then "
                                  "check again."))


def is_blank(answer: object) -> bool:
    """True for what an untouched cell gives: `...`, None, or a function whose body is only `...` (or a
    docstring, or `pass`): a function that does nothing and returns None.

        >>> def pad_batch(tokenizer, texts):
        ...     ...
        >>> is_blank(pad_batch), is_blank(...), is_blank(len)
        (True, True, False)
    """
    if answer is None or answer is Ellipsis:
        return True
    code = getattr(answer, "__code__", None)
    if code is None:
        return False
    # Read the bytecode, not the source (a function defined in a cell may have none to read): a body of `...`
    # compiles to "return None" alone, whatever the Python version writes around it.
    steps = [(step.opname, step.argval) for step in dis.get_instructions(code)
             if step.opname not in ("RESUME", "NOP", "CACHE")]
    return steps in ([("RETURN_CONST", None)], [("LOAD_CONST", None), ("RETURN_VALUE", None)])


@dataclass
class Attempt:
    """One call of the learner's function: what it returned, the warnings it raised, or the verdict that ends
    the check there (blank, an exception, nothing returned)."""

    value: Any = None
    verdict: Verdict | None = None
    warnings: list[warnings.WarningMessage] = field(default_factory=list)
    error: Exception | None = None  # what the learner's function raised, for a check that classifies it further

    def warned(self, text: str) -> bool:
        """Whether one of the warnings' messages contains `text`."""
        return any(text in str(caught.message) for caught in self.warnings)


def attempt(answer: object, *args: Any, **kwargs: Any) -> Attempt:
    """Call the learner's function `answer(*args, **kwargs)`, catching what must not escape a check.

    A blank gives `not_done`; something that is not a function, `not_a_function`; an exception,
    `raised` (with its type and message); `None` returned, `returned_nothing` (the function printed its answer,
    or forgot `return`). Warnings are recorded on the `Attempt`; what the function prints or displays is not
    shown.
    """
    if is_blank(answer):
        return Attempt(verdict=not_done())
    if not callable(answer):
        return Attempt(verdict=not_yet(
            "not_a_function", N_("Not yet: pass your function itself, e.g. `ex.check(my_function)` without "
                                 "brackets; this check got a {kind}."), kind=type(answer).__name__))
    with warnings.catch_warnings(record=True) as caught, _quietly():
        warnings.simplefilter("always")
        try:
            value = answer(*args, **kwargs)
        except Exception as err:  # a wrong answer, not a crash of the lesson: classify it
            return Attempt(verdict=not_yet(
                "raised", N_("Not yet: your function raised {error}: {detail}"),
                error=type(err).__name__, detail=str(err)), warnings=list(caught), error=err)
    if value is None:
        return Attempt(verdict=not_yet(
            "returned_nothing", N_("Not yet: your function returned nothing (`None`). Use `return` to hand back "
                                   "the result; printing it is not enough.")), warnings=list(caught))
    return Attempt(value=value, warnings=list(caught))


@contextlib.contextmanager
def _quietly():
    """Keep what the learner's function prints or displays (a load report, a debugging print) on the check's
    inputs out of the cell: the verdict is what the learner reads there."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    logger = logging.getLogger("autotutor")  # where a script gets a load report
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        if shell is not None:
            from IPython.utils.capture import capture_output

            with capture_output(stdout=True, stderr=False, display=True):
                yield
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True)
class Exercise:
    """One exercise: the texts a learner reads, a correct and a typical wrong answer, and the check."""

    id: str  # "01.pad_batch": the lesson's number, a dot, a short snake_case name
    lesson: str  # "01_autotokenizer"
    title: str  # N_ msgid, short
    task: str  # N_ msgid, Markdown: what to do
    hint: str  # N_ msgid
    solution: str  # Python source of a correct answer (not translated)
    check: Callable[..., Verdict]  # what the learner's cell produced → a Verdict; never raises on a wrong answer
    wrong_example: str  # Python source of a typical wrong answer (the tests assert its verdict code)
    wrong_code: str  # the verdict code `wrong_example` gets

    def judge(self, answer: object) -> Verdict:
        """`check(answer)`, with a blank answered `not_done` and a check that fails by itself kept from
        crashing the lesson (`check_failed`, with the reason)."""
        if is_blank(answer):
            return not_done()
        try:
            return self.check(answer)
        except Exception as err:
            return not_yet("check_failed", N_("Not yet: the check could not finish ({error}: {detail}). Look "
                                              "at the task again, or ask for `ex.hint()`."),
                           error=type(err).__name__, detail=str(err))
