"""Importing this module warms what a report would otherwise pay on first use.

The fork server imports it (:data:`~pvanalysis.reports.fork.PRELOAD`), so that every report
forked from it starts with: the pandera schemas built (their typing imports ``dask`` when it
is installed: seconds), the Agg renderer and its fonts loaded, the HTML exporter's
templates compiled, the IPython and papermill machinery imported. Each step is independent
and a failing step is skipped: warming never stops the server.
"""

from __future__ import annotations

import contextlib


def _schemas() -> None:
    from .. import schemas

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

    _exporter().from_notebook_node(nbformat.v4.new_notebook(), resources={
        "pv_kind_label": "", "pv_footer": "", "pv_index_href": None})


def _shell_machinery() -> None:
    import IPython.core.interactiveshell  # noqa: F401
    import papermill.translators  # noqa: F401

    from . import engine  # noqa: F401


def warm() -> list[str]:
    """Run every warming step; returns the names of the steps that failed."""
    failed = []
    for step in (_schemas, _figure, _exporter, _shell_machinery):
        try:
            step()
        except Exception:
            failed.append(step.__name__)
    return failed


with contextlib.suppress(Exception):
    FAILED = warm()


def warm_data(processed: str, periods=()) -> None:
    """Read one version of the data and compute what the reports of a batch share.

    Run by each warm process of a batch (:class:`~pvanalysis.reports.fork.WarmPool`)
    before it forks the reports: the tables (:func:`pvanalysis.sections.load_tables` keeps
    the last version read), the territory layers (attributes and display outlines), and
    the national flows of each ``(period_start, period_end)`` of ``periods`` at each level,
    sliced by the territory sheets afterwards. Nothing is written.
    """
    from .. import indicators, sections, territories

    tables = sections.load_tables(processed)
    cutoff = sections.cutoff(tables, processed, "")
    for level in ("region", "province", "commune"):
        territories.load_layer(level, processed)
        territories.load_layer(level, processed, display=True)
    for start, end in periods:
        where = indicators.Slice(period=(int(start), int(end)), ref_date=cutoff)
        for level in (None, "region", "province", "commune"):
            indicators.flows(tables, where, level=level)
