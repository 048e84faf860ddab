"""The site's files: written whole or not at all, one writer at a time.

- :func:`write_atomic`: a file is written beside its target, flushed, then renamed over it
  (``os.replace``): a reader, or a batch killed by SIGINT, SIGTERM or SIGKILL, sees the
  previous content or the new one, never half a file.
- :func:`site_lock`: a batch (or a single report) holds ``.lock`` in the site folder;
  another one stops at once with a French message naming the holder.
- :func:`staging_folder` and :func:`swap_in`: a report runs into ``.staging/`` and replaces
  its folder only when it succeeded; the previous folder is moved to ``.trash/`` first
  (two renames on one file system) and removed after. :func:`recover` puts back a folder
  that a run killed between the two renames left in ``.trash/``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import PvInputError

LOCK = ".lock"
STAGING = ".staging"
TRASH = ".trash"
#: Record of the run a report folder holds (written last, read to say which run is shown).
RUN_RECORD = "execution.json"


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` in one step (temporary file, fsync, ``os.replace``)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json_atomic(path: str | Path, content) -> Path:
    """:func:`write_atomic` of a JSON document (UTF-8, not escaped)."""
    return write_atomic(path, json.dumps(content, ensure_ascii=False, indent=1, default=str))


@contextlib.contextmanager
def site_lock(out_dir: str | Path) -> Iterator[None]:
    """Hold the site's writer lock for the block; stop at once if another writer holds it.

    Raises
    ------
    PvInputError
        Another batch or report is writing the same site (French message, exit code 2).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / LOCK).open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise PvInputError(f"un autre lot écrit déjà dans « {out_dir} » (processus "
                               f"{holder}) ; relancer quand il sera terminé") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()


def staging_folder(out_dir: Path, report_id: str) -> Path:
    """A new empty folder of ``out_dir/.staging`` for one run of ``report_id`` (absolute:
    the notebook works in its own folder)."""
    name = report_id.replace("/", "__") + "-" + secrets.token_hex(4)
    folder = Path(out_dir).resolve() / STAGING / name
    folder.mkdir(parents=True)
    return folder


def swap_in(new: Path, folder: Path, out_dir: Path) -> None:
    """Make ``new`` the report folder ``folder``; the previous one is deleted afterwards."""
    out_dir, folder = Path(out_dir).resolve(), Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if folder.exists():
        old = out_dir / TRASH / f"{folder.relative_to(out_dir).as_posix().replace('/', '__')}"
        old = old.with_name(f"{old.name}-{secrets.token_hex(4)}")
        old.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder, old)
    os.replace(new, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(folder: Path) -> None:
    """Remove a staging folder (a failed or interrupted run)."""
    shutil.rmtree(folder, ignore_errors=True)


def read_record(folder: Path) -> dict:
    """The :data:`RUN_RECORD` of a report folder (empty when absent or unreadable)."""
    try:
        content = json.loads((folder / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}


def recover(out_dir: Path) -> list[str]:
    """Under the lock: restore report folders left in ``.trash`` by a killed run (their
    place empty), then clear ``.staging`` and ``.trash``. Returns the restored folders."""
    restored = []
    trash = out_dir / TRASH
    for old in sorted(trash.iterdir()) if trash.is_dir() else []:
        rel = old.name.rsplit("-", 1)[0].replace("__", "/")
        target = out_dir / rel
        if not target.exists() and (old / RUN_RECORD).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
            restored.append(rel)
    for name in (STAGING, TRASH):
        shutil.rmtree(out_dir / name, ignore_errors=True)
    return restored
