"""Step 1 for real: Hub ids are downloaded by huggingface_hub's own `hf_hub_download`, from a fake Hub.

`tests/fake_hub.py` serves local folders over HTTP on 127.0.0.1, answering the requests huggingface_hub sends
(HEAD then GET on `/{repo}/resolve/{revision}/{file}`) with the headers and error codes the real Hub uses.
Every load runs in a fresh Python process, because huggingface_hub reads HF_ENDPOINT, HF_HUB_CACHE and
HF_HUB_OFFLINE once, at import. The cache those processes fill is then read, offline, by the other library:
files downloaded by autotutor load in transformers, and the other way round.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from fake_hub import FakeHub, commit_for

ROOT = Path(__file__).resolve().parents[1]
HOBBIT = "In a hole in the ground there lived a hobbit."
HOBBIT_IDS = [101, 1999, 1037, 4920, 1999, 1996, 2598, 2045, 2973, 1037, 7570, 10322, 4183, 1012, 102]

BY_AUTOTUTOR = "google-bert/bert-base-uncased"  # downloaded by autotutor, then read by transformers
BY_TRANSFORMERS = "sentence-transformers/all-MiniLM-L6-v2"  # downloaded by transformers, then read by autotutor


# ---------------------------------------------------------------------------------------------------------------
# Running a script in a fresh process pointed at the fake Hub
# ---------------------------------------------------------------------------------------------------------------
def hub_env(endpoint: str, cache: Path, *, offline: bool = False) -> dict[str, str]:
    """A clean environment: no HF_* variable, token or proxy of the machine leaks into the child process."""
    dropped = ("HF_", "HUGGINGFACE_", "TRANSFORMERS_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
    env.update(
        HF_ENDPOINT=endpoint,
        HF_HUB_CACHE=str(cache),
        HF_HOME=str(cache.parent / "hf-home"),  # no stored token is read, nothing written to ~/.cache
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_XET="1",  # plain HTTP downloads (the fake Hub sends no Xet headers anyway)
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_IMPLICIT_TOKEN="1",
        HF_HUB_ETAG_TIMEOUT="10",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        TOKENIZERS_PARALLELISM="false",
    )
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    return env


def spawn(body: str, env: dict[str, str], *, prelude: str = "") -> subprocess.Popen:
    """Start `prelude` then `body` in a new interpreter; it must print one line `RESULT:<json>`."""
    script = "\n".join(["import json, sys, torch", f"HOBBIT = {HOBBIT!r}", textwrap.dedent(prelude),
                         textwrap.dedent(body)])
    return subprocess.Popen([sys.executable, "-c", script], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def collect(*children: subprocess.Popen, timeout: float = 180) -> list[dict]:
    """Wait for `children` and return what each printed after `RESULT:`; a failure shows the child's output."""
    try:
        results = []
        for child in children:
            stdout, stderr = child.communicate(timeout=timeout)
            assert child.returncode == 0, f"child process failed:\n{stdout[-3000:]}\n{stderr[-5000:]}"
            lines = [line for line in stdout.splitlines() if line.startswith("RESULT:")]
            assert lines, f"no RESULT line in:\n{stdout[-3000:]}\n{stderr[-3000:]}"
            results.append(json.loads(lines[-1][len("RESULT:"):]))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def run_script(body: str, env: dict[str, str], *, prelude: str = "") -> dict:
    return collect(spawn(body, env, prelude=prelude))[0]


ENCODE = """
def encode(lib, name):
    tok = lib.AutoTokenizer.from_pretrained(name)
    model = lib.AutoModel.from_pretrained(name)
    enc = tok(HOBBIT, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state[0]
    return {"ids": enc["input_ids"][0].tolist(), "hidden": hidden.tolist(), "model": type(model).__name__,
            "tokenizer": type(tok).__name__}
"""


def repo_cache(cache: Path, repo_id: str) -> Path:
    return cache / ("models--" + repo_id.replace("/", "--"))


# ---------------------------------------------------------------------------------------------------------------
# The fake Hub speaks the protocol huggingface_hub expects
# ---------------------------------------------------------------------------------------------------------------
def test_fake_hub_answers_like_the_hub(tiny_checkpoint):
    import huggingface_hub
    from huggingface_hub import errors as hf_errors

    folder, _ = tiny_checkpoint("bert", "AutoModel")
    with FakeHub({"org/tiny": {"main": folder}}) as fake:
        assert fake.url.startswith("http://127.0.0.1:")

        def metadata(filename, revision="main", repo="org/tiny"):
            url = huggingface_hub.hf_hub_url(repo, filename, revision=revision, endpoint=fake.url)
            return huggingface_hub.get_hf_file_metadata(url, token=False, endpoint=fake.url)

        config = metadata("config.json")
        data = (folder / "config.json").read_bytes()
        assert config.commit_hash == commit_for("org/tiny", "main")
        assert config.etag == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's blob id
        assert config.size == len(data) and config.xet_file_data is None
        weights = metadata("model.safetensors")
        assert weights.etag == hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
        assert metadata("config.json", revision=config.commit_hash).commit_hash == config.commit_hash

        with pytest.raises(hf_errors.RemoteEntryNotFoundError):
            metadata("nope.json")
        with pytest.raises(hf_errors.RevisionNotFoundError):
            metadata("config.json", revision="nope")
        with pytest.raises(hf_errors.RepositoryNotFoundError):
            metadata("config.json", repo="org/nope")
        assert fake.requests[0] == ("HEAD", "/org/tiny/resolve/main/config.json")
        assert fake.paths("GET") == []
    assert not fake.running


def test_fake_hub_stops_by_itself():
    import time
    import urllib.error
    import urllib.request

    fake = FakeHub({}, lifetime=0.3).start()
    url = fake.url
    with pytest.raises(urllib.error.HTTPError) as answer:  # listening: 404 for an unknown path
        urllib.request.urlopen(url + "/nothing", timeout=5)
    assert answer.value.code == 404
    deadline = time.monotonic() + 10
    while fake.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not fake.running
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/nothing", timeout=2)


# ---------------------------------------------------------------------------------------------------------------
# The real MiniLM checkpoint (bert-base-uncased vocabulary) under two ids, each downloaded by one library
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hub(minilm_dir):
    with FakeHub({BY_AUTOTUTOR: {"main": minilm_dir}, BY_TRANSFORMERS: {"main": minilm_dir}}) as fake:
        yield fake


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hub-download") / "hub"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def downloads(hub, cache):
    """At the same time, in two processes: autotutor downloads BY_AUTOTUTOR, transformers BY_TRANSFORMERS.

    Returns {library: (what it computed, the requests the Hub received for its repository)}.
    """
    hub.clear()
    ours = spawn("""
        import autotutor
        config = autotutor.AutoConfig.from_pretrained(""" + repr(BY_AUTOTUTOR) + """)
        out = encode(autotutor, """ + repr(BY_AUTOTUTOR) + """)
        out["model_type"] = config.model_type
        print("RESULT:" + json.dumps(out))
    """, hub_env(hub.url, cache), prelude=ENCODE)
    theirs = spawn("""
        import transformers
        transformers.logging.set_verbosity_error()
        print("RESULT:" + json.dumps(encode(transformers, """ + repr(BY_TRANSFORMERS) + """)))
    """, hub_env(hub.url, cache), prelude=ENCODE)
    ours_result, theirs_result = collect(ours, theirs)
    requests = hub.requests
    return {
        # autotutor's one reachability check ("HEAD /") is asserted on its own in test_autotutor_downloads...
        "autotutor": (ours_result, [(m, p) for m, p in requests if not p.startswith(f"/{BY_TRANSFORMERS}/")
                                    and not p.startswith(f"/api/models/{BY_TRANSFORMERS}") and p != "/"]),
        "probes": requests.count(("HEAD", "/")),
        "transformers": (theirs_result, [(m, p) for m, p in requests if BY_TRANSFORMERS in p]),
    }


@pytest.fixture(scope="module")
def autotutor_online(downloads):
    return downloads["autotutor"]


@pytest.fixture(scope="module")
def transformers_online(downloads):
    return downloads["transformers"]


@pytest.fixture(scope="module")
def offline(hub, cache, autotutor_online, transformers_online):
    """Both libraries load both repositories from the cache, with HF_HUB_OFFLINE=1 and the Hub still listening."""
    hub.clear()
    result = run_script("""
        import autotutor, transformers
        transformers.logging.set_verbosity_error()
        out = {}
        for name in """ + repr([BY_AUTOTUTOR, BY_TRANSFORMERS]) + """:
            out[name] = {"autotutor": encode(autotutor, name), "transformers": encode(transformers, name)}
        print("RESULT:" + json.dumps(out))
    """, hub_env(hub.url, cache, offline=True), prelude=ENCODE)
    return result, hub.requests


def test_autotutor_checks_the_hub_once_per_process(downloads):
    """One quick HEAD of the endpoint tells whether the Hub can be reached, shared by every checkpoint."""
    assert downloads["probes"] == 1


def test_autotutor_downloads_into_the_hf_cache(autotutor_online, cache, minilm_dir):
    result, requests = autotutor_online
    assert result["model_type"] == "bert" and result["model"] == "BertModel"
    assert result["ids"] == HOBBIT_IDS

    # The layout huggingface_hub (and transformers) use: refs/main → commit, snapshots/<commit>/file → blob.
    repo = repo_cache(cache, BY_AUTOTUTOR)
    commit = commit_for(BY_AUTOTUTOR, "main")
    assert (repo / "refs" / "main").read_text() == commit
    snapshot = repo / "snapshots" / commit
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert (snapshot / name).is_file(), f"{name} missing from {snapshot}"
        assert (snapshot / name).read_bytes() == (minilm_dir / name).read_bytes()
    # Weights are LFS files: their blob is named by the sha256 the Hub announced in X-Linked-Etag.
    weights = (snapshot / "model.safetensors").resolve()
    assert weights.parent == (repo / "blobs").resolve()
    assert weights.name == hashlib.sha256((minilm_dir / "model.safetensors").read_bytes()).hexdigest()

    # Each file: HEAD for its metadata, then one GET; nothing but resolve URLs of that repository at main.
    prefix = f"/{BY_AUTOTUTOR}/resolve/main/"
    assert all(path.startswith(prefix) for _, path in requests), requests
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        assert ("HEAD", prefix + name) in requests
        assert requests.count(("GET", prefix + name)) == 1, requests
    assert not any(path.endswith("vocab.txt") for _, path in requests)  # tokenizer.json is enough


def test_autotutor_download_is_read_back_offline_by_both_libraries(autotutor_online, offline):
    online, _ = autotutor_online
    result, requests = offline
    assert requests == [], "HF_HUB_OFFLINE=1 must not touch the network"
    ours, theirs = result[BY_AUTOTUTOR]["autotutor"], result[BY_AUTOTUTOR]["transformers"]
    assert ours["ids"] == theirs["ids"] == online["ids"] == HOBBIT_IDS
    assert (ours["model"], theirs["model"]) == ("BertModel", "BertModel")
    torch.testing.assert_close(torch.tensor(ours["hidden"]), torch.tensor(online["hidden"]), atol=1e-6, rtol=0)
    torch.testing.assert_close(torch.tensor(ours["hidden"]), torch.tensor(theirs["hidden"]), atol=1e-5, rtol=0)


def test_transformers_download_is_read_back_offline_by_autotutor(transformers_online, offline, cache):
    online, requests = transformers_online
    # transformers fetched through the same Hub protocol (it also asks the /api for model info and listings).
    assert any(path == f"/{BY_TRANSFORMERS}/resolve/{commit_for(BY_TRANSFORMERS, 'main')}/model.safetensors"
               or path == f"/{BY_TRANSFORMERS}/resolve/main/model.safetensors" for _, path in requests), requests
    assert (repo_cache(cache, BY_TRANSFORMERS) / "refs" / "main").read_text() == commit_for(BY_TRANSFORMERS, "main")

    result, offline_requests = offline
    assert offline_requests == []
    ours, theirs = result[BY_TRANSFORMERS]["autotutor"], result[BY_TRANSFORMERS]["transformers"]
    assert ours["ids"] == theirs["ids"] == online["ids"] == HOBBIT_IDS
    torch.testing.assert_close(torch.tensor(ours["hidden"]), torch.tensor(online["hidden"]), atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.tensor(ours["hidden"]), torch.tensor(theirs["hidden"]), atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------------------------------------------
# Revisions, unknown names, absent optional files: one autotutor process runs every case against one Hub
# ---------------------------------------------------------------------------------------------------------------
SCENARIOS = """
    import autotutor
    from autotutor import AutoConfig, AutoModel, AutoTokenizer

    def attempt(fn):
        try:
            value = fn()
        except Exception as err:
            return {"error": type(err).__name__, "module": type(err).__module__, "message": str(err),
                    "file_not_found": isinstance(err, FileNotFoundError), "value_error": isinstance(err, ValueError)}
        return {"value": value}

    cases = {
        "main": lambda: AutoConfig.from_pretrained("org/tiny").model_type,
        "v2": lambda: [AutoConfig.from_pretrained("org/tiny", revision="v2").model_type,
                       type(AutoModel.from_pretrained("org/tiny", revision="v2")).__name__],
        "v2-by-commit": lambda: AutoConfig.from_pretrained("org/tiny", revision=V2_COMMIT).model_type,
        "unknown-revision": lambda: AutoConfig.from_pretrained("org/tiny", revision="no-such-branch"),
        "unknown-repo": lambda: AutoModel.from_pretrained("org/no-such-model"),
        "unknown-repo-tokenizer": lambda: AutoTokenizer.from_pretrained("org/no-such-model"),
        "no-main-branch": lambda: AutoConfig.from_pretrained("org/dev-only"),
        "subfolder": lambda: [AutoConfig.from_pretrained("org/nested", subfolder="encoder").model_type,
                              type(AutoModel.from_pretrained("org/nested", subfolder="encoder")).__name__],
        "no-config": lambda: AutoConfig.from_pretrained("org/no-config"),
        "vocab-only": lambda: (lambda tok: [type(tok).__name__, tok(HOBBIT)["input_ids"]])(
            AutoTokenizer.from_pretrained("org/vocab-only")),
    }
    print("RESULT:" + json.dumps({name: attempt(fn) for name, fn in cases.items()}))
"""


@pytest.fixture(scope="module")
def scenarios(tiny_checkpoint, minilm_dir, tmp_path_factory):
    bert, _ = tiny_checkpoint("bert", "AutoModel")
    distilbert, _ = tiny_checkpoint("distilbert", "AutoModel")
    vocab_only = tmp_path_factory.mktemp("vocab-only")
    for name in ("config.json", "vocab.txt"):  # no tokenizer.json, tokenizer_config.json or special_tokens_map.json
        (vocab_only / name).write_bytes((minilm_dir / name).read_bytes())
    no_config = tmp_path_factory.mktemp("no-config")
    (no_config / "README.md").write_text("weights only\n")
    nested = tmp_path_factory.mktemp("nested")
    (nested / "encoder").mkdir()
    for file in distilbert.iterdir():
        (nested / "encoder" / file.name).write_bytes(file.read_bytes())
    repos = {"org/tiny": {"main": bert, "v2": distilbert}, "org/vocab-only": {"main": vocab_only},
             "org/no-config": {"main": no_config}, "org/dev-only": {"dev": bert}, "org/nested": {"main": nested}}
    cache = tmp_path_factory.mktemp("hub-scenarios") / "hub"
    cache.mkdir()
    with FakeHub(repos) as fake:
        env = hub_env(fake.url, cache)
        result = run_script(SCENARIOS, env, prelude=f"V2_COMMIT = {commit_for('org/tiny', 'v2')!r}")
        requests = fake.requests
    return result, requests, cache


def test_revision_downloads_that_revision(scenarios):
    result, requests, cache = scenarios
    assert result["main"] == {"value": "bert"}
    assert result["v2"] == {"value": ["distilbert", "DistilBertModel"]}
    assert result["v2-by-commit"] == {"value": "distilbert"}
    assert ("GET", "/org/tiny/resolve/v2/model.safetensors") in requests
    assert ("GET", "/org/tiny/resolve/main/model.safetensors") not in requests  # main's config only
    repo = repo_cache(cache, "org/tiny")
    assert (repo / "refs" / "v2").read_text() == commit_for("org/tiny", "v2")
    v2 = repo / "snapshots" / commit_for("org/tiny", "v2")
    assert json.loads((v2 / "config.json").read_text())["model_type"] == "distilbert"
    assert (v2 / "model.safetensors").is_file()


def test_unknown_revision(scenarios):
    result, requests, _ = scenarios
    error = result["unknown-revision"]
    assert (error.get("module"), error.get("error")) == ("autotutor.errors", "RevisionNotFoundError"), error
    assert error["value_error"]
    assert "no-such-branch" in error["message"] and "org/tiny" in error["message"]
    assert "revision=" in error["message"]  # says what to pass instead
    assert ("HEAD", "/org/tiny/resolve/no-such-branch/config.json") in requests
    assert ("GET", "/org/tiny/resolve/no-such-branch/config.json") not in requests


def test_repository_without_a_main_branch(scenarios):
    result, requests, _ = scenarios
    error = result["no-main-branch"]
    assert error.get("error") == "RevisionNotFoundError", error
    assert ("HEAD", "/org/dev-only/resolve/main/config.json") in requests
    assert "'main'" in error["message"] and "None" not in error["message"]


def test_subfolder(scenarios):
    result, requests, cache = scenarios
    assert result["subfolder"] == {"value": ["distilbert", "DistilBertModel"]}
    assert ("GET", "/org/nested/resolve/main/encoder/config.json") in requests
    assert ("GET", "/org/nested/resolve/main/encoder/model.safetensors") in requests
    snapshot = repo_cache(cache, "org/nested") / "snapshots" / commit_for("org/nested", "main")
    assert (snapshot / "encoder" / "model.safetensors").is_file()


@pytest.mark.parametrize("case", ["unknown-repo", "unknown-repo-tokenizer"])
def test_unknown_repository(scenarios, case):
    result, requests, cache = scenarios
    error = result[case]
    assert (error.get("module"), error.get("error")) == ("autotutor.errors", "CheckpointNotFoundError"), error
    assert error["file_not_found"]  # `except FileNotFoundError:` catches it
    assert "org/no-such-model" in error["message"]
    assert "spelling" in error["message"] and "login" in error["message"]
    assert ("HEAD", "/org/no-such-model/resolve/main/config.json") in requests or \
        ("HEAD", "/org/no-such-model/resolve/main/tokenizer_config.json") in requests
    assert not any(method == "GET" and "no-such-model" in path for method, path in requests)
    assert not repo_cache(cache, "org/no-such-model").joinpath("snapshots").exists()


def test_repository_without_config(scenarios):
    result, _, _ = scenarios
    error = result["no-config"]
    assert error.get("error") == "ConfigError", error
    assert "org/no-config" in error["message"] and "config.json" in error["message"]


def test_optional_files_absent_on_the_hub(scenarios, minilm_dir):
    """tokenizer.json & co. answer 404 EntryNotFound: autotutor builds the tokenizer from vocab.txt instead."""
    result, requests, cache = scenarios
    assert result["vocab-only"] == {"value": ["BertTokenizer", HOBBIT_IDS]}, result["vocab-only"]
    prefix = "/org/vocab-only/resolve/main/"
    assert ("HEAD", prefix + "tokenizer.json") in requests
    assert ("GET", prefix + "tokenizer.json") not in requests
    assert ("GET", prefix + "vocab.txt") in requests
    # huggingface_hub remembers the absence, so an offline run knows the file does not exist.
    no_exist = repo_cache(cache, "org/vocab-only") / ".no_exist" / commit_for("org/vocab-only", "main")
    assert (no_exist / "tokenizer.json").exists()


# ---------------------------------------------------------------------------------------------------------------
# An HF_ENDPOINT that is not a Hub (a proxy or captive portal answering 200 with HTML)
# ---------------------------------------------------------------------------------------------------------------
def test_endpoint_that_is_not_a_hub(tmp_path):
    cache = tmp_path / "hub"
    cache.mkdir()
    with FakeHub({}, hub_headers=False) as fake:
        result = run_script("""
            from autotutor import AutoConfig
            try:
                AutoConfig.from_pretrained("org/anything")
            except Exception as err:
                print("RESULT:" + json.dumps({"error": type(err).__name__, "message": str(err),
                                              "file_not_found": isinstance(err, FileNotFoundError)}))
            else:
                print("RESULT:" + json.dumps({}))
        """, hub_env(fake.url, cache))
        requests = fake.requests
    assert result.get("error") == "CheckpointNotFoundError", result
    assert result["file_not_found"]
    assert "could not be reached" in result["message"] and "org/anything" in result["message"]
    # the reachability check, then one try, no GET of the HTML page
    assert requests == [("HEAD", "/"), ("HEAD", "/org/anything/resolve/main/config.json")]
    assert not any(cache.rglob("snapshots"))
