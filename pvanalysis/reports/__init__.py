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

One module per step, imports pointing one way (each imports only those listed before it):

- :mod:`~pvanalysis.reports.kinds` — report kinds, notebook parameters, their conversion,
  safe folder names; notebooks saved without outputs;
- :mod:`~pvanalysis.reports.checks` — the parameter checks (also called by each notebook's
  validation cell) and the thin data reads they use;
- :mod:`~pvanalysis.reports.execute` — papermill and the kernel of this interpreter, over
  IPC sockets so that parallel kernels cannot race for TCP ports; exit codes;
- :mod:`~pvanalysis.reports.export` — the HTML copy of an executed notebook;
- :mod:`~pvanalysis.reports.editions` — the editions of a report: the PDF of its page
  (WeasyPrint, print stylesheet), the links to its workbook and figure files;
- :mod:`~pvanalysis.reports.engine` — a papermill engine running the cells in this
  process (``pvanalysis``), for a process of its own;
- :mod:`~pvanalysis.reports.fork` — each report in a fresh child of a fork server that
  has already imported the libraries; a dead child is exit code 138;
- :mod:`~pvanalysis.reports.files` — atomic writes, the site's lock, staging and swap;
- :mod:`~pvanalysis.reports.depends` — what each report reads, as row digests;
- :mod:`~pvanalysis.reports.run` — one report into a staging folder, then in place only
  when it succeeded;
- :mod:`~pvanalysis.reports.site` — the national index, region and province pages, search;
- :mod:`~pvanalysis.reports.distributed` — a Dask client (``LocalCluster`` or a scheduler);
- :mod:`~pvanalysis.reports.batch` — a batch that goes on past failures, redoes only the
  reports whose inputs changed and says why; the manifest.

What the notebooks call to show things lives elsewhere: :mod:`pvanalysis.present` (tables,
notes, figures, maps, ``figures.json``) and :mod:`pvanalysis.sections` (each report's
contents); neither imports this package. Every public name is re-exported here.
"""

from ..present import FIGURES_NAME, slugify
from ..sections import load_tables  # the report tables, also reached as pv.reports.load_tables
from .batch import (
    BatchResult,
    default_config_path,
    expand_config,
    load_config,
    merge_sites,
    run_batch,
    why_run,
    write_manifest,
)
from .checks import (
    TERRITORY_LEVELS,
    check_bilan,
    check_convention,
    check_period,
    check_processed,
    check_territoire,
    contracting_years,
    framework_conventions,
    validate_params,
)
from .editions import EDITIONS, PDF_NAME, check_editions, write_pdf
from .execute import (
    DEFAULT_TIMEOUT_S,
    EXIT_CELL_ERROR,
    EXIT_DEAD_KERNEL,
    EXIT_OK,
    EXIT_PARAMETERS,
    EXIT_TIMEOUT,
    KERNEL_LOG,
    execute_notebook,
)
from .export import HTML_MAX_BYTES, HTML_NAME, export_html
from .kinds import (
    KINDS,
    NOTEBOOKS_DIR,
    RESERVED,
    STATUS_LABELS,
    ReportKind,
    coerce_params,
    notebook_parameters,
    notebook_path,
    notebooks_with_outputs,
    report_id,
)
from .run import (
    ENGINES,
    FAILED_DIR,
    ReportResult,
    execute_report,
    run_key,
    run_notebook,
    run_report,
)
from .site import search_fold, territory_names, write_index

__all__ = [
    "DEFAULT_TIMEOUT_S", "EXIT_CELL_ERROR", "EXIT_DEAD_KERNEL", "EXIT_OK", "EXIT_PARAMETERS",
    "EXIT_TIMEOUT", "FIGURES_NAME", "HTML_MAX_BYTES", "HTML_NAME", "KERNEL_LOG", "KINDS",
    "NOTEBOOKS_DIR", "RESERVED", "STATUS_LABELS", "TERRITORY_LEVELS",
    "ENGINES", "BatchResult", "ReportKind", "ReportResult",
    "EDITIONS", "FAILED_DIR", "PDF_NAME", "check_editions", "write_pdf",
    "execute_report", "merge_sites", "search_fold", "territory_names", "why_run",
    "check_bilan", "check_convention", "check_period", "check_processed", "check_territoire",
    "coerce_params", "contracting_years", "default_config_path", "execute_notebook",
    "expand_config", "export_html", "framework_conventions", "load_config", "load_tables",
    "notebook_parameters", "notebook_path", "notebooks_with_outputs", "report_id", "run_batch",
    "run_key", "run_notebook", "run_report", "slugify", "validate_params", "write_index",
    "write_manifest",
]
