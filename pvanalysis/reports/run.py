"""One report: a notebook run with validated parameters into its own folder.

The folder holds the executed notebook (the record), its HTML copy without code, the files
the notebook writes (``figures.json``, maps) and ``execution.json`` (which run it holds);
the result names the data version read.

A report runs into a folder of ``.staging/`` and replaces its folder only when it
succeeded. A failed run keeps the previous good folder in place (its own executed
notebook and page go to ``echecs/<kind>/<slug>/``) and its result says which run is shown
(``shown``). The notebook runs in a fresh child of the fork server
(:mod:`~pvanalysis.reports.fork`) with the in-process engine
(:mod:`~pvanalysis.reports.engine`, ``engine="fork"``) or with a Jupyter kernel of its own
(``engine="kernel"``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__, fmt, i18n, store
from ..config import PROCESSED_DIR
from ..errors import PvInputError
from ..present import FIGURE_FORMATS_ENV, FIGURES_NAME
from . import files
from .checks import validate_params
from .editions import DEFAULT_EDITIONS, check_editions, outputs
from .execute import (
    DEFAULT_TIMEOUT_S,
    EXIT_CELL_ERROR,
    EXIT_DEAD_KERNEL,
    EXIT_PARAMETERS,
    EXIT_TIMEOUT,
    KERNEL_LOG,
    execute_notebook,
)
from .export import HTML_NAME, export_html
from .kinds import (
    KINDS,
    NOTEBOOKS_DIR,
    _report_folder,
    coerce_params,
    edition_href,
    edition_index_href,
    notebook_parameters,
    notebook_path,
    report_id,
)

#: Executors: a fresh fork of the warm server running the cells itself, or a Jupyter kernel.
ENGINES = ("fork", "kernel")
#: Folder of the site receiving the record of failed runs whose previous page stays shown.
FAILED_DIR = "echecs"

# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ReportResult:
    """Outcome of one report run.

    Attributes
    ----------
    kind : str
        Report kind (key of ``KINDS``).
    params : dict
        Parameters as given (after type conversion when it succeeded).
    report_id : str
        Folder of the report relative to the output directory, ``"<kind>/<slug>"``.
    status : str
        ``"ok"``, ``"error"``, ``"timeout"`` or ``"dead_kernel"``.
    exit_code : int
        0, 1 (cell error), 2 (invalid parameters), 124 (time limit), 138 (dead kernel).
    error : str or None
        French message when the report failed.
    duration_s : float
        Wall time of the run (seconds); for a skipped report, that of the run it reuses.
    figures : dict
        Content of ``figures.json`` (empty if none was written).
    skipped : bool
        True when an unchanged earlier run was reused.
    key : str
        Hash of data, parameters, notebook and package version (decides the skip).
    html_bytes : int
        Size of the HTML copy (bytes), 0 if none.
    given : dict
        Parameters exactly as asked (before conversion), to recognise an unchanged report
        cheaply.
    data_version : str
        Id of the processed-data version the report read (``pvanalysis.store``).
    reason : str
        Why it ran (French), or why it was reused.
    inputs : dict
        Digests of what the report reads (:mod:`~pvanalysis.reports.depends`).
    notebook_sha, package_version : str
        The notebook's content hash and the package version of the run.
    finished_at : str
        End of the run (ISO 8601, UTC).
    peak_rss_mb : float or None
        Peak resident memory of the report's process (MiB).
    engine : str
        ``"fork"`` or ``"kernel"`` (see ``ENGINES``), ``"fiche courte"`` for the short sheet
        of a commune without project.
    shown : dict or None
        When the run failed and an earlier good run stays shown: its ``finished_at`` and
        ``data_version`` (and ``failed_href``, the failed run's page).
    editions : list of str
        Editions asked for (:data:`~pvanalysis.reports.editions.EDITIONS`).
    outputs : dict
        Edition files of the folder shown, by edition (``html``, ``pdf``, ``xlsx``).
    """

    kind: str
    params: dict
    report_id: str
    status: str
    exit_code: int
    error: str | None = None
    duration_s: float = 0.0
    figures: dict = dataclasses.field(default_factory=dict)
    skipped: bool = False
    key: str = ""
    html_bytes: int = 0
    given: dict = dataclasses.field(default_factory=dict)
    data_version: str = ""
    reason: str = ""
    inputs: dict = dataclasses.field(default_factory=dict)
    notebook_sha: str = ""
    package_version: str = __version__
    finished_at: str = ""
    peak_rss_mb: float | None = None
    engine: str = ""
    shown: dict | None = None
    editions: list = dataclasses.field(default_factory=lambda: list(DEFAULT_EDITIONS))
    outputs: dict = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the report ran to the end."""
        return self.status == "ok"

    def as_dict(self) -> dict:
        """JSON-ready record (the manifest's entry)."""
        return dataclasses.asdict(self)



# --------------------------------------------------------------------------------------------
# One report
# --------------------------------------------------------------------------------------------

def run_key(kind: str, params: Mapping, notebook_sha: str, inputs: Mapping,
            version: str = __version__) -> str:
    """Hash deciding whether an earlier run can be reused: what the report reads (its
    ``inputs`` digests), its parameters, its notebook and the package version."""
    content = {"kind": kind, "params": dict(params), "notebook": notebook_sha,
               "inputs": dict(inputs), "version": version}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


#: French names of the report parameters, for the page footer.
N_ = i18n.N_
PARAMETER_LABELS = {
    "level": N_("niveau"), "code": N_("territoire"), "period_start": N_("de"),
    "period_end": N_("à"), "scales": N_("échelles"), "ref_date": N_("date d'arrêt"),
    "convention_id": "convention", "published": N_("chiffres publiés"),
    "since": N_("depuis l'édition"), "census_date": N_("recensement"),
    "neighbours": N_("voisins"), "bands": N_("bandes"), "indicators": N_("indicateurs"),
}
_LEVELS_FR = {"region": N_("région"), "province": N_("province"), "commune": N_("commune")}


def _footer(kind: str, params: Mapping, version: store.Version) -> str:
    lang = params.get("lang", "fr")
    if lang != "fr":
        with i18n.using(lang):
            return _edition_footer(kind, params, version)
    shown = ", ".join(f"{PARAMETER_LABELS.get(k, k)} : "
                      f"{_LEVELS_FR.get(v, v) if k == 'level' else v}"
                      for k, v in params.items()) or "paramètres par défaut"
    stamp = datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC")
    return (f"{KINDS[kind].label} — {shown}. Produit par pvanalysis {__version__} le {stamp} ; "
            f"données : version {version.id}.")


def _edition_footer(kind: str, params: Mapping, version: store.Version) -> str:
    """The footer of an edition in another language (values isolated, names translated)."""
    _ = i18n._
    iso = i18n.isolate
    shown = "، ".join(f"{_(PARAMETER_LABELS.get(k, k))} : "
                      f"{_(_LEVELS_FR.get(v, v)) if k == 'level' else iso(str(v))}"
                      for k, v in params.items() if k != "lang") or _("paramètres par défaut")
    stamp = datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC")
    return _("{kind} — {params}. Produit par pvanalysis {version} le {stamp} ; données : "
             "version {data}.").format(kind=_(KINDS[kind].label), params=shown,
                                       version=iso(__version__), stamp=iso(stamp),
                                       data=iso(version.id))


def run_notebook(notebook: Path, parameters: Mapping, folder: Path,
                 timeout_s: float = DEFAULT_TIMEOUT_S, *, kind_label: str = "",
                 footer: str = "", index_href: str | None = None,
                 engine: str = "kernel", switch: tuple | None = None,
                 editions: tuple[str, ...] = DEFAULT_EDITIONS) -> tuple:
    """Execute a notebook into ``folder`` and write its HTML copy (no parameter checks).

    The notebook works in its own folder, as in JupyterLab, so relative defaults
    (``../data/raw/published_figures.yaml``) mean the same in both; outputs go to
    ``output_dir``. The executed notebook is kept even when a cell fails. ``engine="kernel"``
    starts a Jupyter kernel; ``"fork"`` runs the cells in this process (meant for a fresh
    child of the fork server). With ``"pdf"`` in ``editions``, the PDF edition is written
    from the page of a successful run; a PDF that cannot be made fails the run (code 1).

    Returns
    -------
    tuple
        ``(status, exit_code, error, html_bytes)``, see :func:`execute_notebook`.
    """
    executed = folder / Path(notebook).name
    # the notebook's figures (present.show_figure) read which files to write; a kernel
    # started from here inherits it
    os.environ[FIGURE_FORMATS_ENV] = ",".join(e for e in ("png", "svg") if e in editions)
    status, code, error = execute_notebook(notebook, executed, parameters,
                                           Path(notebook).parent.resolve(), timeout_s,
                                           folder / KERNEL_LOG, engine=engine)
    log = folder / KERNEL_LOG
    if log.is_file() and log.stat().st_size == 0:
        log.unlink()
    html_bytes = 0
    if executed.exists():
        import nbformat

        from ..present import TABLES_NAME
        from .editions import name_sheets

        name_sheets(nbformat.read(str(executed), as_version=4), folder / TABLES_NAME)
        page = export_html(executed, folder / HTML_NAME, kind_label=kind_label, footer=footer,
                           index_href=index_href, switch=switch, editions=editions)
        html_bytes = page.stat().st_size
        if status == "ok" and "pdf" in editions:
            status, code, error = _pdf_edition(page)
    return status, code, error, html_bytes


def _pdf_edition(page: Path) -> tuple:
    """Write the PDF edition of ``page``: ``("ok", 0, None)``, or a failed run (code 1)."""
    from .editions import write_pdf

    try:
        write_pdf(page)
    except Exception as exc:  # any failure of the PDF step fails the report, as a cell would
        return "error", EXIT_CELL_ERROR, f"édition PDF impossible : {type(exc).__name__} : {exc}"
    return "ok", 0, None


def attempt(kind: str, params: Mapping, folder: str, processed: str, notebooks_dir: str,
            timeout_s: float, index_href: str | None, engine: str, footer: str,
            checked: bool = False, switch: tuple | None = None,
            editions: tuple[str, ...] = DEFAULT_EDITIONS) -> dict:
    """One run of a report into ``folder`` (what a child process does): check the
    parameters against the data (unless ``checked``: the batch already knows the territory
    or the convention), execute, export. Returns the outcome as a dict."""
    start = time.perf_counter()
    try:
        if not checked:
            validate_params(kind, params, processed, notebooks_dir)
    except PvInputError as exc:
        return {"status": "error", "exit_code": EXIT_PARAMETERS, "error": str(exc),
                "html_bytes": 0, "duration_s": time.perf_counter() - start}
    from .execute import forget_kernel_spec

    folder = Path(folder)
    injected = {**params, "processed_dir": processed, "output_dir": str(folder)}
    try:
        status, code, error, html_bytes = run_notebook(
            notebook_path(kind, notebooks_dir), injected, folder, timeout_s,
            kind_label=KINDS[kind].label, footer=footer, index_href=index_href, engine=engine,
            switch=switch, editions=tuple(editions))
    finally:
        forget_kernel_spec()
    return {"status": status, "exit_code": code, "error": error, "html_bytes": html_bytes,
            "duration_s": time.perf_counter() - start}


def _in_child(kwargs: dict, timeout_s: float, cells: int, pool=None) -> dict:
    """:func:`attempt` in a fresh child of the fork server (or of a warm process of
    ``pool``, a :class:`~pvanalysis.reports.fork.WarmPool`); a dead child becomes 138, one
    past its hard limit (every cell at its limit, plus a minute) 124."""
    from . import fork

    if not fork.can_fork_children():  # a daemonic process: run here, through a kernel
        kwargs = {**kwargs, "engine": "kernel"}
        return {**attempt(**kwargs), "peak_rss_mb": fork.peak_rss_mb(), "engine": "kernel"}
    run = fork.run_in_child if pool is None or kwargs["engine"] != "fork" else pool.run
    state, value, peak, exitcode = run(attempt, kwargs, hard_limit_s=timeout_s * cells + 60)
    if state == "ok":
        return {**value, "peak_rss_mb": peak}
    if state == "killed":
        limit = fmt.number(timeout_s * cells + 60)
        return {"status": "timeout", "exit_code": EXIT_TIMEOUT, "html_bytes": 0,
                "error": f"délai dépassé : le rapport a duré plus de {limit} s"}
    if state == "raised":
        return {"status": "error", "exit_code": EXIT_CELL_ERROR, "html_bytes": 0,
                "error": f"erreur de l'exécution : {value}"}
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"code {exitcode}"
    return {"status": "dead_kernel", "exit_code": EXIT_DEAD_KERNEL, "html_bytes": 0,
            "error": f"le processus du rapport s'est arrêté ({how}) ; mémoire insuffisante ?"}


def _code_cells(notebook: Path) -> int:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return 1
    return max(1, sum(c.get("cell_type") == "code" for c in cells))


def run_report(kind: str, params: Mapping | None = None, out_dir: str | Path = "reports",
               processed_dir: str | Path = PROCESSED_DIR, *,
               notebooks_dir: str | Path = NOTEBOOKS_DIR, timeout_s: float = DEFAULT_TIMEOUT_S,
               index_href: str | None = None, engine: str = "fork",
               editions=None) -> ReportResult:
    """Run one report notebook into its own folder of ``out_dir``.

    Parameters are converted and validated first (the same check the notebook's validation
    cell calls), so a wrong territory code or convention stops before any notebook runs.
    The site's lock is held during the run (another batch on the same site stops).

    Parameters
    ----------
    kind : {"bilan", "territoire", "convention", "qualite", "exploration"}
        Report kind.
    params : mapping, optional
        Notebook parameters (strings are converted to the declared types).
    out_dir : path
        Output directory; the report goes to ``out_dir/<kind>/<slug>/``, never outside.
    processed_dir : path or store.Version
        The processed store: its current version is resolved once and the notebook reads
        that version's folder only; or one version.
    notebooks_dir : path
        Folder of the notebooks.
    timeout_s : float
        Time limit of each cell (seconds).
    index_href : str, optional
        Link back to the site index shown at the top of the HTML copy.
    engine : {"fork", "kernel"}
        A fresh child of the warm fork server running the cells, or a Jupyter kernel.
    editions : list of str, optional
        ``["html", "pdf"]`` also writes ``rapport.pdf`` (:mod:`.editions`); HTML only by
        default.

    Returns
    -------
    ReportResult
        Status, exit code, French error, duration, key figures. Failures are recorded, not
        raised; a failed run leaves the previous good report in place.
    """
    from .depends import DataIndex

    out_dir, start = Path(out_dir), time.perf_counter()
    try:  # a wrong parameter stops here, before anything is written
        editions = check_editions(editions)
        version = store.current(processed_dir)
        typed = coerce_params(kind, params or {}, notebooks_dir)
        validate_params(kind, typed, version.path, notebooks_dir)
        inputs = DataIndex(version).inputs(kind, typed)
    except PvInputError as exc:
        rid = report_id(kind if kind in KINDS else "inconnu", dict(params or {}))
        return ReportResult(kind, dict(params or {}), rid, "error", EXIT_PARAMETERS, str(exc),
                            time.perf_counter() - start, given=dict(params or {}),
                            reason="demandé", finished_at=_now(), engine=engine)
    with files.site_lock(out_dir):
        files.recover(out_dir)
        return execute_report(kind, params, out_dir, version, notebooks_dir=notebooks_dir,
                              timeout_s=timeout_s, index_href=index_href, engine=engine,
                              inputs=inputs, reason="demandé", editions=editions)


def execute_report(kind: str, params: Mapping | None, out_dir: str | Path,
                   processed_dir: str | Path | store.Version, *,
                   notebooks_dir: str | Path = NOTEBOOKS_DIR,
                   timeout_s: float = DEFAULT_TIMEOUT_S, index_href: str | None = None,
                   engine: str = "fork", inputs: Mapping | None = None, reason: str = "",
                   stop=None, checked: bool = False, pool=None, langs=(),
                   editions=None) -> ReportResult:
    """:func:`run_report` without the site lock: what a batch runs for each report (in a
    thread of the batch, or on a Dask worker).

    ``stop`` (a ``threading.Event``) set while the notebook runs means the batch was
    interrupted: the run is discarded and the site left as it was. ``checked``: the
    parameters were already checked against the data (the notebook's own validation cell
    still runs). ``pool``: warm processes to fork the report from
    (:class:`~pvanalysis.reports.fork.WarmPool`, fork engine only). ``langs``: the other
    languages the batch writes of this report (its page then links to them).
    ``editions``: see :func:`run_report`.
    """
    start = time.perf_counter()
    out_dir, params = Path(out_dir), dict(params or {})
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r}: use one of {ENGINES}")
    try:
        editions = check_editions(editions)
        version = store.current(processed_dir)
        with version.pinned():
            typed = coerce_params(kind, params, notebooks_dir)
            return _execute(kind, params, typed, out_dir, version, Path(notebooks_dir),
                            timeout_s, index_href, engine, dict(inputs or {}), reason, start,
                            stop, checked, pool, langs, editions)
    except PvInputError as exc:
        rid = report_id(kind if kind in KINDS else "inconnu", params)
        return ReportResult(kind, params, rid, "error", EXIT_PARAMETERS, str(exc),
                            time.perf_counter() - start, given=params, reason=reason,
                            finished_at=_now(), engine=engine)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _execute(kind, params, typed, out_dir: Path, version: store.Version, notebooks_dir: Path,
             timeout_s, index_href, engine, inputs, reason, start, stop,
             checked=False, pool=None, langs=(), editions=("html",)) -> ReportResult:
    notebook = notebook_path(kind, notebooks_dir)
    rid = report_id(kind, typed)
    folder = _report_folder(out_dir, rid)
    stage = files.staging_folder(out_dir, rid)
    kwargs = {"kind": kind, "params": typed, "folder": str(stage),
              "processed": str(version.path.resolve()),
              "notebooks_dir": str(Path(notebooks_dir).resolve()), "timeout_s": timeout_s,
              "index_href": edition_index_href(index_href, typed.get("lang", "fr")),
              "engine": engine, "footer": _footer(kind, typed, version), "checked": checked,
              "switch": _switch(rid, typed.get("lang", "fr"),
                                langs if "lang" in notebook_parameters(notebook) else ()),
              "editions": tuple(editions)}
    outcome = _in_child(kwargs, timeout_s, _code_cells(notebook), pool)
    if stop is not None and stop.is_set():
        files.discard(stage)
        raise KeyboardInterrupt
    nb_sha = store.sha256_file(notebook)
    result = ReportResult(
        kind, typed, rid, outcome["status"], outcome["exit_code"], outcome.get("error"),
        time.perf_counter() - start, key=run_key(kind, typed, nb_sha, inputs),
        html_bytes=outcome.get("html_bytes", 0), given=params, data_version=version.id,
        reason=reason, inputs=inputs, notebook_sha=nb_sha, finished_at=_now(),
        peak_rss_mb=outcome.get("peak_rss_mb"), engine=outcome.get("engine", engine),
        editions=list(editions))
    figures_path = stage / FIGURES_NAME
    if figures_path.exists():
        result.figures = json.loads(figures_path.read_text(encoding="utf-8"))
    publish(result, stage, folder, out_dir)
    result.outputs = outputs(folder) if folder.is_dir() else {}
    return result


def _switch(rid: str, lang: str, langs=()) -> tuple | None:
    """``(href, lang)`` of the edition a page links to: an edition links to the French
    report, the French report to its edition when the batch writes one."""
    if lang != "fr":
        return edition_href(rid, "fr"), "fr"
    other = next((e for e in langs if e != "fr"), None)
    return (edition_href(rid, other), other) if other else None


def publish(result: ReportResult, stage: Path, folder: Path, out_dir: Path) -> None:
    """Put a finished run in place: a success replaces the report folder; a failure keeps
    the previous good folder (the failed run goes to ``echecs/``) and says so in ``shown``.
    """
    record = {k: v for k, v in result.as_dict().items() if k in (
        "status", "exit_code", "error", "finished_at", "data_version", "key", "html_bytes")}
    previous = files.read_record(folder) if folder.is_dir() else {}
    if not result.ok and previous.get("status") == "ok":
        shown = previous
        failed = out_dir / FAILED_DIR / result.report_id
        if any(stage.iterdir()):
            files.write_json_atomic(stage / files.RUN_RECORD, record)
            files.swap_in(stage, failed, out_dir)
        else:
            files.discard(stage)
        result.shown = {"finished_at": shown.get("finished_at"),
                        "data_version": shown.get("data_version"),
                        "failed_href": (f"{FAILED_DIR}/{result.report_id}/{HTML_NAME}"
                                        if (failed / HTML_NAME).is_file() else None)}
        figures_path = folder / FIGURES_NAME
        result.figures = (json.loads(figures_path.read_text(encoding="utf-8"))
                          if figures_path.is_file() else {})
        result.html_bytes = previous.get("html_bytes", 0)
        return
    if not any(stage.iterdir()):  # stopped before writing anything: nothing to show
        files.discard(stage)
        return
    files.write_json_atomic(stage / files.RUN_RECORD, record)
    files.swap_in(stage, folder, out_dir)
    if result.ok:
        files.discard(out_dir / FAILED_DIR / result.report_id)
