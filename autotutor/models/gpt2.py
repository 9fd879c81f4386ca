"""GPT-2: a stack of Transformer decoder blocks that predicts the next token from the ones before it.

Paper: Radford et al., "Language Models are Unsupervised Multitask Learners" (2019),
https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf.
Attention: Vaswani et al., https://arxiv.org/abs/1706.03762.

Read top to bottom: the config, the Conv1D layer GPT-2 stores its weights in, then the blocks in the order the
data flows through them (attention → feed-forward → block), the base model, and the language-model head.
Parameter names are the Hub's (`transformer.h.0.attn.c_attn.weight`), so real checkpoints load unchanged.

Three things set GPT-2 apart from BERT:
- causal attention: a token sees only itself and the tokens before it, so the model can generate text;
- pre-norm: each block normalises its input (ln_1, ln_2) and a final LayerNorm (ln_f) closes the stack;
- a key/value cache (autotutor/cache.py): when generating, earlier tokens' keys and values are kept, so
  each new token is computed alone.

Shapes: B = batch, T = new tokens, P = tokens already in the cache, H = n_embd, N = n_head, D = H / N.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..cache import KeyValueCache
from ..configuration import PretrainedConfig
from ..errors import ConfigError
from ..generation import GenerationMixin
from ..layers import activation
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutputWithPast, CausalLMOutputWithPast


class GPT2Config(PretrainedConfig):
    """The sizes of a GPT-2 model. The defaults are openai-community/gpt2's (the 124M model)."""

    model_type = "gpt2"
    # GPT-2's config.json predates the common names; these let code ask for `hidden_size` all the same.
    attribute_map = {
        "hidden_size": "n_embd",
        "max_position_embeddings": "n_positions",
        "num_attention_heads": "n_head",
        "num_hidden_layers": "n_layer",
    }

    def __init__(
        self,
        vocab_size: int = 50257,
        n_positions: int = 1024,
        n_embd: int = 768,
        n_layer: int = 12,
        n_head: int = 12,
        n_inner: int | None = None,  # the feed-forward width; None means 4 * n_embd
        activation_function: str = "gelu_new",
        resid_pdrop: float = 0.1,
        embd_pdrop: float = 0.1,
        attn_pdrop: float = 0.1,
        layer_norm_epsilon: float = 1e-5,
        initializer_range: float = 0.02,
        scale_attn_weights: bool = True,  # divide attention scores by √D
        scale_attn_by_inverse_layer_idx: bool = False,  # and also by layer index + 1
        use_cache: bool = True,
        bos_token_id: int | None = 50256,
        eos_token_id: int | None = 50256,
        **kwargs,
    ) -> None:
        self.vocab_size = vocab_size
        self.n_positions = n_positions
        self.n_embd = n_embd
        self.n_layer = n_layer
        self.n_head = n_head
        self.n_inner = n_inner
        self.activation_function = activation_function
        self.resid_pdrop = resid_pdrop
        self.embd_pdrop = embd_pdrop
        self.attn_pdrop = attn_pdrop
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.scale_attn_weights = scale_attn_weights
        self.scale_attn_by_inverse_layer_idx = scale_attn_by_inverse_layer_idx
        self.use_cache = use_cache
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        # Set last: `hidden_size=...` and the other common names arrive in kwargs and replace the values above.
        super().__init__(**kwargs)
        if self.n_embd % self.n_head:
            raise ConfigError(
                "hidden_size ({hidden_size}) must be divisible by num_attention_heads ({num_attention_heads}).",
                hidden_size=self.n_embd, num_attention_heads=self.n_head, key="n_head", value=self.n_head,
            )


class Conv1D(nn.Module):
    """A Linear layer with its weight stored transposed: weight (in, out), y = x @ W + b.

    OpenAI's GPT-2 code (TensorFlow) wrote its projections as 1×1 convolutions, hence the name, and kept the
    matrix as (in, out). The Hub checkpoints still store it that way; nn.Linear keeps (out, in) and computes
    x @ Wᵀ + b. Keeping GPT-2's layout lets checkpoints load as they are, with no transposing.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight + self.bias  # (..., in) → (..., out)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


def _causal_mask(attention_mask: torch.Tensor | None, batch: int, new: int, past: int,
                 device: torch.device) -> torch.Tensor:
    """Which keys each query may look at: True where it may. (B, 1, T, P+T), broadcast over the heads.

    Queries are the new tokens, at positions past .. past+new-1; keys are every position 0 .. past+new-1.
    A query sees a key when the key is not in its future (causal) and is a real token (attention_mask 1).
    A left-padding query sees no key at all: PyTorch's attention (since 2.5) gives such a row zeros, not NaN,
    as transformers relies on too; its output is never read.
    """
    query_pos = torch.arange(past, past + new, device=device)[:, None]  # (T, 1)
    key_pos = torch.arange(past + new, device=device)[None, :]  # (1, P+T)
    allowed = (key_pos <= query_pos)[None, None]  # (1, 1, T, P+T)
    if attention_mask is not None:
        allowed = allowed & attention_mask[:, None, None, :].bool()  # (B, 1, T, P+T)
    return allowed.expand(batch, 1, new, past + new)


class GPT2Attention(nn.Module):
    """Masked self-attention: each token looks at itself and the tokens before it, for N heads in parallel."""

    def __init__(self, config: GPT2Config, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx  # where this layer keeps its keys and values in the cache
        self.num_heads = config.n_head
        self.head_size = config.n_embd // config.n_head
        self.c_attn = Conv1D(config.n_embd, 3 * config.n_embd)  # q, k and v in one matrix: (H, 3H)
        self.c_proj = Conv1D(config.n_embd, config.n_embd)
        self.dropout_p = config.attn_pdrop
        self.resid_dropout = nn.Dropout(config.resid_pdrop)
        self.scale = self.head_size**-0.5 if config.scale_attn_weights else 1.0
        if config.scale_attn_by_inverse_layer_idx:  # an option of some later GPT-2-style models
            self.scale /= layer_idx + 1

    def forward(
        self,
        x: torch.Tensor,  # (B, T, H)
        mask: torch.Tensor,  # (B, 1, T, P+T), True = may attend
        cache: KeyValueCache | None,
        output_attentions: bool,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T, H = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, H) → (B, N, T, D)
            return t.view(B, T, self.num_heads, self.head_size).transpose(1, 2)

        q, k, v = self.c_attn(x).split(H, dim=-1)  # each (B, T, H)
        q, k, v = heads(q), heads(k), heads(v)
        if cache is not None:  # add this step's keys and values to the earlier ones: (B, N, P+T, D)
            k, v = cache.update(self.layer_idx, k, v)
        if output_attentions:  # the written-out version, which can return the weights
            # Masked scores get the most negative number, not -inf, so a padding row with no key stays finite.
            scores = (q @ k.transpose(-1, -2) * self.scale).masked_fill(~mask, torch.finfo(q.dtype).min)
            weights = scores.softmax(dim=-1)  # (B, N, T, P+T)
            context = weights @ v
        else:  # the same computation, fused by PyTorch
            dropout = self.dropout_p if self.training else 0.0
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout, scale=self.scale)
            weights = None
        context = context.transpose(1, 2).reshape(B, T, H)  # heads side by side again
        return self.resid_dropout(self.c_proj(context)), weights


class GPT2MLP(nn.Module):
    """The feed-forward block: widen to n_inner (4H), activate, come back to H. Token by token."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        inner = config.n_inner if config.n_inner is not None else 4 * config.n_embd
        self.c_fc = Conv1D(config.n_embd, inner)
        self.act = activation(config.activation_function)
        self.c_proj = Conv1D(inner, config.n_embd)
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))  # (B, T, 4H) inside, (B, T, H) out


class GPT2Block(nn.Module):
    """One decoder block, pre-norm: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPT2Config, layer_idx: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = GPT2Attention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = GPT2MLP(config)

    def forward(self, x, mask, cache, output_attentions):
        a, weights = self.attn(self.ln_1(x), mask, cache, output_attentions)
        x = x + a
        return x + self.mlp(self.ln_2(x)), weights


class GPT2PreTrainedModel(PreTrainedModel):
    config_class = GPT2Config
    base_model_prefix = "transformer"
    # Old checkpoints saved the causal mask as a buffer (attn.bias, attn.masked_bias); it is rebuilt here.
    ignore_on_load = (r"(^|\.)(attn|crossattention)\.(masked_)?bias$",)

    @classmethod
    def from_config(cls, config: GPT2Config) -> "GPT2PreTrainedModel":
        """A model with random weights, initialised as GPT-2 was for training.

        modeling.py initialises nn.Linear weights but not Conv1D ones (it would leave them at zero), so they
        are drawn here: normal(0, initializer_range), and, as the GPT-2 paper says, the projections that add
        into the residual stream (c_proj) scaled down by 1/√(2 · n_layer) so the sum stays the same size.
        """
        model = super().from_config(config)
        residual_std = config.initializer_range / (2 * config.n_layer) ** 0.5
        with torch.no_grad():
            for name, module in model.named_modules():
                if isinstance(module, Conv1D):
                    std = residual_std if name.endswith("c_proj") else config.initializer_range
                    module.weight.normal_(0.0, std)
        return model


class GPT2Model(GPT2PreTrainedModel):
    """The bare decoder: token ids → one vector per token (`last_hidden_state`), and the key/value cache."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)  # learned position embeddings
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList(GPT2Block(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T): only the new tokens when a cache is given
        attention_mask: torch.Tensor | None = None,  # (B, P+T): 1 = token, 0 = padding
        position_ids: torch.Tensor | None = None,  # (B, T) or (1, T)
        past_key_values: KeyValueCache | None = None,
        use_cache: bool = False,
        token_type_ids: torch.Tensor | None = None,  # (B, T): GPT-2 looks them up in wte too
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutputWithPast:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        B, T = input_ids.shape
        cache = KeyValueCache() if use_cache and past_key_values is None else past_key_values
        past = cache.length if cache is not None else 0
        if position_ids is None:  # the next positions after the cache; left padding needs them passed in
            position_ids = torch.arange(past, past + T, device=input_ids.device)[None, :]  # (1, T)

        x = self.wte(input_ids) + self.wpe(position_ids)  # (B, T, H)
        if token_type_ids is not None:
            x = x + self.wte(token_type_ids)
        x = self.drop(x)
        mask = _causal_mask(attention_mask, B, T, past, x.device)  # (B, 1, T, P+T)

        all_hidden, all_weights = [x], []
        for block in self.h:
            x, weights = block(x, mask, cache, output_attentions)
            all_hidden.append(x)
            all_weights.append(weights)
        x = self.ln_f(x)
        all_hidden[-1] = x  # as in transformers, the last hidden state is given after ln_f

        out = BaseModelOutputWithPast(
            last_hidden_state=x,
            past_key_values=cache if use_cache else None,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
            attentions=tuple(all_weights) if output_attentions else None,
        )
        return out if return_dict is not False else out.to_tuple()


class GPT2LMHeadModel(GPT2PreTrainedModel, GenerationMixin):
    """GPT-2 with its language-model head: a score for every token of the vocabulary, at every position.

    The head's weight is the token-embedding matrix itself (tied): reading a token in and writing it out use
    the same vectors, and the checkpoint stores the matrix once.
    """

    tied_weights = {"lm_head.weight": "transformer.wte.weight"}

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T)
        attention_mask: torch.Tensor | None = None,  # (B, P+T)
        position_ids: torch.Tensor | None = None,  # (B, T)
        past_key_values: KeyValueCache | None = None,
        use_cache: bool = False,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,  # (B, T): usually input_ids; -100 marks tokens to ignore
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> CausalLMOutputWithPast:
        base = self.transformer(input_ids, attention_mask, position_ids, past_key_values, use_cache,
                                token_type_ids, output_hidden_states=output_hidden_states,
                                output_attentions=output_attentions)
        logits = self.lm_head(base.last_hidden_state)  # (B, T, vocab_size)
        loss = None
        if labels is not None:  # the score at position t predicts the token at t + 1: shift by one
            shifted = logits[:, :-1].reshape(-1, logits.size(-1))
            loss = F.cross_entropy(shifted.float(), labels[:, 1:].reshape(-1).to(logits.device), ignore_index=-100)
        out = CausalLMOutputWithPast(loss=loss, logits=logits, past_key_values=base.past_key_values,
                                     hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()
