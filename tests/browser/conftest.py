"""Real-browser fixtures: Debian's chromium, driven by Playwright for Python (no browser download).

Screenshots and other artefacts go to `tests/browser/artifacts/` (ignored by git), so a run leaves them to look at.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "browser" / "artifacts"
SITE = ROOT / "book" / "_build" / "html"  # the course website, as `make book` builds it
SITE_LANGUAGES = ("en", "fr", "ar")
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags, chromium keeps trying to reach Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session."""
    executable = shutil.which("chromium") or CHROMIUM
    if not Path(executable).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser-deps` (Debian package `chromium`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and failed requests in `page.problems`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    new_page = context.new_page()
    problems: list[str] = []
    new_page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    new_page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    new_page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url} ({req.failure})"))
    new_page.problems = problems
    yield new_page
    context.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """The built site over http on a free port of 127.0.0.1; its base URL."""
    missing = [str(path.relative_to(ROOT)) for path in [SITE / "index.html", *(SITE / lang / "index.html"
                                                                           for lang in SITE_LANGUAGES)]
               if not path.is_file()]
    if missing:
        pytest.fail(f"The course website is not built ({', '.join(missing)} missing): run `make book` first.")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
