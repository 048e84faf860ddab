"""Physical and time indicators: physical progress, delays, late share, start lag, phases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import PHASES
from ..i18n import N_
from .core import (
    _by_list,
    _isin,
    _project_weights_for,
    _ref_ts,
    _sum,
    make_slice,
    project_frame,
    ratio,
)
from .finance import financial
from .status import _compared_end, cutoff_date

#: Average month length used for delays (days).
DAYS_PER_MONTH = 365.25 / 12


# --------------------------------------------------------------------------------------------
# Physical and time indicators
# --------------------------------------------------------------------------------------------


def physical_progress(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Physical completion by count, value-weighted progress and the financial–physical gap.

    Actions are finished when their progress is 1. By territory, action costs are attributed
    like the flows (weights of :func:`attribution`).

    Returns
    -------
    DataFrame
        ``by``, ``actions`` (count programmed), ``actions_finished``, ``completion_rate``
        (finished / programmed), ``actions_cost_dh`` (DH, Int64), ``weighted_progress_rate``
        (Σ cost·progress / Σ cost), ``disbursement_rate`` (ΣD/ΣC of the same slice) and
        ``gap_pts`` (disbursement rate − weighted progress, percentage points).
    """
    by = _by_list(by)
    if set(by) & {"partner_id", "category", "is_ministry"}:
        raise ValueError(f"by={by}: physical progress has no partner breakdown")
    s = make_slice(slice_, **filters)
    projects = project_frame(tables, s)
    weights = _project_weights_for(tables, by, s, projects)
    acts = tables["actions"].merge(weights, on="project_id", how="inner", validate="m:m")
    cost = acts["cost_dh"].astype(float) * acts["weight"]
    acts = acts.assign(actions=acts["weight"], actions_finished=acts["weight"] * (
        acts["progress_rate"] >= 1), cost=cost, cost_progress=cost * acts["progress_rate"])
    out = _sum(acts, by, ["actions", "actions_finished", "cost", "cost_progress"])
    out["completion_rate"] = ratio(out["actions_finished"], out["actions"])
    out["actions_cost_dh"] = out["cost"].round().astype("int64").astype("Int64")
    out["weighted_progress_rate"] = ratio(out["cost_progress"], out["cost"])
    fin = financial(tables, by, s)[by + ["disbursement_rate"]]
    out = out.merge(fin, on=by, how="left") if by else out.assign(
        disbursement_rate=fin["disbursement_rate"].iloc[0] if len(fin) else np.nan)
    out["gap_pts"] = 100 * (out["disbursement_rate"] - out["weighted_progress_rate"])
    out = out.rename(columns={"actions": "actions_n", "actions_finished": "finished_n"})
    out["actions"] = out["actions_n"].round(6)
    out["actions_finished"] = out["finished_n"].round(6)
    columns = ["actions", "actions_finished", "completion_rate", "actions_cost_dh",
               "weighted_progress_rate", "disbursement_rate", "gap_pts"]
    return out[by + columns].reset_index(drop=True)


def delays(tables, slice_=None, **filters) -> pd.DataFrame:
    """Delay of each project at the cut-off: the end compared minus the planned end, in months.

    The cut-off is the slice's ``ref_date``, else :func:`~pvanalysis.indicators.status.
    cutoff_date` of the tables. The end compared is the actual end of a finished project;
    for one not finished, its forecast end if later than the cut-off, else the cut-off
    itself once the planned end has passed (the delay runs until it is finished). A project
    not finished whose planned end is still ahead is not late (delay not yet measurable).
    Months are days / 30,44.

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``title``, ``scale``, ``contract_year``,
        ``planned_end``, ``end`` (the date compared), ``end_kind`` (``"effectif"``,
        ``"prévisionnel"``, ``"date d'arrêt"`` or NA), ``delay_months`` (float, NaN
        when not measurable), ``late`` (boolean, NA when not measurable).
    """
    s = make_slice(slice_, **filters)
    p = project_frame(tables, s)
    p = p[_isin(p["project_id"], _project_weights_for(tables, [], s, p)["project_id"])]
    ref = _ref_ts(s.ref_date) or cutoff_date(tables)
    closed = p["actual_end"].notna() & ((p["actual_end"] <= ref) if ref is not None else True)
    end = _compared_end(p, closed, ref)
    kind = pd.Series(pd.NA, index=p.index, dtype="string")
    kind[end.notna()] = N_("date d'arrêt")  # a label the table translates
    kind[end.notna() & (end == p["forecast_end"]) & ~closed] = N_("prévisionnel")
    kind[closed] = N_("effectif")
    days = (end - p["planned_end"]).dt.days.astype("float64")
    out = p[["project_id", "title", "scale", "contract_year", "planned_end"]].assign(
        end=end, end_kind=kind, delay_months=days / DAYS_PER_MONTH)
    out["late"] = pd.array(np.where(days.isna(), None, days > 0), dtype="boolean")
    return out.reset_index(drop=True)


def late_share(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Share of late projects: projects with delay > 0 / projects whose delay is measurable.

    Returns
    -------
    DataFrame
        ``by`` (``scale`` or ``contract_year``), ``projects_measured``, ``projects_late``
        (Int64), ``late_share`` (0–1), ``mean_delay_months`` (float).
    """
    by = _by_list(by)
    if set(by) - {"scale", "contract_year"}:
        raise ValueError(f"by={by}: late_share groups by 'scale' or 'contract_year'")
    d = delays(tables, slice_, **filters)
    d = d[d["late"].notna()]
    d = d.assign(projects_measured=1, projects_late=d["late"].astype(int))
    out = _sum(d.astype({"projects_measured": "Int64", "projects_late": "Int64"}), by,
               ["projects_measured", "projects_late"])
    out["late_share"] = ratio(out["projects_late"], out["projects_measured"])
    means = d.groupby(by)["delay_months"].mean().rename("mean_delay_months") if by else \
        pd.Series([d["delay_months"].mean()] if len(d) else [], name="mean_delay_months")
    out = out.merge(means.reset_index(), on=by, how="left") if by else out.assign(
        mean_delay_months=means.to_numpy())
    return out.reset_index(drop=True)


def start_lag(tables, slice_=None, **filters) -> pd.DataFrame:
    """Days from the cadre convention's signature to the project's first release.

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``scale``, ``contracted_on``,
        ``first_release_on`` (NaT if nothing released by ``ref_date``), ``start_lag_days``
        (Int64, NA when nothing released).
    """
    s = make_slice(slice_, **filters)
    p = project_frame(tables, s)
    conv = tables["conventions"][["convention_id", "project_id"]]
    disb = tables["disbursements"].merge(conv, on="convention_id", validate="m:1")
    ref = _ref_ts(s.ref_date)
    if ref is not None:
        disb = disb[disb["released_on"] <= ref]
    first = disb.groupby("project_id")["released_on"].min()
    out = p[["project_id", "scale", "contracted_on"]].assign(
        first_release_on=p["project_id"].map(first).astype("datetime64[ns]"))
    out["first_release_on"] = pd.to_datetime(out["first_release_on"])
    days = (out["first_release_on"] - out["contracted_on"]).dt.days
    out["start_lag_days"] = days.astype("Int64")
    return out.reset_index(drop=True)


def phase_funnel(tables, slice_=None, **filters) -> pd.DataFrame:
    """Projects per phase and step, in the order of the Ministry's process.

    Returns
    -------
    DataFrame
        One row per phase and step of ``config.PHASES`` (all listed, zeros included):
        ``phase``, ``phase_label``, ``step``, ``step_label``, ``projects`` (Int64),
        ``projects_phase`` (in the phase), ``reached`` (projects at this phase or beyond).
    """
    p = project_frame(tables, slice_, **filters)
    rows = [(ph, label, st, st_label) for ph, (label, steps) in PHASES.items()
            for st, st_label in steps.items()]
    out = pd.DataFrame(rows, columns=["phase", "phase_label", "step", "step_label"])
    out = out.astype("string")
    counts = p.groupby(["phase", "step"]).size()
    idx = pd.MultiIndex.from_frame(out[["phase", "step"]])
    out["projects"] = counts.reindex(idx, fill_value=0).to_numpy()
    out["projects"] = out["projects"].astype("Int64")
    per_phase = out.groupby("phase", sort=False)["projects"].sum()
    out["projects_phase"] = out["phase"].map(per_phase).astype("Int64")
    reached = per_phase[::-1].cumsum()[::-1]
    out["reached"] = out["phase"].map(reached).astype("Int64")
    return out
