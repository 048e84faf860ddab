"""Financial indicators: committed and released amounts, rates, leverage, mix and S-curve."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..config import PARTNER_CATEGORIES
from .core import (
    _LEVEL_COL,
    LEVELS,
    Slice,
    _allocate,
    _as_list,
    _by_list,
    _flows_for,
    _isin,
    _level_of,
    _project_weights_for,
    _ref_ts,
    _sum,
    attribution,
    flows,
    make_slice,
    project_frame,
    ratio,
)

# --------------------------------------------------------------------------------------------
# Financial indicators
# --------------------------------------------------------------------------------------------

FINANCIAL_COLUMNS = ["cost_dh", "ministry_dh", "partners_dh", "released_dh",
                     "ministry_released_dh", "remaining_dh", "scheduled_due_dh",
                     "ministry_share", "ministry_release_rate", "disbursement_rate",
                     "leverage_ratio", "partner_leverage_ratio", "schedule_adherence"]


def financial(tables: Mapping[str, pd.DataFrame], by=None, slice_: Slice | None = None,
              **filters) -> pd.DataFrame:
    """The financial indicators of a slice, per group, from summed flows.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables.
    by : str or list of str, optional
        Grouping columns among ``GROUP_COLUMNS`` (e.g. ``"scale"``, ``"region_code"``);
        one national row when omitted. Territory columns attribute flows (module notes).
    slice_, **filters
        The slice (:class:`Slice` fields).

    Returns
    -------
    DataFrame
        ``by`` columns, then in DH (Int64): ``cost_dh`` (T = ΣC), ``ministry_dh`` (M),
        ``partners_dh`` (T − M), ``released_dh`` (ΣD), ``ministry_released_dh``,
        ``remaining_dh`` (ΣC − ΣD, reste à débloquer), ``scheduled_due_dh``; and float
        fractions: ``ministry_share`` (M/T), ``ministry_release_rate`` (D_M/M),
        ``disbursement_rate`` (ΣD/ΣC), ``leverage_ratio`` (T/M, ×), ``partner_leverage_ratio``
        ((T − M)/M, ×), ``schedule_adherence`` (ΣD/ΣS due). NaN on a zero denominator.
    """
    by = _by_list(by)
    f = _flows_for(tables, by, make_slice(slice_, **filters))
    f = f.assign(ministry_dh=f["committed_dh"].where(f["is_ministry"], 0),
                 ministry_released_dh=f["released_dh"].where(f["is_ministry"], 0))
    out = _sum(f, by, ["committed_dh", "ministry_dh", "released_dh", "ministry_released_dh",
                       "scheduled_due_dh"]).rename(columns={"committed_dh": "cost_dh"})
    out["partners_dh"] = out["cost_dh"] - out["ministry_dh"]
    out["remaining_dh"] = out["cost_dh"] - out["released_dh"]
    out["ministry_share"] = ratio(out["ministry_dh"], out["cost_dh"])
    out["ministry_release_rate"] = ratio(out["ministry_released_dh"], out["ministry_dh"])
    out["disbursement_rate"] = ratio(out["released_dh"], out["cost_dh"])
    out["leverage_ratio"] = ratio(out["cost_dh"], out["ministry_dh"])
    out["partner_leverage_ratio"] = ratio(out["partners_dh"], out["ministry_dh"])
    out["schedule_adherence"] = ratio(out["released_dh"], out["scheduled_due_dh"])
    return out[by + FINANCIAL_COLUMNS].reset_index(drop=True)


def _pick(frame: pd.DataFrame, by, columns: list[str]) -> pd.DataFrame:
    return frame[_by_list(by) + columns]


def committed(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Committed amounts C per group: ``cost_dh`` (T), ``ministry_dh`` (M), ``partners_dh`` (DH)."""
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["cost_dh", "ministry_dh", "partners_dh"])


def released(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Released amounts D per group up to ``ref_date`` (DH).

    Columns ``by``, ``released_dh``, ``ministry_released_dh``.
    """
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["released_dh", "ministry_released_dh"])


def remaining(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Reste à débloquer ΣC − ΣD per group: ``cost_dh``, ``released_dh``, ``remaining_dh`` (DH)."""
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["cost_dh", "released_dh", "remaining_dh"])


def ministry_share(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Ministry share M/T per group: ``cost_dh``, ``ministry_dh``, ``ministry_share`` (0–1)."""
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["cost_dh", "ministry_dh", "ministry_share"])


def ministry_release_rate(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Taux de déblocage D_M/M per group.

    Columns ``by``, ``ministry_dh``, ``ministry_released_dh`` (DH), ``ministry_release_rate``.
    """
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["ministry_dh", "ministry_released_dh", "ministry_release_rate"])


def disbursement_rate(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Overall disbursement rate ΣD/ΣC: ``cost_dh``, ``released_dh``, ``disbursement_rate``."""
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["cost_dh", "released_dh", "disbursement_rate"])


def leverage(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Effet levier T/M and partner dirhams per Ministry dirham (T − M)/M (×, floats)."""
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["cost_dh", "ministry_dh", "leverage_ratio", "partner_leverage_ratio"])


def schedule_adherence(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Released to date over échéancier due to date: ``scheduled_due_dh``, ``released_dh``, rate."""
    return _pick(financial(tables, by, slice_, **filters), by,
                 ["scheduled_due_dh", "released_dh", "schedule_adherence"])


def commitment_rate(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Taux d'engagement: commitments over the cadre conventions' stated amounts.

    T is the sum of commitments (shared semantics), so the rate compares it to what the
    framework conventions state (``conventions.amount_dh``, kind ``cadre``); it departs from 1
    when partners' commitments do not cover the convention.

    Returns
    -------
    DataFrame
        ``by``, ``convention_amount_dh``, ``committed_dh`` (DH, Int64), ``commitment_rate``.
        ``by`` may not contain partner columns (a convention amount has no partner); a
        ``partner`` filter restricts the commitments but not the convention amounts.
    """
    by = _by_list(by)
    if set(by) & {"partner_id", "category", "is_ministry"}:
        raise ValueError(f"by={by}: a commitment rate has no partner breakdown")
    s = make_slice(slice_, **filters)
    f = _flows_for(tables, by, s)
    conv = tables["conventions"]
    amounts = conv[conv["kind"] == "cadre"].groupby("project_id", as_index=False)["amount_dh"].sum()
    projects = project_frame(tables, s)
    base = projects[["project_id", "region_code", "province_code", "commune_code"]].merge(
        amounts, on="project_id", how="left", validate="1:1")
    base = base.assign(partner_id="", committed_dh=base["amount_dh"].fillna(0).astype("Int64"))
    level = _level_of(by) or s.territory_level
    # projects without any commitment keep their convention amount (rate 0, not missing)
    meta = projects[["project_id", "scale", "contract_year"]]
    base = base.drop(columns="amount_dh")
    if level is not None:
        base = _allocate(base.astype({c: "string" for c in ("region_code", "province_code",
                                                            "commune_code")}),
                         attribution(tables, projects), ["project_id"])
        for lvl in LEVELS:
            codes = _as_list(getattr(s, lvl))
            if codes is not None:
                base = base[_isin(base[_LEVEL_COL[lvl]], codes)]
    base = base.merge(meta, on="project_id", how="inner", validate="m:1")
    amounts_g = _sum(base.rename(columns={"committed_dh": "convention_amount_dh"}), by,
                     ["convention_amount_dh"])
    committed_g = _sum(f, by, ["committed_dh"])
    out = amounts_g.merge(committed_g, on=by, how="outer") if by else pd.concat(
        [amounts_g, committed_g], axis=1)
    for col in ("convention_amount_dh", "committed_dh"):
        out[col] = out[col].fillna(0).astype("Int64")
    out["commitment_rate"] = ratio(out["committed_dh"], out["convention_amount_dh"])
    return out[by + ["convention_amount_dh", "committed_dh", "commitment_rate"]]


def partner_fulfilment(tables, slice_=None, **filters) -> pd.DataFrame:
    """Per partner: committed, released (DH) and fulfilment D_p / C_p.

    Returns
    -------
    DataFrame
        ``partner_id``, ``name``, ``category``, ``committed_dh``, ``released_dh`` (DH, Int64),
        ``fulfilment_rate`` (0–1; 0 for a partner that committed and released nothing).
    """
    f = flows(tables, slice_, **filters)
    out = _sum(f, ["partner_id", "category"], ["committed_dh", "released_dh"])
    names = tables["partners"].set_index("partner_id")["name"]
    out.insert(1, "name", out["partner_id"].map(names).astype("string"))
    out["fulfilment_rate"] = ratio(out["released_dh"], out["committed_dh"])
    return out.sort_values("committed_dh", ascending=False).reset_index(drop=True)


def cofinancing_mix(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Share of T committed by each partner category, per group.

    Returns
    -------
    DataFrame
        ``by``, ``category``, ``category_label`` (French), ``committed_dh`` (DH, Int64),
        ``share`` (fraction of the group's T; shares of a group add up to 1).
    """
    by = _by_list(by)
    f = _flows_for(tables, by, make_slice(slice_, **filters))
    out = _sum(f, by + ["category"], ["committed_dh"])
    total = out.groupby(by)["committed_dh"].transform("sum") if by else out["committed_dh"].sum()
    out["share"] = ratio(out["committed_dh"], pd.Series(total, index=out.index))
    out.insert(len(by) + 1, "category_label",
               out["category"].map(PARTNER_CATEGORIES).astype("string"))
    return out.reset_index(drop=True)


def release_curve(tables, slice_=None, freq: str = "YE", **filters) -> pd.DataFrame:
    """Échéancier versus cumulative releases over time (S-curve) for a slice.

    Parameters
    ----------
    freq : str, default "YE"
        Release aggregation period (pandas offset alias: ``"YE"`` yearly, ``"QE"`` quarterly).

    Returns
    -------
    DataFrame
        ``date`` (period end), ``scheduled_dh`` and ``released_dh`` in the period and their
        running totals ``cum_scheduled_dh``, ``cum_released_dh`` (DH, Int64), and
        ``cum_committed_dh`` (T of the slice, the curve's ceiling). The échéancier amount of a
        year falls on 31 December.

    Notes
    -----
    With a territory filter each release and échéancier amount is multiplied by the share of
    its project attributed to the territory (module notes), rounded to the dirham.
    """
    s = make_slice(slice_, **filters)
    f = flows(tables, s)
    pairs = f[["project_id", "partner_id"]].drop_duplicates()
    conv = tables["conventions"][["convention_id", "project_id"]]
    disb = tables["disbursements"].merge(conv, on="convention_id", validate="m:1")
    disb = disb.merge(pairs, on=["project_id", "partner_id"], how="inner")
    ref = _ref_ts(s.ref_date)
    if ref is not None:
        disb = disb[disb["released_on"] <= ref]
    if s.period is not None and s.period_basis == "release":
        disb = disb[disb["released_on"].dt.year.between(*s.period)]
    sched = tables["schedule"].merge(conv, on="convention_id", validate="m:1")
    sched = sched.merge(pairs, on=["project_id", "partner_id"], how="inner")
    if s.territory_level is not None:  # the territory's share of each project
        share = _project_weights_for(tables, [], s, project_frame(tables, s))
        share = share.groupby("project_id")["weight"].sum()
        disb = disb.assign(amount_dh=(disb["amount_dh"].astype(float)
                                      * disb["project_id"].map(share).fillna(0)).round())
        sched = sched.assign(planned_dh=(sched["planned_dh"].astype(float)
                                         * sched["project_id"].map(share).fillna(0)).round())
    rel = disb.set_index("released_on")["amount_dh"].astype("int64").resample(freq).sum()
    plan_dates = pd.to_datetime(sched["year"].astype("int64").astype(str) + "-12-31")
    plan = pd.Series(sched["planned_dh"].astype("int64").to_numpy(), index=plan_dates)
    plan = plan.resample(freq).sum() if len(plan) else plan
    out = pd.concat({"scheduled_dh": plan, "released_dh": rel}, axis=1).fillna(0)
    out = out.sort_index().rename_axis("date").reset_index()
    out = out.astype({"scheduled_dh": "Int64", "released_dh": "Int64"})
    out["cum_scheduled_dh"] = out["scheduled_dh"].cumsum().astype("Int64")
    out["cum_released_dh"] = out["released_dh"].cumsum().astype("Int64")
    out["cum_committed_dh"] = pd.array([f["committed_dh"].sum()] * len(out), dtype="Int64")
    return out


def convention_finance(tables, convention_id: str, ref_date=None) -> pd.DataFrame:
    """Money of one convention, per partner: its scope, not its whole project's.

    A framework (cadre) convention covers its commitments and the releases made on it and
    on its financing conventions; a financing convention covers only the releases and
    échéancier written on it (its commitments, if any).

    Parameters
    ----------
    convention_id : str
        A ``conventions.convention_id``.
    ref_date : date-like, optional
        Releases up to this date; échéancier years ending by it are due.

    Returns
    -------
    DataFrame
        One row per partner: ``partner_id``, ``name``, ``committed_dh``, ``released_dh``,
        ``scheduled_due_dh``, ``remaining_dh`` (committed − released) in DH (Int64), and
        ``fulfilment_rate`` (released / committed, NaN without commitment).
    """
    conv = tables["conventions"]
    if not (conv["convention_id"] == convention_id).any():
        raise ValueError(f"convention_id={convention_id!r} is not in the conventions table")
    ids = [convention_id]
    kind = conv.loc[conv["convention_id"] == convention_id, "kind"].iloc[0]
    if kind == "cadre":
        ids += conv.loc[conv["parent_id"] == convention_id, "convention_id"].astype(str).tolist()
    ref = _ref_ts(ref_date)
    disb = tables["disbursements"]
    disb = disb[_isin(disb["convention_id"], ids)]
    sched = tables["schedule"]
    sched = sched[_isin(sched["convention_id"], ids)]
    if ref is not None:
        disb = disb[disb["released_on"] <= ref]
        sched = sched[pd.to_datetime(sched["year"].astype("int64").astype(str) + "-12-31")
                      <= ref]
    comm = tables["commitments"]
    comm = comm[comm["convention_id"] == convention_id]
    parts = [comm.groupby("partner_id")["committed_dh"].sum(),
             disb.groupby("partner_id")["amount_dh"].sum().rename("released_dh"),
             sched.groupby("partner_id")["planned_dh"].sum().rename("scheduled_due_dh")]
    out = pd.concat(parts, axis=1).rename_axis("partner_id").reset_index()
    for col in ("committed_dh", "released_dh", "scheduled_due_dh"):
        if col not in out:
            out[col] = pd.NA
    out["released_dh"] = out["released_dh"].fillna(0).astype("Int64")
    out["scheduled_due_dh"] = out["scheduled_due_dh"].fillna(0).astype("Int64")
    out["committed_dh"] = out["committed_dh"].astype("Int64")
    out["remaining_dh"] = (out["committed_dh"] - out["released_dh"]).astype("Int64")
    names = tables["partners"].set_index("partner_id")["name"]
    out.insert(1, "name", out["partner_id"].map(names).astype("string"))
    out["partner_id"] = out["partner_id"].astype("string")
    out["fulfilment_rate"] = ratio(out["released_dh"], out["committed_dh"])
    cols = ["partner_id", "name", "committed_dh", "released_dh", "scheduled_due_dh",
            "remaining_dh", "fulfilment_rate"]
    return out[cols].sort_values("partner_id").reset_index(drop=True)
