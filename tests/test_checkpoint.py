"""Step 1: names → files. Folders, Hub ids from the shared cache, offline mode, revisions, subfolders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from autotutor import AutoConfig, AutoModel, AutoTokenizer
from autotutor import checkpoint as files
from autotutor.checkpoint import open_checkpoint
from autotutor.errors import CheckpointNotFoundError


def test_folder_is_used_as_is(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    checkpoint = open_checkpoint(folder)
    assert checkpoint.is_local and checkpoint.get("config.json") == folder.resolve() / "config.json"
    assert checkpoint.get("tokenizer.json") is None


def test_hub_id_from_the_cache_offline(hub_cache, tiny_checkpoint, minilm_dir):
    folder, reference = tiny_checkpoint("bert", "AutoModel")
    snapshot = hub_cache("google-bert/bert-base-uncased", folder)
    model = AutoModel.from_pretrained("google-bert/bert-base-uncased")
    assert str(snapshot) in model.load_report.source or "google-bert/bert-base-uncased" in model.load_report.source
    ids = torch.tensor([[3, 4, 5]])
    with torch.no_grad():
        torch.testing.assert_close(model(ids).last_hidden_state, reference(ids).last_hidden_state, atol=1e-5, rtol=0)


def test_local_files_only_never_uses_the_network(hub_cache, tiny_checkpoint, monkeypatch):
    """With local_files_only=True (or HF_HUB_OFFLINE=1), hf_hub_download is never called."""
    import huggingface_hub

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    hub_cache("org/tiny", folder)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_network)
    assert AutoConfig.from_pretrained("org/tiny", local_files_only=True).hidden_size == 32


def test_revision_and_subfolder_from_the_cache(hub_cache, tiny_checkpoint, tmp_path):
    small, _ = tiny_checkpoint("bert", "AutoModel")
    other, _ = tiny_checkpoint("distilbert", "AutoModel")
    hub_cache("org/model", small)
    nested = tmp_path / "nested"
    (nested / "encoder").mkdir(parents=True)
    for f in other.iterdir():
        (nested / "encoder" / f.name).write_bytes(f.read_bytes())
    hub_cache("org/model", nested, revision="v2")
    assert AutoConfig.from_pretrained("org/model").model_type == "bert"
    assert AutoConfig.from_pretrained("org/model", revision="v2", subfolder="encoder").model_type == "distilbert"
    assert type(AutoModel.from_pretrained("org/model", revision="v2", subfolder="encoder")).__name__ == "DistilBertModel"


def test_same_cache_as_transformers(hub_cache, minilm_dir):
    """Files in the HF cache are found by both libraries, which give the same ids and hidden states."""
    hub_cache("acme/shared", minilm_dir)

    script = textwrap.dedent("""
        import json, sys, torch, transformers
        tok = transformers.AutoTokenizer.from_pretrained("acme/shared")
        model = transformers.AutoModel.from_pretrained("acme/shared")
        enc = tok("a shared cache", return_tensors="pt")
        with torch.no_grad():
            h = model(**enc).last_hidden_state
        print(json.dumps({"ids": enc["input_ids"][0].tolist(), "h": h[0, :, :4].tolist()}))
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(hub_cache.cache)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = json.loads(done.stdout.strip().splitlines()[-1])

    tok = AutoTokenizer.from_pretrained("acme/shared")
    model = AutoModel.from_pretrained("acme/shared")
    enc = tok("a shared cache", return_tensors="pt")
    assert enc["input_ids"][0].tolist() == theirs["ids"]
    with torch.no_grad():
        h = model(**enc).last_hidden_state[0, :, :4]
    torch.testing.assert_close(h, torch.tensor(theirs["h"]), atol=1e-5, rtol=0)


def test_a_file_path_is_not_a_checkpoint(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    with pytest.raises(CheckpointNotFoundError, match="pass the folder"):
        AutoModel.from_pretrained(folder / "config.json")


def test_missing_subfolder(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    with pytest.raises(CheckpointNotFoundError, match="no subfolder 'nope'"):
        AutoConfig.from_pretrained(folder, subfolder="nope")


def test_unreachable_hub_falls_back_to_the_cache_once(hub_cache, tiny_checkpoint, monkeypatch):
    """When the Hub does not answer, the first file costs one attempt; the rest come straight from the cache."""
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    hub_cache("org/cached", folder)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    attempts = []

    def unreachable(repo_id, filename, **kwargs):
        attempts.append(filename)
        raise LocalEntryNotFoundError("Connection error, and the file is not in the cache.")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", unreachable)
    monkeypatch.setattr(files, "_hub_reachable", lambda: True)  # the quick check passed; the download fails
    model = AutoModel.from_pretrained("org/cached")
    assert type(model).__name__ == "BertModel" and model.load_report.is_clean
    assert attempts == ["config.json"]

    with pytest.raises(CheckpointNotFoundError, match="could not be reached.*HF_HUB_OFFLINE=1"):
        AutoModel.from_pretrained("org/not-cached")


def test_an_unreachable_hub_is_noticed_before_any_download(hub_cache, tiny_checkpoint, monkeypatch):
    """The quick check fails (no DNS, no route): no download is attempted, the cache answers at once."""
    import huggingface_hub

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    hub_cache("org/cached", folder)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")  # the discard port: refused
    monkeypatch.setattr(files, "_HUB_REACHABLE", {})

    def no_download(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_download)
    assert AutoConfig.from_pretrained("org/cached").hidden_size == 32
    assert files._HUB_REACHABLE["http://127.0.0.1:9"][0] is False
