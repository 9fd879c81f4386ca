"""The `autotutor` command.

    autotutor pack install [--force] [--only ID ...]   build the offline course pack
    autotutor pack list                                each checkpoint: installed?, where its files came from
    autotutor pack verify                              check every file against its manifest (sha256)
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _pack_install(args: argparse.Namespace) -> int:
    from .pack.build import install
    from .pack.store import pack_root

    results = install(force=args.force, only=args.only or None)
    done = sum(1 for r in results.values() if r == "already installed")
    print(f"Course pack ready in {pack_root()} ({len(results) - done} built, {done} already there).")
    return 0


def _pack_list(args: argparse.Namespace) -> int:
    from .pack.build import entries, read_manifest
    from .pack.catalog import CATALOG
    from .pack.store import pack_root

    print(f"Course pack: {pack_root()}")
    for repo_id in entries():
        manifest = read_manifest(repo_id)
        state = "installed" if manifest else "not installed"
        print(f"\n{repo_id}  [{state}]\n  {CATALOG[repo_id].summary}")
        if manifest:
            for name, info in manifest["files"].items():
                print(f"    {info['kind']:<8} {name:<26} {info['size'] / 1e6:8.2f} MB  {info['note']}")
    return 0


def _pack_verify(args: argparse.Namespace) -> int:
    from .pack.build import verify

    problems = verify()
    for name, found in problems.items():
        print(f"{name}: {'ok' if not found else ''}")
        for line in found:
            print(f"  - {line}")
    return 1 if any(problems.values()) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autotutor", description="autotutor: learn how pretrained models are loaded.")
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("pack", help="the offline course pack").add_subparsers(dest="action", required=True)
    install = pack.add_parser("install", help="build the pack (skips what is already installed)")
    install.add_argument("--force", action="store_true", help="rebuild entries even if they are installed")
    install.add_argument("--only", nargs="+", metavar="NAME", help="only these Hub ids (or 'media')")
    install.set_defaults(run=_pack_install)
    pack.add_parser("list", help="what the pack holds, file by file: real or stand-in").set_defaults(run=_pack_list)
    pack.add_parser("verify", help="check the pack's files against their manifests").set_defaults(run=_pack_verify)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
