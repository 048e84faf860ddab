"""Charts of the evaluation indicators (matplotlib/seaborn), one shared French style.

Every function takes a tidy frame from :mod:`pvanalysis.indicators` (or the tables) and
returns a :class:`matplotlib.figure.Figure`; ``out=`` also writes it as PNG. Numbers on axes
and labels are French (``1 684``, ``71,4 %``), units sit in the axis labels, and a source line
is drawn under each figure.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from . import fmt

#: Default source line under figures built from the evaluators' data.
SOURCE = "Source : conventions et déblocages (données d'évaluation) ; calculs pvanalysis"

#: Qualitative palette (colour-blind safe, Okabe–Ito order).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
           "#000000"]
#: Two roles used throughout: committed (engagé) and released (débloqué).
COMMITTED_COLOR = "#9ecae1"
RELEASED_COLOR = "#08519c"
MINISTRY_COLOR = "#08519c"
PARTNERS_COLOR = "#fdae6b"
#: Sequential colour map of choropleths.
SEQUENTIAL_CMAP = "YlGnBu"
#: Fill of territories with no value.
MISSING_COLOR = "#e0e0e0"

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.formatter.use_locale": False,
}


@contextlib.contextmanager
def style():
    """Context applying the package's matplotlib style (rcParams), restored on exit."""
    with mpl.rc_context(RC):
        yield


def add_source(fig: Figure, text: str = SOURCE) -> None:
    """Write the source line in small grey type under the figure."""
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=7.5, color="#555555")


def save(fig: Figure, out: str | Path | None) -> Figure:
    """Save ``fig`` as PNG at ``out`` (parents created) when given; return it."""
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, format="png", bbox_inches="tight", pad_inches=0.15)
    return fig


def number_formatter(decimals: int = 0, scale: float = 1.0) -> FuncFormatter:
    """Axis tick formatter writing ``value / scale`` the French way (``1 684``)."""
    return FuncFormatter(lambda v, _pos: fmt.number(v / scale, decimals))


def percent_formatter(decimals: int = 0) -> FuncFormatter:
    """Axis tick formatter for fractions 0–1 shown as French percentages (``70 %``)."""
    return FuncFormatter(lambda v, _pos: fmt.percent(v, decimals))
