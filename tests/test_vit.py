"""ViT against transformers: tiny random checkpoints saved by transformers, loaded through the registry.

Hidden states, pooled output, attention weights, logits and losses must agree within 1e-5 (float32), and a
photo taken through autotutor's processor and model must give transformers' pipeline scores.
"""

from __future__ import annotations

import json

import PIL.Image
import pytest
import torch
import transformers
from skimage import data

import autotutor
from autotutor.errors import ConfigError, ImageError
from autotutor.image_processing import ViTImageProcessor
from autotutor.models.vit import ViTConfig, ViTForImageClassification, ViTModel
from autotutor.registry import PREPROCESSORS, REGISTRY

ATOL = 1e-5
TINY = dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=37, id2label={0: "cat", 1: "dog", 2: "cup"})
HEADS = {"AutoModel": "ViTModel", "AutoModelForImageClassification": "ViTForImageClassification"}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """(folder, transformers model) for each head, with a ViTImageProcessor of size 32 saved alongside."""
    made = {}

    def make(auto_name: str):
        if auto_name not in made:
            torch.manual_seed(0)
            model = getattr(transformers, HEADS[auto_name])(transformers.ViTConfig(**TINY)).eval()
            folder = tmp_path_factory.mktemp(auto_name)
            model.save_pretrained(folder)
            transformers.ViTImageProcessor(size=32).save_pretrained(folder)
            made[auto_name] = (folder, model)
        return made[auto_name]

    return make


def _pixels(batch: int = 3) -> torch.Tensor:
    return torch.randn(batch, 3, 32, 32, generator=torch.Generator().manual_seed(1))


def test_registry_entry():
    vit = REGISTRY["vit"]
    assert vit.config is ViTConfig and vit.image_processor is ViTImageProcessor
    assert vit.models == {"base": ViTModel, "image-classification": ViTForImageClassification}
    for name in ("ViTImageProcessor", "ViTFeatureExtractor", "ViTImageProcessorFast", "ViTImageProcessorPil"):
        assert PREPROCESSORS[name] is ViTImageProcessor


def test_config_defaults_are_vit_base():
    ours, theirs = ViTConfig(), transformers.ViTConfig()
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "image_size",
                "patch_size", "num_channels", "qkv_bias", "layer_norm_eps", "hidden_act", "hidden_dropout_prob",
                "attention_probs_dropout_prob", "encoder_stride", "pooler_output_size", "pooler_act"):
        assert getattr(ours, key) == getattr(theirs, key), key


def test_parameter_names_are_the_hubs(checkpoint):
    from safetensors.torch import load_file

    folder, _ = checkpoint("AutoModelForImageClassification")
    saved = set(load_file(folder / "model.safetensors"))
    assert set(ViTForImageClassification(ViTConfig(**TINY)).state_dict()) == saved
    assert "vit.encoder.layer.0.attention.attention.query.weight" in saved and "vit.layernorm.weight" in saved


@pytest.mark.parametrize("auto_name", HEADS)
def test_parity_with_transformers(auto_name, checkpoint):
    folder, reference = checkpoint(auto_name)
    model = getattr(autotutor, auto_name).from_pretrained(folder)
    assert type(model).__name__ == HEADS[auto_name]
    assert model.load_report.is_clean, str(model.load_report)
    with torch.no_grad():
        expected = reference(_pixels(), output_hidden_states=True)
        got = model(_pixels(), output_hidden_states=True)
    if auto_name == "AutoModel":
        torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, atol=ATOL, rtol=0)
        torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=ATOL, rtol=0)
        assert got.last_hidden_state.shape == (3, 17, 32)  # [CLS] + 4×4 patches
    else:
        torch.testing.assert_close(got.logits, expected.logits, atol=ATOL, rtol=0)
        assert model.config.id2label == {0: "cat", 1: "dog", 2: "cup"}
    assert len(got.hidden_states) == len(expected.hidden_states) == 3
    for ours, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


def test_attention_weights_match(checkpoint):
    folder, reference = checkpoint("AutoModel")
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    model = autotutor.AutoModel.from_pretrained(folder)
    with torch.no_grad():
        expected = reference(_pixels(), output_attentions=True)
        got = model(_pixels(), output_attentions=True)
    assert len(got.attentions) == 2 and got.attentions[0].shape == (3, 4, 17, 17)
    for ours, theirs in zip(got.attentions, expected.attentions):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


@pytest.mark.parametrize("labels", [torch.tensor([0, 2, 1]), torch.tensor([[1.0, 0, 1], [0, 1, 0], [0, 0, 1]])])
def test_loss_matches(labels, checkpoint):
    folder, reference = checkpoint("AutoModelForImageClassification")
    model = autotutor.AutoModelForImageClassification.from_pretrained(folder)
    reference.config.problem_type = None
    with torch.no_grad():
        expected = reference(_pixels(), labels=labels)
        got = model(_pixels(), labels=labels)
    torch.testing.assert_close(got.loss, expected.loss, atol=ATOL, rtol=0)
    assert got[0] is got.loss and got.to_tuple()[1] is got.logits


def test_prefix_rule_both_ways(checkpoint):
    """A ViTModel checkpoint into the classifier: `classifier.*` is new and the pooler unused; and back."""
    base_folder, base_ref = checkpoint("AutoModel")
    head_folder, _ = checkpoint("AutoModelForImageClassification")
    classifier, info = autotutor.AutoModelForImageClassification.from_pretrained(base_folder, output_loading_info=True)
    assert sorted(classifier.load_report.newly_initialized) == ["classifier.bias", "classifier.weight"]
    assert sorted(classifier.load_report.unexpected) == ["vit.pooler.dense.bias", "vit.pooler.dense.weight"]
    assert "NEW" in str(classifier.load_report) and "classifier.weight" in str(classifier.load_report)
    _, theirs = transformers.ViTForImageClassification.from_pretrained(base_folder, output_loading_info=True)
    assert set(info["missing_keys"]) == theirs["missing_keys"]
    assert {k.removeprefix("vit.") for k in info["unexpected_keys"]} == theirs["unexpected_keys"]
    with torch.no_grad():  # the body was loaded: its hidden states are the base model's
        torch.testing.assert_close(classifier.vit(_pixels()).last_hidden_state,
                                   base_ref(_pixels()).last_hidden_state, atol=ATOL, rtol=0)

    bare = autotutor.AutoModel.from_pretrained(head_folder)
    assert sorted(bare.load_report.unexpected) == ["classifier.bias", "classifier.weight"]
    assert sorted(bare.load_report.newly_initialized) == ["pooler.dense.bias", "pooler.dense.weight"]


def test_from_config_builds_runs_and_round_trips(tmp_path):
    config = autotutor.AutoConfig.for_model("vit", **TINY)
    model = autotutor.AutoModelForImageClassification.from_config(config).eval()
    assert not any(p.is_meta for p in model.parameters())
    assert model.vit.embeddings.patch_embeddings.projection.weight.std() > 0  # drawn, not left at zero
    assert model.vit.embeddings.cls_token.abs().sum() > 0
    model.save_pretrained(tmp_path)
    reloaded = transformers.ViTForImageClassification.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(_pixels()).logits, reloaded(_pixels()).logits, atol=ATOL, rtol=0)


def test_wrong_image_size_is_explained(checkpoint):
    folder, _ = checkpoint("AutoModel")
    model = autotutor.AutoModel.from_pretrained(folder)
    with pytest.raises(ImageError, match=r"\(1, 3, 64, 64\).*\(batch, 3, 32, 32\).*AutoImageProcessor"):
        model(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ConfigError, match="multiple of patch_size"):
        ViTConfig(image_size=30, patch_size=8)


@pytest.mark.parametrize("form", ["old", "new"])
def test_auto_image_processor_picks_vit(form, checkpoint, tmp_path):
    folder, _ = checkpoint("AutoModel")
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    settings = {"feature_extractor_type": "ViTFeatureExtractor", "size": 32, "resample": 2,
                "image_mean": [0.5] * 3, "image_std": [0.5] * 3}
    if form == "new":
        settings = {**settings, "size": {"height": 32, "width": 32}, "image_processor_type": "ViTImageProcessor"}
        del settings["feature_extractor_type"]
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(settings))
    processor = autotutor.AutoImageProcessor.from_pretrained(tmp_path)
    assert type(processor) is ViTImageProcessor and processor.size == {"height": 32, "width": 32}
    assert type(autotutor.AutoProcessor.from_pretrained(tmp_path)) is ViTImageProcessor


def test_photo_to_label_equals_transformers_pipeline(checkpoint):
    """End to end: photo → AutoImageProcessor → AutoModelForImageClassification, as transformers does it."""
    folder, reference = checkpoint("AutoModelForImageClassification")
    photos = [PIL.Image.fromarray(data.chelsea()), PIL.Image.fromarray(data.coffee())]
    processor = autotutor.AutoImageProcessor.from_pretrained(folder)
    model = autotutor.AutoModelForImageClassification.from_pretrained(folder)
    with torch.no_grad():
        logits = model(**processor(photos, return_tensors="pt")).logits
        their_inputs = transformers.AutoImageProcessor.from_pretrained(folder)(photos, return_tensors="pt")
        torch.testing.assert_close(logits, reference(**their_inputs).logits, atol=ATOL, rtol=0)
    pipe = transformers.pipeline("image-classification", model=str(folder))
    for photo, row in zip(photos, logits.softmax(-1)):
        ranked = pipe(photo, top_k=3)
        assert [r["label"] for r in ranked] == [model.config.id2label[i] for i in row.argsort(descending=True).tolist()]
        assert [r["score"] for r in ranked] == pytest.approx(sorted(row.tolist(), reverse=True), abs=ATOL)
