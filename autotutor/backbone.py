"""Backbones: a vision model that hands feature maps from chosen stages to a detection or segmentation head.

A backbone's config names its stages (`stage_names`, e.g. ["stem", "stage1", ..., "stage4"]) and which of them
to return, either by name (`out_features=["stage2", "stage4"]`) or by position (`out_indices=(2, 4)`). This
module holds what every backbone shares: the rules for that choice, a config mixin that keeps the two forms
in step, a model mixin for `from_pretrained`, and the output. The architecture itself lives in its model file
(e.g. `SwinBackbone` in `models/swin.py`).

Example:
    >>> resolve_stages(["stem", "stage1", "stage2"], out_indices=(-1,))
    (['stage2'], [2])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

from .checkpoint import Checkpoint
from .errors import ConfigError
from .outputs import ModelOutput

__all__ = ["BackboneConfigMixin", "BackboneMixin", "BackboneOutput", "resolve_stages"]


def _valid(stage_names: Sequence[str]) -> str:
    """The stages as an error lists them after "valid stages:": `0 'stem', 1 'stage1', ...`."""
    return ", ".join(f"{i} {name!r}" for i, name in enumerate(stage_names))


def _by_name(stage_names: Sequence[str], out_features: Any) -> list[int]:
    if isinstance(out_features, str) or not isinstance(out_features, (list, tuple)):
        raise ConfigError("out_features must be a list of stage names, like ['stage1'], got {value!r}; "
                          "valid stages: {valid}.", valid=_valid(stage_names), key="out_features", value=out_features)
    unknown = [f for f in out_features if f not in stage_names]
    if unknown:
        raise ConfigError("out_features={selection!r} names unknown stages {unknown!r}; valid stages: {valid}.",
                          selection=list(out_features), unknown=unknown, valid=_valid(stage_names),
                          key="out_features", value=out_features)
    return [list(stage_names).index(f) for f in out_features]


def _by_index(stage_names: Sequence[str], out_indices: Any) -> list[int]:
    if not isinstance(out_indices, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in out_indices):
        raise ConfigError("out_indices must be a list of stage numbers, like (1, 3), got {value!r}; "
                          "valid stages: {valid}.", valid=_valid(stage_names), key="out_indices", value=out_indices)
    n = len(stage_names)
    wrong = [i for i in out_indices if not -n <= i < n]
    if wrong:
        raise ConfigError("out_indices={selection!r}: {wrong} out of range ({lowest}..{highest}); valid stages: {valid}.",
                          selection=list(out_indices), wrong=wrong, lowest=-n, highest=n - 1,
                          valid=_valid(stage_names), key="out_indices", value=out_indices)
    return [i % n for i in out_indices]  # negative indices count from the end, as in Python


def _check(stage_names: Sequence[str], indices: list[int], key: str, asked: Sequence[Any]) -> None:
    """`asked` (the value of the option `key`) resolved to `indices`: some stages, each once, in order."""
    selection = f"{key}={list(asked)!r}"
    if not indices:
        raise ConfigError("{selection} selects no stage; valid stages: {valid}.",
                          selection=selection, valid=_valid(stage_names), key=key, value=asked)
    if len(set(indices)) != len(indices):
        raise ConfigError("{selection} selects a stage twice; valid stages: {valid}.",
                          selection=selection, valid=_valid(stage_names), key=key, value=asked)
    if indices != sorted(indices):
        raise ConfigError("{selection} is not in the order of the stages (expected {expected}); valid stages: {valid}.",
                          selection=selection, expected=sorted(indices), valid=_valid(stage_names),
                          key=key, value=asked)


def resolve_stages(
    stage_names: Sequence[str],
    out_features: Sequence[str] | None = None,
    out_indices: Sequence[int] | None = None,
) -> tuple[list[str], list[int]]:
    """Which stages a backbone returns, as (names, indices), from either or both ways of asking.

    Neither given: the last stage. Negative indices count from the end. Unknown names, out-of-range indices,
    duplicates, an order other than the stages' own, or both forms naming different stages raise `ConfigError`
    (a ValueError). transformers 5.23 silently keeps `out_features` in that last case; autotutor says so.

    Example:
        >>> resolve_stages(["stem", "stage1", "stage2"], out_features=["stem", "stage2"])
        (['stem', 'stage2'], [0, 2])
    """
    by_name = by_index = None
    if out_features is not None:
        by_name = _by_name(stage_names, out_features)
        _check(stage_names, by_name, "out_features", out_features)
    if out_indices is not None:
        by_index = _by_index(stage_names, out_indices)
        _check(stage_names, by_index, "out_indices", out_indices)
    if by_name is not None and by_index is not None and by_name != by_index:
        raise ConfigError(
            "out_features={out_features!r} and out_indices={out_indices!r} select different stages "
            "({by_name} vs {by_index}). Give only one of them, or make them agree; valid stages: {valid}.",
            out_features=list(out_features), out_indices=list(out_indices),
            by_name=[stage_names[i] for i in by_name], by_index=[stage_names[i] for i in by_index],
            valid=_valid(stage_names),
        )
    indices = by_name if by_name is not None else by_index if by_index is not None else [len(stage_names) - 1]
    return [stage_names[i] for i in indices], indices


class BackboneConfigMixin:
    """`out_features` and `out_indices` as two views of one choice: setting either updates the other.

    A config class mixes this in before `PretrainedConfig`, sets `self.stage_names`, then calls
    `self.select_stages(out_features, out_indices)` in its `__init__`.
    """

    stage_names: list[str]

    def select_stages(self, out_features: Sequence[str] | None = None, out_indices: Sequence[int] | None = None) -> None:
        self._out_features, self._out_indices = resolve_stages(self.stage_names, out_features, out_indices)

    @property
    def out_features(self) -> list[str]:
        return self._out_features

    @out_features.setter
    def out_features(self, names: Sequence[str] | None) -> None:
        self.select_stages(out_features=names)

    @property
    def out_indices(self) -> list[int]:
        return self._out_indices

    @out_indices.setter
    def out_indices(self, indices: Sequence[int] | None) -> None:
        self.select_stages(out_indices=indices)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()  # type: ignore[misc]  # PretrainedConfig's, which skips "_" attributes
        out["out_features"], out["out_indices"] = list(self._out_features), list(self._out_indices)
        return dict(sorted(out.items()))


class BackboneMixin:
    """`from_pretrained(..., out_features=..., out_indices=...)` for a backbone model class.

    Both arguments are applied together, so that two that disagree raise an error instead of the second
    silently replacing the first. The others are those of `PreTrainedModel.from_pretrained`.
    """

    @classmethod
    def _from_checkpoint(
        cls,
        checkpoint: Checkpoint,
        config: Any,
        *,
        out_features: Sequence[str] | None = None,
        out_indices: Sequence[int] | None = None,
        **options: Any,
    ):
        # `config` is already this load's own copy (from_pretrained and the Auto classes make it), so the
        # stages are chosen on it directly.
        if out_features is not None or out_indices is not None:
            config.select_stages(out_features, out_indices)
        return super()._from_checkpoint(checkpoint, config, **options)  # type: ignore[misc]

    @property
    def channels(self) -> list[int]:
        """The number of channels of each returned feature map."""
        return [self.num_features[i] for i in self.config.out_indices]  # type: ignore[attr-defined]


@dataclass
class BackboneOutput(ModelOutput):
    feature_maps: tuple[torch.Tensor, ...] | None = None  # one (B, C, H, W) per selected stage
    hidden_states: tuple[torch.Tensor, ...] | None = None  # every stage, each (B, C, H, W)
    attentions: tuple[torch.Tensor, ...] | None = None
