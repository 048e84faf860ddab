"""Batches: a configuration expanded into reports, run in parallel, recorded.

A batch holds the site's lock, goes on past failures, redoes only the reports whose inputs
changed (:mod:`~pvanalysis.reports.depends`: the rows they read, their notebook, the
package version) and says why each one ran, and writes the site's ``manifest.json`` and
index atomically — also when it is interrupted (SIGINT, SIGTERM): the reports not redone
keep their previous version, and the index says so.

Reports run in threads of this process, each waiting for its own child of the fork server
(``jobs`` at a time), or on a Dask cluster (``dask="local"`` or a scheduler address).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from .. import __version__, fmt, store
from ..config import PROCESSED_DIR
from ..errors import ParameterError, PvInputError
from ..history import write_news
from ..text import suggestion
from . import files
from .checks import _territory_codes, framework_conventions
from .depends import DataIndex, changed
from .editions import PDF_NAME
from .execute import DEFAULT_TIMEOUT_S
from .export import HTML_NAME
from .kinds import NOTEBOOKS_DIR, coerce_params, notebook_parameters, notebook_path, report_id
from .run import ReportResult, execute_report, run_key
from .short import short_sheet, template_sha
from .site import territory_names, write_index

#: The manifest is rewritten at least this often during a batch (seconds).
MANIFEST_EVERY_S = 15.0
#: Packaged configurations, by name (``--config pays``).
PACKAGED = {"defaut": "reports.yml", "pays": "pays.yml"}


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
    interrupted: bool = False
    executor: str = ""
    names: dict = dataclasses.field(default_factory=dict, repr=False)

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
        lines += [f"  échec {r.report_id} (code {r.exit_code}) : {r.error}"
                  + (" — version précédente affichée" if r.shown else "")
                  for r in self.failed]
        lines.append(f"Site des rapports : {self.index.resolve()}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------

def default_config_path(name: str = "defaut") -> Path:
    """A batch configuration shipped with the package: ``defaut`` (``reports.yml``) or
    ``pays`` (every territory and convention, ``pays.yml``)."""
    return Path(str(resources.files("pvanalysis") / "data" / PACKAGED[name]))


def load_config(config: str | Path | Mapping | None = None) -> dict:
    """Read a batch configuration (YAML), a packaged one by name, or a mapping given as is.

    The file lists ``reports``, each with a ``kind``, optional ``params``, and optionally
    ``for_each`` (``region``, ``province``, ``commune`` or ``convention``) with a ``where``
    filter for conventions (``scale``, ``period_start``, ``period_end``). A top-level
    ``timeout_s`` sets the per-cell time limit; ``langs`` (``[fr, ar]``) the language
    editions of each report that has them (:func:`languages`); ``editions`` the formats of
    every report (``[html, pdf]``; an entry may set its own). ``"pays"`` and ``"defaut"``
    name the packaged configurations.

    Raises
    ------
    InputFileError
        If the file is missing or is not a YAML mapping with a ``reports`` list.
    """
    import yaml

    from ..errors import InputFileError

    if isinstance(config, Mapping):
        return dict(config)
    if config is None or (str(config) in PACKAGED and not Path(config).is_file()):
        path = default_config_path(str(config or "defaut"))
    else:
        path = Path(config)
    if not path.is_file():
        raise InputFileError("fichier de configuration introuvable", file=path,
                             hint="donner --config FICHIER.yml, ou --config pays")
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


def languages(config: Mapping) -> list[str]:
    """The other-language editions a configuration asks for (``langs: [fr, ar]`` → ``["ar"]``);
    French, the source, is always written."""
    from ..i18n import check_lang

    langs = config.get("langs") or ["fr"]
    if not isinstance(langs, list):
        raise ParameterError(f"« langs » doit être une liste, par exemple [fr, ar] (valeur lue : "
                             f"« {langs} »)")
    return [check_lang(str(lang)) for lang in dict.fromkeys(langs) if lang != "fr"]


def with_languages(pairs: list[tuple], langs: list[str], notebooks_dir) -> list[tuple]:
    """Each report followed by its editions in ``langs``, for the kinds whose notebook has a
    ``lang`` parameter (an edition is a report of its own: skip, failure and the index know
    it)."""
    if not langs:
        return pairs
    out = []
    for kind, params in pairs:
        out.append((kind, params))
        try:
            has_lang = "lang" in notebook_parameters(notebook_path(kind, notebooks_dir))
        except (PvInputError, OSError):
            has_lang = False
        if has_lang and params.get("lang", "fr") == "fr":
            out += [(kind, {**params, "lang": lang}) for lang in langs]
    return out


# --------------------------------------------------------------------------------------------
# What to redo, and why
# --------------------------------------------------------------------------------------------

def _key(kind, params) -> str:
    return json.dumps([kind, dict(params)], sort_keys=True, default=str)


def _previous_runs(out_dir: Path) -> dict[str, dict]:
    """Entries of the site's manifest, by kind and parameters as asked."""
    path = out_dir / "manifest.json"
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("reports", [])
    except (json.JSONDecodeError, AttributeError):
        return {}
    return {_key(e.get("kind"), e.get("given") or {}): e for e in entries
            if isinstance(e, dict) and "report_id" in e}


def why_run(kind: str, typed: Mapping, inputs: Mapping, notebook_sha: str,
            old: Mapping | None, out_dir: Path, editions=("html",)) -> str | None:
    """Why a report must run (French), or None when its earlier run can be reused.

    Reused means: a successful earlier run with its page still there, the same notebook and
    package version, the same digests of what it reads and the same parameters, and every
    edition asked for (``editions``) in its folder.
    """
    if old is None:
        return "première exécution"
    if old.get("status") != "ok":
        return "exécution précédente en échec"
    if not (out_dir / old["report_id"] / HTML_NAME).is_file():
        return "page absente du site"
    if "pdf" in editions and not (out_dir / old["report_id"] / PDF_NAME).is_file():
        return "édition PDF absente"
    for made in ("png", "svg"):
        if made in editions and made not in old.get("editions", [made]):
            return f"figures {made.upper()} absentes"
    if old.get("notebook_sha") != notebook_sha:
        return "carnet modifié"
    if old.get("package_version") != __version__:
        return f"pvanalysis mis à jour ({old.get('package_version')} → {__version__})"
    moved = changed(old.get("inputs"), inputs)
    if moved:
        return "données lues modifiées : " + ", ".join(moved)
    if old.get("key") != run_key(kind, typed, notebook_sha, inputs):
        return "paramètres modifiés"
    return None


def _reused(old: Mapping) -> ReportResult:
    fields = {f.name for f in dataclasses.fields(ReportResult)}
    return ReportResult(**{**{k: v for k, v in old.items() if k in fields}, "skipped": True,
                           "reason": "inchangé"})


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------

def run_batch(config: str | Path | Mapping | None = None, out_dir: str | Path = "reports",
              jobs: int = 1, force: bool = False, processed_dir: str | Path = PROCESSED_DIR, *,
              notebooks_dir: str | Path = NOTEBOOKS_DIR, timeout_s: float | None = None,
              progress: Callable[[int, int, ReportResult], None] | None = None,
              engine: str = "fork", dask: str | None = None,
              region: str | None = None, editions=None) -> BatchResult:
    """Run a set of reports, write ``index.html`` and ``manifest.json``.

    Parameters
    ----------
    config : path, name or mapping, optional
        Batch configuration (see ``load_config``); the packaged default when None: the
        national bilan 2017–2021, the 12 regions, the royal projects' conventions and the
        data-quality report. ``"pays"``: every region, province, commune and convention.
    out_dir : path
        Output directory of the site.
    jobs : int
        Reports run at the same time (each in its own process).
    force : bool
        Run every report even when its inputs are unchanged.
    processed_dir : path
        Processed tables.
    notebooks_dir : path
        Folder of the notebooks.
    timeout_s : float, optional
        Per-cell time limit (seconds); else the configuration's ``timeout_s``, else 600.
    progress : callable, optional
        Called as ``progress(done, total, result)`` after each report (``result.reason``
        says why it ran).
    engine : {"fork", "kernel"}
        Fresh children of the warm fork server running the cells, or a Jupyter kernel each.
    dask : str, optional
        ``"local"`` (a ``LocalCluster`` of ``jobs`` workers) or a Dask scheduler address:
        the reports run on its workers (same folders, which must be shared).
    region : str, optional
        Only the reports of this region (territory sheets within it, conventions of its
        projects), or ``"national"`` for the others: one part of a batch split by region,
        each part in its own site folder (:func:`merge_sites` gathers them).
    editions : list of str, optional
        Editions of every report (``["html", "pdf"]``), over the configuration's
        ``editions``; a report whose asked edition is missing from its folder is redone.

    Returns
    -------
    BatchResult
        Every report's result; ``exit_code`` is 1 if any failed. Failed reports never stop
        the batch.

    Raises
    ------
    PvInputError
        Another batch is writing the same site.
    KeyboardInterrupt
        On SIGINT or SIGTERM, after the manifest and the index are written.
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    version = store.current(processed_dir)
    with files.site_lock(out_dir), version.pinned(), _terminate_as_interrupt():
        files.recover(out_dir)
        return _run_batch(config, out_dir, jobs, force, version, Path(notebooks_dir),
                          timeout_s, progress, start, engine, dask, region, editions)


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM raises KeyboardInterrupt in the main thread while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _is_short(kind: str, typed: Mapping, index: DataIndex) -> bool:
    """A commune sheet for a commune that no project touches gets the short sheet."""
    code = str(typed.get("code", ""))
    return (kind == "territoire" and typed.get("level") == "commune"
            and code in index.known.get("commune", ()) and index.project_count(code) == 0)


def _known(kind: str, typed: Mapping, index: DataIndex) -> bool:
    """True when the batch already knows the parameters are valid: a territory of the
    reference or a known convention, and a plausible period (the child skips its check)."""
    from .checks import check_period

    try:
        check_period(typed.get("period_start", 2017), typed.get("period_end", 2021))
    except PvInputError:
        return False
    if kind == "territoire":
        return str(typed.get("code", "")) in index.known.get(typed.get("level"), ())
    if kind == "convention":
        asked = str(typed.get("convention_id", ""))
        return bool((index.conventions["convention_id"] == asked).any())
    return False


def _plan(pairs, previous, index: DataIndex, out_dir, notebooks_dir, force, langs, editions):
    """``(results, todo)``: reused results in place, and ``(i, kind, params, inputs,
    reason, short, checked, editions)`` for each report to run (``short``: the short sheet;
    ``checked``: parameters known valid; ``editions[i]``: the report's editions)."""
    results: list[ReportResult | None] = [None] * len(pairs)
    todo = []
    sha = {"short": template_sha()}
    for i, (kind, params) in enumerate(pairs):
        old = previous.get(_key(kind, params))
        try:
            typed = coerce_params(kind, params, notebooks_dir)
            notebook = notebook_path(kind, notebooks_dir)
        except PvInputError:
            todo.append((i, kind, params, {}, "paramètres à vérifier", False, False,
                         editions[i]))
            continue
        short = _is_short(kind, typed, index)
        checked = _known(kind, typed, index)
        source = "short" if short else notebook
        if source not in sha:
            sha[source] = store.sha256_file(notebook)
        inputs = index.inputs(kind, typed)
        if langs and typed.get("lang", "fr") == "fr" and "lang" in notebook_parameters(notebook):
            inputs = {**inputs, "editions": ",".join(langs)}  # its page links to them
        reason = "refait sur demande (--force)" if force else why_run(
            kind, typed, inputs, sha[source], old, out_dir, () if short else editions[i])
        if reason is None:
            results[i] = _reused(old)
        else:
            todo.append((i, kind, params, inputs, reason, short, checked, editions[i]))
    return results, todo


def expand_editions(config: Mapping, processed_dir, editions=None) -> tuple[list, list]:
    """:func:`expand_config` and the editions of each report: ``editions`` when given (the
    command line), else the entry's ``editions``, else the configuration's, else HTML only.

    Raises
    ------
    ParameterError
        An unknown edition (French message).
    """
    from .editions import check_editions

    pairs, chosen = [], []
    default = editions if editions is not None else config.get("editions")
    for entry in config["reports"]:
        own = expand_config({**config, "reports": [entry]}, processed_dir)
        asked = editions if editions is not None else entry.get("editions", default)
        pairs += own
        chosen += [check_editions(asked)] * len(own)
    return pairs, chosen


def _run_batch(config, out_dir: Path, jobs: int, force: bool, version: store.Version,
               notebooks_dir: Path, timeout_s, progress, start: float, engine: str,
               dask: str | None, region: str | None, editions=None) -> BatchResult:
    """``run_batch`` on one resolved version, under the site lock."""
    cfg = load_config(config)
    timeout_s = timeout_s or cfg.get("timeout_s") or DEFAULT_TIMEOUT_S
    langs = languages(cfg)
    pairs, formats = expand_editions(cfg, version.path, editions)
    index = DataIndex(version)
    # each report, then its other-language editions, each with the formats of its entry
    chosen = [(pair, fmts) for (kind, params), fmts in zip(pairs, formats, strict=True)
              for pair in with_languages([(kind, params)], langs, notebooks_dir)]
    pairs, editions = [pair for pair, _ in chosen], [fmts for _, fmts in chosen]
    if region is not None:
        kept = [i for i, (k, p) in enumerate(pairs) if index.region_of(k, p) == str(region)]
        pairs, editions = [pairs[i] for i in kept], [editions[i] for i in kept]
    warm = _warm_start(engine, dask, jobs, version, pairs, editions)
    previous = _previous_runs(out_dir)
    results, todo = _plan(pairs, previous, index, out_dir, notebooks_dir, force, langs, editions)
    done = 0
    for result in (r for r in results if r is not None):
        done += 1
        if progress:
            progress(done, len(pairs), result)
    stop = threading.Event()
    run = functools.partial(execute_report, out_dir=out_dir.resolve(), processed_dir=version,
                            notebooks_dir=notebooks_dir.resolve(), timeout_s=timeout_s,
                            index_href="../../index.html", engine=engine,
                            langs=tuple(langs))
    batch = BatchResult(results, out_dir, out_dir / "index.html", out_dir / "manifest.json",
                        0.0, version.data_sha256, version.id,
                        executor=f"dask {dask}" if dask else f"{engine}, {jobs} à la fois")
    batch.names = territory_names(version)
    last_write = time.monotonic()
    if dask:
        version = store.Version(version.id, version.path.resolve())
        run = functools.partial(run, processed_dir=version)
    runner = _run_on_dask(run, todo, dask, jobs) if dask else _run_local(run, todo, jobs, stop,
                                                                         warm)
    try:
        for i, result in runner:
            results[i] = result
            done += 1
            if progress:
                progress(done, len(pairs), result)
            if time.monotonic() - last_write > MANIFEST_EVERY_S:
                _write_site(batch, version, previous, pairs, start, index=False)
                last_write = time.monotonic()
    except KeyboardInterrupt:
        stop.set()
        runner.close()
        batch.interrupted = True
        _write_site(batch, version, previous, pairs, start)
        raise
    finally:
        if warm is not None:
            warm.drop()  # not run (an error, nothing to do): stop its processes now
    _write_site(batch, version, previous, pairs, start)
    return batch


def _write_site(batch: BatchResult, version, previous, pairs, start, index: bool = True):
    """Manifest (and index): finished reports, and the previous entry of each other one."""
    shown = []
    for r, (kind, params) in zip(batch.reports, pairs, strict=True):
        if r is None:
            old = previous.get(_key(kind, params))
            if old is None or old.get("status") != "ok":
                continue
            r = _reused(old)
            r.reason = "pas refait (lot interrompu) : version précédente"
        shown.append(r)
    view = dataclasses.replace(batch, reports=shown,
                               duration_s=time.perf_counter() - start)
    batch.duration_s = view.duration_s
    write_manifest(view, version)
    if index:
        write_index(view, batch.names)
        write_news(batch.out_dir)


def _function(run, short: bool):
    """The per-report function: the notebook run, or the short sheet with the same options."""
    if not short:
        return run
    return functools.partial(short_sheet, **{k: v for k, v in run.keywords.items()
                                             if k in ("out_dir", "processed_dir",
                                                      "index_href")})


def warm_version(processed: str, periods=(), pdf: bool = False) -> None:
    """Read one version of the data and compute what the reports of a batch share.

    Run by each warm process of a batch (:class:`~pvanalysis.reports.fork.WarmPool`)
    before it forks the reports: the tables (:func:`pvanalysis.sections.load_tables` keeps
    the last version read), the territory layers (attributes and display outlines), and
    the national flows of each ``(period_start, period_end)`` of ``periods`` at each level,
    sliced by the territory sheets afterwards, and WeasyPrint when ``pdf``. Nothing is
    written.
    """
    from .. import indicators, sections, territories

    if pdf:
        import io

        from weasyprint import HTML

        HTML(string="<p>é</p>").write_pdf(io.BytesIO())  # fonts and layout machinery
    tables = sections.load_tables(processed)
    cutoff = sections.cutoff(tables, processed, "")
    for level in ("region", "province", "commune"):
        territories.load_layer(level, processed)
        territories.load_layer(level, processed, display=True)
    for start, end in periods:
        where = indicators.Slice(period=(int(start), int(end)), ref_date=cutoff)
        for level in (None, "region", "province", "commune"):
            indicators.flows(tables, where, level=level)


class _WarmStart:
    """The warm processes of a batch, started while the batch plans (importing the
    libraries and reading the version take seconds), then used, or dropped at once when no
    notebook report is to be run."""

    def __init__(self, size: int, kwargs: Mapping):
        self._pool, self._dropped, self._lock = None, False, threading.Lock()
        self._thread = threading.Thread(target=self._start, args=(size, kwargs), daemon=True,
                                        name="pv-warm")
        self._thread.start()

    def _start(self, size: int, kwargs: Mapping) -> None:
        from . import fork

        pool = fork.WarmPool(size, warm_version, kwargs)
        with self._lock:
            if self._dropped:
                pool.kill()
            else:
                self._pool = pool

    def get(self):
        """The pool, once its processes are started (they warm on their own); the caller
        owns it from then on (and closes it)."""
        self._thread.join()
        with self._lock:
            pool, self._pool, self._dropped = self._pool, None, True
        return pool

    def drop(self) -> None:
        with self._lock:
            self._dropped = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.kill()


def _warm_start(engine: str, dask, jobs: int, version: store.Version, pairs,
                editions) -> _WarmStart | None:
    """Warm processes for a local fork batch: each reads the version, the national flows of
    the periods the batch asks for and, if a PDF is asked for, WeasyPrint."""
    from . import fork

    if engine != "fork" or dask or not fork.can_fork_children():
        return None
    periods = set()
    for _, params in pairs:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            periods.add((int(params["period_start"]), int(params["period_end"])))
    return _WarmStart(jobs, {"processed": str(version.path.resolve()),
                             "periods": sorted(periods),
                             "pdf": any("pdf" in e for e in editions or ())})


def _editions(short: bool, editions) -> dict:
    """Keyword of the per-report function: a notebook run takes its editions; the short
    sheet of a commune without project is a page only."""
    return {} if short else {"editions": editions}


def _run_local(run, todo, jobs: int, stop: threading.Event, warm: _WarmStart | None = None):
    """Yield ``(index, ReportResult)`` as reports finish; ``jobs`` threads, each waiting
    for its report's own process (forked from ``warm``'s processes when given)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from . import fork

    warm_pool = None
    if warm is not None and any(not short for _, _, _, _, _, short, *_ in todo):
        warm_pool = warm.get()
    elif warm is not None:
        warm.drop()
    if warm_pool is not None:
        run = functools.partial(run, pool=warm_pool)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="pv-report")
    try:
        futures = {pool.submit(_function(run, short), kind, params, inputs=inputs,
                               reason=reason, stop=stop, checked=checked,
                               **_editions(short, editions)): i
                   for i, kind, params, inputs, reason, short, checked, editions in todo}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except KeyboardInterrupt:
                continue
    finally:
        if stop.is_set() or sys.exc_info()[0] is not None:
            stop.set()
            for future in futures:
                future.cancel()
            fork.kill_children()
        pool.shutdown(wait=True, cancel_futures=True)
        if warm_pool is not None:
            warm_pool.close()


def _run_on_dask(run, todo, address: str, jobs: int):
    """Yield ``(index, ReportResult)`` as reports finish on a Dask cluster."""
    from .distributed import dask_client

    with dask_client(address, jobs) as client:
        from distributed import as_completed

        futures = {client.submit(_function(run, short), kind, params, inputs=inputs,
                                 reason=reason, checked=checked, pure=False,
                                 key=f"rapport-{i}-{report_id(kind, params)}",
                                 **_editions(short, editions)): i
                   for i, kind, params, inputs, reason, short, checked, editions in todo}
        try:
            for future in as_completed(futures):
                yield futures[future], _dask_result(future, todo, futures)
        finally:
            client.cancel(list(futures))


def _dask_result(future, todo, futures) -> ReportResult:
    """A finished Dask future's result; a lost worker becomes an error (138)."""
    try:
        return future.result()
    except Exception as exc:  # the worker died or the task could not run
        _, kind, params, inputs, reason, *_ = next(t for t in todo if t[0] == futures[future])
        return ReportResult(kind, params, report_id(kind, params), "dead_kernel", 138,
                            f"le travailleur Dask s'est arrêté : {type(exc).__name__}",
                            given=params, reason=reason, inputs=inputs, engine="dask")


def merge_sites(out_dir: str | Path, processed_dir: str | Path = PROCESSED_DIR) -> BatchResult:
    """One index over the part sites of ``out_dir`` (``out_dir/<part>/manifest.json``, such
    as the parts of a batch split by region): national page, region and province pages,
    search, and a ``manifest.json`` listing every part's reports (ids prefixed by the part).
    """
    out_dir = Path(out_dir)
    fields = {f.name for f in dataclasses.fields(ReportResult)}
    results, versions, duration = [], set(), 0.0
    with files.site_lock(out_dir):
        for manifest in sorted(out_dir.glob("*/manifest.json")):
            part = manifest.parent.name
            content = json.loads(manifest.read_text(encoding="utf-8"))
            versions.add(content.get("data_version", ""))
            duration = max(duration, float(content.get("duration_s") or 0))
            for entry in content.get("reports", []):
                r = ReportResult(**{k: v for k, v in entry.items() if k in fields})
                r.report_id = f"{part}/{r.report_id}"
                if r.shown and r.shown.get("failed_href"):
                    r.shown = {**r.shown, "failed_href": f"{part}/{r.shown['failed_href']}"}
                results.append(r)
        version = store.current(processed_dir)
        batch = BatchResult(results, out_dir, out_dir / "index.html", out_dir / "manifest.json",
                            duration, version.data_sha256, " + ".join(sorted(versions)),
                            executor="parties réunies")
        write_manifest(batch, version)
        write_index(batch, territory_names(version))
        write_news(out_dir)
    return batch


def write_manifest(batch: BatchResult, version: store.Version) -> Path:
    """Write ``manifest.json`` atomically: versions, data hash, duration, every report."""
    peaks = [r.peak_rss_mb for r in batch.reports if r.peak_rss_mb and not r.skipped]
    content = {
        "package": "pvanalysis",
        "package_version": __version__,
        "python": sys.version.split()[0],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "processed_dir": str(version.path.resolve()),
        "data_version": version.id,
        "data_hash": batch.data_hash,
        "duration_s": round(batch.duration_s, 3),
        "executor": batch.executor,
        "peak_rss_mb": max(peaks) if peaks else None,
        "status": ("interrupted" if batch.interrupted else
                   "ok" if not batch.failed else "error"),
        "reports": [r.as_dict() for r in batch.reports],
    }
    files.write_json_atomic(batch.manifest, content)
    return batch.manifest
