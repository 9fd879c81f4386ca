"""A tiny fake Hugging Face Hub: just enough HTTP for `huggingface_hub.hf_hub_download`.

    with FakeHub({"org/name": {"main": folder, "v2": other_folder}}) as hub:
        # point a *fresh* process at it: HF_ENDPOINT=hub.url (huggingface_hub reads it at import)
        ...
    hub.requests  # [("HEAD", "/org/name/resolve/main/config.json"), ("GET", ...), ...]

What a real Hub answers, and what this one answers the same way:

* `HEAD|GET /{org}/{name}/resolve/{revision}/{path}` → 200 with the file (GET) and the headers huggingface_hub
  needs: `X-Repo-Commit` (a 40-hex commit), `ETag` (the git blob sha1, quoted), `Content-Length`. Weights
  (`*.safetensors`, `*.bin`, `*.pt`, `*.h5`) are "LFS files": they also get `X-Linked-Etag` (their sha256)
  and `X-Linked-Size`, so huggingface_hub names their blob by sha256 as it does for real downloads.
  No `X-Xet-*` header and no `Link` header are ever sent, so the plain HTTP download path is used.
* unknown repository → 401 `X-Error-Code: RepoNotFound` (the real Hub hides private repos behind a 401);
  unknown revision → 404 `X-Error-Code: RevisionNotFound`; unknown file → 404 `X-Error-Code: EntryNotFound`
  with `X-Repo-Commit` (huggingface_hub then caches the absence under `.no_exist/`).
* `GET /api/models/{org}/{name}[/revision/{revision}]` → a minimal model_info JSON (sha, siblings).
* `GET /api/models/{org}/{name}/tree/{revision}[/{path}]` → a minimal tree listing.
* anything else → 404 without error code.

`FakeHub(..., hub_headers=False)` instead answers every request like a plain web server (a proxy or a captive
portal would): 200 with an HTML page and none of the Hub headers.

The server binds to 127.0.0.1 only, on a free port, serves from daemon threads, and stops when the `with`
block ends, or by itself after `lifetime` seconds at the latest, whichever comes first.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["FakeHub", "commit_for"]

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".h5", ".msgpack", ".onnx")


def commit_for(repo_id: str, revision: str) -> str:
    """The (deterministic) commit hash the fake Hub reports for `repo_id` at branch/tag `revision`."""
    return hashlib.sha1(f"fake-hub:{repo_id}@{revision}".encode()).hexdigest()


def _git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 30  # seconds a connection may stay silent before it is dropped: no thread hangs forever

    # -- plumbing -------------------------------------------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep the test output quiet
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(send_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(send_body=True)

    def _reply(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def _error(self, status: int, code: str | None, message: str, send_body: bool, **extra: str) -> None:
        headers = {"Content-Type": "application/json", **extra}
        if code is not None:
            headers["X-Error-Code"] = code
        headers["X-Error-Message"] = message
        self._reply(status, headers, json.dumps({"error": message}).encode(), send_body)

    def _json(self, data, send_body: bool, **extra: str) -> None:
        self._reply(200, {"Content-Type": "application/json", **extra}, json.dumps(data).encode(), send_body)

    # -- routing --------------------------------------------------------------------------------------------
    def _answer(self, *, send_body: bool) -> None:
        hub: FakeHub = self.server.hub
        path = urlsplit(self.path).path
        hub._record(self.command, path, dict(self.headers))
        if not hub.hub_headers:
            self._reply(200, {"Content-Type": "text/html"}, b"<html>Please log in to the Wi-Fi</html>", send_body)
            return
        parts = [unquote(p) for p in path.strip("/").split("/")]

        if len(parts) >= 4 and parts[2] == "resolve":
            self._resolve(f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]), send_body)
        elif len(parts) >= 4 and parts[0] == "api" and parts[1] == "models":
            self._api(f"{parts[2]}/{parts[3]}", parts[4:], send_body)
        else:
            self._error(404, None, f"Not found: {path}", send_body)

    def _lookup(self, repo_id: str, revision: str, send_body: bool) -> tuple[Path, str] | None:
        """(folder, commit) of `repo_id` at `revision`, or None after answering with the right error."""
        hub: FakeHub = self.server.hub
        revisions = hub.repos.get(repo_id)
        if revisions is None:
            self._error(401, "RepoNotFound", "Repository not found", send_body)
            return None
        for name, folder in revisions.items():
            commit = commit_for(repo_id, name)
            if revision in (name, commit):
                return Path(folder), commit
        self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}", send_body)
        return None

    def _resolve(self, repo_id: str, revision: str, filename: str, send_body: bool) -> None:
        found = self._lookup(repo_id, revision, send_body)
        if found is None:
            return
        folder, commit = found
        file = (folder / filename).resolve()
        if not filename or not file.is_file() or not file.is_relative_to(folder.resolve()):
            self._error(404, "EntryNotFound", "Entry not found", send_body, **{"X-Repo-Commit": commit})
            return
        data = file.read_bytes()
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Repo-Commit": commit,
            "ETag": f'"{_git_blob_sha1(data)}"',
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'inline; filename="{file.name}";',
        }
        if file.name.endswith(LFS_SUFFIXES):
            headers["X-Linked-Etag"] = f'"{hashlib.sha256(data).hexdigest()}"'
            headers["X-Linked-Size"] = str(len(data))
        self._reply(200, headers, data, send_body)

    def _api(self, repo_id: str, rest: list[str], send_body: bool) -> None:
        if rest[:1] == ["revision"] and len(rest) >= 2:
            revision, kind, sub = "/".join(rest[1:]), "info", ""
        elif rest[:1] == ["tree"] and len(rest) >= 2:
            revision, kind, sub = rest[1], "tree", "/".join(rest[2:])
        elif not rest:
            revision, kind, sub = "main", "info", ""
        else:
            self._error(404, None, "Not found", send_body)
            return
        found = self._lookup(repo_id, revision, send_body)
        if found is None:
            return
        folder, commit = found
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        if kind == "info":
            self._json({"id": repo_id, "modelId": repo_id, "sha": commit, "private": False, "gated": False,
                        "siblings": [{"rfilename": p.relative_to(folder).as_posix()} for p in files]},
                       send_body, **{"X-Repo-Commit": commit})
            return
        base = folder / sub
        if not base.is_dir():
            self._error(404, "EntryNotFound", f"{sub} does not exist on \"{revision}\"", send_body)
            return
        entries = []
        for p in sorted(base.iterdir()):
            rel = p.relative_to(folder).as_posix()
            if p.is_dir():
                entries.append({"type": "directory", "oid": commit, "size": 0, "path": rel})
            else:
                data = p.read_bytes()
                entries.append({"type": "file", "oid": _git_blob_sha1(data), "size": len(data), "path": rel})
        self._json(entries, send_body, **{"X-Repo-Commit": commit})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    hub: FakeHub


class FakeHub:
    """A fake Hub serving `repos` = {"org/name": {"main": folder, "v2": other_folder, ...}} on 127.0.0.1."""

    def __init__(self, repos: dict[str, dict[str, str | Path]], *, lifetime: float = 120.0,
                 hub_headers: bool = True) -> None:
        self.hub_headers = hub_headers  # False: answer like a plain web server (a proxy or captive portal), not a Hub
        self.repos = {repo: {rev: Path(folder) for rev, folder in revs.items()} for repo, revs in repos.items()}
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._log: list[tuple[str, str, dict[str, str]]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # -- what tests look at -----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "the fake Hub is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every (method, path) received so far, in order."""
        with self._lock:
            return [(method, path) for method, path, _ in self._log]

    @property
    def request_headers(self) -> list[dict[str, str]]:
        with self._lock:
            return [headers for _, _, headers in self._log]

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path in self.requests if method is None or m == method]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._log.append((method, path, headers))

    # -- lifetime ---------------------------------------------------------------------------------------------
    def start(self) -> FakeHub:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)  # 127.0.0.1 only, port chosen by the OS
        server.hub = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-hub", daemon=True)
        self._thread.start()
        # Whatever happens to the test, the server does not outlive `lifetime` seconds.
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    @property
    def running(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        with self._lock:
            server, thread, timer = self._server, self._thread, self._timer
            self._server = self._thread = self._timer = None
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
