"""Every registered model: built from a tiny config and run, and compared with transformers.

Parity: transformers builds and saves a tiny random model, autotutor loads the saved files, and both run
the same inputs. Hidden states, logits and losses must agree within 1e-5 (float32).
"""

from __future__ import annotations

import pytest
import torch
from conftest import HEADS, TINY

import autotutor
from autotutor.registry import REGISTRY, TASKS

ATOL = 1e-5
CASES = [(arch, auto) for arch in TINY for auto in HEADS]


def _inputs(batch: int = 3, length: int = 9, vocab: int = 99) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, vocab, (batch, length), generator=g)
    mask = torch.ones(batch, length, dtype=torch.long)
    mask[1, 5:] = 0  # one padded sequence
    mask[2, 2:] = 0  # and a very short one
    ids[mask == 0] = 0
    return {"input_ids": ids, "attention_mask": mask}


def _main_output(out) -> torch.Tensor:
    return out.logits if getattr(out, "logits", None) is not None else out.last_hidden_state


def test_registry_covers_the_tested_cases():
    assert set(TINY) <= set(REGISTRY)
    for name in TINY:
        assert set(REGISTRY[name].models) == {"base", "sequence-classification", "token-classification", "masked-lm"}
        assert set(TASKS[t] for t in REGISTRY[name].models) == set(HEADS)


@pytest.mark.parametrize("arch,auto_name", CASES)
def test_from_config_builds_and_runs(arch, auto_name):
    config = autotutor.AutoConfig.for_model(arch, **TINY[arch])
    model = getattr(autotutor, auto_name).from_config(config).eval()
    out = model(**_inputs())
    assert torch.isfinite(_main_output(out)).all()
    assert not any(p.is_meta for p in model.parameters())


@pytest.mark.parametrize("arch,auto_name", CASES)
def test_parity_with_transformers(arch, auto_name, tiny_checkpoint):
    folder, reference = tiny_checkpoint(arch, auto_name)
    model = getattr(autotutor, auto_name).from_pretrained(folder)
    assert type(model).__name__ == type(reference).__name__
    assert model.load_report.is_clean, str(model.load_report)

    inputs = _inputs()
    with torch.no_grad():
        expected = reference(**inputs, output_hidden_states=True)
        got = model(**inputs, output_hidden_states=True)
    torch.testing.assert_close(_main_output(got), _main_output(expected), atol=ATOL, rtol=0)
    assert len(got.hidden_states) == len(expected.hidden_states) == 3
    for ours, theirs in zip(got.hidden_states, expected.hidden_states):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    if auto_name == "AutoModel" and arch == "bert":
        torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=ATOL, rtol=0)


@pytest.mark.parametrize("arch", TINY)
def test_attention_weights_match(arch, tiny_checkpoint):
    folder, reference = tiny_checkpoint(arch, "AutoModel")
    reference.config._attn_implementation = "eager"  # transformers returns weights only from eager attention
    model = autotutor.AutoModel.from_pretrained(folder)
    inputs = _inputs()
    with torch.no_grad():
        expected = reference(**inputs, output_attentions=True)
        got = model(**inputs, output_attentions=True)
    assert len(got.attentions) == 2 and got.attentions[0].shape == (3, 4, 9, 9)
    for ours, theirs in zip(got.attentions, expected.attentions):
        torch.testing.assert_close(ours, theirs, atol=ATOL, rtol=0)
    # Same hidden states whichever attention path ran.
    torch.testing.assert_close(got.last_hidden_state, model(**inputs).last_hidden_state, atol=ATOL, rtol=0)


@pytest.mark.parametrize("arch", TINY)
@pytest.mark.parametrize("auto_name,labels", [
    ("AutoModelForSequenceClassification", torch.tensor([0, 1, 1])),
    ("AutoModelForTokenClassification", torch.tensor([[0, 1, 0, 1, 0, 1, 0, 1, 0]] * 3)),
    ("AutoModelForMaskedLM", torch.full((3, 9), -100).index_fill_(1, torch.tensor([2, 4]), 7)),
])
def test_losses_match(arch, auto_name, labels, tiny_checkpoint):
    folder, reference = tiny_checkpoint(arch, auto_name)
    model = getattr(autotutor, auto_name).from_pretrained(folder)
    with torch.no_grad():
        expected = reference(**_inputs(), labels=labels).loss
        got = model(**_inputs(), labels=labels).loss
    torch.testing.assert_close(got, expected, atol=ATOL, rtol=0)


def test_regression_and_multi_label_losses_match(tiny_checkpoint):
    for overrides, labels in [
        ({"num_labels": 1}, torch.tensor([0.5, -1.0, 2.0])),
        ({"problem_type": "multi_label_classification", "num_labels": 3}, torch.tensor([[1.0, 0, 1], [0, 0, 1], [1, 1, 0]])),
    ]:
        folder, reference = tiny_checkpoint("bert", "AutoModelForSequenceClassification", **overrides)
        model = autotutor.AutoModelForSequenceClassification.from_pretrained(folder)
        with torch.no_grad():
            torch.testing.assert_close(model(**_inputs(), labels=labels).loss,
                                       reference(**_inputs(), labels=labels).loss, atol=ATOL, rtol=0)


def test_outputs_index_like_tuples(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    model = autotutor.AutoModel.from_pretrained(folder)
    out = model(**_inputs())
    assert out[0] is out.last_hidden_state and out[1] is out.pooler_output
    assert out["last_hidden_state"] is out.last_hidden_state
    assert out.keys() == ["last_hidden_state", "pooler_output"]
    as_tuple = model(**_inputs(), return_dict=False)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 2


def test_real_minilm_matches_transformers(minilm_dir):
    """The trained all-MiniLM-L6-v2 checkpoint: same hidden states as transformers on real sentences."""
    import transformers

    sentences = [
        "In a hole in the ground there lived a hobbit.",
        "Le garçon a mangé une crème brûlée à l'hôtel.",
        "مرحبا بكم في درس المُجزّئ",
        "Short.",
    ]
    reference_tok = transformers.AutoTokenizer.from_pretrained(minilm_dir)
    reference = transformers.AutoModel.from_pretrained(minilm_dir).eval()
    tokenizer = autotutor.AutoTokenizer.from_pretrained(minilm_dir)
    model = autotutor.AutoModel.from_pretrained(minilm_dir)
    assert model.load_report.is_clean and len(model.load_report.loaded) == len(model.state_dict())

    ours_in = tokenizer(sentences, padding=True, return_tensors="pt")
    theirs_in = reference_tok(sentences, padding=True, return_tensors="pt")
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert torch.equal(ours_in[key], theirs_in[key])
    with torch.no_grad():
        got, expected = model(**ours_in), reference(**theirs_in)
    mask = ours_in["attention_mask"].bool()
    torch.testing.assert_close(got.last_hidden_state[mask], expected.last_hidden_state[mask], atol=ATOL, rtol=0)
    torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=ATOL, rtol=0)
