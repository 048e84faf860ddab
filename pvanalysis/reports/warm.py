"""Importing this module warms what a report would otherwise pay on first use.

The fork server imports it (:data:`~pvanalysis.reports.fork.PRELOAD`), so that every report
forked from it starts with: the pandera schemas built (without ``dask.dataframe``, which
pandera's typing imports when it is installed — a second of the server's start for a
library no report uses), the Agg renderer and its fonts loaded, the HTML exporter's
templates and Markdown renderer compiled, Babel's locale data and the catalogues read, the
IPython shell made (no cell run in it) and papermill's machinery imported (WeasyPrint is
warmed by a batch that asks for PDFs, :func:`~pvanalysis.reports.batch.warm_version`).
Each step is independent and a failing step is skipped: warming never stops the server.
"""

from __future__ import annotations

import contextlib


def _schemas() -> None:
    from .. import lean, schemas

    lean.decline("dask.dataframe", unless_loaded="pandera.typing.dask")

    schemas.labels()


def _figure() -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("é")
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def _exporter() -> None:
    import nbformat

    from .export import _exporter

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## é\n\n*é*")])
    _exporter("fr").from_notebook_node(notebook, resources={
        "pv_kind_label": "", "pv_footer": "", "pv_index_href": None})


def _languages() -> None:
    from .. import fmt, i18n

    for lang in i18n.LANGS:  # Babel's locale data and the catalogues, read once
        with i18n.using(lang):
            fmt.number(1684.5, 1)
            fmt.percent(0.5)
            fmt.date("2024-12-31")
            i18n._("page")


def _shell_machinery() -> None:
    import papermill.translators  # noqa: F401

    from . import engine

    engine.new_shell()  # no cell has run in it: a report forked from here uses it as it is


def warm() -> list[str]:
    """Run every warming step; returns the names of the steps that failed."""
    failed = []
    for step in (_schemas, _figure, _exporter, _languages, _shell_machinery):
        try:
            step()
        except Exception:
            failed.append(step.__name__)
    return failed


with contextlib.suppress(Exception):
    FAILED = warm()

