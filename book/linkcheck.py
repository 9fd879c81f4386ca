"""Checks of a built site: every relative link resolves, and nothing is loaded from another host.

    python book/linkcheck.py book/_build/html      # lists each broken link; exit status 1 if any

`check_site` walks every page (.html file) under the site's root and follows each relative `href` and `src`: the
file must exist (a folder means its index.html), and a `#fragment` must be an `id` (or an `<a name>`) of the
target page. Links to other hosts (`https:`, `mailto:`, ...) are not followed: the site must work offline,
and `external_assets` lists the scripts and stylesheets that would come from another host. Files under a
`_static/` folder are assets copied as they are, not pages: the themes ship Jinja macro files there that end
in .html.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["Reference", "check_site", "external_assets", "pages"]

# The attributes that point at another file, per tag. (`<link rel=preload>` and `rel=stylesheet` alike.)
_LINK_ATTRIBUTES = {
    "a": "href", "link": "href", "area": "href",
    "script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
    "track": "src", "embed": "src",
}


@dataclass(frozen=True)
class Reference:
    """A link of a page that does not work: the page, the href/src as written, and why."""

    page: Path
    reference: str
    reason: str


class _PageParser(HTMLParser):
    """The links (tag, attribute value) and the anchors (ids, `<a name>`) of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, value, rel)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.anchors.add(values["id"])
        if tag == "a" and "name" in values:
            self.anchors.add(values["name"])
        attribute = _LINK_ATTRIBUTES.get(tag)
        if attribute and values.get(attribute):
            self.links.append((tag, values[attribute].strip(), values.get("rel", "")))

    handle_startendtag = handle_starttag


def pages(root: Path) -> list[Path]:
    """The site's pages: its .html files, outside the `_static/` asset folders."""
    return sorted(page for page in Path(root).rglob("*.html") if "_static" not in page.relative_to(root).parts)


@lru_cache(maxsize=None)
def _parse(page: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def _is_external(reference: str) -> bool:
    """`https://…`, `mailto:…`, `data:…`, `//host/…`: not a file of the site."""
    parts = urlsplit(reference)
    return bool(parts.scheme) or reference.startswith("//")


def _target(root: Path, page: Path, path: str) -> Path:
    """The file a relative (or site-absolute `/…`) path points at; a folder means its index.html."""
    base = root if path.startswith("/") else page.parent
    target = (base / unquote(path).lstrip("/")).resolve() if path else page
    return target / "index.html" if target.is_dir() else target


def _page_problems(root: Path, page: Path) -> list[Reference]:
    problems = []
    for _tag, reference, _rel in _parse(page).links:
        if _is_external(reference) or reference.startswith("javascript:"):
            continue
        parts = urlsplit(reference)
        target = _target(root, page, parts.path)
        if not target.resolve().is_relative_to(root.resolve()):
            problems.append(Reference(page, reference, "points outside the site"))
        elif not target.is_file():
            problems.append(Reference(page, reference, f"no file {target.relative_to(root.resolve())}"))
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(target).anchors:
            problems.append(Reference(page, reference, f"no id {unquote(parts.fragment)!r} in that page"))
    return problems


def check_site(root: Path) -> list[Reference]:
    """Every relative href/src of every page under `root` that does not resolve (empty when all is well)."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"No site at {root}: build it first (`make book`).")
    _parse.cache_clear()  # pages change between builds
    problems: list[Reference] = []
    for page in pages(root):
        problems.extend(_page_problems(root, page))
    return problems


def external_assets(root: Path) -> list[Reference]:
    """Scripts and stylesheets that a page would load from another host (a CDN): the site must work offline."""
    root = Path(root).resolve()
    found = []
    for page in pages(root):
        for tag, reference, rel in _parse(page).links:
            loads = tag == "script" or (tag == "link" and any(r in rel.split() for r in ("stylesheet", "preload",
                                                                                       "modulepreload")))
            if loads and _is_external(reference):
                found.append(Reference(page, reference, "loaded from another host"))
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python book/linkcheck.py SITE_FOLDER", file=sys.stderr)
        return 2
    root = Path(args[0])
    problems = check_site(root) + external_assets(root)
    for problem in problems:
        print(f"{problem.page.relative_to(root.resolve())}: {problem.reference} ({problem.reason})")
    print(f"{len(problems)} problem(s) in {root}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
