"""The processed store: the only way to publish or read processed data.

A store is a folder (``data/processed`` by default)::

    store.json            marks the folder as a pvanalysis store (format number)
    CURRENT               the id of the current version (one line, replaced atomically)
    versions/<id>/        one complete, immutable version: tables, quarantine, territory
                          reference, manifest.json (which records the id)
    .staging/<id>/        a version being written (never read)
    .trash/               versions being pruned
    .lock                 taken by a writer (build, reference) while it publishes

Publishing writes a whole version into ``.staging``, renames it into ``versions`` and then
switches ``CURRENT`` with one ``os.replace``: a reader sees the previous version or the new
one, never a mixture, and a writer killed at any point leaves the previous version current.
Leftovers of a killed writer are removed by the next writer, under the lock; readers never
write, never repair and never rebuild: they resolve ``CURRENT`` once (:func:`current`) and
read that version only. A reader may *pin* its version (a shared ``flock`` on its manifest,
which needs no write access) so that pruning skips it while a report or a batch runs.

The flat folder written by pvanalysis 0.1 (tables and ``manifest.json`` directly in the
folder) is read as one version, and moved into ``versions/`` by the next publish.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import config
from .errors import ParameterError, PvInputError

FORMAT = 1
MARKER = "store.json"
POINTER = "CURRENT"
VERSIONS = "versions"
STAGING = ".staging"
TRASH = ".trash"
LOCK = ".lock"
MANIFEST = "manifest.json"
#: Territory layers ``load`` reads by default, with the tables the build wrote.
LAYERS = ("regions", "provinces", "communes")
#: Columns renamed since pvanalysis 0.1: table → {old name: new name}, applied on reading a
#: version that still has the old name (so a 0.1 folder reads without a rebuild).
RENAMED = {"actions": {"progress": "progress_rate"}}
#: Files a store root may hold besides its own (a kept ``.gitkeep``).
_IGNORED = {".gitkeep"}


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's content, read by blocks (hex digest)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _not_built(root: Path) -> PvInputError:
    return PvInputError(f"le dossier « {root} » ne contient pas de tables construites : "
                        "lancer « pvanalysis build » (ou « make demo »)")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Version:
    """One published version of the processed data (read-only).

    Attributes
    ----------
    id : str
        Version id, ``YYYYMMDD-HHMMSS-xxxx`` (UTC publication time and a random suffix).
    path : Path
        Folder holding the version's files.
    """

    id: str
    path: Path

    @property
    def manifest(self) -> dict:
        """The version's ``manifest.json`` (build summary, sources, files and their hashes)."""
        path = self.path / MANIFEST
        if not path.is_file():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def names(self) -> list[str]:
        """Tables of the version (file stems of its ``.parquet`` files), sorted."""
        return sorted(p.stem for p in self.path.glob("*.parquet"))

    def has(self, name: str) -> bool:
        return (self.path / f"{name}.parquet").is_file()

    def table_path(self, name: str) -> Path:
        """Path of one table; a French error saying what to run when it is absent."""
        path = self.path / f"{name}.parquet"
        if not path.is_file():
            raise PvInputError(f"table « {name} » absente de la version {self.id} des données "
                               f"traitées ({self.path}) : lancer « pvanalysis build »")
        return path

    def columns(self, name: str) -> tuple[list[str], set[str]]:
        """Column names of a table and the subset holding geometries (GeoParquet)."""
        import pyarrow.parquet as pq

        schema = pq.read_schema(self.table_path(name))
        geo = json.loads((schema.metadata or {}).get(b"geo", b"{}")).get("columns", {})
        return [c for c in schema.names if not c.startswith("__index")], set(geo)

    def read(self, name: str, columns: list[str] | None = None, geometry: bool = True):
        """Read one table.

        Parameters
        ----------
        name : str
            Table name (``projects``, ``communes``, ``quarantine``…).
        columns : list of str, optional
            Only these columns (all by default).
        geometry : bool, default True
            False reads a GeoParquet table without its geometry columns, as a DataFrame.

        Returns
        -------
        DataFrame or GeoDataFrame
            A GeoDataFrame (EPSG:4326) when the table holds geometries and they are read.
        """
        import pandas as pd

        path = self.table_path(name)
        names, geo = self.columns(name)
        renamed = {old: new for old, new in RENAMED.get(name, {}).items() if old in names}
        if columns is not None and renamed:
            back = {new: old for old, new in renamed.items()}
            columns = [back.get(c, c) for c in columns]
        if geo and not geometry:
            columns = [c for c in (columns or names) if c not in geo]
        if geo and (columns is None or geo & set(columns)):
            import geopandas as gpd

            frame = gpd.read_parquet(path, columns=columns)
        else:
            frame = pd.read_parquet(path, columns=columns)
        return frame.rename(columns=renamed) if renamed else frame

    def default_names(self) -> list[str]:
        """What ``load`` reads when no table is named: the tables the build wrote (its
        manifest's ``tables``, quarantine included) and the :data:`LAYERS` present."""
        built = list(self.manifest.get("tables", {}))
        return [n for n in dict.fromkeys([*built, *LAYERS]) if self.has(n)]

    def load(self, tables: list[str] | None = None) -> dict:
        """Read several tables (:meth:`default_names` by default): name → frame."""
        known = self.names()
        names = list(self.default_names() if tables is None else tables)
        unknown = [n for n in names if n not in known]
        if unknown and not known:
            raise _not_built(self.path)
        if unknown:
            asked = ", ".join(f"« {n} »" for n in unknown)
            raise ParameterError(f"table {asked} absente de la version {self.id} (tables "
                                 f"disponibles : {', '.join(known)}). Suggestion : vérifier le "
                                 "nom, ou lancer « pvanalysis build »")
        return {name: self.read(name) for name in names}

    @property
    def data_sha256(self) -> str:
        """Hash of the version's tables (names and contents), stable across identical builds.

        Taken from the manifest (computed at publication); a 0.1 folder is hashed on reading.
        """
        recorded = self.manifest.get("data_sha256")
        if recorded:
            return recorded
        return _hash_files({p.name: sha256_file(p) for p in self.path.glob("*.parquet")})

    @contextlib.contextmanager
    def pinned(self) -> Iterator[Version]:
        """Keep the version from being pruned while the block runs (no write needed)."""
        try:
            handle = (self.path / MANIFEST).open("rb")
        except OSError:
            yield self
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            yield self


def _hash_files(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(hashes):
        digest.update(f"{name}\0{hashes[name]}\n".encode())
    return digest.hexdigest()


def _legacy_id(root: Path) -> str:
    stamp = datetime.fromtimestamp((root / MANIFEST).stat().st_mtime, UTC)
    return stamp.strftime("%Y%m%d-%H%M%S-0000")


def current(processed_dir: str | Path | Version = config.PROCESSED_DIR) -> Version:
    """Resolve the current version of a store, once.

    Parameters
    ----------
    processed_dir : path or Version, default ``data/processed``
        A store, one of its version folders, or a folder written by pvanalysis 0.1. A
        ``Version`` is returned as it is.

    Returns
    -------
    Version
        The version to read from now on. Nothing is written.

    Raises
    ------
    PvInputError
        Nothing has been published there (French message: run ``pvanalysis build``), or the
        pointer names a version that is missing.
    """
    if isinstance(processed_dir, Version):
        return processed_dir
    root = Path(processed_dir)
    pointer = root / POINTER
    if pointer.is_file():
        vid = pointer.read_text(encoding="utf-8").strip()
        path = root / VERSIONS / vid
        if not (path / MANIFEST).is_file():
            raise PvInputError(f"la version courante {vid} des données traitées est absente de "
                               f"« {root} » : relancer « pvanalysis build »")
        return Version(vid, path)
    if (root / MANIFEST).is_file():  # a version folder, or a 0.1 flat folder
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return Version(manifest.get("version") or _legacy_id(root), root)
    raise _not_built(root)


def resolve(processed_dir: str | Path = config.PROCESSED_DIR) -> str:
    """The folder of the current version, as a string (for a notebook's ``processed_dir``)."""
    return str(current(processed_dir).path)


def load(processed_dir: str | Path | Version = config.PROCESSED_DIR,
         tables: list[str] | None = None) -> dict:
    """Load processed tables from the current version.

    Parameters
    ----------
    processed_dir : path or Version, default ``data/processed``
        The store written by ``pvanalysis build`` (or one of its versions).
    tables : list of str, optional
        Table names (``projects``, ``project_targets``, ``conventions``, ``partners``,
        ``commitments``, ``schedule``, ``disbursements``, ``actions``, ``quarantine``,
        ``quartiers``, ``centres``, ``regions``, ``provinces``, ``communes``…; any table of
        the version). Default: the tables the build wrote and the region, province and commune
        layers (the display layers, arrondissements, urban centres and matching report are
        read only when named).

    Returns
    -------
    dict
        Name → DataFrame (GeoDataFrame in EPSG:4326 for tables with geometries); money in
        integer DH (Int64), index = source row. ``attrs["data_version"]`` of every frame
        holds the version id.

    Raises
    ------
    PvInputError
        Nothing built yet (French message: run ``pvanalysis build``).
    ParameterError
        An unknown table name (the message lists the known ones).
    """
    version = current(processed_dir)
    out = version.load(tables)
    for frame in out.values():
        frame.attrs["data_version"] = version.id
    return out


def versions(processed_dir: str | Path = config.PROCESSED_DIR) -> list[Version]:
    """Published versions of a store, oldest first."""
    folder = Path(processed_dir) / VERSIONS
    if not folder.is_dir():
        return []
    return [Version(p.name, p) for p in sorted(folder.iterdir())
            if (p / MANIFEST).is_file()]


# --------------------------------------------------------------------------------------------
# Guarding the output folder
# --------------------------------------------------------------------------------------------

def is_store(folder: str | Path) -> bool:
    """True for a store, or a folder written by pvanalysis 0.1."""
    folder = Path(folder)
    if (folder / MARKER).is_file() or (folder / POINTER).is_file():
        return True
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    package = manifest.get("package") if isinstance(manifest, dict) else None
    return isinstance(package, dict) and package.get("name") == "pvanalysis"


def check_output(out_dir: str | Path, raw_dir: str | Path | None = None) -> None:
    """Refuse an output folder that publishing could damage, before anything is written.

    Raises
    ------
    PvInputError
        ``out_dir`` is the raw folder, contains it or lies inside it; is a file; or is a
        non-empty folder that is not a pvanalysis store.
    """
    out = Path(out_dir).resolve()
    if raw_dir is not None:
        raw = Path(raw_dir).resolve()
        where = None
        if out == raw:
            where = "est le dossier des fichiers bruts"
        elif raw.is_relative_to(out):
            where = f"contient le dossier des fichiers bruts « {raw_dir} »"
        elif out.is_relative_to(raw):
            where = f"est à l'intérieur du dossier des fichiers bruts « {raw_dir} »"
        if where:
            raise PvInputError(f"dossier de sortie refusé : « {out_dir} » {where}, qui ne doit "
                               "jamais être modifié. Suggestion : --out data/processed")
    if out.exists() and not out.is_dir():
        raise PvInputError(f"dossier de sortie refusé : « {out_dir} » est un fichier")
    if out.is_dir() and not is_store(out) and any(p.name not in _IGNORED for p in out.iterdir()):
        raise PvInputError(f"dossier de sortie refusé : « {out_dir} » n'est pas vide et n'est "
                           "pas un dossier de données traitées pvanalysis. Suggestion : choisir "
                           "un dossier vide ou absent")


# --------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------

def _new_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


@contextlib.contextmanager
def _locked(root: Path, timeout_s: float) -> Iterator[None]:
    """The store's writer lock; waits up to ``timeout_s``, then stops with a French error."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "?"
                    raise PvInputError(
                        f"une autre publication est en cours dans « {root} » (processus "
                        f"{holder}) ; relancer quand elle sera terminée") from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def _clear_leftovers(root: Path) -> None:
    """Remove what killed writers left (only called by a writer holding the lock)."""
    for name in (STAGING, TRASH):
        shutil.rmtree(root / name, ignore_errors=True)


def _migrate_legacy(root: Path) -> None:
    """Move a pvanalysis 0.1 flat folder into ``versions/`` (under the lock)."""
    if (root / POINTER).is_file() or not (root / MANIFEST).is_file():
        return
    vid = _legacy_id(root)
    stage = root / STAGING / vid
    stage.mkdir(parents=True)
    files = [p for p in root.iterdir() if p.is_file() and (p.suffix == ".parquet"
                                                           or p.name == MANIFEST)]
    for path in files:
        os.link(path, stage / path.name)
    manifest = json.loads((stage / MANIFEST).read_text(encoding="utf-8"))
    (stage / MANIFEST).unlink()  # the hard link shares the old file: write a new one
    manifest["version"] = vid
    _write_json(stage / MANIFEST, manifest)
    (root / VERSIONS).mkdir(exist_ok=True)
    os.replace(stage, root / VERSIONS / vid)
    _point(root, vid)
    for path in files:
        path.unlink()


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _point(root: Path, vid: str) -> None:
    """Switch ``CURRENT`` to ``vid`` in one atomic step (and mark the folder as a store)."""
    if not (root / MARKER).is_file():
        _write_json(root / MARKER, {"format": FORMAT, "package": "pvanalysis"})
    tmp = root / f".{POINTER}.{os.getpid()}"
    tmp.write_text(vid + "\n", encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, root / POINTER)


def _pinned(path: Path) -> bool:
    try:
        handle = path.joinpath(MANIFEST).open("rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def prune(root: Path, keep: int) -> list[str]:
    """Delete versions beyond the ``keep`` newest; never the current one nor a pinned one."""
    now = current(root).id
    old = [v for v in versions(root) if v.id != now][: max(0, len(versions(root)) - keep)]
    removed = []
    for version in old:
        if _pinned(version.path):
            continue
        (root / TRASH).mkdir(exist_ok=True)
        target = root / TRASH / version.id
        os.replace(version.path, target)
        shutil.rmtree(target, ignore_errors=True)
        removed.append(version.id)
    shutil.rmtree(root / TRASH, ignore_errors=True)
    return removed


@dataclass
class Draft:
    """A version being written: fill ``path``, then leave the ``publish`` block.

    Attributes
    ----------
    version : Version
        The id and folder of the draft (readable as a version while it is written).
    manifest : dict
        Written as ``manifest.json`` on publication, with the id, time, file hashes and
        ``data_sha256`` added.
    """

    version: Version
    manifest: dict

    @property
    def path(self) -> Path:
        return self.version.path

    def link_from(self, source: Version, names) -> list[str]:
        """Bring tables of an earlier version in (hard links: versions never change)."""
        taken = []
        for name in names:
            path = source.path / f"{name}.parquet"
            if not path.is_file():
                continue
            try:
                os.link(path, self.path / path.name)
            except OSError:
                shutil.copy2(path, self.path / path.name)
            taken.append(name)
        return taken


@contextlib.contextmanager
def publish(processed_dir: str | Path = config.PROCESSED_DIR, *, keep: int = config.KEEP_VERSIONS,
            lock_timeout_s: float = 600.0) -> Iterator[Draft]:
    """Write a new version and make it current when the block ends without error.

    Parameters
    ----------
    processed_dir : path, default ``data/processed``
        The store (created if absent; a pvanalysis 0.1 folder is migrated first).
    keep : int, default 5
        Versions kept after publication (older ones are pruned, never the current one).
    lock_timeout_s : float, default 600
        How long to wait for another writer before stopping with a French error.

    Yields
    ------
    Draft
        Its folder is empty; write the version's files there and fill ``manifest``.

    Notes
    -----
    An exception inside the block discards the draft; the current version is untouched.
    """
    root = Path(processed_dir)
    with _locked(root, lock_timeout_s):
        _clear_leftovers(root)
        _migrate_legacy(root)
        vid = _new_id()
        while (root / VERSIONS / vid).exists():
            vid = _new_id()
        stage = root / STAGING / vid
        stage.mkdir(parents=True)
        draft = Draft(Version(vid, stage), {})
        try:
            yield draft
            hashes = {p.name: sha256_file(p) for p in sorted(stage.glob("*.parquet"))}
            manifest = {"version": vid,
                        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        **draft.manifest, "files": hashes, "data_sha256": _hash_files(hashes)}
            _write_json(stage / MANIFEST, manifest)
            (root / VERSIONS).mkdir(exist_ok=True)
            os.replace(stage, root / VERSIONS / vid)
            with contextlib.suppress(OSError):
                (root / STAGING).rmdir()
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        _point(root, vid)
        prune(root, keep)
        draft.version = Version(vid, root / VERSIONS / vid)
