"""Whisper against transformers: encoder output, decoder logits (with and without the cache), language detection
and `generate()` ids, on a tiny random model that transformers builds and saves with a multilingual
generation_config.json; and every error a learner can meet on the way.

The tiny vocabulary mimics Whisper's layout: 100 ordinary tokens, then <|endoftext|> (100, also the padding),
<|startoftranscript|> (101), five languages (102-106), <|translate|> (107), <|transcribe|> (108), and
<|notimestamps|> (112). The end-of-text embedding is scaled up so that some rows finish early, which exercises
the stopping, the padding and what transformers strips from the result.
"""

from __future__ import annotations

import pytest
import torch

import autotutor
from autotutor.cache import KeyValueCache
from autotutor.errors import ArgumentError, AudioError, ConfigError, UsageError
from autotutor.registry import REGISTRY, TASKS

ATOL = 1e-5
EOT, SOT, FR, TRANSCRIBE, NO_TIMESTAMPS = 100, 101, 103, 108, 112
LANG_TO_ID = {"<|en|>": 102, "<|fr|>": 103, "<|de|>": 104, "<|es|>": 105, "<|ar|>": 106}
TINY = dict(vocab_size=113, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=20, decoder_ffn_dim=20, num_mel_bins=80,
            max_source_positions=1500, max_target_positions=64, pad_token_id=EOT, bos_token_id=EOT,
            eos_token_id=EOT, decoder_start_token_id=SOT, suppress_tokens=[1, 2, 3], begin_suppress_tokens=[5, EOT])


def _multilingual(generation_config, *, forced: bool = True) -> None:
    """The keys openai/whisper-base's generation_config.json has, for the tiny vocabulary."""
    generation_config.lang_to_id = dict(LANG_TO_ID)
    generation_config.task_to_id = {"translate": 107, "transcribe": TRANSCRIBE}
    generation_config.no_timestamps_token_id = NO_TIMESTAMPS
    generation_config.is_multilingual = True
    if forced:  # as on the Hub: position 1 (the language) left to detect, then <|transcribe|>
        generation_config.forced_decoder_ids = [[1, None], [2, TRANSCRIBE]]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """(folder, transformers model): built, nudged, saved once for the module."""
    import transformers

    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    model = transformers.WhisperForConditionalGeneration(transformers.WhisperConfig(**TINY)).eval()
    with torch.no_grad():
        g = torch.Generator().manual_seed(0)
        for p in model.parameters():  # far from the initial values: zero biases and unit norms hide nothing
            p.add_(torch.randn(p.shape, generator=g) * 0.5)
        model.model.decoder.embed_tokens.weight[EOT] *= 4  # some rows write <|endoftext|> early
    _multilingual(model.generation_config)
    folder = tmp_path_factory.mktemp("whisper")
    model.save_pretrained(folder)
    return folder, model


@pytest.fixture(scope="module")
def ours(checkpoint):
    return autotutor.AutoModelForSpeechSeq2Seq.from_pretrained(checkpoint[0])


def _features(batch: int = 2) -> torch.Tensor:
    return torch.randn(batch, 80, 3000, generator=torch.Generator().manual_seed(0))


def test_loads_cleanly_with_the_hub_names(checkpoint, ours):
    assert type(ours).__name__ == "WhisperForConditionalGeneration"
    assert ours.load_report.is_clean, str(ours.load_report)
    names = set(ours.state_dict())
    for name in ("model.encoder.conv1.weight", "model.encoder.conv2.weight", "model.encoder.embed_positions.weight",
                 "model.encoder.layers.0.self_attn.k_proj.weight", "model.decoder.layers.0.encoder_attn.q_proj.weight",
                 "model.decoder.layers.1.fc1.weight", "model.decoder.layers.1.final_layer_norm.bias",
                 "model.encoder.layer_norm.weight", "model.decoder.embed_positions.weight", "proj_out.weight"):
        assert name in names, name
    assert "model.encoder.layers.0.self_attn.k_proj.bias" not in names  # Whisper's keys have no bias
    assert names == set(checkpoint[1].state_dict())
    assert ours.proj_out.weight is ours.model.decoder.embed_tokens.weight  # tied


def test_encoder_and_decoder_match_transformers(checkpoint, ours):
    theirs = checkpoint[1]
    implementation = theirs.config._attn_implementation
    theirs.config._attn_implementation = "eager"  # transformers returns attention weights only from eager
    features, ids = _features(), torch.tensor([[SOT, FR, TRANSCRIBE, NO_TIMESTAMPS, 7, 9]] * 2)
    with torch.no_grad():
        torch.testing.assert_close(ours.get_encoder()(features).last_hidden_state,
                                   theirs.get_encoder()(features).last_hidden_state, atol=ATOL, rtol=0)
        expected = theirs(features, decoder_input_ids=ids, output_hidden_states=True, output_attentions=True)
        got = ours(features, decoder_input_ids=ids, output_hidden_states=True, output_attentions=True)
    theirs.config._attn_implementation = implementation
    torch.testing.assert_close(got.logits, expected.logits, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.encoder_last_hidden_state, expected.encoder_last_hidden_state, atol=ATOL, rtol=0)
    for key in ("decoder_hidden_states", "decoder_attentions", "cross_attentions", "encoder_hidden_states",
                "encoder_attentions"):
        assert len(got[key]) == len(expected[key]) > 0, key
        for mine, reference in zip(got[key], expected[key]):
            torch.testing.assert_close(mine, reference, atol=ATOL, rtol=0, msg=key)
    assert got.cross_attentions[0].shape == (2, 2, 6, 1500)  # every token looks at every 20 ms of audio


def test_the_cache_gives_the_same_logits_step_by_step(checkpoint, ours):
    theirs = checkpoint[1]
    ids = torch.tensor([[SOT, FR, TRANSCRIBE, NO_TIMESTAMPS, 7, 9, 11]] * 2)
    with torch.no_grad():
        encoded = ours.get_encoder()(_features())
        whole = ours(encoder_outputs=encoded, decoder_input_ids=ids, use_cache=False).logits
        reference = theirs(encoder_outputs=(encoded.last_hidden_state,), decoder_input_ids=ids).logits
        first = ours(encoder_outputs=encoded, decoder_input_ids=ids[:, :4], use_cache=True)
        cache = first.past_key_values
        steps = [first.logits]
        for t in range(4, ids.shape[1]):
            out = ours(encoder_outputs=encoded, decoder_input_ids=ids[:, t:t + 1], past_key_values=cache)
            steps.append(out.logits)
    torch.testing.assert_close(whole, reference, atol=ATOL, rtol=0)
    torch.testing.assert_close(torch.cat(steps, dim=1), whole, atol=ATOL, rtol=0)
    assert isinstance(cache, KeyValueCache) and cache.length == 7 and len(cache) == 2
    assert cache.cross_keys[0].shape == (2, 2, 1500, 8)  # computed at the first step, never appended to
    assert "cross-attention" in repr(cache)


@pytest.mark.parametrize("options", [
    dict(language="fr"), dict(language="french"), dict(language="<|FR|>"), dict(language=["fr", "de"]),
    dict(task="translate"), dict(language="de", task="translate"), dict(),  # no language: detected
    dict(language="fr", max_new_tokens=5), dict(language="es", max_new_tokens=12),
    dict(language="fr", max_new_tokens=12, pad_token_id=109),  # padding that is not <|endoftext|>
    dict(max_length=10),
], ids=repr)
def test_generate_matches_transformers(checkpoint, ours, options):
    features = _features()
    with torch.no_grad():
        expected = checkpoint[1].generate(features, **options)
    got = ours.generate(features, **options)
    assert got.dtype == expected.dtype == torch.long
    assert got.tolist() == expected.tolist()


def test_generate_returns_only_the_new_tokens(checkpoint, ours):
    """transformers 5.23 drops the decoder prompt and the final <|endoftext|>, and pads finished rows on the right;
    with this model both rows finish before 12 tokens, so the result is narrower than max_new_tokens."""
    features = _features()
    got = ours.generate(features, language="fr", max_new_tokens=12)
    assert got.shape[1] < 12 and SOT not in got and NO_TIMESTAMPS not in got
    assert got[0, -1] == EOT  # the shorter row's padding
    assert got.tolist() == checkpoint[1].generate(features, language="fr", max_new_tokens=12).tolist()
    assert torch.equal(ours.generate(features, language="fr", max_new_tokens=12, use_cache=False), got)


def test_detect_language_matches_transformers(checkpoint, ours):
    features = _features(3)
    with torch.no_grad():
        expected = checkpoint[1].detect_language(features)
    got = ours.detect_language(features)
    assert got.tolist() == expected.tolist() and set(got.tolist()) <= set(LANG_TO_ID.values())


def test_without_forced_ids_a_detected_language_gets_no_task_token(checkpoint, ours):
    """Without forced_decoder_ids the prompt is <|startoftranscript|><|lang|><|notimestamps|>, as in transformers."""
    theirs = checkpoint[1]
    features = _features()
    saved = theirs.generation_config.forced_decoder_ids, ours.generation_config.forced_decoder_ids
    theirs.generation_config.forced_decoder_ids = ours.generation_config.forced_decoder_ids = None
    try:
        with torch.no_grad():
            expected = theirs.generate(features)
        assert ours.generate(features).tolist() == expected.tolist()
    finally:
        theirs.generation_config.forced_decoder_ids, ours.generation_config.forced_decoder_ids = saved


def test_a_model_without_language_tokens_decodes_from_the_start_token(tmp_path):
    """generation_config.json written from the model config alone: no detection, suppressed tokens still apply."""
    import transformers

    torch.manual_seed(1)
    theirs = transformers.WhisperForConditionalGeneration(transformers.WhisperConfig(**TINY)).eval()
    theirs.save_pretrained(tmp_path)
    ours = autotutor.AutoModelForSpeechSeq2Seq.from_pretrained(tmp_path)
    assert ours.generation_config.suppress_tokens == [1, 2, 3]
    with torch.no_grad():
        expected = theirs.generate(_features(), max_new_tokens=6)
    assert ours.generate(_features(), max_new_tokens=6).tolist() == expected.tolist()
    built = autotutor.WhisperForConditionalGeneration.from_config(autotutor.WhisperConfig(**TINY))
    assert built.generation_config.begin_suppress_tokens == [5, EOT]


def test_the_registry_builds_whisper_for_both_tasks(checkpoint):
    arch = REGISTRY["whisper"]
    assert arch.models == {"base": autotutor.WhisperModel, "speech-seq2seq": autotutor.WhisperForConditionalGeneration}
    assert TASKS["speech-seq2seq"] == "AutoModelForSpeechSeq2Seq"
    base = autotutor.AutoModel.from_pretrained(checkpoint[0])  # the task checkpoint's head is left unused
    assert type(base).__name__ == "WhisperModel" and not base.load_report.newly_initialized
    config = autotutor.AutoConfig.for_model("whisper", **{**TINY, "max_source_positions": 10})
    model = autotutor.AutoModelForSpeechSeq2Seq.from_config(config).eval()
    out = model(torch.randn(1, 80, 20), decoder_input_ids=torch.tensor([[SOT, 7]]))
    assert out.logits.shape == (1, 2, 113) and torch.isfinite(out.logits).all()
    # the encoder's positions are the fixed sinusoids, as transformers initialises them
    import transformers

    positions = transformers.models.whisper.modeling_whisper.sinusoids(10, 16)
    torch.testing.assert_close(model.model.encoder.embed_positions.weight, positions)


# -- errors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,words", [
    ((1, 80, 4000), ["40.0 s", "up to 30 s", "long-form", "480000"]),
    ((1, 80, 1000), ["3000", "feature_extractor(audio"]),
    ((1, 40, 3000), ["(batch, 80, 3000)", "feature_extractor(audio"]),
    ((80, 3000), ["(batch, 80, 3000)"]),
])
def test_features_of_the_wrong_shape_are_refused(ours, checkpoint, shape, words):
    with pytest.raises(AudioError) as caught:
        ours.generate(torch.zeros(shape), language="fr")
    assert caught.value.key == "input_features"
    for word in words:
        assert word in str(caught.value), word
    if shape[1:] != (80, 3000):  # transformers' model refuses them too (generate() zero-pads shorter ones)
        with pytest.raises((ValueError, RuntimeError)):
            checkpoint[1](torch.zeros(shape), decoder_input_ids=torch.tensor([[SOT]]))
    with pytest.raises(ArgumentError, match="input_features"):
        ours.generate(None)


def test_an_unknown_language_lists_the_codes(ours, checkpoint):
    with pytest.raises(ArgumentError) as caught:
        ours.generate(_features(1), language="klingon")
    assert caught.value.key == "language" and "en, fr, de, es, ar" in str(caught.value)
    with pytest.raises(ArgumentError, match="ja"):  # a Whisper language this small model was not given
        ours.generate(_features(1), language="japanese")
    with pytest.raises(ValueError):
        checkpoint[1].generate(_features(1), language="klingon")


def test_an_unknown_task_is_refused(ours, checkpoint):
    with pytest.raises(ArgumentError, match="'transcribe'.*'translate'") as caught:
        ours.generate(_features(1), language="fr", task="summarize")
    assert caught.value.value == "summarize"
    with pytest.raises(ValueError):
        checkpoint[1].generate(_features(1), language="fr", task="summarize")


def test_a_generation_config_without_language_tokens_says_what_to_add(ours):
    config = autotutor.GenerationConfig(decoder_start_token_id=SOT, eos_token_id=EOT, pad_token_id=EOT)
    with pytest.raises(ConfigError, match="lang_to_id.*task_to_id.*no_timestamps_token_id"):
        ours.generate(_features(1), language="fr", generation_config=config)
    with pytest.raises(ConfigError, match="lang_to_id"):
        ours.detect_language(_features(1), generation_config=config)


def test_other_refusals(ours):
    with pytest.raises(UsageError, match="num_beams"):  # greedy only
        ours.generate(_features(1), num_beams=4)
    with pytest.raises(ArgumentError, match="max_target_positions"):
        ours.generate(_features(1), language="fr", max_new_tokens=61)  # 4 prompt tokens + 61 > 64 positions
    with pytest.raises(ArgumentError, match="English-only"):
        ours.generate(_features(1), language="fr", is_multilingual=False)
