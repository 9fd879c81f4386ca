"""What a transformers user imports works with the import swapped: the Auto classes, and the concrete
config, model, tokenizer and preprocessing classes (`from autotutor import BertConfig, BertModel`)."""

from __future__ import annotations

import json
import shutil

import torch

import autotutor
from autotutor.registry import PREPROCESSORS, REGISTRY, TOKENIZERS

OURS_ONLY = {"LoadReport"}  # the load report is autotutor's own lesson; transformers prints a table instead


def _registered_classes() -> set[type]:
    found: set[type] = set()
    for arch in REGISTRY.values():
        found |= {arch.config, *arch.models.values()}
        found |= {c for c in (arch.tokenizer, arch.image_processor, arch.feature_extractor, arch.processor) if c}
    return found | set(TOKENIZERS.values()) | set(PREPROCESSORS.values())


def test_every_registered_class_is_exported_under_its_name():
    for cls in _registered_classes():
        assert getattr(autotutor, cls.__name__, None) is cls, f"autotutor does not export {cls.__name__}"
        assert cls.__name__ in autotutor.__all__


def test_every_export_is_a_name_transformers_has_too():
    import transformers

    missing = sorted(name for name in autotutor.__all__ if name not in OURS_ONLY and not hasattr(transformers, name))
    assert missing == []
    assert sorted(autotutor.__all__) == sorted(set(autotutor.__all__)), "a name is listed twice in __all__"
    assert all(hasattr(autotutor, name) for name in autotutor.__all__)


def test_fast_names_are_the_same_classes_as_in_transformers_5():
    import transformers

    assert autotutor.BertTokenizerFast is autotutor.BertTokenizer
    assert transformers.BertTokenizerFast is transformers.BertTokenizer  # the fact our alias follows


def _concrete_script(lib, folder):
    """A transformers user's lines, with `lib` as the library."""
    tokenizer = lib.BertTokenizer.from_pretrained(folder)
    config = lib.BertConfig.from_pretrained(folder)
    model = lib.BertModel.from_pretrained(folder, config=config)
    inputs = tokenizer(["In a hole in the ground there lived a hobbit.", "Hello"], padding=True, return_tensors="pt")
    with torch.no_grad():
        return inputs["input_ids"], model(**inputs).last_hidden_state


def test_the_same_lines_run_with_the_import_swapped(minilm_dir):
    import transformers

    ids, hidden = _concrete_script(autotutor, minilm_dir)
    their_ids, their_hidden = _concrete_script(transformers, minilm_dir)
    assert torch.equal(ids, their_ids)
    torch.testing.assert_close(hidden, their_hidden, atol=1e-5, rtol=0)


def test_save_pretrained_returns_what_transformers_returns(minilm_dir, tmp_path):
    import transformers

    seen = {}
    for lib in (autotutor, transformers):
        out = tmp_path / lib.__name__
        tokenizer = lib.BertTokenizer.from_pretrained(minilm_dir)
        seen[lib.__name__] = {
            "config": lib.BertConfig.from_pretrained(minilm_dir).save_pretrained(out),
            "model": lib.BertModel.from_pretrained(minilm_dir).save_pretrained(out),
            "image processor": lib.ViTImageProcessor().save_pretrained(out),
            "feature extractor": lib.Wav2Vec2FeatureExtractor().save_pretrained(out),
            "processor": lib.LayoutLMv2Processor(lib.LayoutLMv2ImageProcessor(apply_ocr=False),
                                                 lib.LayoutLMv2Tokenizer.from_pretrained(minilm_dir)).save_pretrained(out),
            "tokenizer": tokenizer.save_pretrained(out),
        }
    ours, theirs = seen["autotutor"], seen["transformers"]
    for what in ("config", "model"):
        assert ours[what] is None and theirs[what] is None, what
    for what in ("image processor", "feature extractor", "processor"):
        assert isinstance(ours[what], list) and isinstance(theirs[what], list), what
        assert [p.rsplit("/", 1)[1] for p in ours[what]] == [p.rsplit("/", 1)[1] for p in theirs[what]], what
    names = [p.rsplit("/", 1)[1] for p in ours["tokenizer"]]
    their_names = [p.rsplit("/", 1)[1] for p in theirs["tokenizer"]]
    assert isinstance(ours["tokenizer"], tuple) and isinstance(theirs["tokenizer"], tuple)
    # The same files first, in the same order; autotutor also writes special_tokens_map.json, which readers
    # older than transformers 5 look for.
    assert names[:len(their_names)] == their_names and names[len(their_names):] == ["special_tokens_map.json"]


def test_a_distilbert_tokenizer_named_by_no_class_is_distilberts(minilm_dir, tmp_path):
    """Deliberate difference. A DistilBERT checkpoint whose tokenizer_config.json names no tokenizer_class:
    transformers 5.23 builds a BertTokenizer and returns token_type_ids; autotutor builds a DistilBertTokenizer
    without them, as transformers 4 did and as most published tutorials print, since DistilBERT's model takes
    no token_type_ids. The ids themselves are the same."""
    import transformers

    for name in ("tokenizer.json", "vocab.txt"):
        shutil.copy(minilm_dir / name, tmp_path / name)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "distilbert"}), encoding="utf-8")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}), encoding="utf-8")

    ours = autotutor.AutoTokenizer.from_pretrained(tmp_path)
    theirs = transformers.AutoTokenizer.from_pretrained(tmp_path)
    assert type(ours).__name__ == "DistilBertTokenizer" and type(theirs).__name__ == "BertTokenizer"
    text = "In a hole in the ground there lived a hobbit."
    assert list(ours(text).keys()) == ["input_ids", "attention_mask"]
    assert "token_type_ids" in theirs(text)
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]
