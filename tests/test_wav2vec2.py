"""wav2vec 2.0: parity with transformers for both variants, legacy weight names, the end-to-end path, errors.

transformers builds and saves tiny random models ("group": base-style, post-norm; "layer": large/XLSR-style,
pre-norm, like the tutorial's speech-emotion checkpoint); autotutor loads the files through the Auto classes.
Hidden states, logits and losses must agree within 1e-5 (float32), with padded batches and attention masks.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
import transformers
from safetensors.torch import load_file

import autotutor
from autotutor.errors import ConfigError, UnsupportedTaskError
from autotutor.models.wav2vec2 import Wav2Vec2Config, Wav2Vec2ForSequenceClassification, Wav2Vec2Model

ATOL = 1e-5
EMOTIONS = {0: "angry", 1: "calm", 2: "happy"}
TINY = dict(conv_dim=(8, 8), conv_kernel=(4, 3), conv_stride=(3, 2), hidden_size=16, num_hidden_layers=2,
            num_attention_heads=2, intermediate_size=20, num_conv_pos_embeddings=4, num_conv_pos_embedding_groups=2,
            classifier_proj_size=8, id2label=EMOTIONS, label2id={v: k for k, v in EMOTIONS.items()})
VARIANTS = {
    "group": dict(feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False),
    "layer": dict(feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True),  # as the seed checkpoint
}
HEADS = {"AutoModel": "Wav2Vec2Model", "AutoModelForAudioClassification": "Wav2Vec2ForSequenceClassification"}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """(variant, head, **overrides) → (folder saved by transformers, the transformers model)."""
    made = {}

    def make(variant: str, head: str = "Wav2Vec2ForSequenceClassification", **overrides):
        key = (variant, head, tuple(sorted(overrides.items())))
        if key not in made:
            config = transformers.Wav2Vec2Config(**{**TINY, **VARIANTS[variant], **overrides})
            torch.manual_seed(0)
            model = getattr(transformers, head)(config).eval()
            with torch.no_grad():  # a head with large weights, so logits are far from 0 and differences show
                for name, p in model.named_parameters():
                    if name.startswith(("projector", "classifier", "layer_weights")):
                        p.normal_(0.0, 1.0)
            folder = tmp_path_factory.mktemp(f"{variant}-{head}")
            model.save_pretrained(folder)
            made[key] = (folder, model)
        return made[key]

    return make


def _batch(lengths=(240, 150, 90), seed=1) -> dict[str, torch.Tensor]:
    """A padded batch: raw samples and the 1/0 sample mask, as the feature extractor gives them."""
    g = torch.Generator().manual_seed(seed)
    values = torch.zeros(len(lengths), max(lengths))
    mask = torch.zeros(len(lengths), max(lengths), dtype=torch.int32)
    for i, n in enumerate(lengths):
        values[i, :n] = torch.randn(n, generator=g)
        mask[i, :n] = 1
    return {"input_values": values, "attention_mask": mask}


def _main(out) -> torch.Tensor:
    return out.logits if hasattr(out, "logits") else out.last_hidden_state


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("auto_name", HEADS)
@pytest.mark.parametrize("with_mask", [True, False])
def test_parity_with_transformers(variant, auto_name, with_mask, checkpoint):
    folder, reference = checkpoint(variant, HEADS[auto_name])
    model = getattr(autotutor, auto_name).from_pretrained(folder)
    assert type(model).__name__ == HEADS[auto_name]
    assert model.load_report.is_clean, str(model.load_report)
    inputs = _batch() if with_mask else {"input_values": _batch()["input_values"]}
    with torch.no_grad():
        expected = reference(**inputs, output_hidden_states=True)
        got = model(**inputs, output_hidden_states=True)
    torch.testing.assert_close(_main(got), _main(expected), atol=ATOL, rtol=0)
    assert len(got.hidden_states) == len(expected.hidden_states) == 3
    for ours, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    if auto_name == "AutoModel":
        torch.testing.assert_close(got.extract_features, expected.extract_features, atol=ATOL, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_weighted_layer_sum_and_loss_match(variant, checkpoint):
    folder, reference = checkpoint(variant, use_weighted_layer_sum=True)
    model = autotutor.AutoModelForAudioClassification.from_pretrained(folder)
    assert model.load_report.is_clean and model.layer_weights.shape == (3,)
    labels = torch.tensor([0, 2, 1])
    with torch.no_grad():
        expected, got = reference(**_batch(), labels=labels), model(**_batch(), labels=labels)
    torch.testing.assert_close(got.logits, expected.logits, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.loss, expected.loss, atol=ATOL, rtol=0)
    assert got.hidden_states is None  # used inside, returned only when asked for


@pytest.mark.parametrize("variant", VARIANTS)
def test_attention_weights_match(variant, checkpoint):
    folder, reference = checkpoint(variant, "Wav2Vec2Model")
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    model = autotutor.AutoModel.from_pretrained(folder)
    with torch.no_grad():
        expected = reference(**_batch(), output_attentions=True)
        got = model(**_batch(), output_attentions=True)
    assert len(got.attentions) == 2 and got.attentions[0].shape == (3, 2, 39, 39)
    for ours, theirs in zip(got.attentions, expected.attentions):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.last_hidden_state, model(**_batch()).last_hidden_state, atol=ATOL, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_parameter_names_are_the_ones_transformers_saves(variant, checkpoint, tmp_path):
    folder, reference = checkpoint(variant)
    saved = load_file(folder / "model.safetensors")
    assert "wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original0" in saved
    model = autotutor.AutoModelForAudioClassification.from_pretrained(folder)
    assert set(model.state_dict()) == set(saved)
    model.save_pretrained(tmp_path)  # and transformers reads autotutor's files back to the same outputs
    again = transformers.Wav2Vec2ForSequenceClassification.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(again(**_batch()).logits, reference(**_batch()).logits, atol=ATOL, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_legacy_weight_norm_names_load(variant, checkpoint, tmp_path):
    """Most Hub checkpoints (the seed's among them) store the positional convolution as `conv.weight_g` and
    `conv.weight_v`, in a pytorch_model.bin; they load to the same outputs, and the renames are reported."""
    folder, reference = checkpoint(variant)
    state = load_file(folder / "model.safetensors")
    prefix = "wav2vec2.encoder.pos_conv_embed.conv."
    state[prefix + "weight_g"] = state.pop(prefix + "parametrizations.weight.original0")
    state[prefix + "weight_v"] = state.pop(prefix + "parametrizations.weight.original1")
    torch.save(state, tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    model = autotutor.AutoModelForAudioClassification.from_pretrained(tmp_path)
    assert model.load_report.is_clean, str(model.load_report)
    assert sorted(old for old, _ in model.load_report.renamed) == [prefix + "weight_g", prefix + "weight_v"]
    legacy_reference = transformers.Wav2Vec2ForSequenceClassification.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        expected = reference(**_batch()).logits
        torch.testing.assert_close(legacy_reference(**_batch()).logits, expected, atol=ATOL, rtol=0)
        torch.testing.assert_close(model(**_batch()).logits, expected, atol=ATOL, rtol=0)


def test_end_to_end_audio_to_emotion(checkpoint, tmp_path):
    """Feature extractor → model → labels, autotutor's pipeline against transformers', on seed-like files."""
    folder, _ = checkpoint("layer")
    settings = {"feature_extractor_type": "Wav2Vec2FeatureExtractor", "feature_size": 1, "sampling_rate": 16000,
                "padding_value": 0.0, "do_normalize": True, "return_attention_mask": True}
    (folder / "preprocessor_config.json").write_text(json.dumps(settings))
    t = np.arange(16000) / 16000
    rng = np.random.default_rng(0)
    clips = [np.sin(2 * np.pi * 220 * t[:n]) + 0.1 * rng.standard_normal(n) for n in (16000, 9000, 4000)]

    extractor = autotutor.AutoFeatureExtractor.from_pretrained(folder)
    model = autotutor.AutoModelForAudioClassification.from_pretrained(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_extractor = transformers.AutoFeatureExtractor.from_pretrained(folder)
        ref_model = transformers.AutoModelForAudioClassification.from_pretrained(folder).eval()
    inputs = extractor(clips, sampling_rate=16000, padding=True, return_tensors="pt")
    ref_inputs = ref_extractor(clips, sampling_rate=16000, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits, expected = model(**inputs).logits, ref_model(**ref_inputs).logits
    torch.testing.assert_close(logits, expected, atol=ATOL, rtol=0)
    labels = [model.config.id2label[i] for i in logits.argmax(-1).tolist()]
    assert labels == [ref_model.config.id2label[i] for i in expected.argmax(-1).tolist()]
    assert set(labels) <= set(EMOTIONS.values())


def test_padding_does_not_change_a_clips_prediction(checkpoint):
    """With a "layer" model and an attention mask, a clip gives the same logits alone and in a padded batch."""
    folder, _ = checkpoint("layer")
    model = autotutor.AutoModelForAudioClassification.from_pretrained(folder)
    batch = _batch()
    with torch.no_grad():
        together = model(**batch).logits
        for i, n in enumerate(batch["attention_mask"].sum(-1).tolist()):
            alone = model(batch["input_values"][i: i + 1, :n]).logits
            torch.testing.assert_close(together[i: i + 1], alone, atol=ATOL, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_from_config_builds_and_runs(variant):
    config = autotutor.AutoConfig.for_model("wav2vec2", **TINY, **VARIANTS[variant])
    for auto_name in HEADS:
        model = getattr(autotutor, auto_name).from_config(config).eval()
        assert not any(p.is_meta for p in model.parameters())
        with torch.no_grad():
            out = _main(model(**_batch()))
        assert torch.isfinite(out).all() and out.std() > 0
    weight_norm = model.wav2vec2.encoder.pos_conv_embed.conv.parametrizations["weight"]
    torch.testing.assert_close(weight_norm(), weight_norm.original1)  # starts with w = v, as in transformers


def test_config_round_trip_and_defaults(tmp_path):
    config = Wav2Vec2Config()
    assert (config.hidden_size, config.num_hidden_layers, config.conv_kernel) == (768, 12, [10, 3, 3, 3, 3, 2, 2])
    assert config.receptive_field() == 400 and config.frame_lengths(torch.tensor(16000)).item() == 49
    reference = transformers.Wav2Vec2Config()
    assert config.frame_lengths(torch.tensor([16000, 400])).tolist() == [49, 1] == [
        transformers.Wav2Vec2Model(transformers.Wav2Vec2Config(num_hidden_layers=0))._get_feat_extract_output_lengths(
            torch.tensor(n)).item() for n in (16000, 400)]
    for key in ("hidden_dropout", "mask_time_prob", "layerdrop", "initializer_range", "classifier_proj_size"):
        assert getattr(config, key) == getattr(reference, key), key
    Wav2Vec2Config(**TINY, **VARIANTS["layer"]).save_pretrained(tmp_path)
    loaded = transformers.AutoConfig.from_pretrained(tmp_path)
    assert (loaded.feat_extract_norm, loaded.do_stable_layer_norm, loaded.num_feat_extract_layers) == ("layer", True, 2)
    assert loaded.id2label == EMOTIONS


@pytest.mark.parametrize("overrides,match", [
    (dict(conv_kernel=(4,)), "one entry per convolution"),
    (dict(feat_extract_norm="batch"), "'group' or 'layer'"),
    (dict(num_attention_heads=3), "multiple of num_attention_heads"),
])
def test_bad_configs_get_clear_errors(overrides, match):
    with pytest.raises(ConfigError, match=match):
        Wav2Vec2Config(**{**TINY, **overrides})


def test_adapters_are_refused():
    with pytest.raises(ConfigError, match="adapters"):
        Wav2Vec2Model.from_config(Wav2Vec2Config(**TINY, add_adapter=True))


def test_audio_that_is_too_short_gets_a_clear_error(checkpoint):
    model = autotutor.AutoModelForAudioClassification.from_pretrained(checkpoint("layer")[0])
    assert model.config.receptive_field() == 10
    with pytest.raises(ValueError, match="at least 10 samples"):
        model(torch.zeros(1, 9))
    with pytest.raises(ValueError, match=r"\(batch, samples\)"):
        model(torch.zeros(9000))
    batch = _batch((240, 5))  # a clip too short for one frame, hidden in a padded batch
    with pytest.raises(ValueError, match="5 samples, fewer than the 10"):
        model(**batch)


def test_wav2vec2_is_an_audio_model_not_a_text_classifier(checkpoint):
    folder, _ = checkpoint("layer")
    with pytest.raises(UnsupportedTaskError, match="AutoModelForAudioClassification"):
        autotutor.AutoModelForSequenceClassification.from_pretrained(folder)


def test_base_checkpoint_into_classifier_reports_the_new_head(checkpoint):
    folder, reference = checkpoint("layer", "Wav2Vec2Model")
    model = Wav2Vec2ForSequenceClassification.from_pretrained(folder)
    assert sorted(model.load_report.newly_initialized) == ["classifier.bias", "classifier.weight",
                                                           "projector.bias", "projector.weight"]
    with torch.no_grad():
        got = model.wav2vec2(**_batch()).last_hidden_state
        torch.testing.assert_close(got, reference(**_batch()).last_hidden_state, atol=ATOL, rtol=0)
