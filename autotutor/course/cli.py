"""The `autotutor` command.

    autotutor pack install [--force] [--only ID ...]   build the offline course pack
    autotutor pack list                                each checkpoint: installed?, where its files came from
    autotutor pack verify                              check every file against its manifest (sha256)
    autotutor i18n extract                             sources → locales/autotutor.pot (the English messages)
    autotutor i18n update                              the template → locales/{en,fr,ar}/LC_MESSAGES/autotutor.po
    autotutor i18n compile                             each .po → its .mo
    autotutor i18n check                               fr and ar complete, nothing fuzzy, same placeholders
    autotutor i18n notebooks [--check] [--lang L ...]  lessons/*.ipynb → notebooks/{en,fr,ar}/, executed

For students (every message in English, French or Arabic):

    autotutor lab [--lang en|fr|ar] [--workspace DIR] [--no-open] [--port N] [--print-command]
        copy the lessons into DIR/<lang>/ (default ~/autotutor-course/), bring untouched ones up to date
        (an edited lesson is kept, the new version put beside it), install the course pack if needed, and
        open JupyterLab there with its menus in that language (see autotutor/course/workspace.py)
    autotutor doctor [--lang L] [--workspace DIR]
        check what a workshop needs, one line per check with the fix; exit status 1 if anything is missing
    autotutor progress [--json] [--export FILE [--name NAME]] [--lang L] [--workspace DIR]
        the exercises done and left, lesson by lesson; --export writes what to hand in (results and verdict
        codes only, never code; see autotutor/course/progress.py)

For instructors:

    autotutor class-report PATH... [--out DIR] [--lang L]
        learners' exports or workspaces (a folder such as /home) → class-report.html and class-report.csv
        (see autotutor/course/class_report.py)
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ..i18n import N_

__all__ = ["main"]


# argparse's own words: the headings of `--help` and its complaints about a command line. argparse looks each up
# with the `_` it imported from gettext when it needs it, so `_argparse_speaks` lends it the course's catalogs
# for as long as `main` builds and reads the command line. Listed here so that the catalogs carry them.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("expected one argument"), N_("expected at least one argument"), N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("one of the arguments %s is required"),
)


@contextmanager
def _argparse_speaks(lang: str) -> Iterator[None]:
    from ..i18n import translate

    borrowed = argparse._
    argparse._ = lambda message: translate(message, lang) if message else message
    try:
        yield
    finally:
        argparse._ = borrowed


def _command_line_language(argv: list[str]) -> str:
    """The language a command speaks before its arguments are read: its own `--lang`, else $AUTOTUTOR_LANG."""
    from ..i18n import LANGUAGES

    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGUAGES:
            return value
    return _default_language()


def _pack_install(args: argparse.Namespace) -> int:
    from ..i18n import _
    from ..pack.store import pack_root
    from .pack_build import install

    results = install(force=args.force, only=args.only or None)
    done = sum(1 for r in results.values() if r == "already installed")
    failed = [name for name, r in results.items() if r.startswith("failed")]
    if failed:  # install() printed why, entry by entry
        print(_("Course pack in {folder}: {built} built, {kept} already there. Could not build {names} (the reason "
                "is above); the other entries can be used.").format(
            folder=pack_root(), built=len(results) - done - len(failed), kept=done, names=", ".join(failed)),
            file=sys.stderr)
        return 1
    print(_("Course pack ready in {folder} ({built} built, {kept} already there).").format(
        folder=pack_root(), built=len(results) - done, kept=done))
    return 0


def _pack_list(args: argparse.Namespace) -> int:
    from ..i18n import _
    from ..pack.catalog import CATALOG
    from ..pack.store import pack_root, read_manifest
    from .pack_build import entries

    print(_("Course pack: {folder}").format(folder=pack_root()))
    for repo_id in entries():
        manifest = read_manifest(repo_id)
        state = _("installed") if manifest else _("not installed")
        print(f"\n{repo_id}  [{state}]\n  {_(CATALOG[repo_id].summary)}")
        if manifest:
            for name, info in manifest["files"].items():
                print(f"    {info['kind']:<8} {name:<26} {info['size'] / 1e6:8.2f} MB  {info['note']}")
    return 0


def _pack_verify(args: argparse.Namespace) -> int:
    from .pack_build import verify

    problems = verify()
    for name, found in problems.items():
        print(f"{name}: {'ok' if not found else ''}")
        for line in found:
            print(f"  - {line}")
    return 1 if any(problems.values()) else 0


def _i18n_extract(args: argparse.Namespace) -> int:
    from .translations import extract

    print(f"Wrote {extract()}")
    return 0


def _i18n_update(args: argparse.Namespace) -> int:
    from .translations import extract, update

    if not args.no_extract:
        extract()
    for path in update():
        print(f"Updated {path}")
    return 0


def _i18n_compile(args: argparse.Namespace) -> int:
    from .translations import compile_catalogs

    for path in compile_catalogs():
        print(f"Wrote {path}")
    return 0


def _i18n_check(args: argparse.Namespace) -> int:
    from .translations import check

    problems = check()
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s) in the catalogs." if problems else "Catalogs complete and consistent.")
    return 1 if problems else 0


def _i18n_notebooks(args: argparse.Namespace) -> int:
    from .notebooks import build_all, stale_notebooks

    if args.check:
        stale = stale_notebooks()
        for line in stale:
            print(line)
        print(f"{len(stale)} notebook(s) out of date: run `autotutor i18n notebooks`." if stale else "Notebooks up to date.")
        return 1 if stale else 0
    build_all(languages=args.lang or None, only=args.only or None, log=print)
    return 0


def _default_language() -> str:
    """The language of `lab` and `doctor` when --lang is not given: AUTOTUTOR_LANG, else the locale's, else English."""
    from ..i18n import environment_language

    return environment_language() or "en"


def _lab(args: argparse.Namespace) -> int:
    from ..i18n import _, set_language
    from .pack_build import ensure_installed
    from .workspace import describe, prepare_lab, run_jupyter, sync_lessons

    set_language(args.lang)
    changes = sync_lessons(args.lang, args.workspace)
    for line in describe(changes):
        print(line)
    print(_("Checking the offline course pack (the first time, building it takes a few minutes)..."))
    ensure_installed()
    launch = prepare_lab(args.lang, args.workspace, port=args.port, open_browser=not args.no_open)
    if launch.language_pack_missing:
        print(_("JupyterLab's menus will stay in English: its language pack is not installed. "
                "Install it with: pip install {package}").format(package=launch.language_pack_missing))
    if args.print_command:
        for name in ("AUTOTUTOR_LANG", "JUPYTERLAB_SETTINGS_DIR"):
            print(f"{name}={shlex.quote(launch.env[name])}")
        print(f"cd {shlex.quote(str(launch.cwd))}")
        print(shlex.join(launch.argv))
        return 0
    print(_("Starting JupyterLab in {folder}. To stop it, press Ctrl+C twice.").format(folder=launch.cwd))
    return run_jupyter(launch)


def _doctor(args: argparse.Namespace) -> int:
    from ..i18n import set_language
    from .doctor import format_report, run_checks

    set_language(args.lang)
    results = run_checks(workspace=args.workspace)
    for line in format_report(results):
        print(line)
    return 0 if all(result.ok for result in results) else 1


def _progress(args: argparse.Namespace) -> int:
    import json

    from ..errors import ArgumentError
    from ..i18n import _
    from .progress import describe, export, load, progress_path, set_learner

    data = load(args.workspace)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
        return 0
    if args.export is None:
        print(_("Your exercises, recorded in {path}:").format(path=progress_path(args.workspace)))
        for line in describe(data):
            print(line)
        return 0
    name = " ".join((args.name or data["learner"] or "").split())
    if not name or len(name) > 80:
        raise ArgumentError("Give your name with --name NAME (at most 80 characters): the export is for your "
                            "instructor, who needs to know whose it is.", key="--name", value=args.name)
    try:
        if args.name:
            set_learner(name, args.workspace)  # remembered for the next export
        target = export(args.export, name=name, workspace=args.workspace)
    except OSError as err:
        print(_("Could not write {file}: {detail}").format(file=args.export, detail=err.strerror or err),
              file=sys.stderr)
        return 1
    print(_("Wrote {file} for {name}: whether each exercise is done, the number of attempts and the verdicts, "
            "never your code. Hand this file to your instructor.").format(file=target, name=name))
    return 0


def _class_report(args: argparse.Namespace) -> int:
    from ..i18n import _
    from .class_report import class_report

    try:
        report = class_report(args.paths, out=args.out)
    except OSError as err:  # the report's own folder: the learners' files never get here
        print(_("Could not write {file}: {detail}").format(file=args.out, detail=err.strerror or err), file=sys.stderr)
        return 1
    for line in report.skipped:
        print(line, file=sys.stderr)
    print(_("Wrote {html} and {csv}. Learners: {learners}, exercises: {exercises}, files skipped: {skipped}.").format(
        html=report.html, csv=report.csv, learners=len(report.students), exercises=len(report.exercise_ids),
        skipped=len(report.skipped)))
    return 0 if report.students else 1


def main(argv: list[str] | None = None) -> int:
    from ..errors import AutotutorError
    from ..i18n import _, get_language, set_language

    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _command_line_language(argv)
    with _argparse_speaks(lang):
        args = _parser(lang).parse_args(argv)
    before = get_language()
    if isinstance(getattr(args, "lang", None), str):  # `lab` and `doctor` speak their --lang
        set_language(args.lang)
    try:
        return args.run(args)
    except AutotutorError as err:  # a refusal the learner can act on: its sentence, not a traceback
        print(_("autotutor: error: {message}").format(message=err), file=sys.stderr)
        return 1
    finally:
        set_language(before)


def _parser(lang: str) -> argparse.ArgumentParser:
    # The help of what students run is in the language of their --lang, else $AUTOTUTOR_LANG, else the locale's. A
    # local `_` so the catalogs still find these messages, without changing the current language. (`i18n`, the
    # translators' own command, speaks English.)
    from ..i18n import LANGUAGES, translate

    def _(message: str) -> str:
        return translate(message, lang)

    parser = argparse.ArgumentParser(prog="autotutor", description=_("autotutor: learn how pretrained models are loaded."))
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("pack", help=_("the offline course pack")).add_subparsers(dest="action", required=True)
    install = pack.add_parser("install", help=_("build the pack (skips what is already installed)"))
    install.add_argument("--force", action="store_true", help=_("rebuild entries even if they are installed"))
    install.add_argument("--only", nargs="+", metavar="NAME", help=_("only these Hub ids (or 'media')"))
    install.set_defaults(run=_pack_install)
    pack.add_parser("list", help=_("what the pack holds, file by file: real or stand-in")).set_defaults(run=_pack_list)
    pack.add_parser("verify", help=_("check the pack's files against their manifests")).set_defaults(run=_pack_verify)
    i18n = commands.add_parser("i18n", help="translations: catalogs and notebooks").add_subparsers(dest="action", required=True)
    i18n.add_parser("extract", help="write locales/autotutor.pot from the code and the lessons").set_defaults(run=_i18n_extract)
    update = i18n.add_parser("update", help="extract, then bring every language's catalog up to date")
    update.add_argument("--no-extract", action="store_true", help="use locales/autotutor.pot as it is")
    update.set_defaults(run=_i18n_update)
    i18n.add_parser("compile", help="compile each catalog to a .mo file").set_defaults(run=_i18n_compile)
    i18n.add_parser("check", help="complete, not fuzzy, same placeholders, compiles").set_defaults(run=_i18n_check)
    notebooks = i18n.add_parser("notebooks", help="generate and run notebooks/{en,fr,ar}/ from lessons/")
    notebooks.add_argument("--check", action="store_true", help="only say which notebooks are out of date")
    notebooks.add_argument("--lang", nargs="+", choices=["en", "fr", "ar"], help="only these languages")
    notebooks.add_argument("--only", nargs="+", metavar="LESSON", help="only these lessons (e.g. 01_autotokenizer)")
    notebooks.set_defaults(run=_i18n_notebooks)

    lab = commands.add_parser("lab", help=_("copy the lessons into your course folder and open them in JupyterLab"))
    lab.add_argument("--lang", choices=LANGUAGES, default=_default_language(),
                     help=_("the language of the lessons and of JupyterLab (default: $AUTOTUTOR_LANG, else en)"))
    lab.add_argument("--workspace", default="~/autotutor-course", metavar="DIR",
                     help=_("your course folder; the lessons go in DIR/<lang>/ (default: ~/autotutor-course)"))
    lab.add_argument("--no-open", action="store_true", help=_("do not open a web browser"))
    lab.add_argument("--port", type=int, metavar="N", help=_("the port JupyterLab listens on (default: 8888 or the next free one)"))
    lab.add_argument("--print-command", action="store_true",
                     help=_("prepare the folder, then print the command that starts JupyterLab instead of running it"))
    lab.set_defaults(run=_lab)
    doctor = commands.add_parser("doctor", help=_("check that this computer has everything the workshop needs"))
    doctor.add_argument("--lang", choices=LANGUAGES, default=_default_language(),
                        help=_("the language of the report (default: $AUTOTUTOR_LANG, else en)"))
    doctor.add_argument("--workspace", default="~/autotutor-course", metavar="DIR",
                        help=_("the course folder whose free disk space is checked (default: ~/autotutor-course)"))
    doctor.set_defaults(run=_doctor)

    progress = commands.add_parser("progress", help=_("the exercises you have done, lesson by lesson"))
    progress.add_argument("--json", action="store_true", help=_("print the whole record as JSON"))
    progress.add_argument("--export", metavar="FILE",
                          help=_("write what you hand in to FILE: your name and your exercises' results, no code"))
    progress.add_argument("--name", metavar="NAME", help=_("your name, written in the export (remembered)"))
    progress.add_argument("--lang", choices=LANGUAGES, default=_default_language(),
                          help=_("the language of the report (default: $AUTOTUTOR_LANG, else en)"))
    progress.add_argument("--workspace", metavar="DIR",
                          help=_("your course folder (default: $AUTOTUTOR_WORKSPACE, else ~/autotutor-course)"))
    progress.set_defaults(run=_progress)
    report = commands.add_parser("class-report", help=_("for instructors: a class's exercises in one page"))
    report.add_argument("paths", nargs="+", metavar="PATH",
                        help=_("learners' exported files, or folders holding them or their home folders (/home)"))
    report.add_argument("--out", default=".", metavar="DIR",
                        help=_("where to write class-report.html and class-report.csv (default: here)"))
    report.add_argument("--lang", choices=LANGUAGES, default=_default_language(),
                        help=_("the language of the report (default: $AUTOTUTOR_LANG, else en)"))
    report.set_defaults(run=_class_report)
    return parser


if __name__ == "__main__":
    sys.exit(main())
