"""One report: a notebook run with validated parameters into its own folder.

The folder holds the executed notebook (the record), its HTML copy without code and the
files the notebook writes (``figures.json``, maps); the result names the data version read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__, store
from ..config import PROCESSED_DIR
from ..errors import PvInputError
from ..present import FIGURES_NAME
from .checks import validate_params
from .execute import DEFAULT_TIMEOUT_S, EXIT_PARAMETERS, KERNEL_LOG, execute_notebook
from .export import HTML_NAME, export_html
from .kinds import KINDS, NOTEBOOKS_DIR, _report_folder, coerce_params, notebook_path, report_id

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

def run_key(kind: str, params: Mapping, notebook: Path, data_sha: str) -> str:
    """Hash deciding whether an earlier run can be reused: data, parameters, notebook, version."""
    content = {"kind": kind, "params": dict(params), "notebook": store.sha256_file(notebook),
               "data": data_sha, "version": __version__}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _footer(kind: str, params: Mapping, version: store.Version) -> str:
    shown = ", ".join(f"{k} = {v}" for k, v in params.items()) or "paramètres par défaut"
    stamp = datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC")
    return (f"{KINDS[kind].label} — {shown}. Produit par pvanalysis {__version__} le {stamp} ; "
            f"données : version {version.id}.")


def run_notebook(notebook: Path, parameters: Mapping, folder: Path,
                 timeout_s: float = DEFAULT_TIMEOUT_S, *, kind_label: str = "",
                 footer: str = "", index_href: str | None = None) -> tuple:
    """Execute a notebook into ``folder`` and write its HTML copy (no parameter checks).

    The kernel works in the notebook's own folder, as in JupyterLab, so relative defaults
    (``../data/raw/published_figures.yaml``) mean the same in both; outputs go to
    ``output_dir``. The executed notebook is kept even when a cell fails.

    Returns
    -------
    tuple
        ``(status, exit_code, error, html_bytes)``, see :func:`execute_notebook`.
    """
    executed = folder / Path(notebook).name
    status, code, error = execute_notebook(notebook, executed, parameters,
                                           Path(notebook).parent.resolve(), timeout_s,
                                           folder / KERNEL_LOG)
    log = folder / KERNEL_LOG
    if log.is_file() and log.stat().st_size == 0:
        log.unlink()
    html_bytes = 0
    if executed.exists():
        page = export_html(executed, folder / HTML_NAME, kind_label=kind_label, footer=footer,
                           index_href=index_href)
        html_bytes = page.stat().st_size
    return status, code, error, html_bytes


def run_report(kind: str, params: Mapping | None = None, out_dir: str | Path = "reports",
               processed_dir: str | Path = PROCESSED_DIR, *,
               notebooks_dir: str | Path = NOTEBOOKS_DIR, timeout_s: float = DEFAULT_TIMEOUT_S,
               index_href: str | None = None) -> ReportResult:
    """Run one report notebook into its own folder of ``out_dir``.

    Parameters are converted and validated first (the same check the notebook's validation
    cell calls), so a wrong territory code or convention stops before any kernel starts.

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

    Returns
    -------
    ReportResult
        Status, exit code, French error, duration, key figures. Failures are recorded, not
        raised.
    """
    start = time.perf_counter()
    out_dir, params = Path(out_dir), dict(params or {})
    try:
        version = store.current(processed_dir)
        with version.pinned():
            return _run_report(kind, params, out_dir, version, Path(notebooks_dir), timeout_s,
                               index_href, start)
    except PvInputError as exc:
        rid = report_id(kind if kind in KINDS else "inconnu", params)
        return ReportResult(kind, params, rid, "error", EXIT_PARAMETERS, str(exc),
                            time.perf_counter() - start, given=params)


def _run_report(kind: str, params: dict, out_dir: Path, version: store.Version,
                notebooks_dir: Path, timeout_s: float, index_href: str | None,
                start: float) -> ReportResult:
    """``run_report`` on one resolved version (parameter errors raise ``PvInputError``)."""
    typed = coerce_params(kind, params, notebooks_dir)
    validate_params(kind, typed, version.path, notebooks_dir)
    notebook = notebook_path(kind, notebooks_dir)
    rid = report_id(kind, typed)
    folder = _report_folder(out_dir, rid)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    injected = {**typed, "processed_dir": str(version.path.resolve()),
                "output_dir": str(folder)}
    status, code, error, html_bytes = run_notebook(
        notebook, injected, folder, timeout_s, kind_label=KINDS[kind].label,
        footer=_footer(kind, typed, version), index_href=index_href)
    figures_path = folder / FIGURES_NAME
    figures = json.loads(figures_path.read_text(encoding="utf-8")) if figures_path.exists() else {}
    return ReportResult(kind, typed, rid, status, code, error, time.perf_counter() - start,
                        figures, key=run_key(kind, typed, notebook, version.data_sha256),
                        html_bytes=html_bytes, given=params, data_version=version.id)
