"""A classroom on one machine: N students start their servers at once and run two lessons each.

    make hub-load                                   # installs the hub extra and the proxy, then N = 5, 10, 20
    .venv/bin/python benchmarks/hub_load.py --students 2 --no-write     # a quick try

For each class size N this starts a fresh JupyterHub on 127.0.0.1 (free ports; dummy authenticator; the
SimpleLocalProcessSpawner, every student's home under benchmarks/_work/homes/<name>), creates N students and
asks the Hub's REST API to start all their servers at the same moment. Each student then opens the
AutoTokenizer lesson and the AutoBackbone lesson in their own server (a session and a kernel per lesson, as
JupyterLab does, see hub_kernel.py) and runs every cell. Measured per student:

- start time: from the spawn request to the Hub reporting the server ready;
- lesson time: from opening the notebook (the kernel starts) to the last cell's reply;
- memory: the peak resident memory (RSS) of the student's processes, the single-user server and its kernels
  together, sampled every half second from /proc; and, for the whole class, how far the machine's available
  memory fell (shared libraries are counted once there, in every student's RSS).

Both lessons' kernels stay alive until the student is done, as they do in JupyterLab when a student moves on
to the next notebook without shutting the first one down.

The course pack must be installed first (`autotutor pack install`): every student reads the same pack
(AUTOTUTOR_PACK_DIR points at it; AUTOTUTOR_USE_PACK=1 and HF_HUB_OFFLINE=1 keep every request on this
machine), and the script checks that no student rebuilt it. Every wait has a deadline, and the hub, the
servers and the kernels are stopped on the way out, also after an error or Ctrl-C.
Results go to benchmarks/RESULTS.md, between the `<!-- hub-load -->` markers (benchmarks/run.py keeps them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
HOMES = WORK / "homes"
PROXY_BIN = WORK / "node_modules" / ".bin" / "configurable-http-proxy"
RESULTS = HERE / "RESULTS.md"
START_MARK, END_MARK = "<!-- hub-load -->", "<!-- /hub-load -->"
LESSONS = [ROOT / "notebooks" / "en" / "01_autotokenizer.ipynb", ROOT / "notebooks" / "en" / "03_autobackbone.ipynb"]
MIN_AVAILABLE_MIB = 1536  # below this much free memory the run stops, before the machine starts to swap or kill
SAMPLE_EVERY = 0.5  # seconds between memory samples
MIB = 1024 * 1024

sys.path.insert(0, str(HERE))


# -- the machine ----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available_mib() -> float:
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:")) / 1024


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def settle(timeout: float = 180) -> None:
    """Let the last class's load fade (the 1-minute load average back to one per core), for at most `timeout` s.

    Others share this machine, so the load may never fall that far: the wait is bounded, and the load average
    before and after each class goes into the report either way."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] > (os.cpu_count() or 1) and time.monotonic() < deadline:
        time.sleep(5)


def pack_snapshot() -> dict[str, float]:
    """Every file of the installed pack and its modification time: equal before and after means untouched."""
    from autotutor.pack.store import pack_root

    root = pack_root()
    return {str(p.relative_to(root)): p.stat().st_mtime for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def check_ready() -> Path:
    """The tools and the pack are in place, else say what to run. Returns the pack's folder."""
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        sys.exit("JupyterHub is missing: run `make hub-load` (or `.venv/bin/pip install -e '.[hub]'`).")
    if not PROXY_BIN.exists():
        sys.exit(f"configurable-http-proxy is missing at {PROXY_BIN}: run `make hub-load` "
                 "(or `npm install --prefix benchmarks/_work configurable-http-proxy@5`).")
    from autotutor.course.pack_build import verify
    from autotutor.pack.store import pack_root

    problems = {name: found for name, found in verify().items() if found}
    if problems:
        sys.exit(f"The course pack in {pack_root()} is not ready ({problems}): run `autotutor pack install` first.")
    return pack_root()


# -- the hub --------------------------------------------------------------------------------------------------
_CONFIG = """\
# Written by benchmarks/hub_load.py for one load test; the hub listens on 127.0.0.1 only.
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy_bin!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///{db}"
c.JupyterHub.cookie_secret_file = {cookie!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = False  # students are created through the API; nobody logs in through the form
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {environment!r}
# 20 servers starting at once on 2 cores take far longer than the defaults allow (60 s and 30 s).
c.Spawner.start_timeout = {spawn_timeout}
c.Spawner.http_timeout = {spawn_timeout}
c.JupyterHub.services = [{{"name": "hub-load", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "hub-load",
    "scopes": ["admin:users", "admin:servers", "access:servers"],
    "services": ["hub-load"],
}}]
"""


@dataclass
class Hub:
    """One JupyterHub process (with its proxy), started in a fresh folder and stopped by `stop`."""

    folder: Path
    spawn_timeout: int
    pack_dir: Path
    token: str = field(default_factory=lambda: secrets.token_hex(32))
    hub_port: int = field(default_factory=free_port)
    proxy_port: int = field(default_factory=free_port)
    proxy_api_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    # Every process the hub started, to stop stragglers. psutil's Process objects remember each process's start
    # time, so a number the system has since given to someone else's process is never signalled.
    seen: dict[tuple[int, float], Any] = field(default_factory=dict)

    @property
    def hub_api(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}/hub/api"

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        environment = {
            "AUTOTUTOR_PACK_DIR": str(self.pack_dir),  # one shared pack; never a per-student copy in ~/.cache
            "AUTOTUTOR_USE_PACK": "1",  # the pack answers for the lessons' Hub ids, as in a classroom
            "HF_HUB_OFFLINE": "1",  # and nothing tries the network
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
        config = _CONFIG.format(
            proxy_port=self.proxy_port, hub_port=self.hub_port, proxy_api_port=self.proxy_api_port,
            proxy_bin=str(PROXY_BIN), pid_file=str(self.folder / "proxy.pid"), db=self.folder / "jupyterhub.sqlite",
            cookie=str(self.folder / "cookie_secret"), homes=str(HOMES),
            singleuser=str(Path(sys.executable).parent / "jupyterhub-singleuser"),
            args=["--allow-root"] if os.geteuid() == 0 else [], environment=environment,
            spawn_timeout=self.spawn_timeout, token=self.token,
        )
        (self.folder / "jupyterhub_config.py").write_text(config, encoding="utf-8")
        log = open(self.folder / "hub.log", "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOTUTOR_", "JUPYTERHUB_"))}
        env["PATH"] = environment["PATH"]
        env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(32)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.folder / "jupyterhub_config.py")],
            cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,  # its own process group, so that Ctrl-C here reaches it only through stop()
        )
        log.close()

    def remember_children(self) -> None:
        import psutil

        if self.process is None:
            return
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for child in children:
            try:
                self.seen.setdefault((child.pid, child.create_time()), child)
            except psutil.NoSuchProcess:
                pass

    def stop(self) -> None:
        """SIGTERM the hub (it stops every server and the proxy itself), then kill whatever it left behind."""
        import psutil

        if self.process is None:
            return
        self.remember_children()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Servers run in sessions of their own and kernels are their children: end any that outlived the hub.
        leftovers = []
        for proc in self.seen.values():
            try:
                proc.terminate()  # raises NoSuchProcess if this one has ended, even if its number was reused
                leftovers.append(proc)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(leftovers, timeout=15)
        for proc in alive:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        self.process = None


async def hub_request(hub: Hub, method: str, path: str, body: Any = None, *, timeout: float = 60) -> Any:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest

    request = HTTPRequest(f"{hub.hub_api}{path}", method=method, body=None if body is None else json.dumps(body),
                          headers={"Authorization": f"token {hub.token}"}, request_timeout=timeout,
                          allow_nonstandard_methods=True)
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    if response.code >= 400:
        raise RuntimeError(f"{method} {path}: HTTP {response.code} {response.body[:300]!r}")
    return json.loads(response.body) if response.body else None


async def wait_for_hub(hub: Hub, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.process is not None and hub.process.poll() is not None:
            raise RuntimeError(f"the hub exited with code {hub.process.returncode}; see {hub.folder / 'hub.log'}")
        try:
            await hub_request(hub, "GET", "/", timeout=5)
            return
        except Exception:
            await asyncio.sleep(0.5)
    raise TimeoutError(f"the hub did not answer within {timeout:.0f} s; see {hub.folder / 'hub.log'}")


# -- one student ----------------------------------------------------------------------------------------------
@dataclass
class Student:
    name: str
    start_seconds: float | None = None
    start_error: str | None = None
    lessons: list[dict[str, Any]] = field(default_factory=list)
    server_pid: int | None = None
    peak_rss_mib: float = 0.0  # the largest sampled sum over the server and its kernels
    processes: int = 0


async def spawn(hub: Hub, student: Student, timeout: float) -> None:
    """Ask the Hub for the student's server and wait until the Hub says it is ready."""
    started = time.perf_counter()
    try:
        await hub_request(hub, "POST", f"/users/{student.name}/server", timeout=timeout)
        deadline = time.monotonic() + timeout
        while True:
            model = await hub_request(hub, "GET", f"/users/{student.name}", timeout=60)
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                student.start_seconds = time.perf_counter() - started
                student.server_pid = (server.get("state") or {}).get("pid")
                return
            if server is None and time.perf_counter() - started > 5:
                raise RuntimeError("the server stopped while starting; see the hub log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s")
            await asyncio.sleep(0.5)
    except Exception as err:
        student.start_error = f"{type(err).__name__}: {err}"


async def take_lessons(hub: Hub, student: Student, lesson_timeout: float) -> None:
    from hub_kernel import ServerClient

    client = ServerClient(hub.proxy_url, student.name, hub.token)
    for lesson in LESSONS:
        run = await client.run_lesson(lesson, f"notebooks/en/{lesson.name}", timeout=lesson_timeout)
        student.lessons.append(asdict(run) | {"ok": run.ok})
        if not run.ok:
            break


def process_tree(pid: int | None) -> list[Any]:
    import psutil

    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


async def sample_memory(hub: Hub, students: list[Student], stop: asyncio.Event, low: dict[str, float]) -> None:
    """Every SAMPLE_EVERY s: each student's RSS (server + kernels) and the machine's available memory."""
    import psutil

    while not stop.is_set():
        hub.remember_children()
        low["available_mib"] = min(low["available_mib"], available_mib())
        for student in students:
            total, count = 0, 0
            for proc in process_tree(student.server_pid):
                try:
                    total += proc.memory_info().rss
                    count += 1
                except psutil.NoSuchProcess:
                    pass
            if total / MIB > student.peak_rss_mib:
                student.peak_rss_mib, student.processes = total / MIB, count
        if low["available_mib"] < MIN_AVAILABLE_MIB:
            low["aborted"] = 1
            stop.set()
            return
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)
        except asyncio.TimeoutError:
            pass


# -- one class ------------------------------------------------------------------------------------------------
async def run_class(n: int, pack_dir: Path, *, spawn_timeout: int, lesson_timeout: int) -> dict[str, Any]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=4 * n + 10)  # tornado's default of 10 would queue students
    names = [f"student{i:02d}" for i in range(1, n + 1)]
    shutil.rmtree(HOMES, ignore_errors=True)
    for name in names:  # each student gets their own copy of the lessons, as nbgitpuller or a clone would give
        lessons_dir = HOMES / name / "notebooks" / "en"
        lessons_dir.mkdir(parents=True)
        for lesson in LESSONS:
            shutil.copy(lesson, lessons_dir / lesson.name)
    folder = WORK / f"hub-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    hub = Hub(folder, spawn_timeout, pack_dir)
    students = [Student(name) for name in names]
    result: dict[str, Any] = {"students": n, "load_before": load_average(), "available_before_mib": available_mib()}
    low = {"available_mib": result["available_before_mib"]}
    stop = asyncio.Event()
    started = time.perf_counter()
    try:
        hub.start()
        await wait_for_hub(hub)
        await hub_request(hub, "POST", "/users", {"usernames": names})
        sampler = asyncio.create_task(sample_memory(hub, students, stop, low))
        await asyncio.gather(*(spawn(hub, s, spawn_timeout) for s in students))  # all at the same moment

        async def lessons_or_abort() -> None:
            work = asyncio.gather(*(take_lessons(hub, s, lesson_timeout) for s in students if s.start_error is None))
            stopped = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:  # low memory or Ctrl-C: cancel what still runs, and collect it, so nothing is left pending
                work.cancel()
                stopped.cancel()
                await asyncio.gather(work, stopped, return_exceptions=True)

        await lessons_or_abort()
        stop.set()
        await sampler
    finally:
        stop.set()
        result["seconds"] = time.perf_counter() - started
        hub.stop()
    result["load_after"] = load_average()
    result["class_memory_mib"] = result["available_before_mib"] - low["available_mib"]
    result["aborted_low_memory"] = bool(low.get("aborted"))
    result["per_student"] = [asdict(s) for s in students]
    result["rebuilt_pack_in_homes"] = sorted(str(p.relative_to(HOMES)) for p in HOMES.glob("*/.cache/autotutor"))
    return result


# -- report ---------------------------------------------------------------------------------------------------
def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {max(values):.1f}" if values else "n/a"


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    students = result["per_student"]
    started = [s["start_seconds"] for s in students if s["start_seconds"] is not None]
    by_lesson: dict[str, list[float]] = {lesson.name: [] for lesson in LESSONS}
    failures = []
    for s in students:
        if s["start_error"]:
            failures.append(f"{s['name']}: start: {s['start_error']}")
        for run in s["lessons"]:
            if run["ok"]:
                by_lesson[run["lesson"]].append(run["seconds"])
            else:
                failures.append(f"{s['name']}: {run['lesson']}: {run['error']}")
    memory = [s["peak_rss_mib"] for s in students if s["peak_rss_mib"]]
    return {"started": started, "by_lesson": by_lesson, "memory": memory, "failures": failures}


def recommend(results: list[dict[str, Any]]) -> tuple[int, int]:
    """(guarantee, limit) in MiB per student: the median and the largest peak RSS seen, with headroom."""
    memory = [m for r in results for m in summarise(r)["memory"]]
    if not memory:
        return 0, 0

    def round_up(mib: float) -> int:
        return int(-(-mib // 256) * 256)

    return round_up(statistics.median(memory)), round_up(max(memory) * 1.25)


def markdown(results: list[dict[str, Any]], machine: str, stamp: str, pack_untouched: bool) -> str:
    guarantee, limit = recommend(results)
    shared = max(r["class_memory_mib"] / r["students"] for r in results)
    lines = [
        START_MARK,
        "## Many students on one JupyterHub (`make hub-load`)",
        "",
        f"Measured {stamp} with `benchmarks/hub_load.py` on {machine}, shared with other work. For each class",
        "size a fresh local JupyterHub (dummy authenticator, SimpleLocalProcessSpawner) starts every student's",
        "server at once through its REST API; each student then runs the AutoTokenizer and the AutoBackbone",
        "lessons (notebooks/en/01 and 03), every cell, in kernels of their own server, through the hub's proxy.",
        "Both kernels stay alive until the student is done. All students read one shared course pack.",
        "Figures are median / max over the students, in seconds and MiB.",
        "",
        "| students | server start (s) | AutoTokenizer lesson (s) | AutoBackbone lesson (s) | peak RSS per student (MiB) "
        "| whole run (s) | machine memory used by the class (MiB) | load average before → after | failures |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = summarise(r)
        tok, bb = (s["by_lesson"][lesson.name] for lesson in LESSONS)
        lines.append(
            f"| {r['students']} | {_stats(s['started'])} | {_stats(tok)} | {_stats(bb)} | {_stats(s['memory'])} "
            f"| {r['seconds']:.0f} | {r['class_memory_mib']:.0f} ({r['class_memory_mib'] / r['students']:.0f} per student) "
            f"| {r['load_before']} → {r['load_after']} | {len(s['failures'])} |"
        )
    cores = os.cpu_count() or 1
    busy = [f"{r['students']} ({r['load_before'].split(' / ')[0]})" for r in results
            if float(r["load_before"].split(" / ")[0]) > cores]
    failures = [f for r in results for f in summarise(r)["failures"]]
    rebuilt = [p for r in results for p in r["rebuilt_pack_in_homes"]]
    lines += [
        "",
        "Lesson times include starting the kernel. A student's peak RSS adds up the single-user server (JupyterLab)",
        "and the two kernels, each counting the shared libraries (torch) it maps; the machine's own figure (the",
        "fall in available memory over the run) counts those once, which is why it is lower per student.",
        *([f"Some classes started while other work already kept the {cores} cores busy (class size and 1-minute load "
           f"average: {', '.join(busy)}), which makes their times longer than on an idle machine."] if busy else []),
        "The shared pack was left untouched by every run (the same files with the same times before and after)"
        if pack_untouched else "The shared pack CHANGED during the run: a student's server rebuilt it",
        f"and no student built a copy of their own{': but some did: ' + ', '.join(rebuilt) if rebuilt else ''}.",
        "",
        f"**Per student, plan for {guarantee} MiB guaranteed and a limit of {limit} MiB.** The guarantee is the",
        "median peak RSS rounded up to 256 MiB: what a student running these two lessons really holds. The limit is",
        "the largest peak seen plus a quarter, rounded up: room for a third open lesson or a larger batch before the",
        "kernel is killed. On one shared server (TLJH) RSS overcounts, since students share the library pages: the",
        f"machine's own figure is the better guide there, at most {shared:.0f} MiB per student in these runs, plus",
        "2 GiB for the system and the hub. That figure moves with whatever else the machine was running.",
    ]
    lines += _cpu_note(results)
    if failures:
        lines += ["", "Failures:", ""] + [f"- {f}" for f in failures]
    lines.append(END_MARK)
    return "\n".join(lines)


def _cpu_note(results: list[dict[str, Any]]) -> list[str]:
    """How each lesson's time grew with the class: on a small machine the cores run out long before the memory."""
    ran = [r for r in results if all(summarise(r)["by_lesson"].values())]
    if len(ran) < 2:
        return []
    first, last = ran[0], ran[-1]
    grew = []
    for lesson in LESSONS:
        t0, t1 = (statistics.median(summarise(r)["by_lesson"][lesson.name]) for r in (first, last))
        grew.append(f"from {t0:.0f} s to {t1:.0f} s for {lesson.name} ({t1 / t0:.1f}×)")
    return [
        "",
        f"The cores, not the memory, are what runs out: from {first['students']} to {last['students']} students the "
        "median lesson time went",
        f"{' and '.join(grew)}, and the whole class took {last['seconds']:.0f} s,",
        "as every kernel imports torch and runs its model at the same moment. A classroom where everyone presses Run",
        "together needs more cores as much as more memory.",
    ]


def write_results(section: str) -> None:
    """Replace the marked hub section of RESULTS.md (or append it); the rest of the file is left as it is."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (from `timeout`, say) unwinds like Ctrl-C, through every `finally` that stops the hub."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, nargs="+", default=[5, 10, 20], help="class sizes to run, in order")
    parser.add_argument("--spawn-timeout", type=int, default=600, help="seconds a server may take to start")
    parser.add_argument("--lesson-timeout", type=int, default=1200, help="seconds one lesson may take, kernel start included")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    parser.add_argument("--report-only", action="store_true",
                        help="write RESULTS.md again from the last full run's benchmarks/_work/hub_load.json; run nothing")
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads((WORK / "hub_load.json").read_text(encoding="utf-8"))
        section = markdown(saved["results"], saved["machine"], saved["measured"], saved["pack_untouched"])
        print(section)
        if not args.no_write:
            write_results(section)
        return

    pack_dir = check_ready()
    before = pack_snapshot()
    import platform

    import psutil
    import torch

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 1024 ** 3:.0f} GiB, "
               f"Python {platform.python_version()}, torch {torch.__version__}")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = []
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started in the background
    for i, n in enumerate(args.students):
        if i:
            settle()
        print(f"{n} students: starting (load average {load_average()})", flush=True)
        try:
            result = asyncio.run(run_class(n, pack_dir, spawn_timeout=args.spawn_timeout, lesson_timeout=args.lesson_timeout))
        except KeyboardInterrupt:
            sys.exit(f"Interrupted during the class of {n}: its hub, servers and kernels have been stopped.")
        s = summarise(result)
        print(f"{n} students: start {_stats(s['started'])} s, lessons "
              + ", ".join(f"{k} {_stats(v)} s" for k, v in s["by_lesson"].items())
              + f", peak RSS {_stats(s['memory'])} MiB, {len(s['failures'])} failures, {result['seconds']:.0f} s"
              + f" (load average {result['load_before']} → {result['load_after']})", flush=True)
        for failure in s["failures"]:
            print("   ", failure)
        results.append(result)
        if result["aborted_low_memory"]:
            print(f"stopped: the machine's available memory fell below {MIN_AVAILABLE_MIB} MiB")
            break
    untouched = pack_snapshot() == before
    saved = {"machine": machine, "measured": stamp, "pack_untouched": untouched, "results": results}
    # A try (--no-write) keeps its figures apart, so that --report-only always finds those behind RESULTS.md.
    (WORK / ("hub_load.try.json" if args.no_write else "hub_load.json")).write_text(json.dumps(saved, indent=1),
                                                                                   encoding="utf-8")
    if not untouched:
        sys.exit("The shared course pack changed during the run: a student's server rebuilt it.")
    section = markdown(results, machine, stamp, untouched)
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
