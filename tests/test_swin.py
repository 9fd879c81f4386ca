"""Swin: tiny random models built and saved by transformers, loaded by autotutor, compared output by output.

The weights are drawn from N(0, 0.2) (transformers initialises the relative position bias tables to zero, which
would hide a wrong table lookup). Two configs: A divides evenly into windows (64×64 image, window 2, four
stages); B needs padding before partitioning (window 3 on 10×10 and 5×5 maps) and, on a 42×38 image, also
before the patch embedding and before a patch merging (odd sizes). Shifted windows run in both.
"""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file

import autotutor
from autotutor.errors import ConfigError
from autotutor.models.swin import SwinConfig, SwinForImageClassification, SwinModel

ATOL = 1e-5
CONFIGS = {
    "A": dict(image_size=64, patch_size=4, embed_dim=16, depths=[1, 1, 2, 1], num_heads=[1, 2, 2, 4], window_size=2),
    "B": dict(image_size=40, patch_size=4, embed_dim=16, depths=[2, 2, 2], num_heads=[1, 2, 2], window_size=3),
}
SIZES = {"A": [(64, 64)], "B": [(40, 40), (42, 38)]}
CASES = [(name, size) for name in CONFIGS for size in SIZES[name]]


def _randomise(model: torch.nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """name → (classification folder, base-model folder, the transformers classification model)."""
    import transformers

    made = {}
    for name, kwargs in CONFIGS.items():
        model = transformers.SwinForImageClassification(transformers.SwinConfig(**kwargs, num_labels=3)).eval()
        _randomise(model)
        cls_dir, base_dir = tmp_path_factory.mktemp(f"swin-{name}-cls"), tmp_path_factory.mktemp(f"swin-{name}-base")
        model.save_pretrained(cls_dir)
        model.swin.save_pretrained(base_dir)
        made[name] = (cls_dir, base_dir, model)
    return made


def _pixels(size: tuple[int, int], batch: int = 2) -> torch.Tensor:
    return torch.randn(batch, 3, *size, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name,size", CASES)
@pytest.mark.parametrize("loader", [autotutor.AutoModelForImageClassification, SwinForImageClassification])
def test_classification_parity(checkpoints, name, size, loader):
    folder, _, reference = checkpoints[name]
    model = loader.from_pretrained(folder)
    assert type(model) is SwinForImageClassification and model.load_report.is_clean, str(model.load_report)
    x = _pixels(size)
    with torch.no_grad():
        expected = reference(x, output_hidden_states=True)
        got = model(x, output_hidden_states=True)
    torch.testing.assert_close(got.logits, expected.logits, atol=ATOL, rtol=0)
    assert len(got.hidden_states) == len(expected.hidden_states) == len(CONFIGS[name]["depths"]) + 1
    for ours, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    for ours, theirs in zip(got.reshaped_hidden_states, expected.reshaped_hidden_states, strict=True):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)


@pytest.mark.parametrize("name,size", CASES)
@pytest.mark.parametrize("loader", [autotutor.AutoModel, SwinModel])
def test_base_model_parity(checkpoints, name, size, loader):
    _, folder, reference = checkpoints[name]
    model = loader.from_pretrained(folder)
    assert type(model) is SwinModel and model.load_report.is_clean, str(model.load_report)
    x = _pixels(size)
    with torch.no_grad():
        expected, got = reference.swin(x), model(x)
    torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=ATOL, rtol=0)


def test_classification_checkpoint_into_base_model(checkpoints):
    """The prefix rule: `swin.` is dropped, the classifier is reported unused."""
    folder, _, reference = checkpoints["A"]
    model = autotutor.AutoModel.from_pretrained(folder)
    assert model.load_report.unexpected == ["classifier.bias", "classifier.weight"]
    with torch.no_grad():
        torch.testing.assert_close(model(_pixels((64, 64))).pooler_output, reference.swin(_pixels((64, 64))).pooler_output,
                                   atol=ATOL, rtol=0)


def test_parameter_names_are_the_hubs(checkpoints):
    folder, _, _ = checkpoints["A"]
    model = SwinForImageClassification.from_pretrained(folder)
    saved = set(load_file(folder / "model.safetensors"))
    assert set(model.state_dict()) == saved
    assert {"swin.embeddings.patch_embeddings.projection.weight", "swin.layernorm.weight", "classifier.weight",
            "swin.encoder.layers.0.blocks.0.attention.self.relative_position_bias_table",
            "swin.encoder.layers.0.downsample.reduction.weight"} <= saved


def test_attention_weights_match(checkpoints):
    folder, _, reference = checkpoints["B"]
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    try:
        model = SwinForImageClassification.from_pretrained(folder)
        x = _pixels((42, 38))
        with torch.no_grad():
            expected, got = reference(x, output_attentions=True), model(x, output_attentions=True)
    finally:
        reference.config._attn_implementation = "sdpa"
    assert len(got.attentions) == 3 and got.attentions[0].shape == (2 * 16, 1, 9, 9)  # 4×4 windows of 3×3 patches
    for ours, theirs in zip(got.attentions, expected.attentions, strict=True):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.logits, expected.logits, atol=ATOL, rtol=0)


def test_loss_matches(checkpoints):
    folder, _, reference = checkpoints["A"]
    model = SwinForImageClassification.from_pretrained(folder)
    x, labels = _pixels((64, 64)), torch.tensor([0, 2])
    with torch.no_grad():
        torch.testing.assert_close(model(x, labels=labels).loss, reference(x, labels=labels).loss, atol=ATOL, rtol=0)


def test_old_relative_position_index_buffers_are_ignored(checkpoints, tmp_path):
    """Older Hub checkpoints (swin-tiny among them) also saved the computed index; it is dropped without a word."""
    folder, _, reference = checkpoints["A"]
    state = load_file(folder / "model.safetensors")
    state["swin.encoder.layers.0.blocks.0.attention.self.relative_position_index"] = torch.zeros(4, dtype=torch.long)
    save_file(state, tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    model = SwinForImageClassification.from_pretrained(tmp_path)
    assert model.load_report.is_clean and not model.load_report.unexpected
    assert not any("relative_position_index" in k for k in model.state_dict())


def test_windows_shrink_on_small_maps(checkpoints, tmp_path):
    """Deliberate difference: a map smaller than the window.

    transformers 5.23 shrinks the window to the map but keeps the full-size bias, and crashes (RuntimeError).
    autotutor reads the bias of the offsets the small window has from the same table: equal to a model built
    with the small window whose table holds those rows.
    """
    import transformers

    small = transformers.SwinForImageClassification(transformers.SwinConfig(
        image_size=8, patch_size=4, embed_dim=8, depths=[2], num_heads=[2], window_size=2, num_labels=2)).eval()
    _randomise(small, seed=3)
    small.save_pretrained(tmp_path / "small")  # under the Hub's names (transformers renames some in memory)
    state = load_file(tmp_path / "small" / "model.safetensors")
    for key in [k for k in state if k.endswith("relative_position_bias_table")]:  # 3×3 offsets → 7×7 table
        table = torch.randn(49, 2)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                table[(dy + 3) * 7 + dx + 3] = state[key][(dy + 1) * 3 + dx + 1]
        state[key] = table
    big_config = SwinConfig(image_size=8, patch_size=4, embed_dim=8, depths=[2], num_heads=[2], window_size=4, num_labels=2)
    big_config.save_pretrained(tmp_path)
    save_file(state, tmp_path / "model.safetensors")
    model = SwinForImageClassification.from_pretrained(tmp_path)
    x = _pixels((8, 8))
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, small(x).logits, atol=ATOL, rtol=0)
        big_reference = transformers.SwinForImageClassification.from_pretrained(tmp_path).eval()
        with pytest.raises(RuntimeError):
            big_reference(x)


def test_from_config_runs_and_saves_what_transformers_loads(tmp_path):
    import transformers

    config = autotutor.AutoConfig.for_model("swin", **CONFIGS["B"], num_labels=4)
    model = autotutor.AutoModelForImageClassification.from_config(config).eval()
    assert not any(p.is_meta for p in model.parameters())
    _randomise(model, seed=5)
    model.save_pretrained(tmp_path)
    theirs = transformers.SwinForImageClassification.from_pretrained(tmp_path).eval()
    x = _pixels((40, 40))
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, theirs(x).logits, atol=ATOL, rtol=0)


def test_config_defaults_are_swin_tiny():
    config = SwinConfig()
    assert (config.image_size, config.patch_size, config.num_channels, config.embed_dim) == (224, 4, 3, 96)
    assert (config.depths, config.num_heads, config.window_size, config.mlp_ratio) == ([2, 2, 6, 2], [3, 6, 12, 24], 7, 4.0)
    assert (config.qkv_bias, config.hidden_act, config.layer_norm_eps, config.drop_path_rate) == (True, "gelu", 1e-5, 0.1)
    assert (config.use_absolute_embeddings, config.encoder_stride, config.hidden_size) == (False, 32, 768)
    assert config.stage_names == ["stem", "stage1", "stage2", "stage3", "stage4"]
    assert (config.out_features, config.out_indices) == (["stage4"], [4])
    assert config.num_attention_heads == [3, 6, 12, 24] and config.num_hidden_layers == 4


def test_config_errors():
    with pytest.raises(ConfigError, match=r"num_heads=\[1, 2\].*depths=\[1, 1, 1\]"):
        SwinConfig(embed_dim=8, depths=[1, 1, 1], num_heads=[1, 2])
    with pytest.raises(ConfigError, match=r"channels \[8, 16\]"):
        SwinConfig(embed_dim=8, depths=[1, 1], num_heads=[3, 2])


def test_bad_pixel_values_get_a_clear_error(checkpoints):
    model = SwinModel.from_pretrained(checkpoints["A"][1])
    with pytest.raises(ValueError, match=r"\(batch, 3, height, width\), got \(1, 64, 64\)"):
        model(torch.zeros(1, 64, 64))
    with pytest.raises(ValueError, match=r"got \(1, 4, 64, 64\)"):
        model(torch.zeros(1, 4, 64, 64))


def test_training_mode_uses_stochastic_depth(checkpoints):
    """In training, attention branches are dropped at random (per sample); eval is deterministic."""
    model = SwinForImageClassification.from_pretrained(checkpoints["B"][0], drop_path_rate=0.5)
    assert [b.drop_path for stage in model.swin.encoder.layers for b in stage.blocks] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    x = _pixels((40, 40), batch=8)
    torch.manual_seed(0)
    model.train()
    a, b = model(x).logits, model(x).logits
    model.eval()
    assert not torch.equal(a, b)
    assert torch.equal(model(x).logits, model(x).logits)
