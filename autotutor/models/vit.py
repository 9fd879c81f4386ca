"""ViT: an image cut into 16×16 patches, read by a Transformer encoder as if the patches were words.

Paper: Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale" (2020),
https://arxiv.org/abs/2010.11929. Attention: Vaswani et al., https://arxiv.org/abs/1706.03762.

Read top to bottom: the config, then the blocks in the order the pixels flow through them (patch embedding →
[CLS] token and position embeddings → pre-norm encoder layers → final LayerNorm → pooler), the base model,
and the image classification head. Parameter names are the Hub's
(`vit.encoder.layer.0.attention.attention.query.weight`), so real checkpoints load without renaming.

Unlike BERT, each layer normalises *before* attention and before the feed-forward block ("pre-norm"), and
one LayerNorm closes the stack.

Shapes: B = batch, C = channels, P = patch size, T = 1 + number of patches, H = hidden size, N = heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ..configuration import PretrainedConfig
from ..errors import ConfigError, ImageError
from ..layers import activation, classification_loss, eager_attention
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutputWithPooling, ModelOutput


class ViTConfig(PretrainedConfig):
    """The sizes of a ViT model. The defaults are google/vit-base-patch16-224's."""

    model_type = "vit"

    def __init__(
        self,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.0,
        attention_probs_dropout_prob: float = 0.0,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        image_size: int = 224,
        patch_size: int = 16,
        num_channels: int = 3,
        qkv_bias: bool = True,
        encoder_stride: int = 16,  # used only by the masked-image-modeling head, kept so files round-trip
        pooler_output_size: int | None = None,
        pooler_act: str = "tanh",
        **kwargs,
    ) -> None:
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.image_size = image_size
        self.patch_size = patch_size
        self.num_channels = num_channels
        self.qkv_bias = qkv_bias
        self.encoder_stride = encoder_stride
        self.pooler_output_size = pooler_output_size or hidden_size
        self.pooler_act = pooler_act
        super().__init__(**kwargs)
        if hidden_size % num_attention_heads:
            raise ConfigError(
                "hidden_size ({hidden_size}) must be divisible by num_attention_heads ({num_attention_heads}).",
                hidden_size=hidden_size, num_attention_heads=num_attention_heads, key="num_attention_heads",
                value=num_attention_heads,
            )
        if any(s % p for s, p in zip(_pair(image_size), _pair(patch_size))):
            raise ConfigError("image_size ({image_size}) must be a multiple of patch_size ({patch_size}).",
                              image_size=image_size, patch_size=patch_size, key="patch_size", value=patch_size)


def _pair(x: int | list[int] | tuple[int, int]) -> tuple[int, int]:
    """224 → (224, 224); [224, 160] → (224, 160): (height, width)."""
    return (x, x) if isinstance(x, int) else (int(x[0]), int(x[1]))


class ViTPatchEmbeddings(nn.Module):
    """Cut the image into P×P patches and project each to H numbers: one strided convolution does both."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.image_size, patch = _pair(config.image_size), _pair(config.patch_size)
        self.num_patches = (self.image_size[0] // patch[0]) * (self.image_size[1] // patch[1])
        self.num_channels = config.num_channels
        self.projection = nn.Conv2d(config.num_channels, config.hidden_size, kernel_size=patch, stride=patch)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        B, C, height, width = pixel_values.shape
        if C != self.num_channels or (height, width) != self.image_size:
            raise ImageError(
                "pixel_values has shape {shape}, but this model reads (batch, "
                "{channels}, {height}, {width}) images. Prepare them with the "
                "checkpoint's image processor (AutoImageProcessor.from_pretrained) so size and channels fit.",
                shape=tuple(pixel_values.shape), channels=self.num_channels, height=self.image_size[0],
                width=self.image_size[1], key="pixel_values",
            )
        x = self.projection(pixel_values)  # (B, H, height/P, width/P): one vector per patch
        return x.flatten(2).transpose(1, 2)  # (B, num_patches, H), patches in reading order


class ViTEmbeddings(nn.Module):
    """Patches → tokens: prepend the learned [CLS] token, add a learned position vector to every token."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size))
        self.patch_embeddings = ViTPatchEmbeddings(config)
        num_tokens = self.patch_embeddings.num_patches + 1
        self.position_embeddings = nn.Parameter(torch.zeros(1, num_tokens, config.hidden_size))
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        patches = self.patch_embeddings(pixel_values)  # (B, T-1, H)
        cls = self.cls_token.expand(patches.shape[0], -1, -1)  # (B, 1, H)
        x = torch.cat((cls, patches), dim=1) + self.position_embeddings  # (B, T, H)
        return self.dropout(x)


class ViTSelfAttention(nn.Module):
    """Each token looks at every other token: softmax(Q Kᵀ / √D) V, for N heads in parallel. No padding mask:
    every image has the same number of patches."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size, bias=config.qkv_bias)
        self.key = nn.Linear(config.hidden_size, config.hidden_size, bias=config.qkv_bias)
        self.value = nn.Linear(config.hidden_size, config.hidden_size, bias=config.qkv_bias)
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(self, x: torch.Tensor, output_attentions: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, H = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, H) → (B, N, T, D)
            return t.view(B, T, self.num_heads, H // self.num_heads).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        if output_attentions:  # the written-out version, which can return the weights
            context, weights = eager_attention(q, k, v, None)
        else:  # the same computation, fused by PyTorch
            dropout = self.dropout_p if self.training else 0.0
            context, weights = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout), None
        return context.transpose(1, 2).reshape(B, T, H), weights  # (B, T, H)


class ViTSelfOutput(nn.Module):
    """Project the attention result back to H. The residual is added by the layer (pre-norm)."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.dense(h))


class ViTAttention(nn.Module):
    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.attention = ViTSelfAttention(config)
        self.output = ViTSelfOutput(config)

    def forward(self, x, output_attentions):
        h, weights = self.attention(x, output_attentions)
        return self.output(h), weights


class ViTIntermediate(nn.Module):
    """The first half of the feed-forward block: widen to intermediate_size (4H) and activate."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = activation(config.hidden_act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.dense(x))  # (B, T, 4H)


class ViTOutput(nn.Module):
    """The second half: back to H."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.dense(h))


class ViTLayer(nn.Module):
    """One encoder layer, pre-norm: x + Attention(LN(x)), then x + FeedForward(LN(x))."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.layernorm_before = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention = ViTAttention(config)
        self.layernorm_after = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.intermediate = ViTIntermediate(config)
        self.output = ViTOutput(config)

    def forward(self, x, output_attentions):
        a, weights = self.attention(self.layernorm_before(x), output_attentions)
        x = x + a  # (B, T, H)
        x = x + self.output(self.intermediate(self.layernorm_after(x)))
        return x, weights


class ViTEncoder(nn.Module):
    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(ViTLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x, output_hidden_states, output_attentions):
        all_hidden, all_weights = [x], []
        for layer in self.layer:
            x, weights = layer(x, output_attentions)
            all_hidden.append(x)
            all_weights.append(weights)
        return (
            x,
            tuple(all_hidden) if output_hidden_states else None,
            tuple(all_weights) if output_attentions else None,
        )


class ViTPooler(nn.Module):
    """The [CLS] token's vector through a dense layer and tanh: one vector per image."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.pooler_output_size)
        self.act = activation(config.pooler_act)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.act(self.dense(hidden[:, 0]))  # (B, pooler_output_size)


@dataclass
class ImageClassifierOutput(ModelOutput):
    """transformers' ImageClassifierOutput: the fields of SequenceClassifierOutput, one label per image."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # (B, num_labels)
    hidden_states: tuple[torch.Tensor, ...] | None = None  # embeddings + each layer, each (B, T, H)
    attentions: tuple[torch.Tensor, ...] | None = None  # each (B, N, T, T)


class ViTPreTrainedModel(PreTrainedModel):
    config_class = ViTConfig
    base_model_prefix = "vit"

    @classmethod
    def from_config(cls, config: ViTConfig) -> "ViTPreTrainedModel":
        """A randomly initialised model. The generic initialisation leaves convolutions and free-standing
        parameters at zero; ViT draws them, as transformers does, from a truncated normal."""
        model = super().from_config(config)
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith(("cls_token", "position_embeddings", "projection.weight")):
                    nn.init.trunc_normal_(p, std=config.initializer_range)
        return model


class ViTModel(ViTPreTrainedModel):
    """The bare encoder: pixels → one vector per patch and [CLS] (`last_hidden_state`), and per image
    (`pooler_output`, when built with the pooler)."""

    def __init__(self, config: ViTConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = ViTEmbeddings(config)
        self.encoder = ViTEncoder(config)
        self.layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.pooler = ViTPooler(config) if add_pooling_layer else None

    def forward(
        self,
        pixel_values: torch.Tensor,  # (B, C, image_size, image_size), from the image processor
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutputWithPooling:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        pixel_values = pixel_values.to(self.embeddings.patch_embeddings.projection.weight.dtype)
        x = self.embeddings(pixel_values)  # (B, T, H)
        x, hidden, weights = self.encoder(x, output_hidden_states, output_attentions)
        x = self.layernorm(x)  # hidden_states stay as the layers left them, before this LayerNorm
        out = BaseModelOutputWithPooling(
            last_hidden_state=x,
            pooler_output=self.pooler(x) if self.pooler is not None else None,
            hidden_states=hidden,
            attentions=weights,
        )
        return out if return_dict is not False else out.to_tuple()


class ViTForImageClassification(ViTPreTrainedModel):
    """One label per image, predicted from the [CLS] token after the final LayerNorm (no pooler)."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__(config)
        self.vit = ViTModel(config, add_pooling_layer=False)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)  # new for every task

    def forward(self, pixel_values, labels=None, output_hidden_states=None, output_attentions=None,
                return_dict=None) -> ImageClassifierOutput:
        base = self.vit(pixel_values, output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.classifier(base.last_hidden_state[:, 0])  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, self.config.problem_type = classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        out = ImageClassifierOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()
