"""The key/value cache: what a decoder remembers between two steps of `generate()`.

A decoder layer's attention compares each new token with every token before it. Those earlier tokens' keys and
values do not change once computed, so each layer keeps them here and only computes the new token's: the second
token costs one token's work instead of the whole prompt's again.

    cache = KeyValueCache()
    keys, values = cache.update(layer, new_keys, new_values)   # every key and value so far, for attention
    cache.length                                                # how many positions are stored

Shapes: keys and values are (batch, key/value heads, positions, head size), as transformers' DynamicCache keeps
them, so a learner can compare the two cache for cache.

An encoder-decoder model (Whisper) also keeps, per decoder layer, the cross-attention keys and values of the
encoder's output. That output does not change while the decoder writes, so they are computed at the first step
and then reused as they are, never appended to (transformers keeps them in an `EncoderDecoderCache`):

    keys, values = cache.cross_attention(layer, compute)       # compute() only the first time
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["KeyValueCache"]


class KeyValueCache:
    """Per layer, the keys and values of every position seen so far."""

    def __init__(self) -> None:
        self.keys: list[torch.Tensor] = []  # one (B, kv_heads, positions, head_size) tensor per layer
        self.values: list[torch.Tensor] = []
        self.cross_keys: list[torch.Tensor] = []  # encoder-decoder models only: (B, heads, encoder positions, D)
        self.cross_values: list[torch.Tensor] = []

    def update(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this step's keys and values for `layer`; return all of that layer's, old and new."""
        if layer == len(self.keys):  # the layer's first step
            self.keys.append(keys)
            self.values.append(values)
        else:
            self.keys[layer] = torch.cat([self.keys[layer], keys], dim=-2)
            self.values[layer] = torch.cat([self.values[layer], values], dim=-2)
        return self.keys[layer], self.values[layer]

    def cross_attention(self, layer: int, compute: Callable[[], tuple[torch.Tensor, torch.Tensor]]
                        ) -> tuple[torch.Tensor, torch.Tensor]:
        """The encoder keys and values for `layer`'s cross-attention: `compute()` them once, then reuse them."""
        if layer == len(self.cross_keys):  # the layer's first step
            keys, values = compute()
            self.cross_keys.append(keys)
            self.cross_values.append(values)
        return self.cross_keys[layer], self.cross_values[layer]

    @property
    def length(self) -> int:
        """How many positions the cache holds (0 before the first step)."""
        return self.keys[0].shape[-2] if self.keys else 0

    def __len__(self) -> int:  # the number of layers, as for transformers' cache
        return len(self.keys)

    def __repr__(self) -> str:
        shape = tuple(self.keys[0].shape) if self.keys else ()
        cross = f", cross-attention keys per layer {tuple(self.cross_keys[0].shape)}" if self.cross_keys else ""
        return f"KeyValueCache(layers={len(self.keys)}, positions={self.length}, keys per layer {shape}{cross})"
