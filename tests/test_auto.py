"""The Auto classes' choices, compared with transformers' choices on the same files."""

from __future__ import annotations

import pytest

import autotutor
from autotutor.errors import ConfigError


def test_auto_processor_on_a_text_checkpoint_is_its_tokenizer(minilm_dir):
    import transformers

    ours = autotutor.AutoProcessor.from_pretrained(minilm_dir)
    theirs = transformers.AutoProcessor.from_pretrained(minilm_dir)
    assert type(ours).__name__ == type(theirs).__name__ == "BertTokenizer"
    text = "In a hole in the ground there lived a hobbit."
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]


def test_auto_classes_cannot_be_instantiated():
    for name in ("AutoConfig", "AutoModel", "AutoTokenizer", "AutoImageProcessor", "AutoProcessor", "AutoBackbone"):
        with pytest.raises(TypeError, match="from_pretrained"):
            getattr(autotutor, name)()


def test_no_image_settings_is_a_clear_error(minilm_dir):
    with pytest.raises(ConfigError, match="preprocessor_config.json"):
        autotutor.AutoImageProcessor.from_pretrained(minilm_dir)


def test_public_api_is_small_and_mirrors_transformers():
    import transformers

    for name in autotutor.__all__:
        if name.startswith("Auto"):
            assert hasattr(transformers, name), name


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_auto_processor_on_a_single_preprocessor_checkpoint_returns_it(kind, tiny_checkpoint, tmp_path):
    """Like transformers: with only an image processor (or only a feature extractor), that is what you get."""
    import transformers

    if kind == "image":
        transformers.ViTImageProcessorPil(size={"height": 32, "width": 32}).save_pretrained(tmp_path)
        transformers.ViTConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=1,
                               num_attention_heads=2, intermediate_size=37).save_pretrained(tmp_path)
        expected = "ViTImageProcessor"
    else:
        # No config.json: with a wav2vec2 config, transformers 5.23 tries to build a Wav2Vec2Processor and
        # fails for want of a tokenizer, where autotutor still returns the feature extractor (next test).
        transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True).save_pretrained(tmp_path)
        expected = "Wav2Vec2FeatureExtractor"
    ours = autotutor.AutoProcessor.from_pretrained(tmp_path)
    theirs = transformers.AutoProcessor.from_pretrained(tmp_path)
    assert type(ours).__name__ == expected
    assert type(theirs).__name__.startswith(expected)  # transformers may add its backend's suffix ("...Pil")


def test_auto_processor_on_an_audio_checkpoint_without_tokenizer(tmp_path):
    """Deliberate difference: transformers 5.23 raises a TypeError from deep inside its CTC tokenizer here."""
    import transformers

    transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True).save_pretrained(tmp_path)
    transformers.Wav2Vec2Config().save_pretrained(tmp_path)
    assert type(autotutor.AutoProcessor.from_pretrained(tmp_path)).__name__ == "Wav2Vec2FeatureExtractor"
    with pytest.raises(TypeError):
        transformers.AutoProcessor.from_pretrained(tmp_path)
