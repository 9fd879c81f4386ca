"""Whisper: an encoder-decoder Transformer that listens to 30 seconds of audio and writes what was said.

Paper: Radford et al., "Robust Speech Recognition via Large-Scale Weak Supervision" (2022),
https://arxiv.org/abs/2212.04356; code: https://github.com/openai/whisper. The Transformer itself is the
original encoder-decoder of Vaswani et al. (2017), https://arxiv.org/abs/1706.03762, with pre-norm layers.

Log-mel spectrogram (80 mel bins × 3000 frames = 30 s, made by the feature extractor) → encoder: two
convolutions with GELU (the second halves the frames: 1500 positions, 20 ms each), fixed sinusoidal positions,
Transformer layers → one vector per position. The decoder reads the tokens written so far, attends to itself
(causally) and to the encoder's output (cross-attention), and scores the next token. Writing a transcript is
`generate()` (generation_whisper.py): the special tokens <|startoftranscript|><|fr|><|transcribe|><|notimestamps|>
tell the decoder the language and the task, then it writes one token at a time. The same checkpoint transcribes
and translates into English.

Read top to bottom: config, attention, encoder layer, decoder layer, encoder, decoder, the base model, and the
head that scores tokens (`proj_out`, the token-embedding matrix itself). Parameter names are the Hub's
(`model.encoder.layers.0.self_attn.k_proj.weight`), so real checkpoints load as they are. Not implemented:
dropout and LayerDrop (every Whisper config sets them to 0), SpecAugment (training only), audio classification.

Shapes: B = batch, M = mel bins, F = frames (3000), S = encoder positions (F / 2), T = new tokens, P = tokens
already in the cache, H = d_model, N = heads, D = H / N.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from ..cache import KeyValueCache
from ..configuration import PretrainedConfig
from ..errors import ArgumentError, AudioError, ConfigError
from ..generation_whisper import WhisperGenerationMixin
from ..layers import activation
from ..modeling import PreTrainedModel
from ..outputs import BaseModelOutput, Seq2SeqLMOutput, Seq2SeqModelOutput


class WhisperConfig(PretrainedConfig):
    """The sizes of a Whisper model. The defaults are transformers' (whisper-tiny's sizes); whisper-base has
    d_model 512, 6 + 6 layers of 8 heads, ffn 2048. Other keys (dropout, SpecAugment, ...) are kept as they are."""

    model_type = "whisper"
    attribute_map: ClassVar[dict[str, str]] = {"hidden_size": "d_model", "num_hidden_layers": "encoder_layers",
                                               "num_attention_heads": "encoder_attention_heads"}

    def __init__(
        self,
        vocab_size: int = 51865,
        num_mel_bins: int = 80,  # 128 in whisper-large-v3
        d_model: int = 384,
        encoder_layers: int = 4, encoder_attention_heads: int = 6, encoder_ffn_dim: int = 1536,
        decoder_layers: int = 4, decoder_attention_heads: int = 6, decoder_ffn_dim: int = 1536,
        activation_function: str = "gelu",
        max_source_positions: int = 1500,  # encoder positions: 3000 frames after the stride-2 convolution
        max_target_positions: int = 448,  # the longest token sequence the decoder has positions for
        scale_embedding: bool = False,  # read for completeness; transformers' Whisper never scales either
        init_std: float = 0.02, use_cache: bool = True,
        pad_token_id: int | None = 50256, bos_token_id: int | None = 50256, eos_token_id: int | None = 50256,
        decoder_start_token_id: int = 50257,  # <|startoftranscript|>
        suppress_tokens: list[int] | None = None,  # never written (generation_config.json usually has its own)
        begin_suppress_tokens: list[int] | None = (220, 50256),  # never the first token: " " and end-of-text
        tie_word_embeddings: bool = True,
        **kwargs: Any,
    ) -> None:
        self.vocab_size, self.num_mel_bins, self.d_model = vocab_size, num_mel_bins, d_model
        self.encoder_layers, self.encoder_attention_heads = encoder_layers, encoder_attention_heads
        self.decoder_layers, self.decoder_attention_heads = decoder_layers, decoder_attention_heads
        self.encoder_ffn_dim, self.decoder_ffn_dim = encoder_ffn_dim, decoder_ffn_dim
        self.activation_function = activation_function
        self.max_source_positions, self.max_target_positions = max_source_positions, max_target_positions
        self.scale_embedding, self.init_std, self.use_cache = scale_embedding, init_std, use_cache
        self.bos_token_id, self.eos_token_id = bos_token_id, eos_token_id
        self.decoder_start_token_id = decoder_start_token_id
        self.suppress_tokens = suppress_tokens
        self.begin_suppress_tokens = list(begin_suppress_tokens) if begin_suppress_tokens is not None else None
        kwargs.setdefault("is_encoder_decoder", True)
        super().__init__(pad_token_id=pad_token_id, tie_word_embeddings=tie_word_embeddings, **kwargs)
        for heads in (encoder_attention_heads, decoder_attention_heads):
            if d_model % heads:
                raise ConfigError("d_model ({value}) must be divisible by the number of attention heads ({heads}).",
                                  key="d_model", value=d_model, heads=heads)

    @property
    def initializer_range(self) -> float:  # the name modeling.py initialises new weights with
        return self.init_std


def sinusoids(length: int, channels: int, max_timescale: float = 10000.0) -> torch.Tensor:
    """(length, channels) fixed positions: sines of slower and slower waves, then their cosines (not learned)."""
    log_timescale_increment = math.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = torch.exp(-log_timescale_increment * torch.arange(channels // 2))
    scaled_time = torch.arange(length).view(-1, 1) * inv_timescales.view(1, -1)  # (length, channels / 2)
    return torch.cat([scaled_time.sin(), scaled_time.cos()], dim=1)


class WhisperAttention(nn.Module):
    """Multi-head attention: self-attention (encoder; decoder, causal and cached) or cross-attention (decoder).

    `k_proj` has no bias, as in OpenAI's code: a bias on the keys adds the same amount to all of a query's scores,
    which softmax cancels out.
    """

    def __init__(self, config: WhisperConfig, num_heads: int, layer_idx: int | None = None) -> None:
        super().__init__()
        self.num_heads, self.head_dim = num_heads, config.d_model // num_heads
        self.scaling = self.head_dim ** -0.5
        self.layer_idx = layer_idx  # which of the cache's layers is this one's (decoder only)
        self.k_proj = nn.Linear(config.d_model, config.d_model, bias=False)
        self.v_proj = nn.Linear(config.d_model, config.d_model)
        self.q_proj = nn.Linear(config.d_model, config.d_model)
        self.out_proj = nn.Linear(config.d_model, config.d_model)

    def forward(self, x, bias=None, cache: KeyValueCache | None = None, encoder_states=None,
                output_attentions: bool = False):
        B, T, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, L, H) → (B, N, L, D)
            return t.view(B, -1, self.num_heads, self.head_dim).transpose(1, 2)

        # Scaled before the product (not the scores after), as OpenAI's code and transformers: the same rounding.
        q = heads(self.q_proj(x) * self.scaling)  # (B, N, T, D)
        if encoder_states is not None:  # cross-attention: keys and values from the encoder output (B, S, H)
            def project():
                return heads(self.k_proj(encoder_states)), heads(self.v_proj(encoder_states))  # (B, N, S, D)
            k, v = cache.cross_attention(self.layer_idx, project) if cache is not None else project()
        else:
            k, v = heads(self.k_proj(x)), heads(self.v_proj(x))
            if cache is not None:  # keys/values of the P earlier tokens, plus these T: (B, N, P + T, D)
                k, v = cache.update(self.layer_idx, k, v)
        if output_attentions:  # written out, to return the weights (B, N, T, keys)
            scores = q @ k.transpose(-1, -2)
            weights = (scores if bias is None else scores + bias).softmax(dim=-1)
            context = weights @ v
        else:
            context, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=1.0), None
        return self.out_proj(context.transpose(1, 2).reshape(B, T, -1)), weights  # (B, T, H)


class WhisperEncoderLayer(nn.Module):
    """Normalise → attend → add; normalise → feed-forward → add (pre-norm)."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        self.self_attn = WhisperAttention(config, config.encoder_attention_heads)
        self.self_attn_layer_norm = nn.LayerNorm(config.d_model)
        self.activation_fn = activation(config.activation_function)
        self.fc1 = nn.Linear(config.d_model, config.encoder_ffn_dim)
        self.fc2 = nn.Linear(config.encoder_ffn_dim, config.d_model)
        self.final_layer_norm = nn.LayerNorm(config.d_model)

    def forward(self, x: torch.Tensor, output_attentions: bool):
        a, weights = self.self_attn(self.self_attn_layer_norm(x), output_attentions=output_attentions)
        x = x + a
        x = x + self.fc2(self.activation_fn(self.fc1(self.final_layer_norm(x))))
        if x.dtype == torch.float16:  # as transformers: keep float16 activations finite
            limit = torch.finfo(x.dtype).max - 1000
            x = x.clamp(min=-limit, max=limit)
        return x, weights


class WhisperDecoderLayer(nn.Module):
    """Three pre-norm blocks: causal self-attention, cross-attention to the audio, feed-forward."""

    def __init__(self, config: WhisperConfig, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = WhisperAttention(config, config.decoder_attention_heads, layer_idx)
        self.self_attn_layer_norm = nn.LayerNorm(config.d_model)
        self.activation_fn = activation(config.activation_function)
        self.encoder_attn = WhisperAttention(config, config.decoder_attention_heads, layer_idx)
        self.encoder_attn_layer_norm = nn.LayerNorm(config.d_model)
        self.fc1 = nn.Linear(config.d_model, config.decoder_ffn_dim)
        self.fc2 = nn.Linear(config.decoder_ffn_dim, config.d_model)
        self.final_layer_norm = nn.LayerNorm(config.d_model)

    def forward(self, x, encoder_states, bias, cache, output_attentions):
        a, self_weights = self.self_attn(self.self_attn_layer_norm(x), bias, cache, output_attentions=output_attentions)
        x = x + a  # what was written so far
        a, cross_weights = self.encoder_attn(self.encoder_attn_layer_norm(x), None, cache, encoder_states,
                                             output_attentions)
        x = x + a  # what was heard: each token looks at every encoder position (no mask)
        x = x + self.fc2(self.activation_fn(self.fc1(self.final_layer_norm(x))))
        return x, self_weights, cross_weights


class WhisperEncoder(nn.Module):
    """Log-mel features (B, M, F) → one vector per 20 ms of audio (B, S, H)."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        self.config = config
        self.conv1 = nn.Conv1d(config.num_mel_bins, config.d_model, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(config.d_model, config.d_model, kernel_size=3, stride=2, padding=1)  # F → F / 2
        self.embed_positions = nn.Embedding(config.max_source_positions, config.d_model)  # sinusoids, fixed
        self.embed_positions.requires_grad_(False)
        self.layers = nn.ModuleList(WhisperEncoderLayer(config) for _ in range(config.encoder_layers))
        self.layer_norm = nn.LayerNorm(config.d_model)

    def forward(self, input_features: torch.Tensor, output_attentions: bool = False,
                output_hidden_states: bool = False) -> BaseModelOutput:
        _check_features(input_features, self.config)
        x = F.gelu(self.conv1(input_features))  # (B, H, F)
        x = F.gelu(self.conv2(x))  # (B, H, S)
        x = x.permute(0, 2, 1) + self.embed_positions.weight  # (B, S, H): every clip is exactly S positions long
        all_hidden, all_weights = [x], []
        for layer in self.layers:
            x, weights = layer(x, output_attentions)
            all_hidden.append(x)
            all_weights.append(weights)
        x = self.layer_norm(x)
        all_hidden[-1] = x  # the last entry is the normalised output, as in transformers
        return BaseModelOutput(last_hidden_state=x, hidden_states=tuple(all_hidden) if output_hidden_states else None,
                               attentions=tuple(all_weights) if output_attentions else None)


def _check_features(features: torch.Tensor, config: WhisperConfig) -> None:
    """Refuse features that are not (B, M, F): Whisper always reads exactly one 30-second window."""
    frames = 2 * config.max_source_positions  # 3000: 30 s at 100 frames per second
    if features is None:
        raise ArgumentError("No input_features were given. Make them from the audio with the feature extractor: "
                            "feature_extractor(audio, sampling_rate=16000, return_tensors='pt').input_features.",
                            key="input_features")
    shape = tuple(features.shape)
    if features.dim() != 3 or shape[1] != config.num_mel_bins:
        raise AudioError(
            "input_features has shape {value}; Whisper expects (batch, {mel_bins}, {frames}): {mel_bins} log-mel bins "
            "of a {seconds}-second window. Make them with the feature extractor: "
            "feature_extractor(audio, sampling_rate=16000, return_tensors='pt').input_features.",
            key="input_features", value=shape, mel_bins=config.num_mel_bins, frames=frames, seconds=frames // 100)
    if shape[2] > frames:
        raise AudioError(
            "input_features has {value} frames ({clip_seconds} s of audio); Whisper reads {frames} frames "
            "({seconds} s) at a time, and autotutor transcribes up to {seconds} s: long-form transcription is not "
            "supported. Cut the clip into {seconds}-second pieces and transcribe each: at 16 kHz, "
            "pieces = [audio[i:i + {samples}] for i in range(0, len(audio), {samples})].",
            key="input_features", value=shape[2], clip_seconds=round(shape[2] / 100, 1), frames=frames,
            seconds=frames // 100, samples=frames * 160)
    if shape[2] < frames:
        raise AudioError(
            "input_features has {value} frames; Whisper reads exactly {frames} ({seconds} s), shorter clips padded "
            "with silence. The feature extractor pads every clip to {seconds} s: "
            "feature_extractor(audio, sampling_rate=16000, return_tensors='pt').input_features.",
            key="input_features", value=shape[2], frames=frames, seconds=frames // 100)


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


class WhisperDecoder(nn.Module):
    """Token ids (B, T) and the encoder output (B, S, H) → one vector per token (B, T, H)."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.d_model, padding_idx=config.pad_token_id)
        self.embed_positions = nn.Embedding(config.max_target_positions, config.d_model)  # learned, not sinusoids
        self.layers = nn.ModuleList(WhisperDecoderLayer(config, i) for i in range(config.decoder_layers))
        self.layer_norm = nn.LayerNorm(config.d_model)

    def forward(self, input_ids, encoder_states, attention_mask=None, position_ids=None, cache=None,
                output_attentions=False, output_hidden_states=False):
        B, T = input_ids.shape
        past = cache.length if cache is not None else 0
        if position_ids is None:  # counting on from the cache
            position_ids = torch.arange(past, past + T, device=input_ids.device)[None].expand(B, T)
        if attention_mask is None:
            attention_mask = torch.ones(B, past + T, dtype=torch.long, device=input_ids.device)
        x = self.embed_tokens(input_ids) + self.embed_positions(position_ids)  # (B, T, H)
        bias = causal_bias(attention_mask, past, T, x.dtype)  # (B, 1, T, P + T)
        all_hidden, self_weights, cross_weights = [x], [], []
        for layer in self.layers:
            x, weights, cross = layer(x, encoder_states, bias, cache, output_attentions)
            all_hidden.append(x)
            self_weights.append(weights)
            cross_weights.append(cross)
        x = self.layer_norm(x)
        all_hidden[-1] = x
        return x, all_hidden, self_weights, cross_weights


class WhisperPreTrainedModel(PreTrainedModel):
    config_class = WhisperConfig
    base_model_prefix = "model"

    @classmethod
    def from_config(cls, config: WhisperConfig) -> "WhisperPreTrainedModel":
        """A model with random weights; the encoder's positions are the fixed sinusoids, as in training."""
        model = super().from_config(config)
        for module in model.modules():
            if isinstance(module, WhisperEncoder):
                with torch.no_grad():
                    module.embed_positions.weight.copy_(sinusoids(*module.embed_positions.weight.shape))
        return model


class WhisperModel(WhisperPreTrainedModel):
    """The encoder and the decoder: audio features + tokens → the decoder's vectors (`last_hidden_state`)."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__(config)
        self.encoder = WhisperEncoder(config)
        self.decoder = WhisperDecoder(config)

    def get_encoder(self) -> WhisperEncoder:
        return self.encoder

    def forward(
        self,
        input_features: torch.Tensor | None = None,  # (B, M, F); not needed when encoder_outputs is given
        attention_mask: torch.Tensor | None = None,  # (B, F): unused, as in transformers (clips are padded to 30 s)
        decoder_input_ids: torch.Tensor | None = None,  # (B, T)
        decoder_attention_mask: torch.Tensor | None = None,  # (B, P + T)
        encoder_outputs: BaseModelOutput | tuple | None = None,  # the encoder's output, computed once for generate()
        past_key_values: KeyValueCache | None = None,
        decoder_position_ids: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> Seq2SeqModelOutput:
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        output_hidden_states = self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        use_cache = self.config.use_cache if use_cache is None else use_cache
        if encoder_outputs is None:
            encoder_outputs = self.encoder(input_features, output_attentions, output_hidden_states)
        elif not isinstance(encoder_outputs, BaseModelOutput):  # a tuple, as transformers accepts it
            encoder_outputs = BaseModelOutput(*encoder_outputs)
        cache = past_key_values if past_key_values is not None else (KeyValueCache() if use_cache else None)
        x, hidden, self_weights, cross_weights = self.decoder(
            decoder_input_ids, encoder_outputs.last_hidden_state, decoder_attention_mask, decoder_position_ids,
            cache, output_attentions, output_hidden_states)
        out = Seq2SeqModelOutput(
            last_hidden_state=x,
            past_key_values=cache if use_cache else None,
            decoder_hidden_states=tuple(hidden) if output_hidden_states else None,
            decoder_attentions=tuple(self_weights) if output_attentions else None,
            cross_attentions=tuple(cross_weights) if output_attentions else None,
            encoder_last_hidden_state=encoder_outputs.last_hidden_state,
            encoder_hidden_states=encoder_outputs.hidden_states,
            encoder_attentions=encoder_outputs.attentions,
        )
        return out if return_dict is not False else out.to_tuple()


def shift_tokens_right(labels: torch.Tensor, pad_token_id: int, decoder_start_token_id: int) -> torch.Tensor:
    """Labels (B, T) → the decoder's inputs: <|startoftranscript|> then the labels but the last (-100 → pad)."""
    shifted = labels.new_zeros(labels.shape)
    shifted[:, 1:] = labels[:, :-1]
    shifted[:, 0] = decoder_start_token_id
    return shifted.masked_fill(shifted == -100, pad_token_id)


class WhisperForConditionalGeneration(WhisperGenerationMixin, WhisperPreTrainedModel):
    """Speech to text: the model, then `proj_out` scores every vocabulary token; `generate()` writes the transcript.

    `proj_out` is the decoder's token-embedding matrix itself (tied), as in every Whisper checkpoint.
    """

    tied_weights = {"proj_out.weight": "model.decoder.embed_tokens.weight"}

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__(config)
        self.model = WhisperModel(config)
        self.proj_out = nn.Linear(config.d_model, config.vocab_size, bias=False)

    def get_encoder(self) -> WhisperEncoder:
        return self.model.encoder

    def forward(self, input_features=None, attention_mask=None, decoder_input_ids=None, decoder_attention_mask=None,
                encoder_outputs=None, past_key_values=None, decoder_position_ids=None, labels=None, use_cache=None,
                output_attentions=None, output_hidden_states=None, return_dict=None) -> Seq2SeqLMOutput:
        if labels is not None and decoder_input_ids is None:  # teacher forcing: the decoder reads the answer so far
            decoder_input_ids = shift_tokens_right(labels, self.config.pad_token_id, self.config.decoder_start_token_id)
        base = self.model(input_features, attention_mask, decoder_input_ids, decoder_attention_mask, encoder_outputs,
                          past_key_values, decoder_position_ids, use_cache, output_attentions, output_hidden_states)
        logits = self.proj_out(base.last_hidden_state)  # (B, T, vocab_size)
        loss = None
        if labels is not None:  # token t predicts label t (the inputs were shifted); -100 marks tokens to ignore
            loss = F.cross_entropy(logits.reshape(-1, self.config.vocab_size), labels.reshape(-1).to(logits.device))
        out = Seq2SeqLMOutput(loss=loss, logits=logits, past_key_values=base.past_key_values,
                              decoder_hidden_states=base.decoder_hidden_states,
                              decoder_attentions=base.decoder_attentions, cross_attentions=base.cross_attentions,
                              encoder_last_hidden_state=base.encoder_last_hidden_state,
                              encoder_hidden_states=base.encoder_hidden_states,
                              encoder_attentions=base.encoder_attentions)
        return out if return_dict is not False else out.to_tuple()
