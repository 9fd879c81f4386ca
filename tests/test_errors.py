"""Bad input: each case gives a clear error that names the file, key or value and the fix.

Where transformers behaves otherwise (a traceback from a dependency, silence, or a network call) the test
says so; autotutor deliberately differs there.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil

import pytest
import torch

from autotutor import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer
from autotutor.errors import (
    AutotutorError,
    CheckpointNotFoundError,
    ConfigError,
    CorruptWeightsError,
    RemoteCodeError,
    RevisionNotFoundError,
    UnknownModelTypeError,
    UnsafeCheckpointError,
    UnsupportedTaskError,
    WeightsNotFoundError,
)


@pytest.fixture
def bert_copy(tiny_checkpoint, tmp_path):
    """A writable copy of a tiny BERT checkpoint to break in various ways."""
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    target = tmp_path / "ckpt"
    shutil.copytree(folder, target)
    return target


def _edit_config(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    (folder / "config.json").write_text(json.dumps(config))


def test_missing_folder_says_where_it_looked(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(CheckpointNotFoundError) as err:
        AutoModel.from_pretrained(str(missing))
    assert str(missing) in str(err.value)
    assert isinstance(err.value, FileNotFoundError)  # catchable as the builtin


def test_missing_hub_id_offline_says_how_to_get_it(hub_cache):
    with pytest.raises(CheckpointNotFoundError) as err:
        AutoModel.from_pretrained("someone/no-such-model")
    message = str(err.value)
    assert "someone/no-such-model" in message and str(hub_cache.cache) in message
    assert "HF_HUB_OFFLINE" in message and "hf download someone/no-such-model" in message


def test_not_a_valid_name(hub_cache):
    with pytest.raises(CheckpointNotFoundError, match="neither a folder"):
        AutoModel.from_pretrained("not a valid id!")


def test_no_config_json(bert_copy):
    (bert_copy / "config.json").unlink()
    with pytest.raises(ConfigError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert "config.json" in str(err.value) and "model.safetensors" in str(err.value)  # lists what is there


def test_invalid_json_names_file_and_line(bert_copy):
    (bert_copy / "config.json").write_text('{\n  "model_type": "bert",\n  "hidden_size": 32,,\n}')
    with pytest.raises(ConfigError) as err:
        AutoConfig.from_pretrained(bert_copy)
    assert str(bert_copy / "config.json") in str(err.value) and "line 3" in str(err.value)


@pytest.mark.parametrize("model_type", [None, "gpt99"])
def test_missing_or_unknown_model_type_lists_supported(bert_copy, model_type):
    _edit_config(bert_copy, model_type=model_type)
    with pytest.raises(UnknownModelTypeError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert "bert, distilbert" in str(err.value)
    if model_type:
        assert "gpt99" in str(err.value)


def test_head_the_architecture_lacks(bert_copy, monkeypatch):
    from autotutor import registry

    # Remove BERT's token-classification head from a copy of the registry to see the message.
    models = {k: v for k, v in registry.REGISTRY["bert"].models.items() if k != "token-classification"}
    monkeypatch.setitem(registry.REGISTRY, "bert", registry.Architecture(registry.REGISTRY["bert"].config, models))
    from autotutor import AutoModelForTokenClassification

    with pytest.raises(UnsupportedTaskError) as err:
        AutoModelForTokenClassification.from_pretrained(bert_copy)
    assert "token-classification" in str(err.value) and "AutoModelForSequenceClassification" in str(err.value)


def test_no_weights_file(bert_copy):
    (bert_copy / "model.safetensors").unlink()
    with pytest.raises(WeightsNotFoundError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert "model.safetensors" in str(err.value) and "config.json" in str(err.value)
    # The config alone still loads.
    assert AutoConfig.from_pretrained(bert_copy).model_type == "bert"


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_safetensors(bert_copy, damage):
    """transformers 5.23 surfaces safetensors' own SafetensorError here; autotutor names the file and the fix."""
    path = bert_copy / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x10\x00\x00\x00\x00\x00\x00\x00not json")
    with pytest.raises(CorruptWeightsError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert str(path) in str(err.value) and "download" in str(err.value)


@pytest.mark.parametrize("bad", ["../outside.safetensors", "/etc/passwd", "sub/dir.safetensors"])
def test_sharded_index_pointing_outside_is_refused(bert_copy, tmp_path, bad):
    (bert_copy / "model.safetensors").rename(tmp_path / "outside.safetensors")
    index = {"metadata": {}, "weight_map": {"embeddings.word_embeddings.weight": bad}}
    (bert_copy / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(CorruptWeightsError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert bad in str(err.value) and "Refusing" in str(err.value)


class _RunsCode:
    """Unpickling this object would call print(...): harmless, but code all the same."""

    def __reduce__(self):
        return (exec, ("open(__import__('os').environ['AUTOTUTOR_PWNED'], 'w').write('ran')",))


def test_pickle_that_would_run_code_is_refused(bert_copy, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("AUTOTUTOR_PWNED", str(marker))
    (bert_copy / "model.safetensors").unlink()
    with open(bert_copy / "pytorch_model.bin", "wb") as f:
        pickle.dump({"weight": _RunsCode()}, f)
    with pytest.raises(UnsafeCheckpointError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert not marker.exists()  # the payload never ran
    assert "safetensors" in str(err.value) and "pytorch_model.bin" in str(err.value)


def test_shape_mismatch_without_ignore(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModelForSequenceClassification")
    with pytest.raises(ValueError, match="ignore_mismatched_sizes=True"):
        AutoModelForSequenceClassification.from_pretrained(folder, num_labels=7)


def test_remote_code_is_never_run(bert_copy):
    _edit_config(bert_copy, model_type="fancy", auto_map={"AutoModel": "modeling_fancy.FancyModel"})
    (bert_copy / "modeling_fancy.py").write_text("raise SystemExit('this must never run')\n")
    with pytest.raises(RemoteCodeError) as err:
        AutoModel.from_pretrained(bert_copy)
    assert "modeling_fancy.py" in str(err.value) and "never" in str(err.value)
    with pytest.raises(RemoteCodeError):
        AutoModel.from_pretrained(bert_copy, trust_remote_code=True)
    with pytest.raises(RemoteCodeError):
        AutoTokenizer.from_pretrained(bert_copy, trust_remote_code=True)


def test_auto_map_beside_a_known_model_type_loads_the_builtin_class(bert_copy):
    """As transformers does without trust_remote_code: the architecture autotutor knows is used, no code runs."""
    _edit_config(bert_copy, auto_map={"AutoModel": "modeling_fancy.FancyModel"})
    assert type(AutoModel.from_pretrained(bert_copy)).__name__ == "BertModel"


@pytest.mark.parametrize("revision", ["no-such-branch", "", "../main", "bad revision"])
def test_invalid_revision(hub_cache, tiny_checkpoint, revision):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    hub_cache("org/tiny-bert", folder)
    with pytest.raises(RevisionNotFoundError) as err:
        AutoModel.from_pretrained("org/tiny-bert", revision=revision)
    if revision == "no-such-branch":
        assert "Cached revisions: main" in str(err.value)


def test_every_error_is_an_autotutor_error():
    from autotutor import errors

    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception) and v is not AutotutorError]
    assert len(classes) >= 14
    for cls in classes:
        # AutotutorError first, so that its __init__ (which takes the fields) is the one Python calls; and a
        # builtin after it, which `except FileNotFoundError:` and the like catch.
        # (or a narrower autotutor error first: ChatTemplateError is a TokenizerError)
        assert cls.__mro__[1] is AutotutorError or cls.__mro__[1] in classes, cls
        assert any(base.__module__ == "builtins" for base in cls.__mro__[1:]), cls


def test_nothing_half_loaded_on_error(bert_copy):
    """A failed load returns no model at all: the error is raised before anything is handed back."""
    path = bert_copy / "model.safetensors"
    path.write_bytes(path.read_bytes()[:100])
    result = None
    with pytest.raises(CorruptWeightsError):
        result = AutoModel.from_pretrained(bert_copy)
    assert result is None
    assert os.path.exists(path)  # and the broken file is left for the learner to inspect


# ---------------------------------------------------------------------------------------------------------------
# Errors carry what they are about, so code reads fields and never parses a message
# ---------------------------------------------------------------------------------------------------------------
def test_errors_carry_their_repo_id_path_key_and_value(tmp_path, bert_copy):
    from autotutor.errors import AutotutorError, CheckpointNotFoundError, ConfigError, RemoteCodeError

    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(CheckpointNotFoundError) as caught:
        AutoModel.from_pretrained(str(missing))
    assert (caught.value.repo_id, caught.value.path) == (str(missing), missing.resolve())
    assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, AutotutorError)

    with pytest.raises(RemoteCodeError) as caught:
        AutoModel.from_pretrained(bert_copy, trust_remote_code=True)
    assert (caught.value.key, caught.value.value) == ("trust_remote_code", True)

    (bert_copy / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        AutoModel.from_pretrained(bert_copy)
    assert caught.value.path == bert_copy / "config.json"


def test_registry_refusals_name_the_key_and_value(tmp_path):
    import json

    from autotutor.errors import UnknownModelTypeError, UnsupportedTaskError

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt-j"}), encoding="utf-8")
    with pytest.raises(UnknownModelTypeError) as caught:
        AutoModel.from_pretrained(tmp_path)
    assert (caught.value.key, caught.value.value) == ("model_type", "gpt-j")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "vit"}), encoding="utf-8")
    with pytest.raises(UnsupportedTaskError) as caught:
        AutoModelForMaskedLM.from_pretrained(tmp_path)
    assert (caught.value.key, caught.value.value) == ("task", "masked-lm")


def test_the_auto_class_names_the_checkpoint_as_asked(tmp_path):
    """A lesson shows the refusal with the Hub id, not with where the pack keeps the files: `source=`."""
    import json

    from autotutor.checkpoint import open_checkpoint
    from autotutor.errors import UnsupportedTaskError

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "vit"}), encoding="utf-8")
    with pytest.raises(UnsupportedTaskError, match=r"^google/vit-base-patch16-224 is a 'vit' checkpoint"):
        AutoModelForMaskedLM.model_class({"model_type": "vit"}, open_checkpoint(tmp_path),
                                         source="google/vit-base-patch16-224")
