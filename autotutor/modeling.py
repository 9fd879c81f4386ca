"""`PreTrainedModel`, the base of every model: steps 4 and 5 of `from_pretrained`, build it, then fill it.

The model is first built on PyTorch's "meta" device: every parameter has a shape and a dtype but no memory
and no values. The checkpoint's tensors are then put in place as they are (`load_state_dict(assign=True)`),
so nothing is randomly initialised only to be overwritten, and no weight is copied twice. Only the
parameters the checkpoint lacks (a new task head) are given memory and an initial value.

The weight files are read by `weights.py`; what happened to every weight goes into a `LoadReport`
(`report.py`), shown as a table in notebooks and logged as a warning in scripts.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from ._speed import gc_paused
from .checkpoint import CHECKPOINT_OPTIONS, Checkpoint, open_checkpoint
from .configuration import PretrainedConfig, load_config_dict
from .constants import SAFE_WEIGHTS_NAME
from .errors import ArgumentError, ShapeMismatchError, UsageError, WeightsNotFoundError
from .i18n import Text
from .report import LoadReport, show_report
from .weights import LEGACY_RENAMES, read_state_dict

__all__ = ["PreTrainedModel"]


_INIT_FUNCTIONS = ("normal_", "uniform_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_",
                   "xavier_uniform_", "xavier_normal_", "zeros_", "ones_", "constant_")


@contextmanager
def _empty_model():
    """Build modules on the meta device without running their random initialisation.

    Meta tensors have no values to fill, so initialising them is wasted work; worse, PyTorch runs random
    fills on meta tensors through its compiler, whose first import costs over a second.
    """
    saved = {name: getattr(nn.init, name) for name in _INIT_FUNCTIONS}
    try:
        for name in _INIT_FUNCTIONS:
            setattr(nn.init, name, lambda tensor, *args, **kwargs: tensor)
        with torch.device("meta"):
            yield
    finally:
        for name, function in saved.items():
            setattr(nn.init, name, function)


def _resolve_dtype(dtype: str | torch.dtype | None, config: PretrainedConfig, state: dict[str, torch.Tensor]) -> torch.dtype:
    """"auto" (the default, as in transformers 5): the config's dtype, else the checkpoint's float dtype."""
    if dtype is None or dtype == "auto":
        if config.dtype is not None:
            dtype = config.dtype
        else:
            floats = [t.dtype for t in state.values() if t.is_floating_point()]
            return floats[0] if floats else torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    name = str(dtype).replace("torch.", "")
    resolved = getattr(torch, name, None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ArgumentError("dtype={value!r} is not a floating-point torch dtype; use 'auto', torch.float32 or "
                            "torch.bfloat16.", key="dtype", value=dtype)
    return resolved


def _init_new_tensor(module: nn.Module, name: str, tensor: torch.Tensor, std: float) -> None:
    """Give a weight the checkpoint lacked the initial value transformers would give it."""
    with torch.no_grad():
        if isinstance(module, (nn.LayerNorm, nn.GroupNorm, nn.RMSNorm)):
            tensor.fill_(1.0 if name == "weight" else 0.0)
        elif name == "weight" and isinstance(module, (nn.Linear, nn.Embedding, nn.Conv1d, nn.Conv2d)):
            tensor.normal_(0.0, std)
            if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                tensor[module.padding_idx].zero_()
        else:  # biases and free-standing parameters start at zero
            tensor.zero_()


class PreTrainedModel(nn.Module):
    """Base class of every model: `from_pretrained`, `save_pretrained` and weight tying.

    A subclass sets `config_class`, `base_model_prefix` (the attribute holding the base model in a task
    model, e.g. "bert"), and `tied_weights` (parameter → the parameter it shares values with).
    """

    config_class: ClassVar[type[PretrainedConfig]] = PretrainedConfig
    base_model_prefix: ClassVar[str] = ""
    tied_weights: ClassVar[dict[str, str]] = {}
    # Checkpoint tensors safe to drop without a word (buffers older versions saved).
    ignore_on_load: ClassVar[tuple[str, ...]] = ()
    # Old name endings this architecture's checkpoints may use → today's, on top of LEGACY_RENAMES.
    legacy_renames: ClassVar[dict[str, str]] = {}

    def __init__(self, config: PretrainedConfig) -> None:
        super().__init__()
        self.config = config
        self.name_or_path = config.name_or_path
        self.load_report: LoadReport | None = None

    # -- small conveniences learners expect ------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def tie_weights(self) -> list[tuple[str, str]]:
        """Make each tied parameter the very same tensor as its source; returns the pairs tied."""
        if not self.config.tie_word_embeddings:
            return []
        tied = []
        for target, source in self.tied_weights.items():
            module_name, _, attr = target.rpartition(".")
            setattr(self.get_submodule(module_name), attr, self.get_parameter(source))
            tied.append((target, source))
        return tied

    # -- loading ---------------------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: PretrainedConfig) -> "PreTrainedModel":
        """A model with random weights, initialised as for training from scratch."""
        with _empty_model():
            model = cls(config)
        _materialize(model, [n for n, _ in model.named_parameters(remove_duplicate=False)], torch.float32, "cpu")
        model.tie_weights()
        return model

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike | Checkpoint,
        *,
        config: PretrainedConfig | None = None,
        revision: str | None = None,
        subfolder: str = "",
        cache_dir: str | os.PathLike | None = None,
        local_files_only: bool = False,
        token: str | bool | None = None,
        trust_remote_code: bool = False,
        gguf_file: str | None = None,
        **options: Any,
    ) -> "PreTrainedModel":
        """Build this architecture and load a checkpoint's weights into it.

        The loading options (`dtype`, `device`, `ignore_mismatched_sizes`, ...) are those of `_from_checkpoint`;
        other keyword arguments override values of the config (`num_labels=3`).

        Example:
            >>> from autotutor import BertModel
            >>> model = BertModel.from_pretrained("google-bert/bert-base-uncased")  # doctest: +SKIP
        """
        checkpoint = open_checkpoint(name_or_path, revision=revision, subfolder=subfolder, cache_dir=cache_dir,
                                     local_files_only=local_files_only, token=token,
                                     trust_remote_code=trust_remote_code, gguf_file=gguf_file)
        # A copy of the caller's config, or config.json read once: this model may change it (overrides, dtype).
        config = cls.config_class.from_dict(config.to_dict() if config is not None else load_config_dict(checkpoint))
        return cls._from_checkpoint(checkpoint, config, **options)

    @classmethod
    def _from_checkpoint(
        cls,
        checkpoint: Checkpoint,
        config: PretrainedConfig,
        *,
        dtype: str | torch.dtype | None = "auto",
        device: str | torch.device | None = None,
        device_map: str | torch.device | None = None,
        ignore_mismatched_sizes: bool = False,
        output_loading_info: bool = False,
        use_safetensors: bool | None = None,
        **config_overrides: Any,
    ) -> "PreTrainedModel":
        """Steps 4-6 from an opened checkpoint and its config (this class's own, the caller's to change).

        Both `from_pretrained` and the Auto classes end here, so nothing is opened or parsed twice.
        """
        _apply_overrides(config, config_overrides, cls)
        config.name_or_path = checkpoint.name_or_path
        loaded = cls._load(checkpoint, config, dtype=dtype, device=device or device_map or "cpu",
                           ignore_mismatched_sizes=ignore_mismatched_sizes,
                           output_loading_info=output_loading_info, use_safetensors=use_safetensors)
        model = loaded[0] if output_loading_info else loaded
        if hasattr(model, "read_generation_config"):  # a model that writes text: its generation_config.json
            model.read_generation_config(checkpoint)
        return loaded

    @classmethod
    def _load(
        cls,
        checkpoint: Checkpoint,
        config: PretrainedConfig,
        *,
        dtype: str | torch.dtype | None,
        device: str | torch.device,
        ignore_mismatched_sizes: bool,
        output_loading_info: bool,
        use_safetensors: bool | None,
    ):
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        with gc_paused():
            model, report = cls._build_and_fill(checkpoint, config, dtype=dtype, device=device,
                                                ignore_mismatched_sizes=ignore_mismatched_sizes,
                                                use_safetensors=use_safetensors)
        show_report(report)
        if output_loading_info:
            return model, report.as_loading_info()
        return model

    @classmethod
    def _build_and_fill(cls, checkpoint: Checkpoint, config: PretrainedConfig, *, dtype, device,
                        ignore_mismatched_sizes: bool, use_safetensors: bool | None):
        state, files = read_state_dict(checkpoint, device=device)
        if use_safetensors and not files[0].startswith("model.safetensors"):
            raise WeightsNotFoundError("use_safetensors=True, but {source} only has {found}.",
                                       source=checkpoint.describe(), found=files[0],
                                       repo_id=checkpoint.name_or_path, key="use_safetensors", value=use_safetensors)
        torch_dtype = _resolve_dtype(dtype, config, state)
        config.dtype = str(torch_dtype).replace("torch.", "")

        # 4. The architecture, on the meta device: shapes only, no memory yet.
        with _empty_model():
            model = cls(config)

        # 5. Match checkpoint names to model names, then put the tensors in place.
        report = LoadReport(model_class=cls.__name__, source=checkpoint.where(), note=checkpoint.pack_note(),
                            origin=checkpoint.describe())
        state = model._match_names(state, report, ignore_mismatched_sizes)
        for name, tensor in state.items():
            if tensor.is_floating_point() and tensor.dtype != torch_dtype:
                state[name] = tensor.to(torch_dtype)
        model.load_state_dict(state, strict=False, assign=True)
        _materialize(model, report.newly_initialized + [m[0] for m in report.mismatched], torch_dtype, device)
        report.tied = model.tie_weights()
        leftover = [n for n, p in model.named_parameters() if p.is_meta]
        assert not leftover, f"parameters left without values: {leftover}"

        model.eval()  # dropout off: from_pretrained gives a model ready for inference, as in transformers
        model.load_report = report
        return model, report

    def _match_names(self, state: dict[str, torch.Tensor], report: LoadReport, ignore_mismatched_sizes: bool) -> dict[str, torch.Tensor]:
        """Rename checkpoint tensors to this model's parameter names and sort them into the report."""
        # Legacy names: LayerNorm.gamma → LayerNorm.weight, LayerNorm.beta → LayerNorm.bias, and the model's own.
        renames = {**LEGACY_RENAMES, **self.legacy_renames}
        renamed: dict[str, torch.Tensor] = {}
        for key, tensor in state.items():
            new = key
            for old_suffix, new_suffix in renames.items():
                if key.endswith(old_suffix):
                    new = key[: -len(old_suffix)] + new_suffix
                    report.renamed.append((key, new))
            renamed[new] = tensor

        # The base-model prefix rule. A task model keeps its base model under `self.bert` (parameters
        # "bert.encoder..."), a bare BertModel has no prefix. Either kind of checkpoint loads into either kind.
        expected = {name: p.shape for name, p in self.state_dict().items()}
        prefix = self.base_model_prefix + "."
        ckpt_has_prefix = any(k.startswith(prefix) for k in renamed)
        model_has_prefix = any(k.startswith(prefix) for k in expected)
        if model_has_prefix and not ckpt_has_prefix:  # base checkpoint → task model
            renamed = {(k if k in expected else prefix + k): v for k, v in renamed.items()}
        elif ckpt_has_prefix and not model_has_prefix:  # task checkpoint → base model: heads become unused
            renamed = {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in renamed.items()}

        # Tied parameters are filled by tie_weights(), not from the file.
        if self.config.tie_word_embeddings:
            for target in self.tied_weights:
                expected.pop(target, None)
                renamed.pop(target, None)

        kept: dict[str, torch.Tensor] = {}
        mismatched = []
        for key, tensor in renamed.items():
            if key not in expected:
                if not any(re.search(p, key) for p in self.ignore_on_load):
                    report.unexpected.append(key)
            elif tensor.shape != expected[key]:
                mismatched.append((key, tuple(tensor.shape), tuple(expected[key])))
            else:
                kept[key] = tensor
        if mismatched and not ignore_mismatched_sizes:
            lines = [Text("{name}: checkpoint {checkpoint_shape}, model {model_shape}",
                          name=k, checkpoint_shape=list(c), model_shape=list(m)) for k, c, m in mismatched]
            listing = Text.lines(lines)  # one indented line per weight
            raise ShapeMismatchError(
                "Some weights of {source} do not fit {model_class}:\n{mismatches}\n"
                "This usually means a different number of labels or a different vocabulary. To start those "
                "layers afresh, pass ignore_mismatched_sizes=True (they are then re-initialized and need training).",
                source=report.origin if report.origin is not None else report.source,
                model_class=type(self).__name__, mismatches=listing,
            )
        report.mismatched = mismatched
        report.loaded = sorted(kept)
        mismatched_names = {m[0] for m in mismatched}
        report.newly_initialized = [k for k in expected if k not in kept and k not in mismatched_names]
        return kept

    # -- saving ----------------------------------------------------------------------------------------------
    def save_pretrained(self, save_directory: str | os.PathLike) -> None:
        """Write `config.json` and `model.safetensors`; transformers loads them to identical outputs.

        Returns None, as transformers' does.
        """
        from safetensors.torch import save_file

        folder = Path(save_directory)
        folder.mkdir(parents=True, exist_ok=True)
        config = self.config
        config.architectures = [type(self).__name__]
        config.save_pretrained(folder)
        state = self.state_dict()
        if config.tie_word_embeddings:
            for target in self.tied_weights:  # stored once, under the source's name
                state.pop(target, None)
        # safetensors refuses tensors that share memory or are not contiguous: give each its own copy.
        state = {k: v.detach().contiguous().clone() if _shares_storage(v, state, k) else v.detach().contiguous() for k, v in state.items()}
        save_file(state, folder / SAFE_WEIGHTS_NAME, metadata={"format": "pt"})


def _shares_storage(tensor: torch.Tensor, state: dict[str, torch.Tensor], key: str) -> bool:
    ptr = tensor.untyped_storage().data_ptr()
    return any(k != key and v.untyped_storage().data_ptr() == ptr for k, v in state.items())


def _apply_overrides(config: PretrainedConfig, overrides: dict[str, Any], model_cls: type) -> None:
    """`from_pretrained(..., num_labels=3)`: keyword arguments that name config attributes replace them."""
    for key, value in overrides.items():
        if not hasattr(config, key):
            raise UsageError(
                "{model_class}.from_pretrained() got an unknown argument {key!r}: it is neither a loading "
                "option nor a key of {config_class}. Loading options: config, {checkpoint_options}, "
                "dtype, device, ignore_mismatched_sizes, output_loading_info.",
                model_class=model_cls.__name__, config_class=type(config).__name__,
                checkpoint_options=", ".join(CHECKPOINT_OPTIONS), key=key, value=value,
            )
        setattr(config, key, value)


def _materialize(model: nn.Module, names: list[str], dtype: torch.dtype, device: str | torch.device) -> None:
    """Give memory and initial values to the parameters (still on meta) that the checkpoint did not provide."""
    std = getattr(model.config, "initializer_range", 0.02)
    for name in names:
        module_name, _, attr = name.rpartition(".")
        module = model.get_submodule(module_name)
        old = getattr(module, attr)
        if not old.is_meta:
            continue
        new = torch.empty(old.shape, dtype=dtype if old.is_floating_point() else old.dtype, device=device)
        _init_new_tensor(module, attr, new, std)
        if isinstance(old, nn.Parameter):
            setattr(module, attr, nn.Parameter(new, requires_grad=old.requires_grad))
        else:
            module.register_buffer(attr, new)
