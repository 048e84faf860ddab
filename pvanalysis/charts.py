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


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------

_MDH = 1_000_000


def _new(figsize=(8, 4.5)):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    bottom = 0.28 / figsize[1]  # room for the source line (0,28 inch)
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom / 4))
    return fig, ax


def _integer_axis(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(number_formatter())


def _finish(fig: Figure, source: str, out) -> Figure:
    add_source(fig, source)
    return save(fig, out)


def _scale_labels(scales) -> list[str]:
    from .config import SCALES

    return [SCALES.get(s, s) for s in scales]


def ministry_participation(bilan, *, source: str = SOURCE, out=None,
                           title: str = "Participation du Ministère par échelle d'intervention"
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
    labels = _scale_labels(data["scale"])
    m = data["ministry_dh"].astype(float).to_numpy() / _MDH
    rest = (data["total_cost_dh"] - data["ministry_dh"]).astype(float).to_numpy() / _MDH
    with style():
        fig, ax = _new((8.5, 0.7 * len(data) + 2))
        ax.barh(labels, m, color=MINISTRY_COLOR, label="Ministère")
        ax.barh(labels, rest, left=m, color=PARTNERS_COLOR, label="Autres partenaires")
        pairs = zip(m, data["total_cost_dh"], data["ministry_dh"], strict=True)
        for y, (mi, total_dh, m_dh) in enumerate(pairs):
            share = m_dh / total_dh if total_dh else float("nan")
            ax.text(mi + rest[y] + 0.01 * (m + rest).max(), y,
                    f"{fmt.mdh(m_dh, 0)} sur {fmt.mdh(total_dh, 0)} ({fmt.percent(share)})",
                    va="center", fontsize=8.5)
        ax.set_xlim(0, (m + rest).max() * 1.55 if len(m) else 1)
        ax.xaxis.set_major_formatter(number_formatter())
        ax.set_xlabel("Coût total des projets (MDH)")
        ax.set_title(title, loc="left")
        ax.legend(loc="lower right", ncols=2, fontsize=8.5)
        return _finish(fig, source, out)


def committed_vs_released(frame, by: str, *, labels=None, title: str | None = None,
                          source: str = SOURCE, out=None, ministry: bool = False) -> Figure:
    """Grouped horizontal bars: committed versus released (MDH) per group, rate labelled.

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
    c = data[c_col].astype(float).to_numpy() / _MDH
    d = data[d_col].astype(float).to_numpy() / _MDH
    y = np.arange(len(data))
    who = "du Ministère" if ministry else "tous partenaires"
    with style():
        fig, ax = _new((8.5, 0.55 * len(data) + 2))
        ax.barh(y + 0.2, c, height=0.4, color=COMMITTED_COLOR, label="Engagé")
        ax.barh(y - 0.2, d, height=0.4, color=RELEASED_COLOR, label="Débloqué")
        for yi, (ci, c_dh, d_dh) in enumerate(zip(c, data[c_col], data[d_col], strict=True)):
            rate = d_dh / c_dh if c_dh else float("nan")
            ax.text(ci + 0.01 * max(c.max(), 1e-9), yi + 0.2, f"débloqué {fmt.percent(rate)}",
                    va="center", fontsize=8)
        ax.set_yticks(y, names)
        ax.set_xlim(0, max(c.max(), d.max(), 1e-9) * 1.3)
        ax.xaxis.set_major_formatter(number_formatter())
        ax.set_xlabel(f"Montants {who} (MDH)")
        ax.set_title(title or f"Engagé et débloqué {who}", loc="left")
        ax.legend(loc="lower right")
        return _finish(fig, source, out)


def release_curve(curve, *, title: str = "Échéancier et déblocages cumulés",
                  source: str = SOURCE, out=None) -> Figure:
    """S-curve: cumulative échéancier versus cumulative releases (MDH) over time.

    Parameters
    ----------
    curve : DataFrame
        :func:`pvanalysis.indicators.release_curve`.
    """
    with style():
        fig, ax = _new((8, 4.5))
        yearly = bool(len(curve)) and bool((curve["date"].dt.month == 12).all()
                                           and (curve["date"].dt.day == 31).all())
        x = curve["date"].dt.year if yearly else curve["date"]
        ax.plot(x, curve["cum_scheduled_dh"].astype(float) / _MDH, marker="s", markersize=5,
                color=COMMITTED_COLOR, linewidth=2.4, label="Échéancier cumulé")
        ax.plot(x, curve["cum_released_dh"].astype(float) / _MDH, marker="o",
                color=RELEASED_COLOR, linewidth=2, label="Déblocages cumulés")
        if len(curve):
            top = float(curve["cum_committed_dh"].iloc[0]) / _MDH
            ax.axhline(top, color="#777777", linestyle="--", linewidth=1)
            ax.annotate(f"Engagé : {fmt.mdh(curve['cum_committed_dh'].iloc[0], 1)}",
                        (x.iloc[0], top), xytext=(0, 4), textcoords="offset points",
                        fontsize=8, color="#555555")
            last = curve.iloc[-1]
            ax.annotate(fmt.mdh(last["cum_released_dh"], 1), (x.iloc[-1],
                        float(last["cum_released_dh"]) / _MDH), xytext=(6, -4),
                        textcoords="offset points", fontsize=8, color=RELEASED_COLOR)
        if yearly:
            from matplotlib.ticker import FuncFormatter, MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
            ax.set_xlabel("Année (cumul au 31 décembre)")
        else:
            from matplotlib.dates import DateFormatter

            ax.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
            ax.set_xlabel("Date (fin de période)")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(number_formatter())
        ax.set_ylabel("Montant cumulé (MDH)")
        ax.set_title(title, loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(0, 0.93))
        return _finish(fig, source, out)


def phase_funnel(funnel, *, title: str = "Projets par phase et étape",
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
        ax.barh(data["step_label"], counts, color=[colors[p] for p in data["phase"]])
        for y, v in enumerate(counts):
            ax.text(v + max(counts.max(), 1) * 0.01, y, fmt.number(v), va="center", fontsize=8)
        from matplotlib.patches import Patch

        labels = dict(zip(funnel["phase"], funnel["phase_label"], strict=True))
        ax.legend(handles=[Patch(color=colors[p], label=labels[p]) for p in phases],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="Phase",
                  title_fontsize=8.5)
        _integer_axis(ax.xaxis)
        ax.set_xlim(0, max(counts.max(), 1) * 1.12)
        ax.set_xlabel("Nombre de projets")
        ax.set_title(title, loc="left")
        return _finish(fig, source, out)


def delay_distribution(delays, *, title: str = "Retards des projets", bins: int = 20,
                       source: str = SOURCE, out=None) -> Figure:
    """Histogram of project delays (months); negative = ahead of the planned end.

    Parameters
    ----------
    delays : DataFrame
        :func:`pvanalysis.indicators.delays` (``delay_months``, ``late``).
    """
    values = delays["delay_months"].dropna().astype(float)
    with style():
        fig, ax = _new((8, 4.2))
        ax.hist(values, bins=bins, color=PALETTE[0], edgecolor="white")
        ax.axvline(0, color="#333333", linewidth=1)
        late = (values > 0).mean() if len(values) else float("nan")
        med = values.median() if len(values) else float("nan")
        ax.set_title(f"{fmt.number(len(values))} projets mesurés ; en retard : "
                     f"{fmt.percent(late)} ; retard médian : {fmt.number(med, 1)} mois",
                     loc="right", fontsize=8.5, fontweight="normal", color="#333333")
        ax.xaxis.set_major_formatter(number_formatter())
        _integer_axis(ax.yaxis)
        ax.set_xlabel("Retard (mois ; négatif = en avance)")
        ax.set_ylabel("Nombre de projets")
        ax.set_title(title, loc="left")
        return _finish(fig, source, out)


def lorenz_curve(lorenz, *, title: str = "Concentration de l'investissement",
                 territory: str = "régions", source: str = SOURCE, out=None) -> Figure:
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
                label="Répartition proportionnelle à la population")
        ax.plot(x, y, marker="o", markersize=3, color=PALETTE[0],
                label=f"Courbe de Lorenz ({territory})")
        ax.fill_between(x, y, x, color=PALETTE[0], alpha=0.12)
        ax.text(0.04, 0.8, f"Indice de Gini : {fmt.number(gini, 2)}", transform=ax.transAxes,
                fontsize=9)
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.yaxis.set_major_formatter(percent_formatter())
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(f"Population cumulée des {territory} (%)")
        ax.set_ylabel("Investissement cumulé (%)")
        ax.set_title(title, loc="left")
        ax.legend(loc="upper left", fontsize=8)
        return _finish(fig, source, out)


def need_alignment(equity, *, rho: float | None = None,
                   title: str = "Investissement et défavorisation des communes",
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
                   s=8, color="#bbbbbb", label="Communes sans investissement")
        ax.scatter(data.loc[invested, "deprivation"], data.loc[invested, "cost_per_capita_dh"],
                   s=18, color=PALETTE[3], alpha=0.8, label="Communes bénéficiaires")
        if rho is not None:
            ax.set_title(f"ρ de Spearman : {fmt.number(rho, 2)}", loc="right", fontsize=9,
                         fontweight="normal")
        if data["cost_per_capita_dh"].max() > 20 * max(data["cost_per_capita_dh"].median(), 1):
            ax.set_yscale("symlog", linthresh=100)  # skewed: log above 100 DH/hab.
            ax.set_ylim(bottom=0)
            ax.set_ylabel("Investissement par habitant (DH/hab., échelle log.)")
        else:
            ax.set_ylabel("Investissement par habitant (DH/hab.)")
        ax.yaxis.set_major_formatter(number_formatter())
        ax.xaxis.set_major_formatter(number_formatter(1))
        ax.set_xlabel("Indice de défavorisation (écarts-types ; élevé = plus défavorisée)")
        ax.set_title(title, loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        return _finish(fig, source, out)
