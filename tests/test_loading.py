"""Weights: the prefix rule, legacy names, tied weights, shapes, dtypes, shards, the load report, saving."""

from __future__ import annotations

import json
import logging

import pytest
import torch
from safetensors.torch import load_file, save_file

import autotutor
from autotutor import (
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
)
from autotutor.errors import ShapeMismatchError

ATOL = 1e-5


def _ids() -> dict[str, torch.Tensor]:
    return {"input_ids": torch.tensor([[5, 17, 42, 8, 3], [9, 11, 2, 0, 0]]),
            "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])}


# -- the base-model prefix rule, both ways -------------------------------------------------------------------------
def test_base_checkpoint_into_task_model(tiny_checkpoint):
    """A BertModel checkpoint (no "bert." prefix) loads into BertForSequenceClassification: only the head is new."""
    import transformers

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    report = model.load_report
    assert sorted(report.newly_initialized) == ["classifier.bias", "classifier.weight"]
    assert report.unexpected == [] and report.mismatched == []
    assert all(k.startswith("bert.") for k in report.loaded)

    # transformers agrees on what is missing.
    _, info = transformers.AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    assert sorted(info["missing_keys"]) == sorted(report.newly_initialized)

    # The body is the checkpoint's: same hidden states as the bare model.
    base = AutoModel.from_pretrained(folder)
    torch.testing.assert_close(model.bert(**_ids()).last_hidden_state, base(**_ids()).last_hidden_state, atol=0, rtol=0)


def test_task_checkpoint_into_base_model(tiny_checkpoint):
    """A BertForSequenceClassification checkpoint loads into BertModel: the head's weights are reported unused."""
    folder, reference = tiny_checkpoint("bert", "AutoModelForSequenceClassification")
    model = AutoModel.from_pretrained(folder)
    assert sorted(model.load_report.unexpected) == ["classifier.bias", "classifier.weight"]
    assert model.load_report.newly_initialized == []
    with torch.no_grad():
        torch.testing.assert_close(model(**_ids()).last_hidden_state, reference.bert(**_ids()).last_hidden_state, atol=ATOL, rtol=0)


def test_distilbert_sequence_to_token_classification(tiny_checkpoint):
    """The seed's move: one DistilBERT checkpoint, first for sequences, then for tokens."""
    folder, _ = tiny_checkpoint("distilbert", "AutoModelForMaskedLM")
    seq = AutoModelForSequenceClassification.from_pretrained(folder)
    tok = AutoModelForTokenClassification.from_pretrained(folder)
    assert sorted(seq.load_report.newly_initialized) == ["classifier.bias", "classifier.weight",
                                                         "pre_classifier.bias", "pre_classifier.weight"]
    assert sorted(tok.load_report.newly_initialized) == ["classifier.bias", "classifier.weight"]
    assert "vocab_projector.bias" in seq.load_report.unexpected
    text = str(tok.load_report)
    assert "NEW" in text and "classifier.weight" in text and "UNUSED" in text


# -- legacy names ------------------------------------------------------------------------------------------------
def test_legacy_gamma_beta_names(tiny_checkpoint, tmp_path):
    folder, reference = tiny_checkpoint("bert", "AutoModel")
    state = load_file(folder / "model.safetensors")
    old = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v for k, v in state.items()}
    assert any(k.endswith("gamma") for k in old)
    save_file(old, tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    model = AutoModel.from_pretrained(tmp_path)
    assert model.load_report.is_clean
    assert ("embeddings.LayerNorm.gamma", "embeddings.LayerNorm.weight") in model.load_report.renamed
    with torch.no_grad():
        torch.testing.assert_close(model(**_ids()).last_hidden_state, reference(**_ids()).last_hidden_state, atol=ATOL, rtol=0)


# -- tied weights ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch,decoder", [("bert", "cls.predictions.decoder"), ("distilbert", "vocab_projector")])
def test_tied_output_embeddings(arch, decoder, tiny_checkpoint, tmp_path):
    import transformers

    folder, reference = tiny_checkpoint(arch, "AutoModelForMaskedLM")
    model = AutoModelForMaskedLM.from_pretrained(folder)
    embeddings = model.get_submodule(f"{arch}.embeddings.word_embeddings").weight
    assert model.get_submodule(decoder).weight is embeddings
    assert model.load_report.tied and model.load_report.is_clean
    # Saved once, and transformers reloads it to the same logits.
    model.save_pretrained(tmp_path)
    assert f"{decoder}.weight" not in load_file(tmp_path / "model.safetensors")
    again = transformers.AutoModelForMaskedLM.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(**_ids()).logits, again(**_ids()).logits, atol=ATOL, rtol=0)


# -- shapes ------------------------------------------------------------------------------------------------------
def test_shape_mismatch_is_an_error_that_says_how_to_fix_it(tiny_checkpoint):
    folder, _ = tiny_checkpoint("distilbert", "AutoModelForSequenceClassification")  # 2 labels
    with pytest.raises(ShapeMismatchError) as err:
        AutoModelForTokenClassification.from_pretrained(folder, num_labels=5)
    assert "classifier.weight: checkpoint [2, 32], model [5, 32]" in str(err.value)
    assert "ignore_mismatched_sizes=True" in str(err.value)


def test_ignore_mismatched_sizes(tiny_checkpoint):
    import transformers

    folder, _ = tiny_checkpoint("distilbert", "AutoModelForSequenceClassification")
    model = AutoModelForTokenClassification.from_pretrained(folder, num_labels=5, ignore_mismatched_sizes=True)
    assert model.classifier.weight.shape == (5, 32)
    assert [m[0] for m in model.load_report.mismatched] == ["classifier.bias", "classifier.weight"]
    assert model.config.id2label == {i: f"LABEL_{i}" for i in range(5)}
    _, info = transformers.AutoModelForTokenClassification.from_pretrained(
        folder, num_labels=5, ignore_mismatched_sizes=True, output_loading_info=True)
    assert sorted(k for k, *_ in info["mismatched_keys"]) == ["classifier.bias", "classifier.weight"]


def test_no_random_initialisation_of_loaded_weights(tiny_checkpoint, monkeypatch):
    """The model is built on the meta device: no real tensor is filled with random numbers first."""
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    touched = []
    for name in ("normal_", "uniform_", "kaiming_uniform_", "trunc_normal_"):
        original = getattr(torch.nn.init, name)

        def spy(tensor, *args, _original=original, **kwargs):
            if not tensor.is_meta:
                touched.append(tuple(tensor.shape))
            return _original(tensor, *args, **kwargs)

        monkeypatch.setattr(torch.nn.init, name, spy)
    AutoModel.from_pretrained(folder)
    assert touched == []


# -- config overrides, dtype, device ------------------------------------------------------------------------------
def test_kwargs_override_config(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=3, hidden_dropout_prob=0.3)
    assert model.config.num_labels == 3 and model.classifier.out_features == 3
    assert model.config.hidden_dropout_prob == 0.3
    id2label = {0: "NEG", 1: "NEU", 2: "POS"}
    model = AutoModelForSequenceClassification.from_pretrained(folder, id2label=id2label)
    assert model.config.label2id == {"NEG": 0, "NEU": 1, "POS": 2} and model.classifier.out_features == 3
    with pytest.raises(TypeError, match="num_lables"):
        AutoModel.from_pretrained(folder, num_lables=3)


def test_dtype(tiny_checkpoint):
    import transformers

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    assert AutoModel.from_pretrained(folder).dtype == torch.float32
    bf16 = AutoModel.from_pretrained(folder, dtype=torch.bfloat16)
    assert bf16.dtype == torch.bfloat16 and all(p.dtype == torch.bfloat16 for p in bf16.parameters())
    assert AutoModel.from_pretrained(folder, dtype="bfloat16").dtype == torch.bfloat16
    reference = transformers.AutoModel.from_pretrained(folder, dtype=torch.bfloat16)
    with torch.no_grad():
        torch.testing.assert_close(bf16(**_ids()).last_hidden_state, reference(**_ids()).last_hidden_state)
    with pytest.raises(ValueError, match="int8"):
        AutoModel.from_pretrained(folder, dtype="int8")


def test_dtype_auto_reads_the_checkpoint(tiny_checkpoint, tmp_path):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    state = {k: v.to(torch.bfloat16) for k, v in load_file(folder / "model.safetensors").items()}
    save_file(state, tmp_path / "model.safetensors")
    config = json.loads((folder / "config.json").read_text())
    config.pop("dtype", None)
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert AutoModel.from_pretrained(tmp_path).dtype == torch.bfloat16  # "auto" is the default, as in transformers 5
    assert AutoModel.from_pretrained(tmp_path, dtype=torch.float32).dtype == torch.float32


def test_device(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModelForSequenceClassification")
    model = AutoModelForSequenceClassification.from_pretrained(folder, device="cpu", num_labels=4, ignore_mismatched_sizes=True)
    assert model.device == torch.device("cpu") and all(p.device.type == "cpu" for p in model.parameters())
    assert AutoModel.from_pretrained(folder, device_map="cpu").device == torch.device("cpu")


# -- other weight files ------------------------------------------------------------------------------------------
def test_sharded_safetensors(tiny_checkpoint, tmp_path):
    folder, reference = tiny_checkpoint("bert", "AutoModel")
    reference.save_pretrained(tmp_path, max_shard_size="20KB")
    assert (tmp_path / "model.safetensors.index.json").exists() and len(list(tmp_path.glob("model-*.safetensors"))) > 1
    model = AutoModel.from_pretrained(tmp_path)
    assert model.load_report.is_clean
    with torch.no_grad():
        torch.testing.assert_close(model(**_ids()).last_hidden_state, reference(**_ids()).last_hidden_state, atol=ATOL, rtol=0)


def test_pytorch_bin_through_weights_only(tiny_checkpoint, tmp_path):
    folder, reference = tiny_checkpoint("bert", "AutoModel")
    torch.save(reference.state_dict(), tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    model = AutoModel.from_pretrained(tmp_path)
    assert model.load_report.is_clean
    with torch.no_grad():
        torch.testing.assert_close(model(**_ids()).last_hidden_state, reference(**_ids()).last_hidden_state, atol=ATOL, rtol=0)


# -- the load report -------------------------------------------------------------------------------------------
def test_load_report_is_logged_as_a_warning_in_scripts(tiny_checkpoint, caplog):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    with caplog.at_level(logging.WARNING, logger="autotutor"):
        AutoModelForTokenClassification.from_pretrained(folder, num_labels=3)
    text = caplog.text
    assert "BertForTokenClassification" in text and "newly initialized" in text and "classifier.weight" in text
    assert "pooler.dense.{bias,weight}" in text or "pooler.dense.weight" in text  # BertForTokenClassification has no pooler
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="autotutor"):
        AutoModel.from_pretrained(folder)
    assert caplog.text == ""  # nothing to say when every weight was used


def test_load_report_table_for_notebooks(tiny_checkpoint):
    folder, _ = tiny_checkpoint("distilbert", "AutoModel")
    report = AutoModelForSequenceClassification.from_pretrained(folder).load_report
    html = report._repr_html_()
    assert html.count("<tr>") == len(report.rows()) + 1
    assert "<code>classifier.weight</code>" in html and "NEW" in html
    # Layer numbers are collapsed so a learner sees one line per kind of weight.
    many = autotutor.LoadReport("X", "here", newly_initialized=[f"enc.layer.{i}.w" for i in range(6)])
    assert [r[1] for r in many.rows()[1:]] == ["enc.layer.{0..5}.w"]


def test_output_loading_info(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    model, info = AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    assert info["unexpected_keys"] == [] and info["mismatched_keys"] == []


# -- saving ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch", ["bert", "distilbert"])
@pytest.mark.parametrize("auto_name", ["AutoModel", "AutoModelForSequenceClassification", "AutoModelForTokenClassification"])
def test_save_pretrained_round_trip_through_transformers(arch, auto_name, tiny_checkpoint, tmp_path):
    import transformers

    folder, _ = tiny_checkpoint(arch, auto_name)
    model = getattr(autotutor, auto_name).from_pretrained(folder)
    model.save_pretrained(tmp_path)
    theirs, info = getattr(transformers, auto_name).from_pretrained(tmp_path, output_loading_info=True)
    assert info["missing_keys"] == set() or not info["missing_keys"]
    assert not info["unexpected_keys"]
    with torch.no_grad():
        torch.testing.assert_close(theirs.eval()(**_ids())[0], model(**_ids())[0], atol=ATOL, rtol=0)
    assert autotutor.AutoConfig.from_pretrained(tmp_path) == model.config


def test_load_report_is_displayed_as_a_table_in_a_notebook(tiny_checkpoint, monkeypatch, caplog):
    """Inside a Jupyter kernel the report goes to IPython's display (HTML table), not to the log."""
    import sys
    import types

    shown = []
    shell = types.SimpleNamespace(kernel=object())
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    display_module = types.ModuleType("IPython.display")
    display_module.display = shown.append
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    with caplog.at_level(logging.WARNING, logger="autotutor"):
        model = AutoModelForSequenceClassification.from_pretrained(folder)
    assert shown == [model.load_report] and "<table>" in shown[0]._repr_html_()
    assert caplog.text == ""
