"""The bilan by scale and the whole national set of indicators of the bilan report."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..config import SCALES
from .core import Slice, project_frame
from .equity import _alignment, _concentration, _targeting, commune_equity
from .finance import (
    cofinancing_mix,
    commitment_rate,
    financial,
    partner_fulfilment,
    release_curve,
)
from .progress import delays, late_share, phase_funnel, physical_progress, start_lag
from .territory import _per_capita, coverage

#: Scale → target type counted as "targets covered" in the bilan.
SCALE_TARGET_TYPE = {"quartiers": "quartier", "centre": "centre", "medina": "medina"}


# --------------------------------------------------------------------------------------------
# The bilan by scale
# --------------------------------------------------------------------------------------------


def bilan(tables, period: tuple[int, int] = (2017, 2021), ref_date=None,
          scales: Iterable[str] | None = None) -> pd.DataFrame:
    """The Ministry's bilan table by intervention scale, for projects contracted in ``period``.

    Returns
    -------
    DataFrame
        One row per scale of ``config.SCALES`` (in that order, zeros included): ``scale``,
        ``scale_label`` (French), ``projects`` (Int64), ``total_cost_dh`` (T),
        ``ministry_dh`` (M), ``ministry_released_dh`` (D_M up to ``ref_date``) in DH (Int64),
        and ``targets`` (Int64: distinct quartiers, centres or medinas targeted for those
        scales; NA for royal projects).
    """
    scales = list(scales or SCALES)
    s = Slice(scale=scales, period=period, ref_date=ref_date)
    p = project_frame(tables, s)
    fin = financial(tables, "scale", s).set_index("scale")
    out = pd.DataFrame({"scale": pd.array(scales, dtype="string")})
    out["scale_label"] = out["scale"].map(SCALES).astype("string")
    out["projects"] = out["scale"].map(p.groupby("scale").size()).fillna(0).astype("Int64")
    for src, dst in (("cost_dh", "total_cost_dh"), ("ministry_dh", "ministry_dh"),
                     ("ministry_released_dh", "ministry_released_dh")):
        out[dst] = out["scale"].map(fin[src]).fillna(0).astype("Int64")
    t = tables["project_targets"].merge(p[["project_id", "scale"]], on="project_id")
    t = t[t["target_type"] == t["scale"].map(SCALE_TARGET_TYPE)]
    counts = t.groupby("scale")["target_id"].nunique()
    out["targets"] = out["scale"].map(counts).fillna(0).astype("Int64")
    out.loc[~out["scale"].isin(list(SCALE_TARGET_TYPE)), "targets"] = pd.NA
    return out


def national_set(tables, period: tuple[int, int] = (2017, 2021), ref_date=None,
                 communes: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every national indicator of the bilan report at once (used by the benchmark)."""
    s = Slice(period=period, ref_date=ref_date)
    out = {"bilan": bilan(tables, period, ref_date),
           "financial_scale": financial(tables, "scale", s),
           "financial_region": financial(tables, "region_code", s),
           "commitment_rate": commitment_rate(tables, "scale", s),
           "partners": partner_fulfilment(tables, s),
           "mix": cofinancing_mix(tables, "scale", s),
           "curve": release_curve(tables, s),
           "physical": physical_progress(tables, "scale", s),
           "delays": delays(tables, s), "late": late_share(tables, "scale", s),
           "start_lag": start_lag(tables, s), "funnel": phase_funnel(tables, s),
           "coverage": coverage(tables, None, s)}
    out["concentration"] = _concentration(out["financial_region"])
    if "regions" in tables:
        out["per_capita"] = _per_capita(out["financial_region"], tables["regions"], "region",
                                        2024)
    communes = communes if communes is not None else tables.get("communes")
    if communes is not None:
        equity = commune_equity(tables, communes, s)  # computed once for both
        out["targeting"] = _targeting(equity)
        out["alignment"] = _alignment(equity)
    return out
