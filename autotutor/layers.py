"""Small pieces every model file shares: activations, the padding mask for attention, and task losses."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .errors import ConfigError

__all__ = ["activation", "attention_bias", "classification_loss"]


def _gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


def _quick_gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(1.702 * x)


# config.json's `hidden_act` / `activation` → the function. "gelu" is the exact (erf) GELU.
_ACTIVATIONS = {
    "gelu": F.gelu,
    "gelu_new": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
    "quick_gelu": _quick_gelu,
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": torch.tanh,
}


def activation(name: str):
    """Return the activation function called `name` in a config."""
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise ConfigError(
            "Unknown activation {value!r} in config.json. Supported: {supported}.",
            supported=", ".join(sorted(_ACTIVATIONS)), value=name,
        ) from None


def attention_bias(attention_mask: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor | None:
    """(B, T) mask of 1 = real token, 0 = padding → (B, 1, 1, T) additive bias for attention scores.

    Padding gets the most negative finite value, so after softmax it receives (almost exactly) zero weight.
    """
    if attention_mask is None:
        return None
    bias = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
    return bias


def eager_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention written out, for when a learner asks to see the weights (`output_attentions=True`).

    q, k, v: (B, heads, T, d). Returns the context (B, heads, T, d) and the weights (B, heads, T, T).
    """
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.size(-1))
    if bias is not None:
        scores = scores + bias
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


def classification_loss(
    logits: torch.Tensor, labels: torch.Tensor, num_labels: int, problem_type: str | None
) -> tuple[torch.Tensor, str]:
    """The loss transformers computes for a classification head, and the problem type it settled on.

    regression: one output, float labels (MSE); single_label: class indices (cross-entropy);
    multi_label: a 0/1 vector per example (binary cross-entropy).
    """
    if problem_type is None:
        if num_labels == 1:
            problem_type = "regression"
        elif labels.dtype in (torch.long, torch.int):
            problem_type = "single_label_classification"
        else:
            problem_type = "multi_label_classification"
    if problem_type == "regression":
        loss = nn.functional.mse_loss(logits.squeeze(-1), labels.squeeze(-1).to(logits.dtype))
    elif problem_type == "single_label_classification":
        loss = nn.functional.cross_entropy(logits.view(-1, num_labels), labels.view(-1))
    elif problem_type == "multi_label_classification":
        loss = nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
    else:
        raise ConfigError(
            "problem_type={value!r} is not one of 'regression', 'single_label_classification', "
            "'multi_label_classification'.",
            key="problem_type", value=problem_type,
        )
    return loss, problem_type
