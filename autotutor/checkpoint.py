"""Step 1 of every `from_pretrained`: turn a name into local files.

A name is either a folder on disk, used as it is, or a Hub id such as `google-bert/bert-base-uncased`,
resolved by huggingface_hub. Hub files live in the same cache transformers uses (`HF_HUB_CACHE`), so a file
downloaded by one library is found by the other. With `HF_HUB_OFFLINE=1` or `local_files_only=True` the
network is never touched: files come from the cache or the call fails with a message saying how to get them.

When a Hub id is neither reachable nor in the cache, the offline course pack answers for the checkpoints
it holds (`autotutor pack install`); `AUTOTUTOR_USE_PACK=1` asks for the pack first, even online. The pack
is a separate folder: it never replaces or hides files of the user's own cache.

huggingface_hub is imported only when a Hub id is resolved, so loading from a folder stays fast.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from .constants import ENV_HUB_OFFLINE, env_flag
from .errors import CheckpointNotFoundError, ConfigError, RemoteCodeError, RevisionNotFoundError, WeightsNotFoundError
from .i18n import Text, _
from .pack.store import MANIFEST_NAME, installed_entry, pack_first

__all__ = ["CHECKPOINT_OPTIONS", "Checkpoint", "open_checkpoint", "pop_checkpoint_options", "read_json"]

# The keyword arguments of every `from_pretrained` that say where its files come from: huggingface_hub's
# (`hf_hub_download` takes the same names), plus `trust_remote_code`, which is refused here and nowhere else.
# They are exactly the keyword-only parameters of `open_checkpoint` below.
CHECKPOINT_OPTIONS = ("revision", "subfolder", "cache_dir", "local_files_only", "token", "trust_remote_code",
                      "gguf_file")

def _offline_by_env() -> bool:
    return env_flag(ENV_HUB_OFFLINE)


# endpoint → (could it be reached?, when that was checked). Shared by every checkpoint of the process.
_HUB_REACHABLE: dict[str, tuple[bool, float]] = {}
_RECHECK_AFTER = 60.0  # seconds: a notebook notices when the network comes back


def _hub_reachable() -> bool:
    """One quick request to the Hub, remembered for a minute, before any download is attempted.

    Without it, an unreachable Hub costs huggingface_hub's retries (about 25 s) for every checkpoint before
    the cache or the course pack is tried.
    """
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    endpoint = constants.ENDPOINT
    known = _HUB_REACHABLE.get(endpoint)
    if known is not None and time.monotonic() - known[1] < _RECHECK_AFTER:
        return known[0]
    try:
        get_session().head(endpoint, timeout=3)
        reachable = True
    except Exception:  # the HTTP client's own connection and timeout errors (its classes vary by version)
        reachable = False
    _HUB_REACHABLE[endpoint] = (reachable, time.monotonic())
    return reachable


def _looks_like_path(name: str) -> bool:
    # "org/name" is a Hub id; "./x", "/x", "~/x", "a/b/c" or "C:\x" can only be folders.
    return (
        name.startswith((".", "/", "~"))
        or "\\" in name
        or name.count("/") > 1
        or os.path.isabs(name)
    )


class Checkpoint:
    """Where a checkpoint's files come from: a folder, or a Hub repository at a revision.

    `get(filename)` returns a local path, or None when the checkpoint has no such file.
    """

    def __init__(
        self,
        name_or_path: str,
        *,
        folder: Path | None,
        revision: str | None,
        subfolder: str,
        cache_dir: str | os.PathLike | None,
        local_files_only: bool,
        token: str | bool | None,
    ) -> None:
        self.name_or_path = name_or_path
        self.folder = folder
        self.revision = revision
        self.subfolder = subfolder
        self.cache_dir = cache_dir
        self.local_files_only = local_files_only
        self.token = token
        self._unreachable = False  # set once the Hub failed to answer: the rest comes from the cache
        self._resolved: dict[str, Path | None] = {}
        self.from_pack = False  # served by the offline course pack (see autotutor/pack)

    # -- what learners see in messages ------------------------------------------------------------------
    def describe(self) -> Text:
        """Where the files come from, as an error names it: `str()` of it reads in the learner's language."""
        if self.from_pack:
            return Text("the course pack's '{repo_id}' ({folder})", repo_id=self.name_or_path, folder=self.folder)
        if self.folder is not None:
            return Text("folder '{folder}'", folder=self.folder)
        if self.revision or self.subfolder:
            return Text("Hub repository '{repo_id}' (revision '{revision}', subfolder '{subfolder}')",
                        repo_id=self.name_or_path, revision=self.revision or "main", subfolder=self.subfolder or "/")
        return Text("Hub repository '{repo_id}'", repo_id=self.name_or_path)

    def contents(self) -> str | Text:
        """`listing()` as an error shows it: the names apart by commas, or "no files"."""
        return ", ".join(self.listing()) or Text("no files")

    def where(self) -> str:
        """`describe()` in the learner's language (the load report's heading), names and paths as `code`."""
        if self.from_pack:
            return _("the course pack's copy of `{repo_id}` (`{folder}`)").format(repo_id=self.name_or_path,
                                                                                  folder=self.folder)
        if self.folder is not None:
            return _("the folder `{folder}`").format(folder=self.folder)
        if self.revision or self.subfolder:
            return _("the Hub repository `{repo_id}` (revision `{revision}`, subfolder `{subfolder}`)").format(
                repo_id=self.name_or_path, revision=self.revision or "main", subfolder=self.subfolder or "/")
        return _("the Hub repository `{repo_id}`").format(repo_id=self.name_or_path)

    def pack_note(self) -> str | None:
        """The course pack's one-line account of its copy ("offline stand-in: ..."), when it serves the files."""
        if not self.from_pack:
            return None
        manifest = read_json(self.folder / MANIFEST_NAME, what=Text("course pack manifest"))
        return str(manifest.get("summary", ""))

    def listing(self) -> list[str]:
        """The file names available (a folder's content, or what the cache holds for this revision)."""
        if self.folder is not None:
            return sorted(p.name for p in self.folder.iterdir())
        snapshot = self._cached_snapshot()
        if snapshot is None:
            return []
        base = snapshot / self.subfolder if self.subfolder else snapshot
        return sorted(p.name for p in base.iterdir()) if base.is_dir() else []

    @property
    def is_local(self) -> bool:
        return self.folder is not None

    # -- resolution ---------------------------------------------------------------------------------------
    def get(self, filename: str) -> Path | None:
        """Return the local path of `filename`, or None if the checkpoint does not have it."""
        if self.folder is not None:
            path = self.folder / filename
            return path if path.is_file() else None
        if filename not in self._resolved:  # ask the Hub once per file, however many readers need it
            self._resolved[filename] = self._hub_file(filename)
        return self._resolved[filename]

    def _offline(self) -> bool:
        if self.local_files_only or self._unreachable or _offline_by_env():
            return True
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            return True
        self._unreachable = not _hub_reachable()
        return self._unreachable

    def _repo_cache(self) -> Path:
        from huggingface_hub import constants

        cache = Path(self.cache_dir) if self.cache_dir is not None else Path(constants.HF_HUB_CACHE)
        return cache / ("models--" + self.name_or_path.replace("/", "--"))

    def _cached_snapshot(self) -> Path | None:
        repo = self._repo_cache()
        revision = self.revision or "main"
        ref = repo / "refs" / revision
        commit = ref.read_text().strip() if ref.is_file() else revision
        snapshot = repo / "snapshots" / commit
        return snapshot if snapshot.is_dir() else None

    def _hub_file(self, filename: str) -> Path | None:
        import huggingface_hub as hf
        from huggingface_hub import errors as hf_errors

        in_repo = f"{self.subfolder}/{filename}" if self.subfolder else filename
        if self._offline():
            found: Any = hf.try_to_load_from_cache(
                self.name_or_path, in_repo, cache_dir=self.cache_dir, revision=self.revision
            )
            if isinstance(found, str):
                return Path(found)
            if self._use_pack():
                return self.get(filename)
            self._explain_offline_miss(unreachable=self._unreachable)
            return None  # the revision is cached, the file is not: treat it as absent
        try:
            return Path(
                hf.hf_hub_download(
                    self.name_or_path,
                    filename,
                    subfolder=self.subfolder or None,
                    revision=self.revision,
                    cache_dir=self.cache_dir,
                    token=self.token,
                )
            )
        except hf_errors.LocalEntryNotFoundError:
            # The Hub could not be reached. (This class derives from EntryNotFoundError, so it is caught
            # first.) This file and the later ones come from the cache only, without waiting for the network.
            self._unreachable = True
            return self._hub_file(filename)
        except hf_errors.EntryNotFoundError:
            return None
        except hf_errors.RevisionNotFoundError as err:
            raise RevisionNotFoundError(
                "Revision '{revision}' does not exist for {repo_id!r}. "
                "Pass an existing branch name, tag or commit hash as revision=.",
                revision=self.revision or "main",
                repo_id=self.name_or_path, key="revision", value=self.revision,
            ) from err
        except (hf_errors.RepositoryNotFoundError, hf_errors.GatedRepoError) as err:
            raise CheckpointNotFoundError(
                "'{repo_id}' is not a folder on this machine and not a repository the Hub lets you "
                "read. Check the spelling, or log in with `hf auth login` for a private or gated model.",
                repo_id=self.name_or_path,
            ) from err

    def _use_pack(self, *, asked: bool = False) -> bool:
        """Switch to the course pack's copy, if it has one and (unless `asked`) the user's cache has nothing
        of this revision. Files are never mixed: a checkpoint comes wholly from one place or the other.
        """
        if self.revision not in (None, "main") or self.subfolder:
            return False
        if not asked and self._cached_snapshot() is not None:
            return False
        entry = installed_entry(self.name_or_path)
        if entry is None:
            return False
        self.folder, self.from_pack = entry, True
        return True

    def _explain_offline_miss(self, *, unreachable: bool = False) -> None:
        """Raise a helpful error when the repository or revision is not in the cache at all."""
        repo = self._repo_cache()
        # Why the network was not used is folded into whole sentences; how to get the files follows them.
        if unreachable:
            how = Text("To get the files, run once with network access (`hf download {repo_id}`), or copy the "
                       "checkpoint folder here and pass its path. Set HF_HUB_OFFLINE=1 to skip the network "
                       "attempts when working offline.", repo_id=self.name_or_path)
        else:
            how = Text("To get the files, run once with network access (`hf download {repo_id}`), or copy the "
                       "checkpoint folder here and pass its path.", repo_id=self.name_or_path)
        if not repo.is_dir():
            if unreachable:
                raise CheckpointNotFoundError(
                    "'{repo_id}' is not a folder on this machine, and it is not in the Hub cache ({cache}); "
                    "the Hub could not be reached. {how}",
                    cache=repo.parent, how=how, repo_id=self.name_or_path, path=repo,
                )
            raise CheckpointNotFoundError(
                "'{repo_id}' is not a folder on this machine, and it is not in the Hub cache ({cache}); "
                "offline mode is on (HF_HUB_OFFLINE=1 or local_files_only=True). {how}",
                cache=repo.parent, how=how, repo_id=self.name_or_path, path=repo,
            )
        if self._cached_snapshot() is None:
            refs = sorted(p.name for p in (repo / "refs").glob("*")) if (repo / "refs").is_dir() else []
            cached = ", ".join(refs) or Text("none")
            if unreachable:
                raise RevisionNotFoundError(
                    "Revision '{revision}' of '{repo_id}' is not in the cache ({path}); the Hub could not be "
                    "reached. Cached revisions: {cached}. {how}",
                    revision=self.revision or "main", cached=cached, how=how,
                    repo_id=self.name_or_path, path=repo, key="revision", value=self.revision,
                )
            raise RevisionNotFoundError(
                "Revision '{revision}' of '{repo_id}' is not in the cache ({path}); offline mode is on "
                "(HF_HUB_OFFLINE=1 or local_files_only=True). Cached revisions: {cached}. {how}",
                revision=self.revision or "main", cached=cached, how=how,
                repo_id=self.name_or_path, path=repo, key="revision", value=self.revision,
            )


def open_checkpoint(
    name_or_path: str | os.PathLike | Checkpoint,
    *,
    revision: str | None = None,
    subfolder: str = "",
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool = False,
    token: str | bool | None = None,
    trust_remote_code: bool = False,
    gguf_file: str | None = None,
) -> Checkpoint:
    """Decide whether `name_or_path` is a folder or a Hub id, and check it exists.

    Every `from_pretrained` of autotutor starts here, once, so this is also where Python code shipped with a
    checkpoint is refused: `trust_remote_code=True` raises `RemoteCodeError`.

    Example:
        >>> open_checkpoint("/no/such/folder")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        autotutor.errors.CheckpointNotFoundError: ...
    """
    if trust_remote_code:
        raise RemoteCodeError(
            "trust_remote_code=True is not supported: autotutor never runs Python code shipped with a "
            "checkpoint. It loads only the architectures it implements itself.",
            repo_id=None if isinstance(name_or_path, Checkpoint) else os.fspath(name_or_path),
            key="trust_remote_code", value=trust_remote_code,
        )
    if isinstance(name_or_path, Checkpoint):  # already resolved (the Auto classes pass theirs on)
        return name_or_path
    if gguf_file is not None:  # one file of the checkpoint holds everything: read it as a folder of the usual files
        return _gguf_checkpoint(name_or_path, gguf_file, revision=revision, subfolder=subfolder, cache_dir=cache_dir,
                                local_files_only=local_files_only, token=token)
    name = os.fspath(name_or_path)
    if revision is not None and (not isinstance(revision, str) or not re.fullmatch(r"[\w.\-/]+", revision) or ".." in revision):
        raise RevisionNotFoundError(
            "revision={value!r} is not a valid branch, tag or commit name. "
            "Use something like 'main', 'v1.0' or a 40-character commit hash.",
            repo_id=name, key="revision", value=revision,
        )
    common = dict(revision=revision, subfolder=subfolder, cache_dir=cache_dir,
                  local_files_only=local_files_only, token=token)
    folder = Path(name).expanduser()
    if folder.is_dir():
        base = folder / subfolder if subfolder else folder
        if not base.is_dir():
            raise CheckpointNotFoundError("The folder '{folder}' has no subfolder '{value}'.", folder=folder,
                                          repo_id=name, path=base, key="subfolder", value=subfolder)
        return Checkpoint(name, folder=base.resolve(), **common)
    if folder.exists():
        raise CheckpointNotFoundError("'{repo_id}' is a file; pass the folder that contains config.json instead.",
                                      repo_id=name, path=folder)
    if _looks_like_path(name):
        raise CheckpointNotFoundError(
            "The folder '{path}' does not exist. Check the path, or give a Hub id such as "
            "'google-bert/bert-base-uncased'.",
            repo_id=name, path=folder.resolve(),
        )
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(name)
    except HFValidationError as err:
        raise CheckpointNotFoundError(
            "'{repo_id}' is neither a folder on this machine nor a valid Hub id ('org/name', letters, digits, "
            "'-', '_' and '.').",
            repo_id=name,
        ) from err
    checkpoint = Checkpoint(name, folder=None, **common)
    if pack_first():
        checkpoint._use_pack(asked=True)
    return checkpoint


def _gguf_checkpoint(name_or_path: str | os.PathLike, gguf_file: str, **options: Any) -> Checkpoint:
    """`gguf_file` of the checkpoint `name_or_path` (a folder or a Hub id), converted once into a folder of the
    files every other checkpoint has (gguf_loading.converted_folder), and opened as that folder."""
    from .gguf_loading import converted_folder

    checkpoint = open_checkpoint(name_or_path, **options)
    path = checkpoint.get(gguf_file)
    if path is None:
        raise WeightsNotFoundError(
            "{source} has no file {value!r} (it contains: {present}). Pass gguf_file= the name of one of its .gguf "
            "files.", source=checkpoint.describe(), present=checkpoint.contents(),
            repo_id=checkpoint.name_or_path, key="gguf_file", value=gguf_file)
    return Checkpoint(os.fspath(name_or_path), folder=converted_folder(path), revision=None, subfolder="",
                      cache_dir=None, local_files_only=True, token=None)


def pop_checkpoint_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the `CHECKPOINT_OPTIONS` out of a `from_pretrained`'s keyword arguments, for `open_checkpoint`."""
    return {key: kwargs.pop(key) for key in CHECKPOINT_OPTIONS if key in kwargs}


def read_json(path: Path, *, what: str | Text | None = None) -> dict[str, Any]:
    """Read a JSON object from `path`; a syntax error names the file, line and column.

    `what` names the kind of file in an error, as a `Text` so that it is translated: `Text("tokenizer config")`.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError("{path} is not UTF-8 text; is it really a {what}?",
                          what=Text("checkpoint file") if what is None else what, path=path) from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(
            "{path} is not valid JSON: {reason} at line {line}, column {column}. "
            "Fix the file by hand or download it again.",
            reason=err.msg, line=err.lineno, column=err.colno, path=path,
        ) from err
    if not isinstance(data, dict):
        raise ConfigError("{path} should hold a JSON object ({{...}}), not {kind}.", kind=type(data).__name__,
                          path=path)
    return data
