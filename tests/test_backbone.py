"""AutoBackbone with Swin: stage selection, feature maps equal to transformers' SwinBackbone, loading offline.

The reference is transformers' `SwinBackbone.from_pretrained`, not `transformers.AutoBackbone`, which in 5.23
asks the Hub before anything else and fails on a local folder or offline (see the last tests).
"""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

import autotutor
from autotutor.backbone import BackboneOutput, resolve_stages
from autotutor.errors import ConfigError
from autotutor.models.swin import SwinBackbone, SwinConfig

ATOL = 1e-4
STAGES = ["stem", "stage1", "stage2", "stage3", "stage4"]
# 64×64 image, patch 4 → maps of 16, 8, 4, 2 patches; window 4 pads the 2×2 map and shifts in stages 1-2.
TINY = dict(image_size=64, patch_size=4, embed_dim=8, depths=[2, 2, 1, 1], num_heads=[1, 2, 2, 4], window_size=4)
REPO = "microsoft/swin-tiny-patch4-window7-224"


# -- choosing stages ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("features,indices,expected", [
    (None, None, (["stage4"], [4])),  # neither: the last stage
    (["stage1"], None, (["stage1"], [1])),
    (None, (1,), (["stage1"], [1])),
    (None, [0, 2, 4], (["stem", "stage2", "stage4"], [0, 2, 4])),
    (None, (-1,), (["stage4"], [4])),  # negative indices count from the end
    (None, (1, -2), (["stage1", "stage3"], [1, 3])),
    (("stem", "stage3"), [0, -2], (["stem", "stage3"], [0, 3])),  # both, naming the same stages
])
def test_resolve_stages(features, indices, expected):
    assert resolve_stages(STAGES, features, indices) == expected


@pytest.mark.parametrize("features,indices,message", [
    (["stage2"], (1,), r"select different stages \(\['stage2'\] vs \['stage1'\]\)"),
    (["stage5"], None, r"unknown stages \['stage5'\]"),
    (["Stage1"], None, r"unknown stages \['Stage1'\]"),
    (None, (5,), r"\[5\] out of range \(-5\.\.4\)"),
    (None, (-6,), r"out of range"),
    (["stage1", "stage1"], None, r"selects a stage twice"),
    (None, (4, -1), r"selects a stage twice"),
    (["stage3", "stage1"], None, r"not in the order of the stages \(expected \[1, 3\]\)"),
    (None, (2, 1), r"not in the order"),
    ([], None, r"selects no stage"),
    ("stage1", None, r"must be a list of stage names"),
    (None, 1, r"must be a list of stage numbers"),
    (None, ("1",), r"must be a list of stage numbers"),
])
def test_resolve_stages_errors(features, indices, message):
    with pytest.raises(ConfigError, match=message) as caught:
        resolve_stages(STAGES, features, indices)
    assert isinstance(caught.value, ValueError)
    assert "valid stages: 0 'stem', 1 'stage1', 2 'stage2', 3 'stage3', 4 'stage4'" in str(caught.value)


def test_a_config_given_both_checks_they_agree():
    import transformers

    with pytest.raises(ValueError, match="correspond to the same stages"):
        transformers.SwinConfig(out_indices=(1,), out_features=["stage2"])
    with pytest.raises(ConfigError, match="select different stages"):
        SwinConfig(out_indices=(1,), out_features=["stage2"])
    assert SwinConfig(out_indices=(1,), out_features=["stage1"]).out_indices == [1]


def test_config_keeps_features_and_indices_in_step():
    config = SwinConfig(out_indices=(1, 3))
    assert (config.out_features, config.out_indices) == (["stage1", "stage3"], [1, 3])
    config.out_features = ["stage2"]
    assert config.out_indices == [2]
    config.out_indices = (-1,)
    assert config.out_features == ["stage4"]
    saved = config.to_dict()
    assert (saved["out_features"], saved["out_indices"], saved["stage_names"]) == (["stage4"], [4], STAGES)
    assert SwinConfig.from_dict(saved).out_indices == [4]
    with pytest.raises(ConfigError, match="unknown stages"):
        config.out_features = ["stage9"]


# -- parity with transformers' SwinBackbone -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def classification_checkpoint(tmp_path_factory):
    """A tiny SwinForImageClassification with random weights (N(0, 0.2)), saved by transformers."""
    import transformers

    model = transformers.SwinForImageClassification(transformers.SwinConfig(**TINY, num_labels=3))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    folder = tmp_path_factory.mktemp("swin-cls")
    model.save_pretrained(folder)
    return folder


def _pixels(batch: int = 2, size: int = 64) -> torch.Tensor:
    return torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(1))


def _reference(folder, **selection):
    import transformers

    return transformers.SwinBackbone.from_pretrained(folder, **selection).eval()


@pytest.mark.parametrize("selection", [
    {"out_indices": (1,)}, {"out_indices": (0,)}, {"out_indices": (1, 3)}, {"out_indices": (0, 1, 2, 3, 4)},
    {"out_features": ["stage2", "stage4"]}, {"out_features": ["stem", "stage3"]}, {},
])
def test_feature_maps_match_transformers(classification_checkpoint, selection):
    reference = _reference(classification_checkpoint, **{k: list(v) for k, v in selection.items()})
    model = autotutor.AutoBackbone.from_pretrained(classification_checkpoint, **selection)
    assert type(model) is SwinBackbone
    assert model.config.out_features == reference.out_features and model.channels == reference.channels
    x = _pixels()
    with torch.no_grad():
        expected, got = reference(x), model(x)
    assert isinstance(got, BackboneOutput) and len(got.feature_maps) == len(expected.feature_maps)
    for ours, theirs in zip(got.feature_maps, expected.feature_maps, strict=True):
        assert ours.shape == theirs.shape
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


def test_hidden_states_and_attentions_match(classification_checkpoint):
    reference = _reference(classification_checkpoint, out_indices=[2])
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    model = SwinBackbone.from_pretrained(classification_checkpoint, out_indices=(2,))
    x = _pixels()
    with torch.no_grad():
        expected = reference(x, output_hidden_states=True, output_attentions=True)
        got = model(x, output_hidden_states=True, output_attentions=True)
    assert [tuple(h.shape[1:]) for h in got.hidden_states] == [(8, 16, 16), (8, 16, 16), (16, 8, 8), (32, 4, 4), (64, 2, 2)]
    for ours, theirs in zip(got.hidden_states + got.attentions, expected.hidden_states + expected.attentions, strict=True):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


def test_classification_checkpoint_reports_the_stage_norms_as_new(classification_checkpoint):
    model = autotutor.AutoBackbone.from_pretrained(classification_checkpoint, out_features=["stem", "stage2"])
    report = model.load_report
    assert sorted(report.newly_initialized) == [f"hidden_states_norms.{s}.{p}" for s in ("stage2", "stem") for p in ("bias", "weight")]
    assert report.unexpected == ["classifier.bias", "classifier.weight"]
    assert "NEW       hidden_states_norms.stem.weight" in str(report)
    norm = model.hidden_states_norms["stage2"]
    assert torch.equal(norm.weight, torch.ones(16)) and torch.equal(norm.bias, torch.zeros(16))


def test_backbone_checkpoints_load_both_ways(tmp_path):
    """A SwinBackbone built by transformers 5.23 saves its embeddings and encoder without 'swin.' (one loaded
    from a checkpoint saves them with it); autotutor reads that, and transformers reads what autotutor saves."""
    import transformers

    reference = transformers.SwinBackbone(transformers.SwinConfig(**TINY, out_indices=[1, 4])).eval()
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for p in reference.parameters():  # the stage norms too
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    reference.save_pretrained(tmp_path / "theirs")
    assert "encoder.layers.0.blocks.0.attention.self.query.weight" in load_file(tmp_path / "theirs" / "model.safetensors")
    model = autotutor.AutoBackbone.from_pretrained(tmp_path / "theirs")
    assert model.load_report.is_clean, str(model.load_report)
    assert model.config.out_features == ["stage1", "stage4"]
    model.save_pretrained(tmp_path / "ours")
    again = _reference(tmp_path / "ours")
    x = _pixels()
    with torch.no_grad():
        for a, b, c in zip(model(x).feature_maps, reference(x).feature_maps, again(x).feature_maps, strict=True):
            torch.testing.assert_close(a, b, atol=ATOL, rtol=0)
            torch.testing.assert_close(c, b, atol=ATOL, rtol=0)


def test_base_model_checkpoint_loads_into_the_backbone(classification_checkpoint, tmp_path):
    import transformers

    base = transformers.SwinModel.from_pretrained(classification_checkpoint)
    base.save_pretrained(tmp_path)
    model = autotutor.AutoBackbone.from_pretrained(tmp_path, out_indices=(3,))
    assert model.load_report.newly_initialized == ["hidden_states_norms.stage3.weight", "hidden_states_norms.stage3.bias"]
    assert not model.load_report.unexpected
    with torch.no_grad():
        torch.testing.assert_close(model(_pixels()).feature_maps[0],
                                   _reference(classification_checkpoint, out_indices=[3])(_pixels()).feature_maps[0],
                                   atol=ATOL, rtol=0)


def test_from_pretrained_with_disagreeing_selection_raises(classification_checkpoint):
    """Deliberate difference: transformers 5.23 loads stage2 here without a word."""
    assert _reference(classification_checkpoint, out_indices=[1], out_features=["stage2"]).out_features == ["stage2"]
    with pytest.raises(ConfigError, match=r"\['stage2'\] vs \['stage1'\]"):
        autotutor.AutoBackbone.from_pretrained(classification_checkpoint, out_indices=(1,), out_features=["stage2"])
    model = autotutor.AutoBackbone.from_pretrained(classification_checkpoint, out_indices=(1,), out_features=["stage1"])
    assert model.config.out_indices == [1]


def test_stages_after_the_last_selected_one_are_not_run(classification_checkpoint):
    model = SwinBackbone.from_pretrained(classification_checkpoint, out_indices=(1,))
    ran = []
    for i, stage in enumerate(model.swin.encoder.layers):
        stage.register_forward_hook(lambda *args, i=i: ran.append(i))
    with torch.no_grad():
        model(_pixels())
        assert ran == [0]
        model(_pixels(), output_hidden_states=True)
    assert ran == [0, 0, 1, 2, 3]


# -- the seed's example: a local folder, and the Hub cache offline -----------------------------------------------
def test_from_a_local_folder_where_transformers_autobackbone_fails(classification_checkpoint):
    import transformers

    features = autotutor.AutoBackbone.from_pretrained(classification_checkpoint, out_indices=(1,))(_pixels(1)).feature_maps
    assert list(features[0].shape) == [1, 8, 16, 16]
    with pytest.raises(Exception, match="Repo id|repo_id|HFValidationError"):
        transformers.AutoBackbone.from_pretrained(str(classification_checkpoint), out_indices=(1,))


def test_from_the_hub_cache_offline(classification_checkpoint, hub_cache):
    import transformers

    hub_cache(REPO, classification_checkpoint)
    model = autotutor.AutoBackbone.from_pretrained(REPO, out_indices=(1,))
    assert list(model(_pixels(1)).feature_maps[0].shape) == [1, 8, 16, 16]
    with pytest.raises(Exception, match="[Oo]ffline"):
        transformers.AutoBackbone.from_pretrained(REPO, out_indices=(1,))


def test_swin_tiny_stage_shapes_on_224():
    """NOTES.md's shapes, from the default (swin-tiny) config with random weights: one forward pass."""
    config = autotutor.AutoConfig.for_model("swin", out_features=STAGES)
    model = autotutor.AutoBackbone.from_config(config).eval()
    assert model.channels == [96, 96, 192, 384, 768]
    with torch.no_grad():
        features = model(torch.randn(1, 3, 224, 224)).feature_maps
    assert [list(f.shape) for f in features] == [
        [1, 96, 56, 56], [1, 96, 56, 56], [1, 192, 28, 28], [1, 384, 14, 14], [1, 768, 7, 7]]
