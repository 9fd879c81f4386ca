"""A JupyterLab server for the browser tests: on a free local port, with no token, serving a folder of lessons.

Nothing it does reaches the network or reads the user's Jupyter settings: its config, data, runtime, settings
and workspace folders live in a temporary folder, and `HF_HUB_OFFLINE=1` makes the lessons use the course pack.
Every wait is bounded, and `stop()` ends the server's whole process group (the server and its kernels), so a
failing test never leaves a server behind.

    server = LabServer.start(lessons=root, home=scratch)
    ...  # server.url("/lab/tree/en/01_autotokenizer.ipynb")
    server.stop()
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LabServer", "free_port", "lab_environment"]

START_TIMEOUT_S = 90.0  # a cold start on a busy 2-core machine takes 5–20 s
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3

# JupyterLab's own settings for the test: no news and no update checks (both would go to the network and open a
# notification over the notebook).
_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                      "checkForUpdates": False},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lab_environment(home: Path) -> dict[str, str]:
    """The server's environment: every Jupyter and IPython folder under `home`, the Hub offline, no lesson language.

    Without `AUTOTUTOR_LANG` a lesson takes its language from its folder (`en/`, `ar/`), which is what is tested.
    """
    env = {key: value for key, value in os.environ.items() if key != "AUTOTUTOR_LANG"}
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    for variable, name in folders.items():
        (home / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(home / name)
    env["HF_HUB_OFFLINE"] = "1"
    # The kernel spec says "python": put this interpreter's folder first, so the kernel is the one with autotutor.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for relative, values in _SETTINGS.items():
        file = home / "settings" / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values))
    return env


class PortTaken(OSError):
    """The port chosen was taken before the server could listen on it."""


@dataclass
class LabServer:
    """A running `jupyter lab`; `url(path)` gives a page of it, `stop()` ends it and its kernels."""

    port: int
    process: subprocess.Popen
    log: Path
    _cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        # No proxy, whatever the environment says: the server is on this machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   urllib.request.HTTPCookieProcessor(self._cookies))

    @classmethod
    def start(cls, *, lessons: Path, home: Path, timeout: float = START_TIMEOUT_S) -> LabServer:
        """Start JupyterLab serving `lessons`, with its settings under `home`; return once /api/status answers."""
        env = lab_environment(home)  # also creates `home`
        for attempt in range(1, PORT_ATTEMPTS + 1):
            server = cls._launch(lessons=lessons, env=env, log=home / f"jupyter-lab-{attempt}.log")
            try:
                server._wait_until_up(timeout)
                return server
            except PortTaken:
                continue  # another program took the free port between our look and the server's bind
            except BaseException:
                server.stop()
                raise
        raise RuntimeError(f"jupyter lab found no free port in {PORT_ATTEMPTS} tries; see the logs in {home}")

    @classmethod
    def _launch(cls, *, lessons: Path, env: dict[str, str], log: Path) -> LabServer:
        port = free_port()
        command = [
            sys.executable, "-m", "jupyterlab",
            "--ip=127.0.0.1", f"--port={port}", "--no-browser", "--allow-root",
            "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={lessons}",
            "--ServerApp.port_retries=0",  # another port would not be the one we wait on: fail, and try again
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        with log.open("wb") as out:
            # A session of its own, so that stop() can end the server and every kernel it started in one go.
            process = subprocess.Popen(command, cwd=lessons, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        return cls(port=port, process=process, log=log)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def api(self, path: str, *, method: str = "GET", timeout: float = 10.0) -> object:
        """Call the server's REST API (no token needed) and return the decoded JSON, or None for an empty answer.

        A request that changes something needs the server's `_xsrf` cookie sent back as a header, as JupyterLab's
        own page does; the cookie comes with any page of the server.
        """
        request = urllib.request.Request(self.url(path), method=method)
        if method != "GET":
            request.add_header("X-XSRFToken", self._xsrf_token(timeout))
        with self._opener.open(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def _xsrf_token(self, timeout: float) -> str:
        for _ in range(2):
            for cookie in self._cookies:
                if cookie.name == "_xsrf":
                    return cookie.value
            self._opener.open(self.url("/lab"), timeout=timeout).close()
        raise RuntimeError(f"jupyter lab on port {self.port} sent no _xsrf cookie with /lab")

    def shut_down_kernels(self) -> None:
        """End every notebook session, so a lesson's kernel does not keep its memory while the next one runs."""
        for session in self.api("/api/sessions") or []:
            self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "is already in use" in self.log_tail():
                    raise PortTaken(self.port)
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode} before answering; "
                                   f"its log ({self.log}) ends with:\n{self.log_tail()}")
            try:
                self.api("/api/status", timeout=2.0)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise TimeoutError(f"jupyter lab did not answer /api/status on port {self.port} within {timeout:.0f} s; "
                           f"its log ({self.log}) ends with:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it is still there after a few seconds."""
        if self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # The group may still hold a kernel whose parent already exited: make sure none outlives the test.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
