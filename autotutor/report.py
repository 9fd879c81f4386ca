"""Step 6 of `from_pretrained`: the load report, what happened to every weight of the checkpoint.

Each weight was loaded as it is, newly initialised (the checkpoint lacked it: a new task head), left unused
(the checkpoint had it, the model does not), renamed from a legacy name, or refused for its shape. The report
is a table in a notebook (`_repr_html_`), a logged warning in a script, and always `model.load_report`.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from .i18n import Text, _, bdi_code, direction, ngettext, printed

__all__ = ["LoadReport", "show_report"]

logger = logging.getLogger("autotutor")
_CODE = re.compile(r"`([^`]+)`")


def _collapse(keys: list[str]) -> list[str]:
    """Group names that differ only by layer number: 'encoder.layer.{0..5}.output.dense.weight'."""
    groups: dict[str, list[int]] = {}
    for key in keys:
        m = re.search(r"\.(\d+)\.", key)
        if m is None:
            groups.setdefault(key, [])
            continue
        pattern = key[: m.start()] + ".{}." + key[m.end():]
        groups.setdefault(pattern, []).append(int(m.group(1)))
    out = []
    for pattern, numbers in groups.items():
        if not numbers:
            out.append(pattern)
        elif len(numbers) == 1:
            out.append(pattern.replace("{}", str(numbers[0])))
        else:
            lo, hi = min(numbers), max(numbers)
            label = f"{{{lo}..{hi}}}" if sorted(numbers) == list(range(lo, hi + 1)) else "{" + ",".join(map(str, sorted(numbers))) + "}"
            out.append(pattern.replace("{}", label))
    return out


@dataclass
class LoadReport:
    """What `from_pretrained` did with each weight.

    loaded: taken from the checkpoint. newly_initialized: not in the checkpoint (usually a new task head that
    must be trained). unexpected: in the checkpoint, unused by this architecture (a head it does not have).
    mismatched: same name, different shape (only with `ignore_mismatched_sizes=True`; re-initialised).
    renamed: legacy names converted. tied: parameters shared with another one, as the config asks.
    """

    model_class: str
    source: str
    loaded: list[str] = field(default_factory=list)
    newly_initialized: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    tied: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None  # what the course pack says of its copy (real or stand-in), when it served the files
    # Where the files come from as an error names it (`Checkpoint.describe()`, translated when it is read).
    origin: Text | None = field(default=None, repr=False, compare=False)

    @property
    def is_clean(self) -> bool:
        """True when every weight came from the checkpoint and every checkpoint tensor was used."""
        return not (self.newly_initialized or self.unexpected or self.mismatched)

    def rows(self) -> list[tuple[str, str, str]]:
        """(status, weights, note) rows, layer numbers collapsed: the table learners read, in their language."""
        return [(status, what, note) for status, what, note, _is_name in self._rows()]

    def _rows(self) -> list[tuple[str, str, str, bool]]:
        """`rows()`, each with whether its weights cell is a weight's name (code) or a count in words (prose)."""
        tensors = ngettext("{count} tensor", "{count} tensors", len(self.loaded)).format(count=len(self.loaded))
        rows = [(_("loaded"), tensors, _("from the checkpoint"), False)]
        if self.note:
            rows.insert(0, (_("PACK"), _("course pack copy"), _(self.note), False))
        for name in _collapse(self.newly_initialized):
            rows.append((_("NEW"), name, _("not in the checkpoint: newly initialized, train it before use"), True))
        for name, ckpt_shape, model_shape in self.mismatched:
            rows.append((_("MISMATCH"), name, _("checkpoint {checkpoint_shape} vs model {model_shape}: re-initialized")
                         .format(checkpoint_shape=list(ckpt_shape), model_shape=list(model_shape)), True))
        for name in _collapse(self.unexpected):
            rows.append((_("UNUSED"), name, _("in the checkpoint, not used by this architecture"), True))
        for old, new in self.renamed[:1]:
            names = ngettext("{count} legacy name", "{count} legacy names", len(self.renamed))
            rows.append((_("renamed"), names.format(count=len(self.renamed)),
                         _("e.g. {old} → {new}").format(old=old, new=new), False))
        for target, source in self.tied:
            rows.append((_("tied"), target, _("shares its values with {source}").format(source=source), True))
        return rows

    def __str__(self) -> str:
        head = _("Load report: {model_class} from {source}").format(model_class=self.model_class,
                                                                    source=_CODE.sub(r"\1", self.source))
        width = max(len(r[1]) for r in self.rows())
        lines = [head] + [f"  {status:<9} {what:<{width}}  {note}" for status, what, note in self.rows()]
        return printed("\n".join(lines))

    def _repr_html_(self) -> str:
        from html import escape

        # A weight's name is code, kept left to right; a count in words is prose in the learner's language.
        body = "".join(
            f"<tr><td><b>{escape(s)}</b></td><td>{bdi_code(w) if is_name else escape(w)}</td>"
            f"<td>{escape(n)}</td></tr>"
            for s, w, n, is_name in self._rows()
        )
        # The source is a sentence in the learner's language with its names as `code`: each name keeps its own
        # left-to-right order inside Arabic.
        source = "".join(bdi_code(part) if i % 2 else escape(part) for i, part in enumerate(_CODE.split(self.source)))
        summary = escape(_("Load report: {model_class} from {source}")).format(
            model_class=bdi_code(self.model_class), source=source)
        headers = "".join(f"<th>{escape(h)}</th>" for h in (_("status"), _("weights"), _("note")))
        return (
            f'<details open dir="{direction()}"><summary>{summary}</summary><table><tr>{headers}</tr>'
            f"{body}</table></details>"
        )

    def as_loading_info(self) -> dict[str, list[Any]]:
        """The dict transformers returns with `output_loading_info=True`."""
        return {
            "missing_keys": list(self.newly_initialized),
            "unexpected_keys": list(self.unexpected),
            "mismatched_keys": [(k, c, m) for k, c, m in self.mismatched],
            "error_msgs": [],
        }


def show_report(report: LoadReport) -> None:
    """A table in a notebook, a logged warning in a script; silent when everything was loaded as is from the
    real checkpoint (a course-pack stand-in is always said)."""
    if report.is_clean and report.note is None:
        return
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display

        display(report)
    else:
        logger.warning("%s", report)
