"""BERT: a stack of Transformer encoder layers over word-piece embeddings.

Paper: Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
(2018), https://arxiv.org/abs/1810.04805. Attention: Vaswani et al., https://arxiv.org/abs/1706.03762.

Read top to bottom: the config, then the blocks in the order the data flows through them (embeddings →
self-attention → feed-forward → encoder → pooler), the base model, and the task heads. Parameter names are
the Hub's (`bert.encoder.layer.0.attention.self.query.weight`), so real checkpoints load without renaming.

Shapes: B = batch, T = tokens, H = hidden size, N = attention heads, D = H / N.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..configuration import PretrainedConfig
from ..errors import ConfigError
from ..layers import activation, attention_bias, classification_loss, eager_attention
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutputWithPooling, MaskedLMOutput, SequenceClassifierOutput, TokenClassifierOutput


class BertConfig(PretrainedConfig):
    """The sizes of a BERT model. The defaults are bert-base-uncased's."""

    model_type = "bert"

    def __init__(
        self,
        vocab_size: int = 30522,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        pad_token_id: int = 0,
        classifier_dropout: float | None = None,
        **kwargs,
    ) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.classifier_dropout = classifier_dropout
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        if hidden_size % num_attention_heads:
            raise ConfigError(
                "hidden_size ({hidden_size}) must be divisible by num_attention_heads ({num_attention_heads}).",
                hidden_size=hidden_size, num_attention_heads=num_attention_heads, key="num_attention_heads",
                value=num_attention_heads,
            )


class BertEmbeddings(nn.Module):
    """token ids → vectors: word + position + segment (token type) embeddings, then LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T)
        token_type_ids: torch.Tensor | None = None,  # (B, T): 0 for sentence A, 1 for sentence B
        position_ids: torch.Tensor | None = None,  # (B, T) or (1, T)
    ) -> torch.Tensor:
        T = input_ids.size(1)
        if position_ids is None:
            position_ids = torch.arange(T, device=input_ids.device)[None, :]  # (1, T)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)  # (B, T, H)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """Each token looks at every other token: softmax(Q Kᵀ / √D) V, for N heads in parallel."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(
        self, x: torch.Tensor, bias: torch.Tensor | None, output_attentions: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, H = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, H) → (B, N, T, D)
            return t.view(B, T, self.num_heads, H // self.num_heads).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        if output_attentions:  # the written-out version, which can return the weights
            context, weights = eager_attention(q, k, v, bias)
        else:  # the same computation, fused by PyTorch
            dropout = self.dropout_p if self.training else 0.0
            context, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout), None
        return context.transpose(1, 2).reshape(B, T, H), weights  # (B, T, H)


class BertSelfOutput(nn.Module):
    """Project the attention result, then add it to the layer's input and normalise (residual + LayerNorm)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, x, bias, output_attentions):
        h, weights = self.self(x, bias, output_attentions)
        return self.output(h, x), weights


class BertIntermediate(nn.Module):
    """The first half of the feed-forward block: widen to intermediate_size (4H in BERT) and activate."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = activation(config.hidden_act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.dense(x))  # (B, T, 4H)


class BertOutput(nn.Module):
    """The second half: back to H, residual, LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertLayer(nn.Module):
    """One encoder layer: self-attention, then feed-forward, each with residual + LayerNorm (post-norm)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, x, bias, output_attentions):
        a, weights = self.attention(x, bias, output_attentions)
        return self.output(self.intermediate(a), a), weights


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

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


class BertPooler(nn.Module):
    """The [CLS] token's vector through a dense layer and tanh: one vector per sequence."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden[:, 0]))  # (B, H)


class BertPreTrainedModel(PreTrainedModel):
    config_class = BertConfig
    base_model_prefix = "bert"
    # Old checkpoints saved the position ids buffer and a duplicate of the LM bias.
    ignore_on_load = (r"embeddings\.position_ids$", r"predictions\.decoder\.bias$")


class BertModel(BertPreTrainedModel):
    """The bare encoder: token ids → one vector per token (`last_hidden_state`) and per sequence (`pooler_output`)."""

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T)
        attention_mask: torch.Tensor | None = None,  # (B, T): 1 = token, 0 = padding
        token_type_ids: torch.Tensor | None = None,  # (B, T)
        position_ids: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutputWithPooling:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        x = self.embeddings(input_ids, token_type_ids, position_ids)  # (B, T, H)
        bias = attention_bias(attention_mask, x.dtype)  # (B, 1, 1, T) or None
        x, hidden, weights = self.encoder(x, bias, output_hidden_states, output_attentions)
        out = BaseModelOutputWithPooling(
            last_hidden_state=x,
            pooler_output=self.pooler(x) if self.pooler is not None else None,
            hidden_states=hidden,
            attentions=weights,
        )
        return out if return_dict is not False else out.to_tuple()


class BertForSequenceClassification(BertPreTrainedModel):
    """One label per sequence, predicted from the pooled [CLS] vector."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)  # new for every task

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None, labels=None,
                output_hidden_states=None, output_attentions=None, return_dict=None) -> SequenceClassifierOutput:
        base = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                         output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.classifier(self.dropout(base.pooler_output))  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, self.config.problem_type = classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        out = SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()


class BertForTokenClassification(BertPreTrainedModel):
    """One label per token (named entities, parts of speech), from each token's vector."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None, labels=None,
                output_hidden_states=None, output_attentions=None, return_dict=None) -> TokenClassifierOutput:
        base = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                         output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.classifier(self.dropout(base.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:  # label -100 marks tokens to ignore (padding, continued word-pieces)
            loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1))
        out = TokenClassifierOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()


class BertLMPredictionHead(nn.Module):
    """Each token's vector → a score for every word-piece of the vocabulary."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.transform = _BertPredictionHeadTransform(config)
        # The decoder's weight is the word-embedding matrix itself (tied); its bias is the separate `bias`.
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(x)) + self.bias  # (B, T, vocab_size)


class _BertPredictionHeadTransform(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.act(self.dense(x)))


class _BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predictions(x)


class BertForMaskedLM(BertPreTrainedModel):
    """Fill in [MASK]: the pre-training task. Its output layer shares the word-embedding matrix."""

    tied_weights = {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight"}

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = _BertOnlyMLMHead(config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None, labels=None,
                output_hidden_states=None, output_attentions=None, return_dict=None) -> MaskedLMOutput:
        base = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                         output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.cls(base.last_hidden_state)  # (B, T, vocab_size)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.vocab_size), labels.view(-1))
        out = MaskedLMOutput(loss=loss, logits=logits, hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()
