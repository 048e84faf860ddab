"""The data cut-off date, the status of projects and conventions, and what is unknown.

The cut-off date
----------------
Every figure of a report is "as of" one date, the **cut-off** (date d'arrêt des données):
the ``ref_date`` a report is given, else the store's ``cutoff_date`` (version manifest), else
the rule of :func:`cutoff_date`: the latest dated event of the tables (a release, a
signature, an actual end of a project or an action). Releases after it are not counted, the
échéancier is due up to it, and a project whose planned end has passed at the cut-off
without being finished is late, its delay counted to the cut-off.

Status (in the spirit of a World Bank implementation status report)
---------------------------------------------------------------------
One status per project (and per convention), the first that applies in this order:

- ``closed`` (« Achevé ») — an actual end on or before the cut-off;
- ``late`` (« En retard ») — not finished and its planned end passed at the cut-off, or a
  forecast end after the planned end (delay in months to the forecast or to the cut-off);
- ``stalled`` (« À l'arrêt ») — nothing released ``STALL_NO_RELEASE_MONTHS`` months after
  the signature of its framework convention, or no release during the last
  ``STALL_IDLE_MONTHS`` months while échéancier amounts due remain unreleased (progress not
  moving); a late project that is also stalled is counted late, both reasons given;
- ``on_track`` (« Dans les délais ») — otherwise, with a planned end;
- ``unknown`` (« Non renseigné ») — no planned end and no release data to judge from.

Each status comes with its reasons in French (what a director reads before acting).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..fmt import number as _n
from ..i18n import N_, _
from .core import _isin, _ref_ts, make_slice, project_frame

#: No release this many months after the signature: stalled.
STALL_NO_RELEASE_MONTHS = 12
#: No release during this many months before the cut-off, while not finished and releases
#: remain due: stalled.
STALL_IDLE_MONTHS = 24
#: Average month length (days), the same as the delays'.
_DAYS_PER_MONTH = 365.25 / 12

#: Status code → French label, in the order of precedence.
STATUS_LABELS = {"closed": N_("Achevé"), "late": N_("En retard"), "stalled": N_("À l'arrêt"),
                 "on_track": N_("Dans les délais"), "unknown": N_("Non renseigné")}

#: Source tables a build may lack (version manifest ``absent``).
OPTIONAL_SOURCES = ("disbursements", "schedule", "actions", "commitments", "quartiers",
                    "centres")

#: Indicator columns that depend on each source: shown « non renseigné » when it is absent.
SOURCE_COLUMNS = {
    "disbursements": {"released_dh", "ministry_released_dh", "remaining_dh",
                      "ministry_release_rate", "disbursement_rate", "schedule_adherence",
                      "gap_pts", "fulfilment_rate", "start_lag_days", "first_release_on",
                      "cum_released_dh", "released_mdh", "ministry_released_mdh"},
    "schedule": {"scheduled_dh", "scheduled_due_dh", "cum_scheduled_dh",
                 "schedule_adherence"},
    "actions": {"actions", "actions_finished", "completion_rate", "actions_cost_dh",
                "weighted_progress_rate", "gap_pts", "progress_rate"},
    "commitments": {"cost_dh", "ministry_dh", "partners_dh", "committed_dh", "remaining_dh",
                    "ministry_share", "leverage_ratio", "partner_leverage_ratio",
                    "disbursement_rate", "total_cost_dh", "cost_per_capita_dh",
                    "ministry_per_capita_dh", "fulfilment_rate", "commitment_rate"},
    "quartiers": {"eligible", "treated", "coverage_rate", "population_eligible",
                  "population_treated", "population_coverage"},
    "centres": {"eligible", "treated", "coverage_rate", "population_eligible",
                "population_treated", "population_coverage"},
}


def absent_sources(tables: Mapping[str, pd.DataFrame],
                   manifest: Mapping | None = None) -> list[str]:
    """Sources the figures cannot use: declared absent by the build, or with no row at all.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables.
    manifest : mapping, optional
        The version manifest; its ``absent`` list (table names) is taken as given.

    Returns
    -------
    list of str
        Names among :data:`OPTIONAL_SOURCES`, in that order.
    """
    declared = set((manifest or {}).get("absent") or [])
    empty = {name for name in OPTIONAL_SOURCES if name in tables and len(tables[name]) == 0}
    return [name for name in OPTIONAL_SOURCES if name in declared | empty]


def unknown_columns(absent: Iterable[str]) -> set[str]:
    """Indicator columns a reader must see as « non renseigné » given the absent sources."""
    out: set[str] = set()
    for name in absent:
        out |= SOURCE_COLUMNS.get(name, set())
    return out


def cutoff_date(tables: Mapping[str, pd.DataFrame], manifest: Mapping | None = None,
                ref_date=None) -> pd.Timestamp | None:
    """The date the figures are as of (see module notes).

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables (``disbursements``, ``conventions``, ``projects``, ``actions``).
    manifest : mapping, optional
        Version manifest; its ``cutoff_date`` (``"YYYY-MM-DD"``) wins over the tables.
    ref_date : date-like, optional
        A date given to the report; wins over everything (empty string: not given).

    Returns
    -------
    Timestamp or None
        ``ref_date``, else the manifest's ``cutoff_date``, else the latest release,
        signature or actual end found in the tables (None when the tables hold no date).
    """
    if ref_date not in (None, ""):
        return pd.Timestamp(ref_date).normalize()
    declared = (manifest or {}).get("cutoff_date")
    if declared:
        return pd.Timestamp(declared).normalize()
    dates = []
    for table, column in (("disbursements", "released_on"), ("conventions", "signed_on"),
                          ("projects", "actual_end"), ("actions", "actual_end")):
        if table in tables and column in tables[table].columns and len(tables[table]):
            dates.append(pd.to_datetime(tables[table][column]).max())
    dates = [d for d in dates if not pd.isna(d)]
    return max(dates).normalize() if dates else None


def _months(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days.astype("float64") / _DAYS_PER_MONTH


def _release_dates(tables, ref: pd.Timestamp | None) -> pd.DataFrame:
    """First and last release per project up to the cut-off."""
    conv = tables["conventions"][["convention_id", "project_id"]]
    disb = tables["disbursements"][["convention_id", "released_on"]]
    if ref is not None:
        disb = disb[disb["released_on"] <= ref]
    disb = disb.merge(conv, on="convention_id", how="inner", validate="m:1")
    return disb.groupby("project_id")["released_on"].agg(["min", "max"]).rename(
        columns={"min": "first_release_on", "max": "last_release_on"})


def _remaining_due(tables, ids: pd.Series, ref) -> pd.Series:
    """Per project: échéancier due by the cut-off minus releases by then, in DH."""
    conv = tables["conventions"][["convention_id", "project_id"]]
    sched = tables["schedule"].merge(conv, on="convention_id", validate="m:1")
    disb = tables["disbursements"].merge(conv, on="convention_id", validate="m:1")
    if ref is not None:
        sched = sched[pd.to_datetime(sched["year"].astype("int64").astype(str) + "-12-31")
                      <= ref]
        disb = disb[disb["released_on"] <= ref]
    due = sched.groupby("project_id")["planned_dh"].sum().reindex(ids).fillna(0)
    paid = disb.groupby("project_id")["amount_dh"].sum().reindex(ids).fillna(0)
    return due.astype("float64") - paid.astype("float64")


def project_status(tables, slice_=None, *, absent: Iterable[str] = (), **filters
                   ) -> pd.DataFrame:
    """Status of each project of a slice at the cut-off, with its reasons.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables.
    slice_, **filters
        The slice; its ``ref_date`` is the cut-off (:func:`cutoff_date` of the tables when
        None).
    absent : list of str
        Absent sources (:func:`absent_sources`): without disbursements no project is judged
        stalled.

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``title``, ``scale``, ``region_code``,
        ``province_code``, ``contracted_on``, ``planned_end``, ``end`` (date compared),
        ``delay_months`` (float, ≥ 0 when late, NaN when not measurable),
        ``first_release_on``, ``last_release_on``, ``status`` (code of
        :data:`STATUS_LABELS`), ``status_label`` and ``reasons`` (French, « ; »-separated).
    """
    s = make_slice(slice_, **filters)
    ref = _ref_ts(s.ref_date) or cutoff_date(tables)
    p = project_frame(tables, s)
    if s.territory_level is not None:
        from .core import _project_weights_for

        p = p[_isin(p["project_id"], _project_weights_for(tables, [], s, p)["project_id"])]
    p = p.reset_index(drop=True)
    rel = _release_dates(tables, ref).reindex(p["project_id"]).reset_index(drop=True)
    no_release_data = "disbursements" in set(absent)
    due = _remaining_due(tables, p["project_id"], ref).to_numpy()
    closed = p["actual_end"].notna() & ((p["actual_end"] <= ref) if ref is not None else True)
    end = _compared_end(p, closed, ref)
    delay = _months(end, p["planned_end"])
    late = ~closed & (delay > 0)
    closed_late = closed & (delay > 0)
    signed_months = _months(pd.Series(ref, index=p.index), p["contracted_on"]) \
        if ref is not None else pd.Series(np.nan, index=p.index)
    idle_months = _months(pd.Series(ref, index=p.index), rel["last_release_on"]) \
        if ref is not None else pd.Series(np.nan, index=p.index)
    never = rel["first_release_on"].isna() & (signed_months >= STALL_NO_RELEASE_MONTHS)
    idle = rel["last_release_on"].notna() & (idle_months >= STALL_IDLE_MONTHS) & (due > 0)
    stalled = ~closed & ~pd.Series(no_release_data, index=p.index) & (never | idle)
    status = np.select([closed, late, stalled, p["planned_end"].notna()],
                       ["closed", "late", "stalled", "on_track"], "unknown")
    reasons = []
    for i in range(len(p)):
        why = []
        if closed.iloc[i]:
            why.append(_("achevé le {date}, {delay} après l'échéance prévue").format(
                date=_d(p["actual_end"].iloc[i]), delay=_m(delay.iloc[i]))
                if closed_late.iloc[i] else
                _("achevé le {date}").format(date=_d(p["actual_end"].iloc[i])))
        if late.iloc[i]:
            why.append(_late_reason(p.iloc[i], delay.iloc[i], ref))
        if never.iloc[i] and stalled.iloc[i]:
            why.append(_("aucun déblocage {months} après la signature (plus de {limit} "
                         "mois)").format(months=_m(signed_months.iloc[i]),
                                         limit=_n(STALL_NO_RELEASE_MONTHS)))
        if idle.iloc[i] and stalled.iloc[i]:
            why.append(_("aucun déblocage depuis le {date} (plus de {limit} mois) malgré un "
                         "échéancier échu non versé").format(
                date=_d(rel["last_release_on"].iloc[i]), limit=_n(STALL_IDLE_MONTHS)))
        if status[i] == "on_track":
            why.append(_("échéance prévue le {date}").format(date=_d(p["planned_end"].iloc[i])))
        if status[i] == "unknown":
            why.append(_("ni échéance prévue ni achèvement renseignés"))
        reasons.append(_(" ; ").join(why))
    out = p[["project_id", "title", "scale", "region_code", "province_code", "contracted_on",
             "planned_end"]].assign(
        end=end, delay_months=delay.where(end.notna()).clip(lower=0).where(
            delay.notna()), first_release_on=rel["first_release_on"].to_numpy(),
        last_release_on=rel["last_release_on"].to_numpy())
    out["status"] = pd.array(status, dtype="string")
    out["status_label"] = out["status"].map(STATUS_LABELS).astype("string")
    out["reasons"] = pd.array(reasons, dtype="string")
    return out


def _late_reason(project: pd.Series, delay: float, ref) -> str:
    """Why a project not finished is late: its planned end passed, or a later forecast."""
    planned, forecast = project["planned_end"], project["forecast_end"]
    if ref is not None and planned >= ref:
        return _("achèvement prévisionnel au {forecast}, après l'échéance prévue du "
                 "{planned} : retard prévu de {delay}").format(
            forecast=_d(forecast), planned=_d(planned), delay=_m(delay))
    kind = (_("achèvement prévisionnel au {forecast}").format(forecast=_d(forecast))
            if pd.notna(forecast) and ref is not None and forecast > ref
            else _("non achevé à la date d'arrêt"))
    return _("échéance prévue le {planned} dépassée : {kind}, retard de {delay}").format(
        planned=_d(planned), kind=kind, delay=_m(delay))


def _compared_end(p: pd.DataFrame, closed: pd.Series, ref) -> pd.Series:
    """The end a delay is measured to: actual end when finished; else the later of the
    forecast end and the cut-off; else the cut-off once the planned end has passed."""
    end = p["actual_end"].where(closed)
    if ref is None:
        return end.fillna(p["forecast_end"])
    forecast = p["forecast_end"].where(p["forecast_end"] > ref, ref).where(
        p["forecast_end"].notna())
    overdue = pd.Series(ref, index=p.index).where(p["planned_end"] < ref)
    return end.fillna(forecast).fillna(overdue).astype("datetime64[ns]")


def _d(value) -> str:
    from .. import fmt

    return fmt.date(value)


def _m(value) -> str:
    from .. import fmt

    return fmt.months(value)


def status_counts(status: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Projects per status (all statuses listed, zeros included), optionally per ``by``.

    Returns
    -------
    DataFrame
        ``by`` (if given), then one column per status code of :data:`STATUS_LABELS`
        (Int64 counts) and ``projects`` (total).
    """
    codes = list(STATUS_LABELS)
    if by is None:
        counts = status["status"].value_counts().reindex(codes, fill_value=0)
        out = pd.DataFrame([counts.to_numpy()], columns=codes)
    else:
        out = pd.crosstab(status[by], status["status"]).reindex(columns=codes, fill_value=0)
        out = out.reset_index()
    out = out.astype({c: "Int64" for c in codes})
    out["projects"] = out[codes].sum(axis=1).astype("Int64")
    return out


def convention_status(tables, convention_id: str, ref_date=None,
                      absent: Iterable[str] = ()) -> dict:
    """Status of one convention: that of its project, judged on the convention's own dates.

    A convention's planned end (``conventions.planned_end``) replaces its project's when
    given; its status and reasons are otherwise its project's (a financing convention shares
    the fate of the works it funds).

    Returns
    -------
    dict
        ``status``, ``status_label``, ``reasons``, ``planned_end``, ``delay_months``
        (float or None), ``project_id``.
    """
    conv = tables["conventions"]
    row = conv[conv["convention_id"] == convention_id].iloc[0]
    projects = tables["projects"]
    if pd.notna(row["planned_end"]):
        projects = projects.assign(planned_end=projects["planned_end"].where(
            projects["project_id"] != row["project_id"], row["planned_end"]))
    local = dict(tables)
    local["projects"] = projects
    st = project_status(local, project=str(row["project_id"]), ref_date=ref_date,
                        absent=absent).iloc[0]
    delay = st["delay_months"]
    return {"status": str(st["status"]), "status_label": str(st["status_label"]),
            "reasons": str(st["reasons"]), "planned_end": st["planned_end"],
            "delay_months": None if pd.isna(delay) else float(delay),
            "project_id": str(row["project_id"])}
