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
