"""Lesson 3 (AutoBackbone): stage selection as loading does it, the feature-map tiles and the backbone explorer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autotutor.backbone import resolve_stages
from autotutor.errors import ConfigError
from autotutor.i18n import set_language
from autotutor.lessons.autobackbone import feature_grid, select, stage_question, stage_table
from autotutor.models.swin import SwinBackbone, SwinConfig
from autotutor.widgets.backbone_explorer import BackboneExplorer, call_text, explorer_html

STAGES = ["stem", "stage1", "stage2", "stage3", "stage4"]
# swin-tiny's feature maps for a 224×224 photo (the seed's out_indices=(1,) gives [1, 96, 56, 56])
SHAPES = [(1, 96, 56, 56), (1, 96, 56, 56), (1, 192, 28, 28), (1, 384, 14, 14), (1, 768, 7, 7)]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(scope="module")
def tiny():
    """A small Swin (2 stages) with every stage selected, and a 32×32 photo."""
    torch.manual_seed(0)
    config = SwinConfig(image_size=32, patch_size=4, embed_dim=8, depths=[1, 1], num_heads=[1, 2], window_size=4,
                        out_features=["stem", "stage1", "stage2"])
    return SwinBackbone(config).eval(), torch.rand(1, 3, 32, 32)


def _maps():
    return [torch.zeros(shape) + torch.arange(shape[1]).reshape(1, -1, 1, 1) for shape in SHAPES]


@pytest.mark.parametrize("indices,features,names", [
    ((1,), None, ["stage1"]),
    (None, ["stage2", "stage4"], ["stage2", "stage4"]),
    ((1, 3), ["stage1", "stage3"], ["stage1", "stage3"]),
    ((-1,), None, ["stage4"]),
    ((), [], ["stage4"]),  # a cleared selection: neither given, the last stage
])
def test_select_follows_the_loading_rule(indices, features, names):
    chosen = select(STAGES, out_indices=indices, out_features=features)
    assert chosen.names == names and chosen.error is None
    assert chosen.names == resolve_stages(STAGES, features or None, indices or None)[0]


def test_select_explains_a_disagreement_and_other_mistakes():
    chosen = select(STAGES, out_indices=(1,), out_features=["stage2"])
    with pytest.raises(ConfigError) as raised:
        resolve_stages(STAGES, ["stage2"], (1,))
    assert chosen.names == [] and chosen.error == str(raised.value)
    assert "`out_indices` points to stage1 and `out_features` names stage2" in chosen.explanation
    wrong_order = select(STAGES, out_features=["stage3", "stage1"])
    assert "order" in wrong_order.error and "0 stem, 1 stage1" in wrong_order.explanation
    assert "out of range" in select(STAGES, out_indices=(9,)).error
    set_language("fr")
    assert select(STAGES, out_indices=(1,), out_features=["stage2"]).explanation != chosen.explanation


def test_stage_table():
    table = stage_table(STAGES, _maps()).splitlines()
    assert table[0].split() == ["index", "stage", "shape"]
    assert table[2].split() == ["1", "stage1", "[1,", "96,", "56,", "56]"]
    assert stage_table(STAGES, _maps()[4:], indices=[4]).splitlines()[1].startswith("4      stage4")


def test_feature_grid_tiles_each_channel():
    grid = feature_grid(_maps()[1], channels=16, columns=8, tile=10, gap=2)
    assert grid.mode == "L" and grid.size == (8 * 10 + 7 * 2, 2 * 10 + 2)
    pixels = np.asarray(grid)
    assert pixels[0, 0] == 0  # a constant channel is drawn black
    one_channel = feature_grid(torch.arange(16.0).reshape(1, 4, 4), channels=1, columns=1, tile=4, gap=0)
    assert np.asarray(one_channel).min() == 0 and np.asarray(one_channel).max() == 255
    with pytest.raises(ValueError, match="feature map"):
        feature_grid(torch.zeros(4, 4))


def test_explorer_html():
    page = explorer_html(STAGES, _maps(), out_indices=(1,))
    assert "AutoBackbone.from_pretrained(checkpoint, out_indices=(1,))" in page
    assert "feature map of shape <bdi dir=\"ltr\"><code>[1, 96, 56, 56]</code></bdi>" in page
    assert page.count("data:image/png") == 1
    both = explorer_html(STAGES, _maps(), out_indices=(2, 4), out_features=["stage2", "stage4"])
    assert "[1, 192, 28, 28]" in both and "[1, 768, 7, 7]" in both
    refused = explorer_html(STAGES, _maps(), out_indices=(1,), out_features=["stage2"])
    assert "ConfigError: out_features=[&#x27;stage2&#x27;]" in refused and "data:image" not in refused
    assert "returns the last stage" in explorer_html(STAGES, _maps())
    assert call_text(None, ["stage1"]) == "AutoBackbone.from_pretrained(checkpoint, out_features=['stage1'])"


def test_explorer_widget(tiny):
    backbone, pixel_values = tiny
    explorer = BackboneExplorer(backbone, pixel_values, out_indices=(1,))
    assert repr(explorer) == "BackboneExplorer(['stem', 'stage1', 'stage2'])"
    assert [tuple(m.shape) for m in explorer.maps] == [(1, 8, 8, 8), (1, 8, 8, 8), (1, 16, 4, 4)]
    assert "[1, 8, 8, 8]" in explorer.html()
    assert "[1, 16, 4, 4]" in explorer.select(out_features=["stage2"])
    assert "ConfigError" in explorer.select(out_indices=(1,), out_features=["stage2"])
    set_language("ar")
    assert 'dir="rtl"' in explorer.html() and "autotutor-rtl" in explorer._dom_classes


def test_explorer_needs_every_stage(tiny):
    backbone, pixel_values = tiny
    config = SwinConfig(image_size=32, patch_size=4, embed_dim=8, depths=[1, 1], num_heads=[1, 2], window_size=4)
    with pytest.raises(ValueError, match="every stage"):
        BackboneExplorer(SwinBackbone(config), pixel_values)


def test_quiz_question_is_complete_in_every_language():
    for lang in ("en", "fr", "ar"):
        set_language(lang)
        question = stage_question()
        assert len(question.choices) == len(question.feedback) == 4 and question.answer == 0
