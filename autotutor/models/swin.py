"""Swin Transformer: self-attention inside small windows of an image, shifted every other layer.

Paper: Liu et al., "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows" (2021),
https://arxiv.org/abs/2103.14030. The image is cut into 4×4 patches; each stage is a stack of blocks that attend within 7×7-patch windows (every
second block shifts the windows by half a window, so information crosses window borders), then patch merging
halves the resolution and doubles the channels: feature maps at 1/4 ... 1/32 of the image size, which makes
Swin a common backbone for detection and segmentation. Read top to bottom: config, blocks in forward order,
base model, heads. Parameter names are the Hub's (`swin.encoder.layers.0.blocks.0.attention.self.query.weight`).
Shapes: B = batch, C = channels, (H, W) = feature-map size in patches, L = H·W, w = window size,
N = w·w tokens per window, nW = windows per image, h = attention heads, d = C / h.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn
from torch.nn import functional as F

from ..backbone import BackboneConfigMixin, BackboneMixin, BackboneOutput
from ..configuration import PretrainedConfig
from ..errors import ConfigError, ImageError
from ..layers import activation, classification_loss, eager_attention
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutputWithPooling, SequenceClassifierOutput


class SwinConfig(BackboneConfigMixin, PretrainedConfig):
    """The sizes of a Swin model; the defaults are microsoft/swin-tiny-patch4-window7-224's. Stage i+1 has
    `depths[i]` blocks, `num_heads[i]` heads, `embed_dim · 2**i` channels. Backbone stages: autotutor.backbone."""

    model_type = "swin"
    attribute_map = {"num_attention_heads": "num_heads", "num_hidden_layers": "num_layers"}

    def __init__(
        self,
        image_size: int = 224, patch_size: int = 4, num_channels: int = 3, embed_dim: int = 96,
        depths: list[int] = (2, 2, 6, 2), num_heads: list[int] = (3, 6, 12, 24), window_size: int = 7,
        mlp_ratio: float = 4.0, qkv_bias: bool = True, hidden_act: str = "gelu", layer_norm_eps: float = 1e-5,
        hidden_dropout_prob: float = 0.0, attention_probs_dropout_prob: float = 0.0, drop_path_rate: float = 0.1,
        use_absolute_embeddings: bool = False, initializer_range: float = 0.02, encoder_stride: int = 32,
        out_features: list[str] | None = None, out_indices: list[int] | None = None,
        **kwargs,
    ) -> None:
        for derived in ("stage_names", "num_layers", "hidden_size"):  # saved by transformers, recomputed here
            kwargs.pop(derived, None)
        self.image_size, self.patch_size, self.num_channels, self.embed_dim = image_size, patch_size, num_channels, embed_dim
        self.depths, self.num_heads, self.window_size = list(depths), list(num_heads), window_size
        self.mlp_ratio, self.qkv_bias, self.hidden_act, self.layer_norm_eps = mlp_ratio, qkv_bias, hidden_act, layer_norm_eps
        self.hidden_dropout_prob, self.attention_probs_dropout_prob = hidden_dropout_prob, attention_probs_dropout_prob
        self.drop_path_rate, self.use_absolute_embeddings = drop_path_rate, use_absolute_embeddings
        self.initializer_range, self.encoder_stride = initializer_range, encoder_stride
        super().__init__(**kwargs)
        self.num_layers = len(self.depths)
        self.hidden_size = embed_dim * 2 ** (self.num_layers - 1)  # channels after the last stage
        self.stage_names = ["stem"] + [f"stage{i}" for i in range(1, self.num_layers + 1)]
        self.select_stages(out_features, out_indices)
        channels = [embed_dim * 2**i for i in range(self.num_layers)]
        if len(self.num_heads) != self.num_layers or any(c % h for c, h in zip(channels, self.num_heads)):
            raise ConfigError("num_heads={value} must give one number per stage (depths={depths}), each dividing that "
                              "stage's channels {channels}.", depths=self.depths, channels=channels, key="num_heads", value=self.num_heads)


def _pair(size: int | list[int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else tuple(size)


class SwinPatchEmbeddings(nn.Module):
    """Non-overlapping p×p patches, each projected to `embed_dim` channels by one strided convolution."""

    def __init__(self, config: SwinConfig) -> None:
        super().__init__()
        self.patch_size = _pair(config.patch_size)
        self.projection = nn.Conv2d(config.num_channels, config.embed_dim, self.patch_size, stride=self.patch_size)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        (H, W), (ph, pw) = pixel_values.shape[-2:], self.patch_size
        pixel_values = F.pad(pixel_values, (0, -W % pw, 0, -H % ph))  # zeros right and below, to whole patches
        x = self.projection(pixel_values)  # (B, C, H/p, W/p)
        return x.flatten(2).transpose(1, 2), (x.shape[2], x.shape[3])  # (B, L, C), (H, W) in patches


class SwinEmbeddings(nn.Module):
    def __init__(self, config: SwinConfig) -> None:
        super().__init__()
        self.patch_embeddings = SwinPatchEmbeddings(config)
        grid = [s // p for s, p in zip(_pair(config.image_size), _pair(config.patch_size))]
        self.position_embeddings = (  # most Swin checkpoints rely on the relative position bias alone
            nn.Parameter(torch.zeros(1, grid[0] * grid[1], config.embed_dim)) if config.use_absolute_embeddings else None
        )
        self.norm = nn.LayerNorm(config.embed_dim)  # PyTorch's default eps, as in the checkpoints' training code
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        channels = self.patch_embeddings.projection.in_channels
        if pixel_values.dim() != 4 or pixel_values.shape[1] != channels:
            raise ImageError("pixel_values must have shape (batch, {channels}, height, width), got {shape}. An image "
                             "processor gives that shape (return_tensors='pt').", channels=channels, shape=tuple(pixel_values.shape))
        x, hw = self.patch_embeddings(pixel_values)
        x = self.norm(x)  # (B, L, C)
        if self.position_embeddings is not None:
            x = x + self.position_embeddings
        return self.dropout(x), hw


# -- windows ----------------------------------------------------------------------------------------------------
def _partition(x: torch.Tensor, w: int) -> torch.Tensor:
    """(B, H, W, C) → (B·nW, N, C): the w×w windows, row by row, of every image."""
    B, H, W, C = x.shape
    return x.view(B, H // w, w, W // w, w, C).transpose(2, 3).reshape(-1, w * w, C)  # via (B, H/w, W/w, w, w, C)


def _unpartition(windows: torch.Tensor, w: int, B: int, H: int, W: int) -> torch.Tensor:
    """(B·nW, N, C) → (B, H, W, C), the inverse of `_partition`."""
    return windows.view(B, H // w, W // w, w, w, -1).transpose(2, 3).reshape(B, H, W, -1)  # via (B, H/w, w, W/w, w, C)


@lru_cache(maxsize=64)
def _relative_position_index(w: int, table_w: int, device: torch.device) -> torch.Tensor:
    """(N, N): for each query and key of a w×w window, the row of the bias table for their offset (dy, dx).
    The table has a row for each of the (2·table_w − 1)² offsets. Computed (and cached), never loaded."""
    coords = torch.cartesian_prod(torch.arange(w), torch.arange(w)).T  # (2, N): (y, x) of each token, row by row
    dy, dx = coords[:, :, None] - coords[:, None, :]  # each (N, N), from -(w-1) to w-1
    return ((dy + table_w - 1) * (2 * table_w - 1) + dx + table_w - 1).to(device)


@lru_cache(maxsize=64)
def _shift_mask(H: int, W: int, w: int, shift: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """(nW, N, N) additive mask for shifted windows: 0 within a region, -100 across regions.

    After rolling the map by `shift`, a window on the bottom or right edge holds patches from opposite sides of
    the image. Each patch gets a region label (3 bands per axis: before the last window, the last window before
    the wrap, the wrapped part); patches attend only to their own region. -100, not -inf, as in training.
    """
    def bands(n: int) -> torch.Tensor:
        i = torch.arange(n)
        return (i >= n - w).long() + (i >= n - shift).long()  # 0, 1 or 2

    labels = (bands(H)[:, None] * 3 + bands(W)[None, :]).to(torch.float32)  # (H, W)
    labels = _partition(labels[None, :, :, None], w).squeeze(-1)  # (nW, N)
    different = labels[:, :, None] != labels[:, None, :]  # (nW, N, N)
    return torch.zeros(different.shape, dtype=dtype).masked_fill(different, -100.0).to(device)


class SwinSelfAttention(nn.Module):
    """Multi-head attention within each window, plus a learned bias for every relative position (dy, dx)."""

    def __init__(self, config: SwinConfig, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads, self.window_size = num_heads, config.window_size
        self.query = nn.Linear(dim, dim, bias=config.qkv_bias)
        self.key = nn.Linear(dim, dim, bias=config.qkv_bias)
        self.value = nn.Linear(dim, dim, bias=config.qkv_bias)
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * config.window_size - 1) ** 2, num_heads))
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(self, x: torch.Tensor, w: int, mask: torch.Tensor | None, output_attentions: bool):
        Bw, N, C = x.shape  # Bw = B·nW windows of N tokens

        def heads(t: torch.Tensor) -> torch.Tensor:  # (Bw, N, C) → (Bw, h, N, d)
            return t.view(Bw, N, self.num_heads, C // self.num_heads).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        index = _relative_position_index(w, self.window_size, x.device)
        bias = self.relative_position_bias_table[index].permute(2, 0, 1).to(q.dtype)  # (h, N, N)
        # (1, h, N, N), the same for every window; shifted: window i of every image adds mask i → (B·nW, h, N, N)
        bias = bias[None] if mask is None else (bias[None] + mask[:, None]).repeat(Bw // mask.shape[0], 1, 1, 1)
        if output_attentions:
            context, weights = eager_attention(q, k, v, bias)
        else:
            dropout = self.dropout_p if self.training else 0.0
            context, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout), None
        return context.transpose(1, 2).reshape(Bw, N, C), weights


class _Dense(nn.Module):
    """A Linear layer under the name `dense` (`attention.output.dense`, `intermediate.dense`, `output.dense`)."""

    def __init__(self, dim_in: int, dim_out: int) -> None:
        super().__init__()
        self.dense = nn.Linear(dim_in, dim_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(x)


class SwinAttention(nn.Module):
    def __init__(self, config: SwinConfig, dim: int, num_heads: int) -> None:
        super().__init__()
        self.self = SwinSelfAttention(config, dim, num_heads)
        self.output = _Dense(dim, dim)

    def forward(self, x, w, mask, output_attentions):
        h, weights = self.self(x, w, mask, output_attentions)
        return self.output(h), weights


def _drop_path(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Stochastic depth: in training, skip the branch for a random fraction p of the samples."""
    if p == 0.0 or not training:
        return x
    return x * x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(1 - p) / (1 - p)  # 0 or 1 per sample


class SwinLayer(nn.Module):
    """One block: windowed attention, then an MLP, each with LayerNorm first and a residual (pre-norm)."""

    def __init__(self, config: SwinConfig, dim: int, num_heads: int, shift: int, drop_path: float) -> None:
        super().__init__()
        self.window_size, self.shift_size, self.drop_path = config.window_size, shift, drop_path
        self.layernorm_before = nn.LayerNorm(dim, eps=config.layer_norm_eps)
        self.attention = SwinAttention(config, dim, num_heads)
        self.layernorm_after = nn.LayerNorm(dim, eps=config.layer_norm_eps)
        self.intermediate = _Dense(dim, int(dim * config.mlp_ratio))
        self.act = activation(config.hidden_act)
        self.output = _Dense(int(dim * config.mlp_ratio), dim)
        self.dropout_p = config.hidden_dropout_prob

    def forward(self, x: torch.Tensor, hw: tuple[int, int], always_partition: bool, output_attentions: bool):
        (H, W), (B, L, C) = hw, x.shape
        w, shift = self.window_size, self.shift_size
        if min(H, W) <= w and not always_partition:  # one window covers the map: nothing to shift across
            w, shift = min(H, W), 0  # (a backbone keeps its windows, padding the map instead)
        h = self.layernorm_before(x).view(B, H, W, C)
        h = F.pad(h, (0, 0, 0, -W % w, 0, -H % w))  # zeros right and below, up to whole windows
        Hp, Wp = h.shape[1:3]
        if shift:
            h = torch.roll(h, (-shift, -shift), dims=(1, 2))  # move the windows' grid by half a window
        mask = _shift_mask(Hp, Wp, w, shift, x.dtype, x.device) if shift else None
        a, weights = self.attention(_partition(h, w), w, mask, output_attentions)  # (B·nW, N, C)
        h = _unpartition(F.dropout(a, self.dropout_p, self.training), w, B, Hp, Wp)
        if shift:
            h = torch.roll(h, (shift, shift), dims=(1, 2))
        x = x + _drop_path(h[:, :H, :W].reshape(B, L, C), self.drop_path, self.training)
        # Like transformers, stochastic depth on the attention branch only.
        m = self.output(self.act(self.intermediate(self.layernorm_after(x))))
        return x + F.dropout(m, self.dropout_p, self.training), weights


class SwinPatchMerging(nn.Module):
    """Halve the resolution, double the channels: each 2×2 group of patches → concatenated (4C) → Linear → 2C."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor, hw: tuple[int, int]) -> tuple[torch.Tensor, tuple[int, int]]:
        (H, W), (B, L, C) = hw, x.shape
        x = F.pad(x.view(B, H, W, C), (0, 0, 0, W % 2, 0, H % 2))  # an odd size gets a row/column of zeros
        H2, W2 = (H + 1) // 2, (W + 1) // 2
        # (B, H2, dy, W2, dx, C) → (B, H2, W2, dx, dy, C): the order the checkpoints use, (0,0) (1,0) (0,1) (1,1)
        x = x.view(B, H2, 2, W2, 2, C).permute(0, 1, 3, 4, 2, 5).reshape(B, H2 * W2, 4 * C)
        return self.reduction(self.norm(x)), (H2, W2)  # (B, L/4, 2C)


class SwinStage(nn.Module):
    """`depth` blocks, alternating plain and shifted windows, then (except in the last stage) patch merging.
    Returns the map before merging, after merging, its (H, W), and the last block's attention weights."""

    def __init__(self, config: SwinConfig, i: int, drop_paths: list[float]) -> None:
        super().__init__()
        dim = config.embed_dim * 2**i
        self.blocks = nn.ModuleList(
            SwinLayer(config, dim, config.num_heads[i], shift=config.window_size // 2 if j % 2 else 0, drop_path=p)
            for j, p in enumerate(drop_paths)
        )
        self.downsample = SwinPatchMerging(dim) if i < config.num_layers - 1 else None

    def forward(self, x, hw, always_partition=False, output_attentions=False):
        weights = None
        for block in self.blocks:
            x, weights = block(x, hw, always_partition, output_attentions)
        merged, merged_hw = self.downsample(x, hw) if self.downsample is not None else (x, hw)
        return x, merged, merged_hw, weights


class SwinEncoder(nn.Module):
    def __init__(self, config: SwinConfig) -> None:
        super().__init__()
        # Stochastic depth grows linearly from 0 in the first block to drop_path_rate in the last.
        n = sum(config.depths)
        rates = [config.drop_path_rate * k / max(n - 1, 1) for k in range(n)]
        self.layers = nn.ModuleList(  # run stage by stage by SwinModel and SwinBackbone, which need different maps
            SwinStage(config, i, rates[sum(config.depths[:i]): sum(config.depths[: i + 1])]) for i in range(config.num_layers)
        )


def _to_map(x: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
    """(B, L, C) → (B, C, H, W), the layout of convolutional feature maps."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], *hw)


# transformers' Swin outputs add the hidden states as (B, C, H, W) maps. Attentions: each stage's last block's.
@dataclass
class SwinModelOutput(BaseModelOutputWithPooling):
    reshaped_hidden_states: tuple[torch.Tensor, ...] | None = None  # embeddings, then each stage's output


@dataclass
class SwinImageClassifierOutput(SequenceClassifierOutput):
    reshaped_hidden_states: tuple[torch.Tensor, ...] | None = None


class SwinPreTrainedModel(PreTrainedModel):
    config_class = SwinConfig
    base_model_prefix = "swin"
    ignore_on_load = (r"relative_position_index$",)  # older checkpoints saved this (computed) index


class SwinModel(SwinPreTrainedModel):
    """The bare model: pixels → one vector per patch of the last stage (`last_hidden_state`) and per image."""

    def __init__(self, config: SwinConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = SwinEmbeddings(config)
        self.encoder = SwinEncoder(config)
        self.layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.add_pooling_layer = add_pooling_layer  # the pooler is a plain average: no weights

    def forward(self, pixel_values: torch.Tensor, output_hidden_states: bool | None = None,
                output_attentions: bool | None = None, return_dict: bool | None = None) -> SwinModelOutput:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        x, hw = self.embeddings(pixel_values)  # (B, L, C)
        hidden, sizes, weights = [x], [hw], []
        for stage in self.encoder.layers:
            _, x, hw, w = stage(x, hw, output_attentions=output_attentions)
            hidden, sizes, weights = hidden + [x], sizes + [hw], weights + [w]
        x = self.layernorm(x)
        out = SwinModelOutput(
            last_hidden_state=x,
            pooler_output=x.mean(dim=1) if self.add_pooling_layer else None,  # (B, C)
            hidden_states=tuple(hidden) if output_hidden_states else None,
            attentions=tuple(weights) if output_attentions else None,
            reshaped_hidden_states=tuple(map(_to_map, hidden, sizes)) if output_hidden_states else None,
        )
        return out if return_dict is not False else out.to_tuple()


class SwinForImageClassification(SwinPreTrainedModel):
    """One label per image, from the average of the last stage's patch vectors."""

    def __init__(self, config: SwinConfig) -> None:
        super().__init__(config)
        self.swin = SwinModel(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pixel_values, labels=None, output_hidden_states=None, output_attentions=None,
                return_dict=None) -> SwinImageClassifierOutput:
        base = self.swin(pixel_values, output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.classifier(base.pooler_output)  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, self.config.problem_type = classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        out = SwinImageClassifierOutput(loss=loss, logits=logits, hidden_states=base.hidden_states,
                                        attentions=base.attentions, reshaped_hidden_states=base.reshaped_hidden_states)
        return out if return_dict is not False else out.to_tuple()


class SwinBackbone(BackboneMixin, SwinPreTrainedModel):
    """Feature maps for a detection or segmentation head: stage i's map before its patch merging, normalised.

    swin-tiny, 224×224 image: stem 96×56×56, stage1 96×56×56, stage2 192×28×28, stage3 384×14×14, stage4
    768×7×7. Each selected stage has a LayerNorm (`hidden_states_norms.stageN`); classification checkpoints
    have none, so they start at weight 1, bias 0 (the load report lists them as new)."""

    def __init__(self, config: SwinConfig) -> None:
        super().__init__(config)
        self.num_features = [config.embed_dim] + [config.embed_dim * 2**i for i in range(config.num_layers)]
        self.swin = SwinModel(config, add_pooling_layer=False)  # its final LayerNorm is loaded, never used
        self.hidden_states_norms = nn.ModuleDict({n: nn.LayerNorm(c) for n, c in zip(config.out_features, self.channels)})

    def _match_names(self, state, report, ignore_mismatched_sizes):
        # transformers 5.23 saves a SwinBackbone's embeddings and encoder without the "swin." prefix.
        if any(k.startswith("swin.") for k in state):
            state = {re.sub(r"^(embeddings|encoder)\.", r"swin.\1.", k): v for k, v in state.items()}
        return super()._match_names(state, report, ignore_mismatched_sizes)

    def forward(self, pixel_values: torch.Tensor, output_hidden_states: bool | None = None,
                output_attentions: bool | None = None, return_dict: bool | None = None) -> BackboneOutput:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        x, hw = self.swin.embeddings(pixel_values)  # (B, L, C)
        maps, sizes, weights = [x], [hw], []  # per stage: (B, L, C) before patch merging, and its (H, W)
        # Stages after the last one asked for would be computed for nothing, unless all outputs are asked for.
        last = self.config.num_layers if output_hidden_states or output_attentions else max(self.config.out_indices)
        for stage in self.swin.encoder.layers[:last]:
            before, x, next_hw, w = stage(x, hw, always_partition=True, output_attentions=output_attentions)
            maps, sizes, weights, hw = maps + [before], sizes + [hw], weights + [w], next_hw
        feature_maps = tuple(_to_map(self.hidden_states_norms[name](maps[i]), sizes[i])  # each (B, C, H, W)
                             for name, i in zip(self.config.out_features, self.config.out_indices))
        out = BackboneOutput(feature_maps=feature_maps,
                             hidden_states=tuple(map(_to_map, maps, sizes)) if output_hidden_states else None,
                             attentions=tuple(weights) if output_attentions else None)
        return out if return_dict is not False else out.to_tuple()
