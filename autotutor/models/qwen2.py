"""Qwen2: Llama plus a bias on the query, key and value projections (and none on the output projection).

Report: Yang et al., "Qwen2 Technical Report" (2024), https://arxiv.org/abs/2407.10671; Qwen2.5 uses the same
architecture. Everything else — RMSNorm, rotary positions, grouped-query attention, the SwiGLU MLP, the
parameter names (`model.layers.0.self_attn.q_proj.bias` …) — is Llama's (`llama.py`, where the papers are), and
this file repeats it so that it reads on its own: a block that reads exactly like Llama's says so with a
`# Copied from autotutor.models.llama.…` line (tests/test_style.py keeps the two equal); the other blocks
differ from Llama's only in their names, except the config (Qwen2's defaults) and the attention (its biases).

Qwen2 configs can ask for sliding-window attention on some layers (`use_sliding_window`); no released Qwen2 or
Qwen2.5 checkpoint turns it on, and autotutor does not implement it: such a config is refused with a clear error.

Shapes: B = batch, T = new tokens, P = positions already in the cache, H = hidden size, N = attention heads,
K = key/value heads (K divides N; K < N is grouped-query attention), D = head size (H / N unless `head_dim`).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..cache import KeyValueCache
from ..configuration import PretrainedConfig
from ..errors import ArgumentError, ConfigError
from ..generation import GenerationMixin
from ..layers import activation, eager_attention
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutputWithPast, CausalLMOutputWithPast

# The ways of placing positions on the rotary "clock" that autotutor implements (see _inverse_frequencies).
ROPE_TYPES = ("default", "linear", "llama3")


class Qwen2Config(PretrainedConfig):
    """The sizes of a Qwen2 model (the defaults are transformers'); Llama's config with Qwen2's defaults.

    RoPE settings live in `rope_parameters` ({"rope_type": "default", "rope_theta": 10000.0, ...}), as
    transformers 5 writes them; older files give `rope_theta` and `rope_scaling` at the top level instead.
    Llama's `attention_bias` flag is kept but not read: Qwen2 always has q/k/v biases and never an o bias.
    """

    model_type = "qwen2"

    def __init__(
        self,
        vocab_size: int = 151936,
        hidden_size: int = 4096,
        intermediate_size: int = 22016,
        num_hidden_layers: int = 32,
        num_attention_heads: int = 32,
        num_key_value_heads: int | None = 32,  # None: as many as attention heads (no grouping)
        head_dim: int | None = None,  # None: hidden_size // num_attention_heads
        hidden_act: str = "silu",
        max_position_embeddings: int = 32768,
        initializer_range: float = 0.02,
        rms_norm_eps: float = 1e-6,
        use_cache: bool = True,
        pad_token_id: int | None = None,
        bos_token_id: int | None = None,
        eos_token_id: int | list[int] | None = None,
        tie_word_embeddings: bool = False,
        rope_parameters: dict | None = None,
        attention_bias: bool = False,  # not read (see above)
        attention_dropout: float = 0.0,
        mlp_bias: bool = False,
        use_sliding_window: bool = False,  # refused when true (see the module docstring)
        sliding_window: int | None = 4096,
        max_window_layers: int = 28,
        **kwargs,
    ) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.num_key_value_heads = num_attention_heads if num_key_value_heads is None else num_key_value_heads
        self.head_dim = hidden_size // num_attention_heads if head_dim is None else head_dim
        self.hidden_act = hidden_act
        self.max_position_embeddings = max_position_embeddings
        self.initializer_range = initializer_range
        self.rms_norm_eps = rms_norm_eps
        self.use_cache = use_cache
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.attention_bias = attention_bias
        self.attention_dropout = attention_dropout
        self.mlp_bias = mlp_bias
        legacy_theta, legacy_scaling = kwargs.pop("rope_theta", None), kwargs.pop("rope_scaling", None)
        self.rope_parameters = _rope_parameters(rope_parameters or legacy_scaling, legacy_theta, max_position_embeddings)
        super().__init__(pad_token_id=pad_token_id, tie_word_embeddings=tie_word_embeddings, **kwargs)
        if head_dim is None and hidden_size % num_attention_heads:
            raise ConfigError(
                "hidden_size ({hidden_size}) must be divisible by num_attention_heads ({num_attention_heads}).",
                hidden_size=hidden_size, num_attention_heads=num_attention_heads, key="num_attention_heads",
                value=num_attention_heads,
            )
        if num_attention_heads % self.num_key_value_heads:
            raise ConfigError(
                "num_key_value_heads={value} must divide num_attention_heads={heads}: each key/value head is "
                "shared by the same number of query heads.",
                key="num_key_value_heads", value=self.num_key_value_heads, heads=num_attention_heads,
            )
        self.use_sliding_window = use_sliding_window
        self.sliding_window = sliding_window if use_sliding_window else None  # as transformers keeps it
        self.max_window_layers = max_window_layers
        if use_sliding_window:
            raise ConfigError(
                "use_sliding_window=true: autotutor's Qwen2 implements full attention only, and no released "
                "Qwen2 checkpoint uses the sliding window. Set it to false.",
                key="use_sliding_window", value=use_sliding_window,
            )


# Copied from autotutor.models.llama._rope_parameters
def _rope_parameters(given: dict | None, legacy_theta: float | None, max_position_embeddings: int) -> dict:
    """One RoPE dict from either spelling: transformers 5's `rope_parameters`, or `rope_theta` + `rope_scaling`."""
    params = dict(given or {})
    params.setdefault("rope_type", params.get("type", "default"))  # files from 2023 say "type"
    params.setdefault("rope_theta", 10000.0 if legacy_theta is None else legacy_theta)
    if params["rope_type"] not in ROPE_TYPES:
        raise ConfigError(
            "rope_type {value!r} is not one autotutor implements; supported: {supported}.",
            supported=", ".join(ROPE_TYPES), key="rope_parameters", value=params["rope_type"],
        )
    if params["rope_type"] == "llama3":  # the length the model was first trained at
        params.setdefault("original_max_position_embeddings", max_position_embeddings)
    return params


class Qwen2RMSNorm(nn.RMSNorm):
    """Scale each vector to unit root-mean-square, then by a learned weight: LayerNorm without the mean or bias.

    A `torch.nn.RMSNorm` (same `weight`, same `eps`), with its computation written out as transformers does it.
    """

    # Copied from autotutor.models.llama.LlamaRMSNorm.forward
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()  # the mean of squares in float32 even for bfloat16 weights, as transformers does
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def _inverse_frequencies(config: Qwen2Config) -> torch.Tensor:
    """(D/2,) angle per position for each pair of dimensions: theta^(-2i/D), slowed down by the RoPE type."""
    params, D = config.rope_parameters, config.head_dim
    inv_freq = 1.0 / (params["rope_theta"] ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
    if params["rope_type"] == "linear":  # every position divided by `factor`: a longer context, coarser steps
        return inv_freq / params["factor"]
    if params["rope_type"] == "llama3":
        # Llama 3.1: slow only the slow-turning pairs (wavelength longer than the original context) by `factor`,
        # keep the fast ones (short wavelength: local word order), and blend smoothly in between.
        factor, low, high = params["factor"], params["low_freq_factor"], params["high_freq_factor"]
        old_context = params["original_max_position_embeddings"]
        wavelength = 2 * math.pi / inv_freq
        scaled = torch.where(wavelength > old_context / low, inv_freq / factor, inv_freq)
        smooth = (old_context / wavelength - low) / (high - low)
        blended = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelength >= old_context / high) & (wavelength <= old_context / low)
        return torch.where(medium, blended, scaled)
    return inv_freq


class Qwen2RotaryEmbedding(nn.Module):
    """Positions → (cos, sin) of the angles by which queries and keys are rotated: RoPE.

    Rotating q and k by an angle proportional to their positions makes q·k depend only on how far apart the
    two tokens are. Nothing here is learned; the frequencies are computed from the config on every call (D/2
    numbers), so they are never a buffer left behind on the meta device.
    """

    def __init__(self, config: Qwen2Config) -> None:
        super().__init__()
        self.config = config

    @torch.no_grad()
    def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inv_freq = _inverse_frequencies(self.config).to(x.device)  # (D/2,); Qwen2's checkpoints set theta = 1e6
        angles = position_ids[..., None].float() * inv_freq  # (B, T, D/2)
        angles = torch.cat((angles, angles), dim=-1)  # (B, T, D): the two halves of each head share an angle
        return angles.cos().to(x.dtype), angles.sin().to(x.dtype)


# Copied from autotutor.models.llama.rotate_half
def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) → (-x2, x1) on the two halves of the last dimension: a 90° turn of each (x1[i], x2[i]) pair."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


# Copied from autotutor.models.llama.apply_rotary_pos_emb
def apply_rotary_pos_emb(q, k, cos, sin):
    """Rotate q (B, N, T, D) and k (B, K, T, D) by their positions' angles; cos, sin are (B, T, D)."""
    cos, sin = cos[:, None], sin[:, None]  # (B, 1, T, D): the same angles for every head
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


# Copied from autotutor.models.llama.repeat_kv
def repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    """(B, K, T, D) → (B, K * n_rep, T, D): each key/value head serves n_rep query heads in a row."""
    return x if n_rep == 1 else x.repeat_interleave(n_rep, dim=1)


class Qwen2Attention(nn.Module):
    """Llama's attention (grouped key/value heads, rotary positions, a cache); q, k and v have a bias, o has none."""

    def __init__(self, config: Qwen2Config, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx  # which of the cache's layers is this one's
        self.num_heads = config.num_attention_heads  # N query heads
        self.num_kv_heads = config.num_key_value_heads  # K key/value heads, each shared by N / K query heads
        self.head_dim = config.head_dim  # D
        self.dropout_p = config.attention_dropout
        # The one difference from Llama: a bias on q, k and v, whatever the config says, and none on o.
        self.q_proj = nn.Linear(config.hidden_size, self.num_heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(config.hidden_size, self.num_kv_heads * self.head_dim, bias=True)  # K < N
        self.v_proj = nn.Linear(config.hidden_size, self.num_kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, config.hidden_size, bias=False)

    # Copied from autotutor.models.llama.LlamaAttention.forward
    def forward(self, x, cos, sin, bias, cache: KeyValueCache | None, output_attentions: bool):
        B, T, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, T, heads * D) → (B, heads, T, D)
            return t.view(B, T, -1, self.head_dim).transpose(1, 2)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        q, k = apply_rotary_pos_emb(q, k, cos, sin)  # positions enter here, not in the embeddings
        if cache is not None:  # keys/values of the P earlier positions, plus these T: (B, K, P + T, D)
            k, v = cache.update(self.layer_idx, k, v)
        n_rep = self.num_heads // self.num_kv_heads
        k, v = repeat_kv(k, n_rep), repeat_kv(v, n_rep)  # (B, N, P + T, D)
        if output_attentions:  # written out, to return the weights
            context, weights = eager_attention(q, k, v, bias)
        else:
            dropout = self.dropout_p if self.training else 0.0
            context, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout), None
        return self.o_proj(context.transpose(1, 2).reshape(B, T, -1)), weights  # (B, T, H)


class Qwen2MLP(nn.Module):
    """SwiGLU feed-forward: down(act(gate(x)) * up(x)); the gate decides, per feature, how much of `up` passes."""

    def __init__(self, config: Qwen2Config) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=config.mlp_bias)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=config.mlp_bias)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=config.mlp_bias)
        self.act_fn = activation(config.hidden_act)  # SiLU in every Qwen2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))  # (B, T, H)


class Qwen2DecoderLayer(nn.Module):
    """Normalise → attend → add; normalise → MLP → add (pre-norm: the residual stream is never normalised)."""

    def __init__(self, config: Qwen2Config, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = Qwen2Attention(config, layer_idx)
        self.mlp = Qwen2MLP(config)
        self.input_layernorm = Qwen2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = Qwen2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    # Copied from autotutor.models.llama.LlamaDecoderLayer.forward
    def forward(self, x, cos, sin, bias, cache, output_attentions):
        a, weights = self.self_attn(self.input_layernorm(x), cos, sin, bias, cache, output_attentions)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), weights


# Copied from autotutor.models.llama.causal_bias
def causal_bias(attention_mask: torch.Tensor, past: int, T: int, dtype: torch.dtype) -> torch.Tensor:
    """(B, P + T) mask of 1/0 → (B, 1, T, P + T) additive bias: 0 where a query may look, a huge negative elsewhere.

    Query i (at position P + i) may look at key j when j ≤ P + i (not the future) and key j is not padding.
    The most negative finite number, not -inf: a query on a padding position then sees a uniform spread
    instead of producing NaN, which would leak into the real tokens through the next layer's keys.
    """
    queries = torch.arange(past, past + T, device=attention_mask.device)  # (T,)
    keys = torch.arange(past + T, device=attention_mask.device)  # (P + T,)
    allowed = (keys[None, :] <= queries[:, None])[None, None] & attention_mask[:, None, None, :].bool()
    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill(~allowed, torch.finfo(dtype).min)


class Qwen2PreTrainedModel(PreTrainedModel):
    config_class = Qwen2Config
    base_model_prefix = "model"
    ignore_on_load = (r"rotary_emb\.inv_freq$",)  # older checkpoints saved the (computed) frequencies


class Qwen2Model(Qwen2PreTrainedModel):
    """The bare Qwen2 decoder stack: token ids → one vector per token (`last_hidden_state`), plus the cache."""

    def __init__(self, config: Qwen2Config) -> None:
        super().__init__(config)
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.layers = nn.ModuleList(Qwen2DecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = Qwen2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = Qwen2RotaryEmbedding(config)

    # Copied from autotutor.models.llama.LlamaModel.forward
    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T)
        attention_mask: torch.Tensor | None = None,  # (B, P + T): 1 = token, 0 = padding
        position_ids: torch.Tensor | None = None,  # (B, T); generate() passes them for left-padded rows
        past_key_values: KeyValueCache | None = None,
        use_cache: bool | None = None,
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutputWithPast:
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        cache = past_key_values if past_key_values is not None else (KeyValueCache() if use_cache else None)
        B, T = input_ids.shape
        past = cache.length if cache is not None else 0
        if attention_mask is None:
            attention_mask = torch.ones(B, past + T, dtype=torch.long, device=input_ids.device)
        if attention_mask.shape != (B, past + T):
            raise ArgumentError(
                "attention_mask has shape {value}, but it must cover the {past} cached positions and the {new} "
                "new tokens of the {batch} rows: ({batch}, {total}).",
                key="attention_mask", value=tuple(attention_mask.shape), past=past, new=T, batch=B, total=past + T,
            )
        if position_ids is None:  # counting on from the cache, the same for every row
            position_ids = torch.arange(past, past + T, device=input_ids.device)[None].expand(B, T)

        x = self.embed_tokens(input_ids)  # (B, T, H): no position embedding is added; RoPE rotates q and k instead
        cos, sin = self.rotary_emb(x, position_ids)  # (B, T, D) each
        bias = causal_bias(attention_mask, past, T, x.dtype)  # (B, 1, T, P + T)
        all_hidden, all_weights = [x], []
        for layer in self.layers:
            x, weights = layer(x, cos, sin, bias, cache, output_attentions)
            all_hidden.append(x)
            all_weights.append(weights)
        x = self.norm(x)
        all_hidden[-1] = x  # the last entry is the normalised output, as in transformers
        out = BaseModelOutputWithPast(
            last_hidden_state=x,
            past_key_values=cache if use_cache else None,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
            attentions=tuple(all_weights) if output_attentions else None,
        )
        return out if return_dict is not False else out.to_tuple()


class Qwen2ForCausalLM(Qwen2PreTrainedModel, GenerationMixin):
    """Next-token scores from the Qwen2 stack: `lm_head` maps each vector to one score per vocabulary entry.

    `lm_head` is a matrix of its own (Qwen2-7B) or the embedding matrix itself when the config says
    `tie_word_embeddings` (the small ones: Qwen2-0.5B, Qwen2.5-0.5B).
    """

    tied_weights = {"lm_head.weight": "model.embed_tokens.weight"}

    def __init__(self, config: Qwen2Config) -> None:
        super().__init__(config)
        self.model = Qwen2Model(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)

    # Copied from autotutor.models.llama.LlamaForCausalLM.forward
    def forward(self, input_ids, attention_mask=None, position_ids=None, past_key_values=None, use_cache=None,
                labels=None, output_hidden_states=None, output_attentions=None,
                return_dict=None) -> CausalLMOutputWithPast:
        base = self.model(input_ids, attention_mask, position_ids, past_key_values, use_cache,
                          output_hidden_states=output_hidden_states, output_attentions=output_attentions)
        logits = self.lm_head(base.last_hidden_state)  # (B, T, vocab_size)
        loss = None
        if labels is not None:  # position t predicts token t + 1; label -100 marks tokens to ignore
            shifted = logits[:, :-1].float().reshape(-1, logits.size(-1))
            loss = F.cross_entropy(shifted, labels[:, 1:].reshape(-1).to(logits.device), ignore_index=-100)
        out = CausalLMOutputWithPast(loss=loss, logits=logits, past_key_values=base.past_key_values,
                                     hidden_states=base.hidden_states, attentions=base.attentions)
        return out if return_dict is not False else out.to_tuple()
