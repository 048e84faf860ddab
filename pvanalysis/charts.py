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
from matplotlib.ticker import Formatter, FuncFormatter

from . import fmt, i18n
from .i18n import N_, _

_MDH = 1_000_000  # dirhams per MDH

#: Default source line under figures built from the evaluators' data.
SOURCE = N_("Source : conventions et déblocages (données d'évaluation) ; calculs pvanalysis")

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
#: Height under a chart kept for its source line (inches).
SOURCE_ROOM_IN = 0.28

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
    """Context applying the package's matplotlib style (rcParams), restored on exit; in
    Arabic the shipped Arabic font (:func:`arabic_font`) comes first."""
    rc = {**RC, "font.family": [arabic_font(), "DejaVu Sans"]} if i18n.rtl() else RC
    with mpl.rc_context(rc):
        yield


def arabic_font_path():
    """The OFL Arabic font shipped as a dependency (``fontpkg-noto-sans-arabic``)."""
    import fontpkg_noto_sans_arabic

    return next(iter(sorted(fontpkg_noto_sans_arabic.ROOT.glob("files/*.ttf"))))


def arabic_font() -> str:
    """Register the shipped Arabic font with matplotlib (once) and return its family."""
    from matplotlib import font_manager

    path = str(arabic_font_path())
    if path not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def add_source(fig: Figure, text: str = SOURCE) -> None:
    """Write the source line in small grey type under the figure."""
    right = i18n.rtl()
    fig.text(0.99 if right else 0.01, 0.005, _(text), ha="right" if right else "left",
             va="bottom", fontsize=7.5, color="#555555")


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


def decimals_for(values, most: int = 3) -> int:
    """Fewest decimals (0 to ``most``) that write every value in ``values`` exactly.

    Ticks are multiples of their spacing, so ``decimals_for([0, 0.25, 0.5])`` is 2 and
    ``decimals_for([0, 500, 1000])`` is 0.
    """
    import numpy as np

    values = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    for d in range(most + 1):
        scaled = values * 10 ** d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1, np.abs(scaled))):
            return d
    return most


class TickFormatter(Formatter):
    """French tick labels with as many decimals as the tick spacing needs (at most 3).

    With ticks at 0; 0,25; 0,5… MDH the labels read ``0,00 0,25 0,50``, never the repeated
    ``0 0 0 1 1`` of a formatter rounding to whole units. ``scale`` divides each value.
    """

    def __init__(self, scale: float = 1.0, most: int = 3):
        self.scale = scale
        self.most = most
        self.decimals = 0

    def set_locs(self, locs):
        """Choose the decimals from the ticks about to be labelled."""
        super().set_locs(locs)
        shown = [v / self.scale for v in locs]
        vmin, vmax = self.axis.get_view_interval() if self.axis is not None else (None, None)
        if vmin is not None:
            lo, hi = sorted((vmin, vmax))
            shown = [v / self.scale for v in locs if lo - 1e-9 * abs(hi - lo) <= v
                     <= hi + 1e-9 * abs(hi - lo)] or shown
        self.decimals = decimals_for(shown, self.most)

    def __call__(self, x, pos=None):
        text = fmt.number(x / self.scale, self.decimals)
        return "\u2212" + text[1:] if text.startswith("-") else text  # typographic minus


def fine_axis(axis, steps=(1, 2, 2.5, 5, 10), integer: bool = False, nbins="auto") -> None:
    """Nice ticks on ``axis`` labelled the French way with just enough decimals.

    Used for money in MDH (ticks at 1, 2, 2,5 or 5 × 10ⁿ) and for counts (``integer=True``).
    """
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=nbins, steps=list(steps), integer=integer,
                                       min_n_ticks=2 if integer else 3))
    axis.set_major_formatter(TickFormatter())


def mdh_text(amount_dh) -> str:
    """An amount in MDH on a chart, at the one precision of amounts in every report.

    The same text as tables and sentences (``fmt.mdh``: three decimals, half-up):
    ``1 684,000 MDH``, ``424,565 MDH``, ``14 942,910 MDH``. Axis ticks are a scale, not
    amounts: they keep the few decimals their spacing needs (:class:`TickFormatter`).
    """
    return fmt.mdh(amount_dh)


def wrap(label, width: int = 40) -> str:
    """Break a long French label on spaces into lines of at most ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


#: Message drawn in place of a chart whose selection holds nothing.
EMPTY_MESSAGE = N_("Aucun projet dans la sélection")


def _empty(ax, message: str = EMPTY_MESSAGE) -> None:
    """Replace the plot area of ``ax`` by a centred message (nothing to draw)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.text(0.5, 0.5, _(message), transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color="#555555")


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _new(figsize=(8, 4.5)):
    """A figure and its axes laid out above the source line (:func:`add_source`): the
    figure is ``figsize`` (inches) plus ``SOURCE_ROOM_IN`` under it, and nothing is drawn
    outside it (a saved figure is cut from its one drawing, :func:`present.show_figure`)."""
    import matplotlib.pyplot as plt

    width, height = figsize
    fig, ax = plt.subplots(figsize=(width, height + SOURCE_ROOM_IN), layout="constrained")
    bottom = SOURCE_ROOM_IN / (height + SOURCE_ROOM_IN)
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    return fig, ax


def _side(opposite: bool = False) -> str:
    """Where a title starts: left in French, right in Arabic (``opposite`` for a side note)."""
    return ("left" if opposite else "right") if i18n.rtl() else (
        "right" if opposite else "left")


def _integer_axis(axis) -> None:
    fine_axis(axis, steps=(1, 2, 5, 10), integer=True)


def _finish(fig: Figure, source: str, out) -> Figure:
    add_source(fig, source)
    return save(fig, out)


def _scale_labels(scales) -> list[str]:
    from .config import SCALES

    return [_(SCALES.get(s, s)) for s in scales]


def ministry_participation(bilan, *, source: str = SOURCE, out=None,
                           title: str = N_("Participation du Ministère par échelle "
                                           "d'intervention")
                           ) -> Figure:
    """Stacked bars per scale: Ministry contribution M and partners' T − M, in MDH.

    Parameters
    ----------
    bilan : DataFrame
        :func:`pvanalysis.indicators.bilan` (``scale``, ``total_cost_dh``, ``ministry_dh``).

    Returns
    -------
    Figure
        Each bar is labelled with M in MDH and the Ministry share (M/T) in French.
    """
    data = bilan[bilan["total_cost_dh"] > 0].iloc[::-1]
    labels = [wrap(x) for x in _scale_labels(data["scale"])]
    m = data["ministry_dh"].astype(float).to_numpy() / _MDH
    rest = (data["total_cost_dh"] - data["ministry_dh"]).astype(float).to_numpy() / _MDH
    with style():
        fig, ax = _new((8.5, 0.7 * max(len(data), 1) + 2))
        ax.set_title(_(title), loc=_side())
        if not len(data):
            _empty(ax)
            return _finish(fig, source, out)
        ax.barh(labels, m, color=MINISTRY_COLOR, label=_("Ministère"))
        ax.barh(labels, rest, left=m, color=PARTNERS_COLOR, label=_("Autres partenaires"))
        pairs = zip(data["total_cost_dh"], data["ministry_dh"], strict=True)
        for y, (total_dh, m_dh) in enumerate(pairs):
            share = m_dh / total_dh if total_dh else float("nan")
            ax.annotate(_("{part} sur {total} ({share})").format(
                part=mdh_text(m_dh), total=mdh_text(total_dh), share=fmt.percent(share)),
                        (m[y] + rest[y], y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8.5)
        ax.set_xlim(0, (m + rest).max() * 1.6)
        fine_axis(ax.xaxis)
        ax.set_xlabel(_("Coût total des projets (MDH)"))
        _legend(fig, ax)
        return _finish(fig, source, out)


def _legend(fig: Figure, ax, **kwargs) -> None:
    """Legend of ``ax`` in its own row between the title and the axis (one row, on the
    title's side). An axis legend, not a figure one: constrained layout keeps the room of
    an axis' decorations, whereas a figure legend "outside" is drawn at the figure's edge
    and overlapped the title once the layout's rectangle left room for the source line."""
    handles, labels = ax.get_legend_handles_labels()
    side = _side()
    kwargs = {"ncols": len(handles), "fontsize": 8.5} | kwargs
    ax.legend(handles, labels, loc=f"lower {side}", bbox_to_anchor=(side == "right", 1.01),
              borderaxespad=0, **kwargs)
    # the title above the legend row: its height (text and handle padding) and a gap
    ax.set_title(ax.get_title(side), loc=side, pad=kwargs["fontsize"] * 2.6)


def committed_vs_released(frame, by: str, *, labels=None, title: str | None = None,
                          source: str = SOURCE, out=None, ministry: bool = False) -> Figure:
    """Grouped horizontal bars: committed versus released (MDH) per group, labelled with the
    committed amount and the release rate (small groups stay readable beside large ones).

    Parameters
    ----------
    frame : DataFrame
        :func:`pvanalysis.indicators.financial` grouped by ``by``.
    by : str
        The grouping column (``"scale"``, ``"region_code"``, ``"partner_id"``…).
    labels : mapping, optional
        Code → French label of each group (scales are labelled automatically).
    ministry : bool, default False
        Show the Ministry's committed and released money instead of all partners'.
    """
    import numpy as np

    c_col, d_col = ("ministry_dh", "ministry_released_dh") if ministry else \
        ("cost_dh", "released_dh")
    data = frame.sort_values(c_col)
    names = data[by].astype(str).tolist()
    if labels is not None:
        names = [labels.get(n, n) for n in names]
    elif by == "scale":
        names = _scale_labels(names)
    names = [wrap(n) for n in names]
    c = data[c_col].astype(float).fillna(0).to_numpy() / _MDH
    d = data[d_col].astype(float).fillna(0).to_numpy() / _MDH
    y = np.arange(len(data))
    with style():
        fig, ax = _new((8.5, 0.6 * max(len(data), 1) + 2))
        ax.set_title(title or (_("Engagé et débloqué du Ministère") if ministry else
                               _("Engagé et débloqué tous partenaires")), loc=_side())
        if not len(data):
            _empty(ax)
            return _finish(fig, source, out)
        ax.barh(y + 0.2, c, height=0.4, color=COMMITTED_COLOR, label=_("Engagé"))
        ax.barh(y - 0.2, d, height=0.4, color=RELEASED_COLOR, label=_("Débloqué"))
        for yi, (c_dh, d_dh) in enumerate(zip(data[c_col], data[d_col], strict=True)):
            rate = d_dh / c_dh if c_dh else float("nan")
            ax.annotate(_("engagé {committed}, débloqué {rate}").format(
                committed=mdh_text(c_dh), rate=fmt.percent(rate)),
                        (max(c[yi], d[yi]), yi),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_yticks(y, names)
        ax.set_ylim(-0.6, len(data) - 0.4)
        top = max(c.max(), d.max())
        ax.set_xlim(0, top * 1.6 if top > 0 else 1)  # room for the labels
        fine_axis(ax.xaxis)
        ax.set_xlabel(_("Montants du Ministère (MDH)") if ministry else
                      _("Montants tous partenaires (MDH)"))
        _legend(fig, ax)
        return _finish(fig, source, out)


def release_curve(curve, *, title: str = N_("Échéancier et déblocages cumulés"),
                  source: str = SOURCE, out=None) -> Figure:
    """S-curve: cumulative échéancier versus cumulative releases (MDH) over time.

    Parameters
    ----------
    curve : DataFrame
        :func:`pvanalysis.indicators.release_curve`.
    """
    with style():
        fig, ax = _new((8, 4.5))
        ax.set_title(_(title), loc=_side())
        if not len(curve):
            _empty(ax)
            return _finish(fig, source, out)
        yearly = bool((curve["date"].dt.month == 12).all() and (curve["date"].dt.day == 31).all())
        x = curve["date"].dt.year if yearly else curve["date"]
        ax.plot(x, curve["cum_scheduled_dh"].astype(float) / _MDH, marker="s", markersize=5,
                color=COMMITTED_COLOR, linewidth=2.4, label=_("Échéancier cumulé"))
        ax.plot(x, curve["cum_released_dh"].astype(float) / _MDH, marker="o",
                color=RELEASED_COLOR, linewidth=2, label=_("Déblocages cumulés"))
        top = float(curve["cum_committed_dh"].iloc[0]) / _MDH
        ax.axhline(top, color="#777777", linestyle="--", linewidth=1)
        ax.annotate(_("Engagé : {amount}").format(
                    amount=mdh_text(curve["cum_committed_dh"].iloc[0])),
                    (0, top), xycoords=("axes fraction", "data"), xytext=(4, 3),
                    textcoords="offset points", fontsize=8, color="#555555")
        last = curve.iloc[-1]
        ax.annotate(mdh_text(last["cum_released_dh"]), (x.iloc[-1],
                    float(last["cum_released_dh"]) / _MDH), xytext=(6, -4),
                    textcoords="offset points", fontsize=8, color=RELEASED_COLOR,
                    annotation_clip=False)
        if yearly:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: i18n.isolate(f"{v:.0f}")))
            first, final = int(x.min()), int(x.max())
            ax.set_xlim(first - 0.3, final + max(0.6, 0.08 * (final - first)))
            ax.set_xlabel(_("Année (cumul au 31 décembre)"))
        else:
            from matplotlib.dates import DateFormatter

            ax.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
            ax.set_xlabel(_("Date (fin de période)"))
        highest = max(top, float(curve[["cum_scheduled_dh", "cum_released_dh"]].max().max())
                      / _MDH)
        ax.set_ylim(0, highest * 1.12 if highest > 0 else 1)
        fine_axis(ax.yaxis)
        ax.set_ylabel(_("Montant cumulé (MDH)"))
        _legend(fig, ax)
        return _finish(fig, source, out)


def phase_funnel(funnel, *, title: str = N_("Projets par phase et étape"),
                 source: str = SOURCE, out=None) -> Figure:
    """Horizontal bars of projects per step, coloured by phase, in process order.

    Parameters
    ----------
    funnel : DataFrame
        :func:`pvanalysis.indicators.phase_funnel`.
    """
    data = funnel.iloc[::-1].reset_index(drop=True)
    phases = list(dict.fromkeys(funnel["phase"]))
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(phases)}
    with style():
        fig, ax = _new((10, 0.32 * len(data) + 1.8))
        counts = data["projects"].astype(float)
        if not counts.sum():
            ax.text(0.5, 0.5, _(EMPTY_MESSAGE), transform=ax.transAxes, ha="center",
                    va="center", fontsize=11, color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "none"})
        ax.barh([_(x) for x in data["step_label"]], counts,
                color=[colors[p] for p in data["phase"]])
        for y, v in enumerate(counts):
            ax.text(v + max(counts.max(), 1) * 0.01, y, fmt.number(v), va="center", fontsize=8)
        from matplotlib.patches import Patch

        labels = dict(zip(funnel["phase"], map(_, funnel["phase_label"]), strict=True))
        ax.legend(handles=[Patch(color=colors[p], label=labels[p]) for p in phases],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title=_("Phase"),
                  title_fontsize=8.5)
        _integer_axis(ax.xaxis)
        ax.set_xlim(0, max(counts.max(), 1) * 1.12)
        ax.set_xlabel(_("Nombre de projets"))
        ax.set_title(_(title), loc=_side())
        return _finish(fig, source, out)


def delay_bins(values, most: int = 24):
    """Histogram edges (months) centred on multiples of a nice width (1, 2, 3, 6, 12… months).

    The width is the smallest that keeps at most ``most`` bins over the values and zero, so
    one project draws one bar centred on its delay rounded to the width.
    """
    import numpy as np

    values = np.asarray(values, dtype=float)
    span = max(values.max(), 0) - min(values.min(), 0)
    width = next((w for w in (1, 2, 3, 6, 12, 24, 48) if span / w <= most), 96)
    first, last = round(values.min() / width), round(values.max() / width)
    return (np.arange(first, last + 2) - 0.5) * width


def delay_distribution(delays, *, title: str = N_("Retards des projets"), bins=None,
                       source: str = SOURCE, out=None) -> Figure:
    """Histogram of project delays (months); negative = ahead of the planned end.

    Bars are centred on whole months (or on 2, 3, 6… months when delays spread widely) and
    labelled with their number of projects, so one or two projects still read clearly; with
    no measured project the plot area says so.

    Parameters
    ----------
    delays : DataFrame
        :func:`pvanalysis.indicators.delays` (``delay_months``, ``late``).
    bins : int or sequence, optional
        Matplotlib bins; by default :func:`delay_bins`.
    """
    import numpy as np

    values = delays["delay_months"].dropna().astype(float)
    n = len(values)
    with style():
        fig, ax = _new((8, 4.2))
        ax.set_title(_(title), loc=_side())
        if not n:
            ax.set_title(fmt.number(0) + " " + _("projet mesuré"), loc=_side(True),
                         fontsize=8.5, fontweight="normal", color="#333333")
            _empty(ax, N_("Aucun projet dont le retard soit mesurable"))
            return _finish(fig, source, out)
        edges = delay_bins(values) if bins is None else bins
        counts, edges, _bars = ax.hist(values, bins=edges, color=PALETTE[0], edgecolor="white")
        ax.axvline(0, color="#333333", linewidth=1)
        if np.count_nonzero(counts) <= 30:
            for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
                if count:
                    ax.annotate(fmt.number(count), ((left + right) / 2, count), xytext=(0, 2),
                                textcoords="offset points", ha="center", va="bottom",
                                fontsize=8)
        width = float(edges[1] - edges[0]) if len(edges) > 1 else 1.0
        ax.set_xlim(min(edges[0], -0.5 * width) - width, max(edges[-1], 0.5 * width) + width)
        ax.set_ylim(0, max(counts.max(), 1) * 1.15)
        late = (values > 0).mean()
        what = i18n.ngettext("{n} projet mesuré", "{n} projets mesurés", n).format(
            n=fmt.number(n))
        ax.set_title(_("{what} ; en retard : {late} ; retard médian : {median} mois").format(
                     what=what, late=fmt.percent(late), median=fmt.number(values.median(), 1)),
                     loc=_side(True), fontsize=8.5, fontweight="normal", color="#333333")
        fine_axis(ax.xaxis, steps=(1, 2, 3, 6, 10), integer=True)
        _integer_axis(ax.yaxis)
        ax.set_xlabel(_("Retard (mois ; négatif = en avance)"))
        ax.set_ylabel(_("Nombre de projets"))
        return _finish(fig, source, out)


def lorenz_curve(lorenz, *, title: str = N_("Concentration de l'investissement"),
                 territory: str = N_("régions"), source: str = SOURCE, out=None) -> Figure:
    """Lorenz curve of investment against population, with the equality diagonal.

    Parameters
    ----------
    lorenz : DataFrame
        :func:`pvanalysis.indicators.lorenz`.
    """
    import numpy as np

    x = lorenz["cum_population_share"].astype(float).to_numpy()
    y = lorenz["cum_cost_share"].astype(float).to_numpy()
    gini = 1 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])) if len(x) > 1 else float("nan")
    with style():
        fig, ax = _new((5.8, 5.4))
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1,
                label=_("Répartition proportionnelle à la population"))
        ax.plot(x, y, marker="o", markersize=3, color=PALETTE[0],
                label=_("Courbe de Lorenz ({territory})").format(territory=_(territory)))
        if np.isfinite(y).sum() > 1:
            ax.fill_between(x, y, x, color=PALETTE[0], alpha=0.12)
            ax.text(0.04, 0.8, _("Indice de Gini : {gini}").format(gini=fmt.number(gini, 2)),
                    transform=ax.transAxes, fontsize=9)
        else:
            ax.text(0.5, 0.35, _("Aucun investissement dans la sélection"), ha="center",
                    transform=ax.transAxes, fontsize=11, color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "none"})
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.yaxis.set_major_formatter(percent_formatter())
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(_("Population cumulée des {territory} (%)").format(
            territory=_(territory)))
        ax.set_ylabel(_("Investissement cumulé (%)"))
        ax.set_title(_(title), loc=_side())
        ax.legend(loc="upper left", fontsize=8)
        return _finish(fig, source, out)


def need_alignment(equity, *, rho: float | None = None,
                   title: str = N_("Investissement et défavorisation des communes"),
                   source: str = SOURCE, out=None) -> Figure:
    """Scatter of investment per capita (DH/hab.) against the deprivation index of communes.

    Parameters
    ----------
    equity : DataFrame
        :func:`pvanalysis.indicators.commune_equity`.
    rho : float, optional
        Spearman ρ to print (from :func:`pvanalysis.indicators.need_alignment`).
    """
    data = equity[equity["deprivation"].notna() & equity["cost_per_capita_dh"].notna()]
    invested = data["cost_dh"] > 0
    with style():
        fig, ax = _new((9.5, 5))
        ax.scatter(data.loc[~invested, "deprivation"], data.loc[~invested, "cost_per_capita_dh"],
                   s=8, color="#bbbbbb", label=_("Communes sans investissement"))
        ax.scatter(data.loc[invested, "deprivation"], data.loc[invested, "cost_per_capita_dh"],
                   s=18, color=PALETTE[3], alpha=0.8, label=_("Communes bénéficiaires"))
        if rho is not None:
            rho_text = fmt.number(rho, 2).replace("-", "\u2212")  # typographic minus
            ax.set_title(_("ρ de Spearman : {rho}").format(rho=rho_text), loc=_side(True),
                         fontsize=9,
                         fontweight="normal")
        per_capita = data.loc[invested, "cost_per_capita_dh"].astype(float)
        if len(per_capita) and per_capita.max() > max(20 * per_capita.median(), 1_000):
            ax.set_yscale("symlog", linthresh=100)  # skewed: log above 100 DH/hab.
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(number_formatter())
            ax.set_ylabel(_("Investissement par habitant (DH/hab., échelle log.)"))
        else:
            ax.set_ylim(0, per_capita.max() * 1.05 if len(per_capita) else 1)
            fine_axis(ax.yaxis)
            ax.set_ylabel(_("Investissement par habitant (DH/hab.)"))
        if not len(per_capita):
            ax.text(0.5, 0.5, _("Aucune commune bénéficiaire dans la sélection"), ha="center",
                    va="center", transform=ax.transAxes, fontsize=11, color="#555555")
        fine_axis(ax.xaxis)
        ax.set_xlabel(_("Indice de défavorisation (écarts-types ; élevé = plus défavorisée)"))
        ax.set_title(_(title), loc=_side())
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        return _finish(fig, source, out)
