"""Step 2: config.json ↔ config objects, compared with transformers' reading of the same files."""

from __future__ import annotations

import json

import pytest

from autotutor import AutoConfig
from autotutor.errors import ConfigError
from autotutor.models.bert import BertConfig
from autotutor.models.distilbert import DistilBertConfig


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_reads_what_transformers_wrote(arch, tiny_checkpoint):
    import transformers

    folder, reference = tiny_checkpoint(arch, "AutoModelForSequenceClassification")
    ours = AutoConfig.from_pretrained(folder)
    assert type(ours).__name__ == type(reference.config).__name__
    for key in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_labels", "id2label",
                "label2id", "pad_token_id", "max_position_embeddings", "model_type"):
        assert getattr(ours, key) == getattr(reference.config, key), key
    assert transformers.AutoConfig.from_pretrained(folder).to_dict()["hidden_size" if arch == "bert" else "dim"] == 32


def test_unknown_keys_are_kept(tiny_checkpoint, tmp_path):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    data = json.loads((folder / "config.json").read_text())
    data["course_note"] = {"lesson": 1, "fr": "très bien"}
    (tmp_path / "config.json").write_text(json.dumps(data))
    config = AutoConfig.from_pretrained(tmp_path)
    assert config.course_note == {"lesson": 1, "fr": "très bien"}
    config.save_pretrained(tmp_path / "again")
    assert json.loads((tmp_path / "again" / "config.json").read_text())["course_note"]["fr"] == "très bien"


def test_to_dict_from_dict_round_trip():
    config = BertConfig(hidden_size=64, num_attention_heads=4, id2label={0: "NEG", 1: "POS"}, extra_key=[1, 2])
    again = BertConfig.from_dict(json.loads(config.to_json_string()))
    assert again == config and again.id2label == {0: "NEG", 1: "POS"} and again.extra_key == [1, 2]


def test_labels():
    config = BertConfig(num_labels=3)
    assert config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"} and config.label2id["LABEL_2"] == 2
    config = BertConfig.from_dict({"id2label": {"0": "NEG", "1": "POS"}})  # JSON keys are strings
    assert config.id2label == {0: "NEG", 1: "POS"} and config.num_labels == 2 and config.label2id == {"NEG": 0, "POS": 1}
    config.num_labels = 4  # a new count starts new labels, as in transformers
    assert config.id2label == {i: f"LABEL_{i}" for i in range(4)}
    with pytest.raises(ConfigError, match="num_labels"):
        BertConfig(num_labels=0)


def test_overrides_match_transformers(tiny_checkpoint):
    import transformers

    folder, _ = tiny_checkpoint("bert", "AutoModelForSequenceClassification")
    ours = AutoConfig.from_pretrained(folder, num_labels=5, hidden_dropout_prob=0.25)
    theirs = transformers.AutoConfig.from_pretrained(folder, num_labels=5, hidden_dropout_prob=0.25)
    assert ours.id2label == theirs.id2label and ours.hidden_dropout_prob == theirs.hidden_dropout_prob
    # Deliberate difference: transformers silently drops an unknown key; a typo here is reported.
    with pytest.raises(TypeError, match="hiden_size"):
        AutoConfig.from_pretrained(folder, hiden_size=8)


def test_distilbert_attribute_map():
    config = DistilBertConfig(dim=48, n_heads=6, n_layers=3)
    assert (config.hidden_size, config.num_attention_heads, config.num_hidden_layers) == (48, 6, 3)
    config.hidden_size = 96
    assert config.dim == 96 and "hidden_size" not in config.to_dict()


def test_transformers_reads_our_config(tmp_path):
    import transformers

    BertConfig(hidden_size=64, num_attention_heads=8, num_labels=3, note="kept").save_pretrained(tmp_path)
    theirs = transformers.AutoConfig.from_pretrained(tmp_path)
    assert type(theirs).__name__ == "BertConfig" and theirs.hidden_size == 64 and theirs.num_labels == 3
    assert theirs.note == "kept"


def test_inconsistent_sizes():
    with pytest.raises(ConfigError, match="divisible"):
        BertConfig(hidden_size=30, num_attention_heads=4)


def test_for_model_and_repr():
    config = AutoConfig.for_model("distilbert", n_layers=2)
    assert repr(config).startswith("DistilBertConfig {") and '"n_layers": 2' in repr(config)
