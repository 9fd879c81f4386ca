"""Run a lesson's code cells in a kernel of one student's server, the way JupyterLab does it.

JupyterLab opens a lesson by creating a *session* (POST /user/<name>/api/sessions: the server starts a kernel
in the notebook's folder), then talks to that kernel over a websocket (/api/kernels/<id>/channels), sending one
`execute_request` per cell and reading the replies. This module does the same through the hub's proxy, so
every cell runs in the student's own single-user server, with the student's environment and home folder.

Only the kernel messaging protocol's plain JSON form is used (no subprotocol is asked for), which every
jupyter_server 2.x accepts. Every wait has a deadline: a lesson that takes longer is reported, not waited for.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

__all__ = ["LessonRun", "ServerClient", "code_cells"]


def code_cells(notebook: Path) -> list[str]:
    """The source of every non-empty code cell of a notebook, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = ("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells
               if c["cell_type"] == "code")
    return [s for s in sources if s.strip()]


@dataclass
class LessonRun:
    """What happened when one lesson ran for one student."""

    lesson: str
    seconds: float = 0.0
    cells_run: int = 0
    cells_total: int = 0
    error: str | None = None  # the first failure ("NameError: ...", "timed out after 900 s"), or None
    kernel_id: str | None = None
    session_id: str | None = None
    outputs: int = 0  # display/stream messages received: a lesson that prints nothing has not really run

    @property
    def ok(self) -> bool:
        return self.error is None and self.cells_run == self.cells_total


@dataclass
class ServerClient:
    """Talks to one student's single-user server through the hub's proxy, with an API token."""

    proxy_url: str  # http://127.0.0.1:<port>
    user: str
    token: str
    request_timeout: float = 120.0
    sessions: list[str] = field(default_factory=list)  # to delete at the end, whatever happened

    @property
    def base(self) -> str:
        return f"{self.proxy_url}/user/{self.user}"

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        request = HTTPRequest(
            f"{self.base}{path}", method=method, body=None if body is None else json.dumps(body),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            request_timeout=self.request_timeout, connect_timeout=30, follow_redirects=False,
            allow_nonstandard_methods=True,
        )
        response = await AsyncHTTPClient().fetch(request)
        return json.loads(response.body) if response.body else None

    async def start_session(self, notebook_path: str) -> tuple[str, str]:
        """Open a notebook as JupyterLab does; the kernel starts in the notebook's folder. (session id, kernel id)"""
        model = await self._request("POST", "/api/sessions", {
            "path": notebook_path, "name": Path(notebook_path).name, "type": "notebook",
            "kernel": {"name": "python3"},
        })
        self.sessions.append(model["id"])
        return model["id"], model["kernel"]["id"]

    async def delete_session(self, session_id: str) -> None:
        """Close the notebook and shut its kernel down."""
        await self._request("DELETE", f"/api/sessions/{session_id}")
        if session_id in self.sessions:
            self.sessions.remove(session_id)

    async def run_lesson(self, notebook: Path, notebook_path: str, *, timeout: float) -> LessonRun:
        """Run every code cell of `notebook` (a copy of which sits at `notebook_path` in the student's home).

        The time counts from the request that opens the notebook to the last cell's reply, so it includes the
        kernel's start, as a student waits for it.
        """
        cells = code_cells(notebook)
        run = LessonRun(lesson=notebook.name, cells_total=len(cells))
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self._run(cells, notebook_path, run), timeout)
        except asyncio.TimeoutError:
            run.error = f"timed out after {timeout:.0f} s ({run.cells_run} of {run.cells_total} cells done)"
        except Exception as err:  # reported per student; the load test goes on with the others
            run.error = f"{type(err).__name__}: {err}"
        run.seconds = time.perf_counter() - started
        return run

    async def _run(self, cells: list[str], notebook_path: str, run: LessonRun) -> None:
        run.session_id, run.kernel_id = await self.start_session(notebook_path)
        url = f"{self.base}/api/kernels/{run.kernel_id}/channels".replace("http://", "ws://", 1)
        request = HTTPRequest(url, headers={"Authorization": f"token {self.token}"}, connect_timeout=60,
                              request_timeout=60)
        ws = await websocket_connect(request, max_message_size=256 * 1024 * 1024)
        try:
            session = uuid.uuid4().hex
            await _request_reply(ws, session, "kernel_info_request", {}, run)  # the kernel is up and answering
            for source in cells:
                reply = await _request_reply(ws, session, "execute_request", {
                    "code": source, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True,
                }, run)
                if reply["content"]["status"] != "ok":
                    content = reply["content"]
                    run.error = f"cell {run.cells_run + 1}: {content.get('ename')}: {content.get('evalue')}"
                    return
                run.cells_run += 1
        finally:
            ws.close()


def _message(session: str, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "student",
                   "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "content": content, "buffers": [], "channel": "shell",
    }


def _decode(raw: str | bytes) -> dict[str, Any]:
    """A message as the server sends it: JSON text, or (for messages with binary buffers, such as a widget's
    image) a binary frame: uint32 count n, then n uint32 offsets, the first part being the JSON message."""
    if isinstance(raw, str):
        return json.loads(raw)
    count = int.from_bytes(raw[:4], "big")
    offsets = [int.from_bytes(raw[4 * (i + 1):4 * (i + 2)], "big") for i in range(count)]
    end = offsets[1] if count > 1 else len(raw)
    return json.loads(raw[offsets[0]:end])


async def _request_reply(ws: WebSocketClientConnection, session: str, msg_type: str, content: dict[str, Any],
                         run: LessonRun) -> dict[str, Any]:
    """Send one shell request; return its reply once the kernel is idle again (all its output has arrived)."""
    message = _message(session, msg_type, content)
    msg_id = message["header"]["msg_id"]
    await ws.write_message(json.dumps(message))
    reply: dict[str, Any] | None = None
    idle = False
    while reply is None or not idle:
        raw = await ws.read_message()  # the caller's deadline bounds this loop
        if raw is None:
            raise ConnectionError("the kernel's websocket closed (did the kernel die? see the hub log)")
        incoming = _decode(raw)
        if incoming.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = incoming["header"]["msg_type"]
        if kind == msg_type.replace("_request", "_reply"):
            reply = incoming
        elif kind == "status" and incoming["content"].get("execution_state") == "idle":
            idle = True
        elif kind in {"stream", "display_data", "execute_result", "error"}:
            run.outputs += 1
    return reply
