"""wav2vec 2.0: a Transformer encoder that reads raw audio samples.

Paper: Baevski et al., "wav2vec 2.0: A Framework for Self-Supervised Learning of Speech Representations" (2020),
https://arxiv.org/abs/2006.11477. The large multilingual models (XLSR): Conneau et al. (2020),
https://arxiv.org/abs/2006.13979. Weight normalisation: Salimans & Kingma (2016), https://arxiv.org/abs/1602.07868.

Samples → feature encoder (strided 1-D convolutions: one frame per 320 samples, 20 ms at 16 kHz) → feature
projection (LayerNorm + Linear) → positional convolution → Transformer layers → one vector per frame. The
audio-classification head projects every frame, averages the real frames (not padding), and classifies.
Two variants: base models (feat_extract_norm="group") normalise only the first convolution and use post-norm
layers, as BERT does; large / XLSR models ("layer", do_stable_layer_norm=True) normalise every convolution and
use pre-norm layers. Not implemented: SpecAugment, LayerDrop (training only), adapters, CTC, pre-training heads.

Shapes: B = batch, L = samples, T = frames, C = convolution channels, H = hidden size, N = heads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from ..configuration import PretrainedConfig
from ..errors import AudioError, ConfigError
from ..layers import activation, attention_bias, eager_attention
from ..modeling import PreTrainedModel
from ..outputs import ModelOutput, SequenceClassifierOutput


class Wav2Vec2Config(PretrainedConfig):
    """The sizes of a wav2vec 2.0 model; the defaults are wav2vec2-base's. Other keys (vocab_size, ...) are kept."""

    model_type = "wav2vec2"
    # Settings that only matter in training (dropout, SpecAugment masking, initialisation), with their defaults.
    training_defaults: ClassVar[dict[str, float]] = {
        "hidden_dropout": 0.1, "activation_dropout": 0.1, "attention_dropout": 0.1, "feat_proj_dropout": 0.0,
        "layerdrop": 0.1, "mask_time_prob": 0.05, "mask_feature_prob": 0.0, "initializer_range": 0.02,
    }

    def __init__(
        self,
        # the feature encoder: per convolution, its channels, width and step in samples
        conv_dim: tuple[int, ...] = (512, 512, 512, 512, 512, 512, 512),
        conv_kernel: tuple[int, ...] = (10, 3, 3, 3, 3, 2, 2),
        conv_stride: tuple[int, ...] = (5, 2, 2, 2, 2, 2, 2),
        conv_bias: bool = False, feat_extract_norm: str = "group", feat_extract_activation: str = "gelu",
        # the positional convolution: its width in frames, and groups of channels
        num_conv_pos_embeddings: int = 128, num_conv_pos_embedding_groups: int = 16,
        # the Transformer; do_stable_layer_norm=True for pre-norm layers
        hidden_size: int = 768, num_hidden_layers: int = 12, num_attention_heads: int = 12,
        intermediate_size: int = 3072, hidden_act: str = "gelu", layer_norm_eps: float = 1e-5,
        do_stable_layer_norm: bool = False,
        # the classification head
        classifier_proj_size: int = 256, use_weighted_layer_sum: bool = False,
        pad_token_id: int = 0, **kwargs,
    ) -> None:
        self.conv_dim, self.conv_kernel, self.conv_stride = list(conv_dim), list(conv_kernel), list(conv_stride)
        self.conv_bias, self.feat_extract_norm = conv_bias, feat_extract_norm
        self.feat_extract_activation = feat_extract_activation
        self.num_conv_pos_embeddings, self.num_conv_pos_embedding_groups = num_conv_pos_embeddings, num_conv_pos_embedding_groups
        self.hidden_size, self.num_hidden_layers = hidden_size, num_hidden_layers
        self.num_attention_heads, self.intermediate_size = num_attention_heads, intermediate_size
        self.hidden_act, self.layer_norm_eps, self.do_stable_layer_norm = hidden_act, layer_norm_eps, do_stable_layer_norm
        self.classifier_proj_size, self.use_weighted_layer_sum = classifier_proj_size, use_weighted_layer_sum
        super().__init__(pad_token_id=pad_token_id, **{**self.training_defaults, **kwargs})
        self.num_feat_extract_layers = len(self.conv_dim)  # derived, whatever the file said
        if not len(self.conv_dim) == len(self.conv_kernel) == len(self.conv_stride):
            raise ConfigError("conv_dim, conv_kernel and conv_stride need one entry per convolution; they have "
                              "{conv_dim}, {conv_kernel} and {conv_stride}.", conv_dim=len(self.conv_dim),
                              conv_kernel=len(self.conv_kernel), conv_stride=len(self.conv_stride))
        if feat_extract_norm not in ("group", "layer"):
            raise ConfigError("feat_extract_norm must be 'group' or 'layer', got {value!r}.",
                              key="feat_extract_norm", value=feat_extract_norm)
        if hidden_size % num_attention_heads or hidden_size % num_conv_pos_embedding_groups:
            raise ConfigError("hidden_size ({hidden_size}) must be a multiple of num_attention_heads "
                              "({num_attention_heads}) and of num_conv_pos_embedding_groups ({groups}).",
                              hidden_size=hidden_size, num_attention_heads=num_attention_heads,
                              groups=num_conv_pos_embedding_groups, key="hidden_size", value=hidden_size)

    def receptive_field(self) -> int:
        """The fewest samples that give one frame (400 = 25 ms at 16 kHz with the default convolutions)."""
        samples = 1
        for kernel, stride in zip(reversed(self.conv_kernel), reversed(self.conv_stride)):
            samples = (samples - 1) * stride + kernel
        return samples

    def frame_lengths(self, sample_lengths: torch.Tensor) -> torch.Tensor:
        """Samples per clip → frames per clip: each convolution keeps (length - kernel) // stride + 1."""
        for kernel, stride in zip(self.conv_kernel, self.conv_stride):
            sample_lengths = torch.div(sample_lengths - kernel, stride, rounding_mode="floor") + 1
        return sample_lengths


@dataclass
class Wav2Vec2BaseModelOutput(ModelOutput):
    last_hidden_state: torch.Tensor | None = None  # (B, T, H)
    extract_features: torch.Tensor | None = None  # (B, T, C): the normalised convolution features
    hidden_states: tuple[torch.Tensor, ...] | None = None  # the first layer's input, then each layer's output
    attentions: tuple[torch.Tensor, ...] | None = None  # each (B, N, T, T)


class Wav2Vec2ConvLayer(nn.Module):
    """One convolution of the feature encoder: Conv1d → normalisation (if any) → GELU."""

    def __init__(self, config: Wav2Vec2Config, i: int) -> None:
        super().__init__()
        channels = config.conv_dim[i]
        self.conv = nn.Conv1d(config.conv_dim[i - 1] if i > 0 else 1, channels, kernel_size=config.conv_kernel[i],
                              stride=config.conv_stride[i], bias=config.conv_bias)
        self.norm = config.feat_extract_norm if config.feat_extract_norm == "layer" or i == 0 else None
        if self.norm == "layer":  # each frame's channels normalised together
            self.layer_norm = nn.LayerNorm(channels)
        elif self.norm == "group":  # one group per channel, each normalised over the whole clip, padding included
            self.layer_norm = nn.GroupNorm(num_groups=channels, num_channels=channels)
        self.activation = activation(config.feat_extract_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C_in, L_in) → (B, C, L_out)
        x = self.conv(x)
        if self.norm == "layer":
            x = self.layer_norm(x.transpose(1, 2)).transpose(1, 2)  # LayerNorm wants channels last
        elif self.norm == "group":
            x = self.layer_norm(x)
        return self.activation(x)


class Wav2Vec2FeatureEncoder(nn.Module):
    """The waveform → frames: a stack of strided convolutions."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        self.conv_layers = nn.ModuleList(Wav2Vec2ConvLayer(config, i) for i in range(len(config.conv_dim)))

    def forward(self, input_values: torch.Tensor) -> torch.Tensor:
        x = input_values[:, None, :]  # (B, 1, L): one input channel
        for layer in self.conv_layers:
            x = layer(x)
        return x.transpose(1, 2)  # (B, T, C)


class Wav2Vec2FeatureProjection(nn.Module):
    """LayerNorm the convolution features, then project them to the Transformer's width."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        self.layer_norm = nn.LayerNorm(config.conv_dim[-1], eps=config.layer_norm_eps)
        self.projection = nn.Linear(config.conv_dim[-1], config.hidden_size)
        self.dropout = nn.Dropout(config.feat_proj_dropout)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        normed = self.layer_norm(features)  # (B, T, C)
        return self.dropout(self.projection(normed)), normed  # (B, T, H), (B, T, C)


class WeightNorm(nn.Module):
    """A weight stored as a magnitude g and a direction v: w = g · v / ‖v‖ (norm over every axis but `dim`).

    The names are those torch.nn.utils.parametrizations.weight_norm saves (original0 = g, original1 = v), so
    the path `conv.parametrizations.weight.original0` is the Hub's. Older files say `conv.weight_g` / `_v`.
    """

    def __init__(self, shape: tuple[int, ...], dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.original0 = nn.Parameter(torch.empty([n if d == dim else 1 for d, n in enumerate(shape)]))  # g
        self.original1 = nn.Parameter(torch.empty(shape))  # v

    def forward(self) -> torch.Tensor:
        v = self.original1  # ‖v‖ below as √(Σ v²): several times faster here than torch.linalg.vector_norm
        norm = v.square().sum(dim=[d for d in range(v.dim()) if d != self.dim], keepdim=True).sqrt()
        return v * (self.original0 / norm)  # the small (1, 1, K) scale first, then one pass over v


class WeightNormConv1d(nn.Module):
    """A grouped Conv1d, padded to keep the length, whose weight is weight-normalised over the kernel axis."""

    def __init__(self, channels: int, kernel_size: int, groups: int) -> None:
        super().__init__()
        self.parametrizations = nn.ModuleDict({"weight": WeightNorm((channels, channels // groups, kernel_size), dim=2)})
        self.bias = nn.Parameter(torch.empty(channels))
        self.padding, self.groups = kernel_size // 2, groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, H, T) → (B, H, T + 1 - kernel_size % 2)
        return F.conv1d(x, self.parametrizations["weight"](), self.bias, padding=self.padding, groups=self.groups)


class Wav2Vec2PositionalConvEmbedding(nn.Module):
    """Positions from a wide convolution over time (128 frames, 2.5 s), not a table: relative, with no maximum."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        H, K, G = config.hidden_size, config.num_conv_pos_embeddings, config.num_conv_pos_embedding_groups
        self.conv = WeightNormConv1d(H, K, G)
        self.activation = activation(config.feat_extract_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, H) → (B, T, H)
        y = self.conv(x.transpose(1, 2))[:, :, : x.shape[1]]  # an even kernel gives one frame too many: drop it
        return self.activation(y).transpose(1, 2)


class Wav2Vec2Attention(nn.Module):
    """Multi-head self-attention over frames: softmax(Q Kᵀ / √D) V, padded frames masked out as keys."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        H = config.hidden_size
        self.num_heads = config.num_attention_heads
        self.k_proj, self.v_proj, self.q_proj = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
        self.out_proj = nn.Linear(H, H)
        self.dropout_p = config.attention_dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None, output_attentions: bool):
        B, T, H = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, H) → (B, N, T, D)
            return t.view(B, T, self.num_heads, H // self.num_heads).transpose(1, 2)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        if output_attentions:  # written out, so the weights can be returned
            context, weights = eager_attention(q, k, v, bias)
        else:
            dropout = self.dropout_p if self.training else 0.0
            context, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout), None
        return self.out_proj(context.transpose(1, 2).reshape(B, T, H)), weights


class Wav2Vec2FeedForward(nn.Module):
    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        self.intermediate_dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = activation(config.hidden_act)
        self.intermediate_dropout = nn.Dropout(config.activation_dropout)
        self.output_dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.output_dropout = nn.Dropout(config.hidden_dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.intermediate_dropout(self.intermediate_act_fn(self.intermediate_dense(x)))  # (B, T, 4H)
        return self.output_dropout(self.output_dense(h))  # (B, T, H)


class Wav2Vec2EncoderLayer(nn.Module):
    """Self-attention then feed-forward, each added to its input. Post-norm (base): LayerNorm after each sum.
    Pre-norm ("stable", large models): LayerNorm before each block; the residual path stays unnormalised."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        self.pre_norm = config.do_stable_layer_norm
        self.attention = Wav2Vec2Attention(config)
        self.dropout = nn.Dropout(config.hidden_dropout)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.feed_forward = Wav2Vec2FeedForward(config)
        self.final_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None, output_attentions: bool):
        if self.pre_norm:
            a, weights = self.attention(self.layer_norm(x), bias, output_attentions)
            x = x + self.dropout(a)
            return x + self.feed_forward(self.final_layer_norm(x)), weights
        a, weights = self.attention(x, bias, output_attentions)
        x = self.layer_norm(x + self.dropout(a))
        return self.final_layer_norm(x + self.feed_forward(x)), weights


class Wav2Vec2Encoder(nn.Module):
    """Positional convolution, then the layers. The one LayerNorm sits before the layers (post-norm) or after
    them (pre-norm)."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__()
        self.pre_norm = config.do_stable_layer_norm
        self.pos_conv_embed = Wav2Vec2PositionalConvEmbedding(config)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout)
        self.layers = nn.ModuleList(Wav2Vec2EncoderLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x: torch.Tensor, frame_mask: torch.Tensor | None, output_hidden_states: bool, output_attentions):
        if frame_mask is not None:  # padded frames set to 0, so the positional convolution ignores them
            x = x.masked_fill(~frame_mask[:, :, None], 0.0)
        bias = attention_bias(frame_mask, x.dtype)  # (B, 1, 1, T) or None
        x = x + self.pos_conv_embed(x)
        if not self.pre_norm:
            x = self.layer_norm(x)
        x = self.dropout(x)
        all_hidden, all_weights = [x], []
        for layer in self.layers:
            x, weights = layer(x, bias, output_attentions)
            all_hidden.append(x)  # pre-norm: before the final LayerNorm, as transformers 5 returns them
            all_weights.append(weights)
        if self.pre_norm:
            x = self.layer_norm(x)
        return x, tuple(all_hidden) if output_hidden_states else None, tuple(all_weights) if output_attentions else None


class Wav2Vec2PreTrainedModel(PreTrainedModel):
    config_class = Wav2Vec2Config
    base_model_prefix = "wav2vec2"
    # Names torch.nn.utils.weight_norm (deprecated) saved, still in most Hub checkpoints → today's names.
    legacy_renames: ClassVar[dict[str, str]] = {
        ".conv.weight_g": ".conv.parametrizations.weight.original0",
        ".conv.weight_v": ".conv.parametrizations.weight.original1",
    }

    @classmethod
    def from_config(cls, config: Wav2Vec2Config) -> "Wav2Vec2PreTrainedModel":
        """A randomly initialised model: modeling.py's defaults (Linear, LayerNorm), plus what wav2vec2 adds."""
        model = super().from_config(config)
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, WeightNorm):  # as transformers initialises it; w = v at the start: g = ‖v‖
                    v = module.original1
                    nn.init.normal_(v, std=2 * (1 / (v.shape[2] * v.shape[0])) ** 0.5)
                    module.original0.copy_(torch.linalg.vector_norm(v, dim=(0, 1), keepdim=True))
                elif isinstance(module, nn.Conv1d):
                    nn.init.kaiming_normal_(module.weight)  # biases stay at 0
                elif isinstance(module, nn.GroupNorm):
                    nn.init.ones_(module.weight)
        return model

    def _frame_mask(self, attention_mask: torch.Tensor, num_frames: int) -> torch.Tensor:
        """(B, L) sample mask (1 = sample, padding at the end) → (B, T) bool frame mask."""
        lengths = self.config.frame_lengths(attention_mask.sum(dim=-1))  # (B,)
        if (lengths < 1).any():
            raise AudioError("A clip in the batch has {samples} samples, fewer than the "
                             "{needed} this model needs for one frame. Drop or lengthen it.",
                             samples=int(attention_mask.sum(dim=-1).min()), needed=self.config.receptive_field(),
                             key="attention_mask")
        return torch.arange(num_frames, device=attention_mask.device)[None, :] < lengths[:, None]


class Wav2Vec2Model(Wav2Vec2PreTrainedModel):
    """The bare encoder: samples (B, L) → one vector per 20 ms frame (`last_hidden_state`, (B, T, H))."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__(config)
        if getattr(config, "add_adapter", False) or getattr(config, "adapter_attn_dim", None) is not None:
            raise ConfigError("wav2vec2 adapters (add_adapter, adapter_attn_dim) are not implemented in autotutor.")
        self.feature_extractor = Wav2Vec2FeatureEncoder(config)
        self.feature_projection = Wav2Vec2FeatureProjection(config)
        if config.mask_time_prob > 0 or config.mask_feature_prob > 0:
            # SpecAugment's mask vector: trained with the model, used only when masking in training (not here).
            self.masked_spec_embed = nn.Parameter(torch.empty(config.hidden_size))
        self.encoder = Wav2Vec2Encoder(config)

    def forward(self, input_values: torch.Tensor, attention_mask: torch.Tensor | None = None, output_hidden_states=None,
                output_attentions=None, return_dict=None) -> Wav2Vec2BaseModelOutput:
        """input_values: (B, L) samples from the feature extractor; attention_mask: (B, L), 1 = sample, 0 = padding
        (at the end). The mask is used whenever it is given, as transformers 5 does, whatever feat_extract_norm."""
        config = self.config
        output_hidden_states = config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = config.output_attentions if output_attentions is None else output_attentions
        if input_values.dim() != 2 or input_values.shape[1] < config.receptive_field():
            raise AudioError("input_values must be (batch, samples), at least {needed} samples per "
                             "clip; got shape {shape}. Prepare audio with the feature extractor.",
                             needed=config.receptive_field(), shape=tuple(input_values.shape), key="input_values")
        features = self.feature_extractor(input_values.to(self.dtype))  # (B, T, C)
        frame_mask = None if attention_mask is None else self._frame_mask(attention_mask, features.shape[1])
        x, extract_features = self.feature_projection(features)  # (B, T, H), (B, T, C)
        x, hidden, weights = self.encoder(x, frame_mask, output_hidden_states, output_attentions)
        out = Wav2Vec2BaseModelOutput(last_hidden_state=x, extract_features=extract_features,
                                      hidden_states=hidden, attentions=weights)
        return out if return_dict is not False else out.to_tuple()


class Wav2Vec2ForSequenceClassification(Wav2Vec2PreTrainedModel):
    """One label per clip (emotion, speaker, keyword): project each frame, average the real frames, classify."""

    def __init__(self, config: Wav2Vec2Config) -> None:
        super().__init__(config)
        self.wav2vec2 = Wav2Vec2Model(config)
        if config.use_weighted_layer_sum:  # a learned mix of every layer's output instead of the last one
            n = config.num_hidden_layers + 1  # the first layer's input, then each layer's output
            self.layer_weights = nn.Parameter(torch.full((n,), 1 / n))
        self.projector = nn.Linear(config.hidden_size, config.classifier_proj_size)
        self.classifier = nn.Linear(config.classifier_proj_size, config.num_labels)

    def forward(self, input_values, attention_mask=None, labels=None, output_hidden_states=None,
                output_attentions=None, return_dict=None) -> SequenceClassifierOutput:
        want_hidden = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        base = self.wav2vec2(input_values, attention_mask, output_attentions=output_attentions,
                             output_hidden_states=want_hidden or self.config.use_weighted_layer_sum)
        if self.config.use_weighted_layer_sum:
            stacked = torch.stack(base.hidden_states, dim=1)  # (B, layers + 1, T, H)
            x = (stacked * self.layer_weights.softmax(dim=-1)[:, None, None]).sum(dim=1)
        else:
            x = base.last_hidden_state
        x = self.projector(x)  # (B, T, P)
        if attention_mask is None:
            pooled = x.mean(dim=1)
        else:  # the mean over real frames only
            keep = self.wav2vec2._frame_mask(attention_mask, x.shape[1])[:, :, None]  # (B, T, 1)
            pooled = x.masked_fill(~keep, 0.0).sum(dim=1) / keep.sum(dim=1)  # (B, P)
        logits = self.classifier(pooled)  # (B, num_labels)
        # Always cross-entropy, as transformers' wav2vec2 does, whatever problem_type says.
        loss = None if labels is None else F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1))
        hidden = base.hidden_states if want_hidden else None
        out = SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=hidden, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()
