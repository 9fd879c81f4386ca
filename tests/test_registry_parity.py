"""Every architecture in the registry, every task head it has, gets the same parity check against transformers.

For each (model_type, task) of `autotutor.registry.REGISTRY`: transformers builds a tiny random model of that
class, saves it, autotutor's Auto class for the task loads the folder, and both run the same inputs: every
output tensor equal within 1e-5 (float32), the same class name, nothing left out of the load report. A new
architecture added to the registry fails `test_every_architecture_has_a_tiny_config` until it is given a tiny
config and inputs below, and then gets all of this for free.
"""

from __future__ import annotations

import pytest
import torch

import autotutor
from autotutor.registry import REGISTRY, TASKS

ATOL = 1e-5

# model_type → the tiny config (transformers' keyword arguments) every head of it is built with.
TINY = {
    "bert": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                 max_position_embeddings=64, num_labels=3),
    "distilbert": dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64,
                       num_labels=3),
    "vit": dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=37, num_labels=3),
    "swin": dict(image_size=64, patch_size=4, embed_dim=16, depths=[1, 1, 2, 1], num_heads=[1, 2, 2, 4], window_size=2,
                 num_labels=3, out_indices=[1, 2, 3, 4]),
    "wav2vec2": dict(conv_dim=(8, 8), conv_kernel=(4, 3), conv_stride=(3, 2), hidden_size=16, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=20, num_conv_pos_embeddings=4,
                     num_conv_pos_embedding_groups=2, classifier_proj_size=8, num_labels=3),
    "gpt2": dict(vocab_size=99, n_embd=32, n_layer=2, n_head=4, n_positions=64, bos_token_id=0, eos_token_id=0),
    "llama": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  intermediate_size=37, max_position_embeddings=64, tie_word_embeddings=False),
    "qwen2": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  intermediate_size=37, max_position_embeddings=64, tie_word_embeddings=False),
    "whisper": dict(vocab_size=99, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                    decoder_attention_heads=2, encoder_ffn_dim=20, decoder_ffn_dim=20, num_mel_bins=8,
                    max_source_positions=12, max_target_positions=20, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                    decoder_start_token_id=3, begin_suppress_tokens=[2]),
}
# Decoders: no padding here. Padded positions of a decoder hold no meaning and the libraries fill them
# differently; left padding, real positions compared, and the cache are in test_llama.py and test_gpt2.py.
DECODERS = ("gpt2", "llama", "qwen2")


def _inputs(model_type: str) -> dict[str, torch.Tensor]:
    """The same deterministic inputs for both libraries: text ids with padding, images, or a clip."""
    g = torch.Generator().manual_seed(0)
    if model_type in ("bert", "distilbert"):
        ids = torch.randint(5, 99, (2, 7), generator=g)
        mask = torch.ones_like(ids)
        mask[1, 5:] = 0  # the second sequence is padded
        return {"input_ids": ids, "attention_mask": mask}
    if model_type in ("vit", "swin"):
        size = TINY[model_type]["image_size"]
        return {"pixel_values": torch.randn(2, 3, size, size, generator=g)}
    if model_type == "wav2vec2":
        return {"input_values": torch.randn(2, 400, generator=g)}
    if model_type in DECODERS:
        ids = torch.randint(5, 99, (2, 7), generator=g)
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "use_cache": False}
    if model_type == "whisper":  # log-mel features of the (tiny) 2 × max_source_positions frames, and decoder ids
        tiny = TINY["whisper"]
        features = torch.randn(2, tiny["num_mel_bins"], 2 * tiny["max_source_positions"], generator=g)
        return {"input_features": features, "decoder_input_ids": torch.randint(5, 99, (2, 5), generator=g),
                "use_cache": False}
    raise AssertionError(f"no inputs for {model_type}: add them to _inputs")


def _cases():
    for model_type, arch in sorted(REGISTRY.items()):
        for task, model_cls in arch.models.items():
            yield pytest.param(model_type, task, model_cls.__name__, id=f"{model_type}-{task}")


def test_every_architecture_has_a_tiny_config():
    with_models = {t for t, arch in REGISTRY.items() if arch.models}
    assert set(TINY) == with_models, "give every architecture with a model a tiny config here"
    for model_type, arch in REGISTRY.items():
        assert arch.models or arch.no_model_because, f"{model_type} has no model and says not why"


def _reference(model_type: str, class_name: str, folder):
    import transformers

    config = transformers.AutoConfig.for_model(model_type, **TINY[model_type])
    torch.manual_seed(0)
    model = getattr(transformers, class_name)(config).eval()
    with torch.no_grad():  # the default init leaves biases at 0; random ones make the comparison meaningful
        g = torch.Generator().manual_seed(1)
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=g) * 0.02)
    model.save_pretrained(folder)
    return model


@pytest.mark.parametrize("model_type,task,class_name", list(_cases()))
def test_parity_with_transformers(model_type, task, class_name, tmp_path):
    theirs = _reference(model_type, class_name, tmp_path)
    ours = getattr(autotutor, TASKS[task]).from_pretrained(tmp_path)
    assert type(ours).__name__ == class_name
    report = ours.load_report
    assert not report.newly_initialized and not report.unexpected and not report.mismatched, report
    inputs = _inputs(model_type)
    with torch.no_grad():
        expected, got = theirs(**inputs), ours(**inputs)
    compared = 0
    for key in expected.keys():
        want, have = expected[key], getattr(got, key)
        for w, h in zip(want if isinstance(want, tuple) else (want,), have if isinstance(have, tuple) else (have,)):
            torch.testing.assert_close(h, w, atol=ATOL, rtol=0, msg=f"{class_name}.{key}")
            compared += 1
    assert compared, f"{class_name}: no output was compared"
