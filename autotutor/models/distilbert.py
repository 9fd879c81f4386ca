"""DistilBERT: BERT made smaller and faster by knowledge distillation.

Paper: Sanh et al., "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter" (2019),
https://arxiv.org/abs/1910.01108.

Compared with BERT (models/bert.py): half the layers, no segment (token type) embeddings, no pooler, and
shorter parameter names (`q_lin`, `sa_layer_norm`, `ffn.lin1`). The config uses its own key names too
(`dim`, `n_layers`, `n_heads`); `attribute_map` lets code ask for `hidden_size` all the same.

Shapes: B = batch, T = tokens, H = dim, N = heads, D = H / N.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..configuration import PretrainedConfig
from ..errors import ConfigError
from ..layers import activation, attention_bias, classification_loss, eager_attention
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutput, MaskedLMOutput, SequenceClassifierOutput, TokenClassifierOutput


class DistilBertConfig(PretrainedConfig):
    """The sizes of a DistilBERT model. The defaults are distilbert-base-uncased's."""

    model_type = "distilbert"
    attribute_map = {"hidden_size": "dim", "num_attention_heads": "n_heads", "num_hidden_layers": "n_layers"}

    def __init__(
        self,
        vocab_size: int = 30522,
        max_position_embeddings: int = 512,
        sinusoidal_pos_embds: bool = False,
        n_layers: int = 6,
        n_heads: int = 12,
        dim: int = 768,
        hidden_dim: int = 3072,
        dropout: float = 0.1,
        attention_dropout: float = 0.1,
        activation: str = "gelu",
        initializer_range: float = 0.02,
        qa_dropout: float = 0.1,
        seq_classif_dropout: float = 0.2,
        pad_token_id: int = 0,
        **kwargs,
    ) -> None:
        self.vocab_size = vocab_size
        self.max_position_embeddings = max_position_embeddings
        self.sinusoidal_pos_embds = sinusoidal_pos_embds
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.dim = dim
        self.hidden_dim = hidden_dim
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.activation = activation
        self.initializer_range = initializer_range
        self.qa_dropout = qa_dropout
        self.seq_classif_dropout = seq_classif_dropout
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        if dim % n_heads:
            raise ConfigError("dim ({dim}) must be divisible by n_heads ({n_heads}).", dim=dim, n_heads=n_heads,
                              key="n_heads", value=n_heads)


class Embeddings(nn.Module):
    """token ids → word + position embeddings, then LayerNorm (no token types in DistilBERT)."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.dim, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.dim)
        self.LayerNorm = nn.LayerNorm(config.dim, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:  # (B, T) → (B, T, H)
        positions = torch.arange(input_ids.size(1), device=input_ids.device)[None, :]  # (1, T)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)
        return self.dropout(self.LayerNorm(x))


class MultiHeadSelfAttention(nn.Module):
    """softmax(Q Kᵀ / √D) V over N heads, as in BERT, with the projections named q_lin, k_lin, v_lin, out_lin."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.n_heads = config.n_heads
        self.q_lin = nn.Linear(config.dim, config.dim)
        self.k_lin = nn.Linear(config.dim, config.dim)
        self.v_lin = nn.Linear(config.dim, config.dim)
        self.out_lin = nn.Linear(config.dim, config.dim)
        self.dropout_p = config.attention_dropout

    def forward(self, x, bias, output_attentions):
        B, T, H = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, H) → (B, N, T, D)
            return t.view(B, T, self.n_heads, H // self.n_heads).transpose(1, 2)

        q, k, v = heads(self.q_lin(x)), heads(self.k_lin(x)), heads(self.v_lin(x))
        if output_attentions:
            context, weights = eager_attention(q, k, v, bias)
        else:
            dropout = self.dropout_p if self.training else 0.0
            context, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout), None
        return self.out_lin(context.transpose(1, 2).reshape(B, T, H)), weights


class FFN(nn.Module):
    """Feed-forward: widen to hidden_dim, activate, back to dim."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.lin1 = nn.Linear(config.dim, config.hidden_dim)
        self.lin2 = nn.Linear(config.hidden_dim, config.dim)
        self.act = activation(config.activation)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.lin2(self.act(self.lin1(x))))


class TransformerBlock(nn.Module):
    """One layer: attention + residual + LayerNorm, then feed-forward + residual + LayerNorm."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.attention = MultiHeadSelfAttention(config)
        self.sa_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)
        self.ffn = FFN(config)
        self.output_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)

    def forward(self, x, bias, output_attentions):
        a, weights = self.attention(x, bias, output_attentions)
        x = self.sa_layer_norm(a + x)
        return self.output_layer_norm(self.ffn(x) + x), weights


class Transformer(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(TransformerBlock(config) for _ in range(config.n_layers))

    # Copied from autotutor.models.bert.BertEncoder.forward
    def forward(self, x, bias, output_hidden_states, output_attentions):
        all_hidden, all_weights = [x], []
        for layer in self.layer:
            x, weights = layer(x, bias, output_attentions)
            all_hidden.append(x)
            all_weights.append(weights)
        return (
            x,
            tuple(all_hidden) if output_hidden_states else None,
            tuple(all_weights) if output_attentions else None,
        )


class DistilBertPreTrainedModel(PreTrainedModel):
    config_class = DistilBertConfig
    base_model_prefix = "distilbert"


class DistilBertModel(DistilBertPreTrainedModel):
    """The bare encoder: token ids → one vector per token (`last_hidden_state`)."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.embeddings = Embeddings(config)
        self.transformer = Transformer(config)

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T)
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = token, 0 = padding
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutput:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        x = self.embeddings(input_ids)  # (B, T, H)
        bias = attention_bias(attention_mask, x.dtype)
        x, hidden, weights = self.transformer(x, bias, output_hidden_states, output_attentions)
        out = BaseModelOutput(last_hidden_state=x, hidden_states=hidden, attentions=weights)
        return out if return_dict is not False else out.to_tuple()


class DistilBertForSequenceClassification(DistilBertPreTrainedModel):
    """One label per sequence, from the first token's vector through a small two-layer classifier."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.seq_classif_dropout)

    def forward(self, input_ids, attention_mask=None, labels=None,
                output_hidden_states=None, output_attentions=None, return_dict=None) -> SequenceClassifierOutput:
        base = self.distilbert(input_ids, attention_mask,
                               output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        pooled = F.relu(self.pre_classifier(base.last_hidden_state[:, 0]))  # (B, H)
        logits = self.classifier(self.dropout(pooled))  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, self.config.problem_type = classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        out = SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()


class DistilBertForTokenClassification(DistilBertPreTrainedModel):
    """One label per token."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.dim, config.num_labels)

    def forward(self, input_ids, attention_mask=None, labels=None,
                output_hidden_states=None, output_attentions=None, return_dict=None) -> TokenClassifierOutput:
        base = self.distilbert(input_ids, attention_mask,
                               output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.classifier(self.dropout(base.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:  # label -100 marks tokens to ignore
            loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1))
        out = TokenClassifierOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()


class DistilBertForMaskedLM(DistilBertPreTrainedModel):
    """Fill in [MASK]. The output projection shares the word-embedding matrix."""

    tied_weights = {"vocab_projector.weight": "distilbert.embeddings.word_embeddings.weight"}

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.vocab_transform = nn.Linear(config.dim, config.dim)
        self.act = activation(config.activation)
        self.vocab_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)
        self.vocab_projector = nn.Linear(config.dim, config.vocab_size)

    def forward(self, input_ids, attention_mask=None, labels=None,
                output_hidden_states=None, output_attentions=None, return_dict=None) -> MaskedLMOutput:
        base = self.distilbert(input_ids, attention_mask,
                               output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        h = self.vocab_layer_norm(self.act(self.vocab_transform(base.last_hidden_state)))
        logits = self.vocab_projector(h)  # (B, T, vocab_size)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.vocab_size), labels.view(-1))
        out = MaskedLMOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()
