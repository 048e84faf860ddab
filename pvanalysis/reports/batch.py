"""Batches: a configuration expanded into reports, run in a process pool, recorded.

A batch goes on past failures, reuses reports whose data, parameters and notebook are
unchanged, and writes the site's ``manifest.json`` and ``index.html``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from .. import __version__, fmt, store
from ..config import PROCESSED_DIR
from ..errors import ParameterError
from ..history import write_news
from ..text import suggestion
from .checks import _territory_codes, framework_conventions
from .execute import DEFAULT_TIMEOUT_S, EXIT_DEAD_KERNEL
from .export import HTML_NAME
from .kinds import KINDS, NOTEBOOKS_DIR, notebook_path, report_id
from .run import ReportResult, run_key, run_report
from .site import write_index


@dataclasses.dataclass
class BatchResult:
    """Outcome of a batch: every report, the site index and the manifest."""

    reports: list[ReportResult]
    out_dir: Path
    index: Path
    manifest: Path
    duration_s: float
    data_hash: str
    data_version: str = ""

    @property
    def failed(self) -> list[ReportResult]:
        """Reports that did not run to the end."""
        return [r for r in self.reports if not r.ok]

    @property
    def exit_code(self) -> int:
        """0 when every report succeeded, else 1."""
        return 1 if self.failed else 0

    def as_text(self) -> str:
        """French summary, one line per failure."""
        done = sum(r.ok for r in self.reports)
        skipped = sum(r.skipped for r in self.reports)
        lines = [f"{done}/{len(self.reports)} rapports réussis ({skipped} repris sans "
                 f"changement) en {fmt.number(self.duration_s, 1)} s"]
        lines += [f"  échec {r.report_id} (code {r.exit_code}) : {r.error}" for r in self.failed]
        lines.append(f"Site des rapports : {self.index.resolve()}")
        return "\n".join(lines)


def default_config_path() -> Path:
    """The batch configuration shipped with the package (``pvanalysis/data/reports.yml``)."""
    return Path(str(resources.files("pvanalysis") / "data" / "reports.yml"))


def load_config(config: str | Path | Mapping | None = None) -> dict:
    """Read a batch configuration (YAML) or return a mapping given as is.

    The file lists ``reports``, each with a ``kind``, optional ``params``, and optionally
    ``for_each`` (``region``, ``province``, ``commune`` or ``convention``) with a ``where``
    filter for conventions (``scale``, ``period_start``, ``period_end``). A top-level
    ``timeout_s`` sets the per-cell time limit.

    Raises
    ------
    InputFileError
        If the file is missing or is not a YAML mapping with a ``reports`` list.
    """
    import yaml

    from ..errors import InputFileError

    if isinstance(config, Mapping):
        return dict(config)
    path = Path(config) if config is not None else default_config_path()
    if not path.is_file():
        raise InputFileError("fichier de configuration introuvable", file=path,
                             hint="donner --config FICHIER.yml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputFileError(f"YAML illisible ({exc.problem})", file=path) from exc
    if not isinstance(data, dict) or not isinstance(data.get("reports"), list):
        raise InputFileError("la configuration doit contenir une liste « reports »", file=path)
    return data


def expand_config(config: Mapping, processed_dir: str | Path = PROCESSED_DIR) -> list[tuple]:
    """The reports a configuration asks for, as ``(kind, params)`` pairs, in order.

    ``for_each: region`` (or ``province``, ``commune``) gives one ``territoire`` report per
    unit of that level; ``for_each: convention`` one report per framework convention whose
    project matches ``where`` (``scale``; ``period_start``/``period_end`` on the contracting
    year).
    """
    pairs = []
    for entry in config["reports"]:
        kind, params = entry.get("kind"), dict(entry.get("params") or {})
        each = entry.get("for_each")
        if each is None:
            pairs.append((kind, params))
        elif each in ("region", "province", "commune"):
            codes = _territory_codes(each, processed_dir)
            pairs += [(kind, {"level": each, "code": code, **params}) for code in codes]
        elif each == "convention":
            ids = framework_conventions(processed_dir, **dict(entry.get("where") or {}))
            pairs += [(kind, {"convention_id": cid, **params}) for cid in ids]
        else:
            raise ParameterError(f"for_each inconnu : « {each} »"
                                 + suggestion(each, ("region", "province", "commune",
                                                     "convention")))
    return pairs


def _previous_runs(out_dir: Path) -> list[dict]:
    path = out_dir / "manifest.json"
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("reports", [])
    except (json.JSONDecodeError, AttributeError):
        return []
    return [e for e in entries if isinstance(e, dict) and "report_id" in e]


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True,
                                                                    default=str)


def _reusable(kind: str, params: Mapping, previous: list[dict], out_dir: Path,
              notebooks_dir: Path, data_sha: str) -> ReportResult | None:
    """The earlier result of an unchanged report, or None when it must run.

    Unchanged means: same kind and parameters as asked, a successful run whose key (data
    hash, converted parameters, notebook content, package version) is still the same, and its
    HTML copy still there. Nothing is imported or executed to decide.
    """
    for old in previous:
        if old.get("kind") != kind or not _same(old.get("given"), dict(params)):
            continue
        notebook = notebook_path(kind, notebooks_dir)
        if (old.get("status") == "ok" and notebook.is_file()
                and old.get("key") == run_key(kind, old.get("params", {}), notebook, data_sha)
                and (out_dir / old["report_id"] / HTML_NAME).is_file()):
            fields = {f.name for f in dataclasses.fields(ReportResult)}
            return ReportResult(**{**{k: v for k, v in old.items() if k in fields},
                                   "skipped": True})
    return None


def _pool(jobs: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def run_batch(config: str | Path | Mapping | None = None, out_dir: str | Path = "reports",
              jobs: int = 1, force: bool = False, processed_dir: str | Path = PROCESSED_DIR, *,
              notebooks_dir: str | Path = NOTEBOOKS_DIR, timeout_s: float | None = None,
              progress: Callable[[int, int, ReportResult], None] | None = None) -> BatchResult:
    """Run a set of reports, write ``index.html`` and ``manifest.json``.

    Parameters
    ----------
    config : path or mapping, optional
        Batch configuration (see ``load_config``); the packaged default when None: the
        national bilan 2017–2021, the 12 regions, the royal projects' conventions and the
        data-quality report.
    out_dir : path
        Output directory of the site.
    jobs : int
        Reports run at the same time (process pool; 1 runs them in this process).
    force : bool
        Run every report even when an unchanged earlier run exists.
    processed_dir : path
        Processed tables.
    notebooks_dir : path
        Folder of the notebooks.
    timeout_s : float, optional
        Per-cell time limit (seconds); else the configuration's ``timeout_s``, else 600.
    progress : callable, optional
        Called as ``progress(done, total, result)`` after each report.

    Returns
    -------
    BatchResult
        Every report's result; ``exit_code`` is 1 if any failed. Failed reports never stop
        the batch.

    Notes
    -----
    With ``jobs > 1`` reports run in a pool of *spawned* processes (no fork of a process
    that may hold ZMQ sockets); a script calling ``run_batch`` must therefore guard its entry
    point with ``if __name__ == "__main__":`` (the ``pvanalysis`` command does).
    """
    start = time.perf_counter()
    version = store.current(processed_dir)
    with version.pinned():
        return _run_batch(config, Path(out_dir), jobs, force, version, Path(notebooks_dir),
                          timeout_s, progress, start)


def _run_batch(config, out_dir: Path, jobs: int, force: bool, version: store.Version,
               notebooks_dir: Path, timeout_s, progress, start: float) -> BatchResult:
    """``run_batch`` on one resolved version: every report reads it."""
    cfg = load_config(config)
    timeout_s = timeout_s or cfg.get("timeout_s") or DEFAULT_TIMEOUT_S
    pairs = expand_config(cfg, version.path)
    out_dir.mkdir(parents=True, exist_ok=True)
    data_sha = version.data_sha256
    previous = [] if force else _previous_runs(out_dir)
    results: list[ReportResult | None] = [None] * len(pairs)
    todo = []
    for i, (kind, params) in enumerate(pairs):
        reused = _reusable(kind, params, previous, out_dir, notebooks_dir, data_sha) if (
            kind in KINDS and not force) else None
        if reused is None:
            todo.append(i)
        results[i] = reused
    done = 0
    for i in (i for i, r in enumerate(results) if r is not None):
        done += 1
        if progress:
            progress(done, len(pairs), results[i])
    run = functools.partial(run_report, out_dir=out_dir, processed_dir=version,
                            notebooks_dir=notebooks_dir, timeout_s=timeout_s,
                            index_href="../../index.html")
    for i, result in _run_all(run, pairs, todo, jobs):
        results[i] = result
        done += 1
        if progress:
            progress(done, len(pairs), result)
    batch = BatchResult(results, out_dir, out_dir / "index.html", out_dir / "manifest.json",
                        time.perf_counter() - start, data_sha, version.id)
    write_manifest(batch, version)
    write_index(batch)
    write_news(out_dir)
    return batch


def _run_all(run, pairs, todo, jobs):
    """Yield ``(index, ReportResult)`` as reports finish; a crashed worker becomes an error."""
    if jobs <= 1 or len(todo) <= 1:
        for i in todo:
            yield i, run(*pairs[i])
        return
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    with _pool(min(jobs, len(todo))) as pool:
        futures = {pool.submit(run, *pairs[i]): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            try:
                yield i, future.result()
            except BrokenProcessPool:
                kind, params = pairs[i]
                yield i, ReportResult(kind, params, report_id(kind, params), "dead_kernel",
                                      EXIT_DEAD_KERNEL, "le processus du rapport s'est arrêté")


def write_manifest(batch: BatchResult, version: store.Version) -> Path:
    """Write ``manifest.json``: versions, data hash, duration and every report's record."""
    content = {
        "package": "pvanalysis",
        "package_version": __version__,
        "python": sys.version.split()[0],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "processed_dir": str(version.path.resolve()),
        "data_version": version.id,
        "data_hash": batch.data_hash,
        "duration_s": round(batch.duration_s, 3),
        "status": "ok" if not batch.failed else "error",
        "reports": [r.as_dict() for r in batch.reports],
    }
    batch.manifest.write_text(json.dumps(content, ensure_ascii=False, indent=1, default=str),
                              encoding="utf-8")
    return batch.manifest
