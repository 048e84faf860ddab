"""Equity and concentration: deprivation index, targeting, need alignment, Herfindahl, Lorenz."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core import LEVELS, ratio
from .finance import financial
from .territory import _layer, investment_per_capita

#: Census indicators of the commune layer that enter the deprivation index, with the
#: direction of deprivation: +1 when a higher value means more deprived, −1 otherwise.
DEPRIVATION_INDICATORS = {
    "running_water_share": -1,
    "electricity_share": -1,
    "public_sewer_share": -1,
    "basic_or_slum_dwelling_share": +1,
    "paved_road_distance_km": +1,
    "illiteracy_rate": +1,
    "unemployment_rate": +1,
}


# --------------------------------------------------------------------------------------------
# Equity and concentration
# --------------------------------------------------------------------------------------------


def deprivation_index(communes: pd.DataFrame) -> pd.DataFrame:
    """Deprivation index of communes from their census indicators.

    Method: each indicator of ``DEPRIVATION_INDICATORS`` present in ``communes`` is turned
    into a z-score across communes (mean 0, population standard deviation, ddof=0) and
    oriented so that a higher score means more deprived (less running water, electricity,
    sewer; more illiteracy, unemployment, distance to a paved road, basic or slum dwellings).
    The index is the unweighted mean of the available z-scores of a commune (missing
    indicators skipped; NaN when none). Quintiles rank the index: 5 = most deprived fifth.

    Returns
    -------
    DataFrame
        ``code``, ``deprivation`` (float, z-score units), ``quintile`` (Int64 1–5),
        ``indicators_used`` (Int64, number of indicators averaged).
    """
    present = {c: d for c, d in DEPRIVATION_INDICATORS.items() if c in communes.columns}
    if not present:
        raise ValueError("communes carry none of the deprivation indicators "
                         f"{list(DEPRIVATION_INDICATORS)}")
    z = pd.DataFrame(index=communes.index)
    for col, direction in present.items():
        x = pd.to_numeric(communes[col]).astype("float64")
        z[col] = direction * (x - x.mean()) / x.std(ddof=0)
    out = pd.DataFrame({"code": communes["code"].astype("string"),
                        "deprivation": z.mean(axis=1, skipna=True),
                        "indicators_used": z.notna().sum(axis=1).astype("Int64")})
    rank = out["deprivation"].rank(method="first", pct=True)
    out["quintile"] = np.ceil(rank * 5).astype("Int64")
    return out[["code", "deprivation", "quintile", "indicators_used"]].reset_index(drop=True)


def commune_equity(tables, communes: pd.DataFrame | None = None, slice_=None,
                   **filters) -> pd.DataFrame:
    """Per commune: investment per capita beside the deprivation index (need-alignment data).

    Returns
    -------
    DataFrame
        The columns of :func:`investment_per_capita` (level commune, census 2024) and of
        :func:`deprivation_index` (``deprivation``, ``quintile``, ``indicators_used``).
    """
    communes = _layer(tables, "commune", communes)
    per_capita = investment_per_capita(tables, "commune", 2024, communes, slice_, **filters)
    return per_capita.merge(deprivation_index(communes), on="code", how="left", validate="1:1")


def _commune_investment(tables, communes, slice_, filters) -> pd.DataFrame:
    return commune_equity(tables, communes, slice_, **filters)


def targeting_share(tables, communes: pd.DataFrame | None = None, slice_=None,
                    **filters) -> pd.DataFrame:
    """Share of investment T reaching the most deprived quintile of communes.

    Returns
    -------
    DataFrame
        One row: ``cost_dh`` (T attributed to communes), ``cost_q5_dh`` (in quintile 5),
        ``targeting_share`` (fraction), ``q5_population_share`` (the quintile's share of the
        population, the benchmark of a neutral allocation).
    """
    return _targeting(_commune_investment(tables, _layer(tables, "commune", communes), slice_,
                                          filters))


def targeting_of(equity: pd.DataFrame) -> pd.DataFrame:
    """:func:`targeting_share` of communes already carrying their national quintile.

    Parameters
    ----------
    equity : DataFrame
        Rows of :func:`commune_equity` computed on every commune of the country, then
        restricted to a territory: the quintile stays national.

    Returns
    -------
    DataFrame
        As :func:`targeting_share`; the population share is that of the territory.
    """
    return _targeting(equity)


def _targeting(c: pd.DataFrame) -> pd.DataFrame:
    q5 = c["quintile"] == 5
    out = pd.DataFrame({"cost_dh": [c["cost_dh"].sum()],
                        "cost_q5_dh": [c.loc[q5.fillna(False), "cost_dh"].sum()]}).astype("Int64")
    out["targeting_share"] = ratio(out["cost_q5_dh"], out["cost_dh"])
    out["q5_population_share"] = ratio(pd.Series([c.loc[q5.fillna(False), "population"].sum()]),
                                       pd.Series([c["population"].sum()]))
    return out


def need_alignment(tables, communes: pd.DataFrame | None = None, slice_=None,
                   **filters) -> pd.DataFrame:
    """Spearman ρ between investment per capita and the deprivation index, across communes.

    All communes with a population and an index enter (zero investment included, so ρ
    measures whether money goes where needs are). ρ > 0: more money per head where deprivation
    is higher.

    Returns
    -------
    DataFrame
        One row: ``communes`` (n), ``rho`` (−1…1, NaN with fewer than 3 communes or no
        variation), ``p_value``.
    """
    return _alignment(_commune_investment(tables, _layer(tables, "commune", communes), slice_,
                                          filters))


def _alignment(c: pd.DataFrame) -> pd.DataFrame:
    from scipy.stats import spearmanr

    c = c[c["cost_per_capita_dh"].notna() & c["deprivation"].notna()]
    rho, p = np.nan, np.nan
    if len(c) >= 3 and c["cost_per_capita_dh"].nunique() > 1 and c["deprivation"].nunique() > 1:
        res = spearmanr(c["cost_per_capita_dh"], c["deprivation"])
        rho, p = float(res.statistic), float(res.pvalue)
    return pd.DataFrame({"communes": pd.array([len(c)], dtype="Int64"), "rho": [rho],
                         "p_value": [p]})


def concentration(tables, level: str = "region", slice_=None, **filters) -> pd.DataFrame:
    """Herfindahl index of investment shares across territories and the top-3 share.

    Returns
    -------
    DataFrame
        One row: ``territories`` (with investment), ``cost_dh``, ``herfindahl`` (Σ s², 0–1),
        ``top3_share`` (fraction of T in the three largest).
    """
    if level not in ("region", "province", "commune"):
        raise ValueError(f"level={level!r}: use one of {list(LEVELS)}")
    fin = financial(tables, f"{level}_code", slice_, **filters)
    return _concentration(fin)


def _concentration(fin: pd.DataFrame) -> pd.DataFrame:
    cost = fin["cost_dh"].astype("float64")
    cost = cost[cost > 0]
    total = cost.sum()
    shares = cost / total if total > 0 else cost
    return pd.DataFrame({
        "territories": pd.array([len(cost)], dtype="Int64"),
        "cost_dh": pd.array([int(total)], dtype="Int64"),
        "herfindahl": [float((shares ** 2).sum()) if total > 0 else np.nan],
        "top3_share": [float(shares.nlargest(3).sum()) if total > 0 else np.nan]})


def lorenz(tables, level: str = "region", census: int = 2024, layer=None, slice_=None,
           **filters) -> pd.DataFrame:
    """Concentration (Lorenz) curve: territories sorted by investment per capita, ascending.

    Returns
    -------
    DataFrame
        ``code``, ``name_fr``, ``cum_population_share`` and ``cum_cost_share`` (0–1), starting
        with a (0, 0) row; the diagonal means investment proportional to population.
    """
    pc = investment_per_capita(tables, level, census, layer, slice_, **filters)
    pc = pc[pc["population"].fillna(0) > 0].sort_values("cost_per_capita_dh", kind="stable")
    pop = pc["population"].astype(float)
    cost = pc["cost_dh"].astype(float)
    out = pd.DataFrame({"code": pc["code"], "name_fr": pc["name_fr"],
                        "cum_population_share": (pop.cumsum() / pop.sum()).to_numpy(),
                        "cum_cost_share": (cost.cumsum() / cost.sum()).to_numpy()
                        if cost.sum() > 0 else np.nan})
    start = pd.DataFrame({"code": [pd.NA], "name_fr": [pd.NA], "cum_population_share": [0.0],
                          "cum_cost_share": [0.0]}).astype({"code": "string", "name_fr": "string"})
    return pd.concat([start, out], ignore_index=True)
