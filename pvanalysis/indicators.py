"""Evaluation indicators (DESIGN §7): pure functions, processed tables in, tidy frames out.

Every function takes ``tables`` — the dict returned by :func:`pvanalysis.load` (keys
``projects``, ``project_targets``, ``conventions``, ``partners``, ``commitments``,
``schedule``, ``disbursements``, ``actions``, ``quartiers``, ``centres`` and, where a
function needs population, the territory layers ``regions``/``provinces``/``communes``) —
and the same slicing keywords, gathered in :class:`Slice`:

``scale``, ``period``, ``period_basis``, ``ref_date``, ``region``, ``province``,
``commune``, ``target``, ``partner``, ``project``, ``convention``.

The flows table
---------------
Most indicators group one central table, :func:`flows`: one row per project × partner
(× territory when asked) with ``committed_dh`` (C), ``released_dh`` (D, up to
``ref_date``), ``scheduled_dh`` (S, whole échéancier) and ``scheduled_due_dh`` (S due by
``ref_date``), in integer dirhams, plus ``category``, ``is_ministry``, ``scale``,
``contract_year`` and the territory codes. Ratios are recomputed from the summed flows of
each group; a zero denominator gives NaN, never an infinity; an empty slice gives an empty
frame with the documented columns.

Territorial attribution
-----------------------
A project may target several communes (its quartiers, centres, communes or medina, in
``project_targets``). Asked by territory (``by`` holding ``region_code``,
``province_code`` or ``commune_code``, or a ``region``/``province``/``commune`` filter),
each project's flows are **allocated to the communes of its targets in proportion to the
targets' population** (quartier/centre population; commune census population 2024 for
commune targets when the ``communes`` layer is in ``tables``). When the targets of a
project carry no population, communes share equally per target. A project without
targets goes wholly to its own ``commune_code`` (or only to its province and region when
that is empty). Allocated amounts stay integer dirhams and are rounded by largest
remainder, so the territories of a project always add up exactly to the project: national
totals are preserved at every level.

Periods
-------
``period=(2017, 2021)`` keeps, by default (``period_basis="contract"``), the projects whose
contracting year — the year its framework (``cadre``) convention was signed, the earliest
if several — falls in the inclusive range; their releases are counted up to ``ref_date``
(all of them when ``ref_date`` is None). With ``period_basis="release"`` every project is
kept and only releases dated within the years of the period (and up to ``ref_date``) count.
The échéancier amount of a year is due on 31 December of that year.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .config import PARTNER_CATEGORIES, PHASES, SCALES

#: Money columns of the flows table (integer dirhams, Int64).
MONEY = ["committed_dh", "released_dh", "scheduled_dh", "scheduled_due_dh"]
#: Columns of the flows table.
FLOW_COLUMNS = ["project_id", "partner_id", "category", "is_ministry", "scale",
                "contract_year", "region_code", "province_code", "commune_code", *MONEY]
LEVELS = ("region", "province", "commune")
_LEVEL_COL = {level: f"{level}_code" for level in LEVELS}
#: Grouping columns every flow-based indicator accepts in ``by``.
GROUP_COLUMNS = ("project_id", "partner_id", "category", "is_ministry", "scale",
                 "contract_year", "region_code", "province_code", "commune_code")
#: Scale → target type counted as "targets covered" in the bilan.
SCALE_TARGET_TYPE = {"quartiers": "quartier", "centre": "centre", "medina": "medina"}
#: Average month length used for delays (days).
DAYS_PER_MONTH = 365.25 / 12

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
# Slicing
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Slice:
    """What part of the programme an indicator looks at. Every field is optional.

    Parameters
    ----------
    scale : str or list of str
        Intervention scales among ``config.SCALES`` (``"royal"``, ``"quartiers"``,
        ``"medina"``, ``"centre"``).
    period : (int, int)
        Inclusive years; contracting years by default (see ``period_basis``).
    period_basis : {"contract", "release"}, default "contract"
        Filter projects by contracting year, or count only releases dated in the period.
    ref_date : date-like
        Releases are counted up to this date included; échéancier years are due on 31 Dec.
    region, province, commune : str or list of str
        HCP codes; flows are attributed to communes by target population (module notes).
    target : str or list of str
        ``target_id`` of quartiers, centres, communes or medinas: the projects targeting them.
    partner, project, convention : str or list of str
        Partner ids; project ids; convention ids (cadre or financement: their projects).
    """

    scale: object = None
    period: tuple[int, int] | None = None
    period_basis: str = "contract"
    ref_date: object = None
    region: object = None
    province: object = None
    commune: object = None
    target: object = None
    partner: object = None
    project: object = None
    convention: object = None

    def __post_init__(self):
        if self.period_basis not in ("contract", "release"):
            raise ValueError(f"period_basis={self.period_basis!r}: use 'contract' or 'release'")
        if self.period is not None and (len(self.period) != 2 or self.period[0] > self.period[1]):
            raise ValueError(f"period={self.period!r}: expected (first_year, last_year)")
        unknown = set(_as_list(self.scale) or []) - set(SCALES)
        if unknown:
            raise ValueError(f"scale={sorted(unknown)} unknown; allowed: {list(SCALES)}")

    @property
    def territory_level(self) -> str | None:
        """Finest territory level filtered on, if any."""
        for level in ("commune", "province", "region"):
            if getattr(self, level) is not None:
                return level
        return None


def _as_list(value) -> list | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _isin(series: pd.Series, values) -> pd.Series:
    """``series.isin(values)`` for string columns without pandas 3.1's per-value Python loop.

    The arrow-backed ``isin`` converts every lookup value one by one; on object arrays the
    hash-table path takes milliseconds for 10⁵ values.
    """
    lookup = pd.Series(list(values) if isinstance(values, (set, frozenset)) else values,
                       dtype=object)
    return series.astype(object).isin(lookup.to_numpy())


def make_slice(slice_: Slice | None = None, **filters) -> Slice:
    """A :class:`Slice` from an existing one and/or keyword filters (keywords win)."""
    base = slice_ or Slice()
    return dataclasses.replace(base, **filters) if filters else base


def _ref_ts(ref_date) -> pd.Timestamp | None:
    return None if ref_date is None else pd.Timestamp(ref_date)


class SharedTables(dict):
    """Processed tables whose project and flows tables are computed once per slice.

    A report asks many indicators of the same slice; each rebuilds the same projects and
    flows tables. Wrapping the loaded tables (``share(pv.load(...))``) keeps those tables,
    keyed by slice and level, for as long as the wrapper lives. The tables are read only:
    replacing one (``tables[name] = …``) forgets what was kept; modifying a table in place
    is not detected, so use a plain dict for tables you edit.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        super().__init__(tables)
        self.memo: dict = {}

    def __setitem__(self, name, table):
        self.memo.clear()
        super().__setitem__(name, table)

    def __delitem__(self, name):
        self.memo.clear()
        super().__delitem__(name)


def share(tables: Mapping[str, pd.DataFrame]) -> SharedTables:
    """The processed tables, sharing their projects and flows tables between indicators.

    Every indicator gives the same result on ``share(tables)`` as on ``tables``; see
    :class:`SharedTables`.
    """
    return tables if isinstance(tables, SharedTables) else SharedTables(tables)


def _memo(tables, key: tuple, compute) -> pd.DataFrame:
    """``compute()``, kept in ``tables.memo`` under ``key`` when ``tables`` is shared.

    Callers get a shallow copy (copy-on-write): changing it leaves the kept table intact.
    """
    memo = getattr(tables, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key].copy(deep=False)


# --------------------------------------------------------------------------------------------
# Projects, attribution and flows
# --------------------------------------------------------------------------------------------


def project_frame(tables: Mapping[str, pd.DataFrame], slice_: Slice | None = None,
                  **filters) -> pd.DataFrame:
    """Projects of a slice with their contracting date and year.

    Returns
    -------
    DataFrame
        One row per project: the ``projects`` columns plus ``contracted_on`` (earliest cadre
        signature, datetime) and ``contract_year`` (Int64, NA without a cadre convention).
    """
    s = make_slice(slice_, **filters)
    return _memo(tables, ("projects", repr(s)), lambda: _project_frame(tables, s))


def _project_frame(tables: Mapping[str, pd.DataFrame], s: Slice) -> pd.DataFrame:
    projects = tables["projects"].reset_index(drop=True)
    conv = tables["conventions"]
    cadre = conv[conv["kind"] == "cadre"].groupby("project_id")["signed_on"].min()
    out = projects.assign(contracted_on=projects["project_id"].map(cadre))
    out["contract_year"] = out["contracted_on"].dt.year.astype("Int64")
    keep = pd.Series(True, index=out.index)
    if s.scale is not None:
        keep &= out["scale"].isin(_as_list(s.scale))
    if s.period is not None and s.period_basis == "contract":
        keep &= out["contract_year"].between(*s.period).fillna(False).astype(bool)
    if s.project is not None:
        keep &= _isin(out["project_id"], _as_list(s.project))
    if s.convention is not None:
        ids = conv.loc[_isin(conv["convention_id"], _as_list(s.convention)), "project_id"]
        keep &= _isin(out["project_id"], ids)
    if s.target is not None:
        targets = tables["project_targets"]
        ids = targets.loc[_isin(targets["target_id"], _as_list(s.target)), "project_id"]
        keep &= _isin(out["project_id"], ids)
    return out[keep].reset_index(drop=True)


def _parent_codes(commune_code: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Region and province codes of HCP commune codes ``RR.PPP.CC.NN`` (fixed widths)."""
    codes = commune_code.astype("string")
    return codes.str.slice(0, 2), codes.str.slice(0, 6)


def _target_population(tables: Mapping[str, pd.DataFrame], targets: pd.DataFrame) -> pd.Series:
    """Population of each target row (quartier, centre, commune 2024), NA when unknown."""
    pop = pd.Series(pd.NA, index=targets.index, dtype="Float64")
    sources = {"quartier": ("quartiers", "quartier_id", "population"),
               "centre": ("centres", "centre_id", "population"),
               "commune": ("communes", "code", "population_2024")}
    for kind, (table, key, column) in sources.items():
        if table not in tables or column not in tables[table].columns:
            continue
        lookup = tables[table].drop_duplicates(key).set_index(key)[column].astype("Float64")
        rows = targets["target_type"] == kind
        pop[rows] = targets.loc[rows, "target_id"].map(lookup).astype("Float64")
    return pop


def attribution(tables: Mapping[str, pd.DataFrame], projects: pd.DataFrame) -> pd.DataFrame:
    """Share of each project attributed to each commune (population of its targets).

    Returns
    -------
    DataFrame
        One row per project and commune: ``project_id``, ``commune_code``,
        ``province_code``, ``region_code`` (strings; commune NA for a project with neither
        targets nor commune) and ``weight`` (float, sums to 1 per project).
    """
    targets = tables["project_targets"]
    targets = targets[_isin(targets["project_id"], projects["project_id"])]
    targets = targets.assign(pop=_target_population(tables, targets), n=1.0)
    grouped = targets.groupby(["project_id", "commune_code"], as_index=False)[["pop", "n"]].sum()
    totals = grouped.groupby("project_id")[["pop", "n"]].transform("sum")
    by_pop = grouped["pop"].astype(float) / totals["pop"].astype(float).where(totals["pop"] > 0)
    grouped["weight"] = by_pop.fillna(grouped["n"] / totals["n"]).astype(float)
    grouped["commune_code"] = grouped["commune_code"].astype("string")
    grouped["region_code"], grouped["province_code"] = _parent_codes(grouped["commune_code"])
    orphans = projects.loc[~_isin(projects["project_id"], grouped["project_id"]),
                           ["project_id", "commune_code", "province_code", "region_code"]]
    orphans = orphans.astype({c: "string" for c in orphans.columns}).assign(weight=1.0)
    cols = ["project_id", "commune_code", "province_code", "region_code", "weight"]
    return pd.concat([grouped[cols], orphans[cols]], ignore_index=True)


def _allocate(frame: pd.DataFrame, weights: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Split integer money columns of ``frame`` by ``weights``; largest remainder rounding."""
    out = frame.drop(columns=["region_code", "province_code", "commune_code"]).merge(
        weights, on="project_id", how="left", validate="m:m")
    out["weight"] = out["weight"].fillna(1.0)
    group = out.groupby(keys, dropna=False, sort=False).ngroup()
    for col in [c for c in MONEY if c in out.columns]:
        total = out[col].astype(float).fillna(0.0)
        exact = total * out["weight"]
        floor = np.floor(exact + 1e-9)
        missing = total - floor.groupby(group).transform("sum")
        rank = (exact - floor).groupby(group).rank(method="first", ascending=False)
        out[col] = (floor + (rank <= missing)).astype("int64").astype("Int64")
    return out.drop(columns="weight")


def flows(tables: Mapping[str, pd.DataFrame], slice_: Slice | None = None, *,
          level: str | None = None, **filters) -> pd.DataFrame:
    """The central flows table: one row per project × partner (× commune when attributed).

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables (see module notes).
    slice_ : Slice, optional
        Slice to apply; keyword ``filters`` (fields of :class:`Slice`) complete it.
    level : {"region", "province", "commune"}, optional
        Attribute flows to territories (module notes); implied by a territory filter.

    Returns
    -------
    DataFrame
        Columns ``FLOW_COLUMNS``: ids and ``category`` (partner category), ``is_ministry``
        (bool), ``scale``, ``contract_year`` (Int64), territory codes (strings; the
        project's own codes unless attributed) and money in DH (Int64):
        ``committed_dh`` (C on cadre conventions), ``released_dh`` (D up to ``ref_date``),
        ``scheduled_dh`` (whole échéancier), ``scheduled_due_dh`` (years ending by
        ``ref_date``; all when None).
    """
    s = make_slice(slice_, **filters)
    if level is not None and level not in LEVELS:
        raise ValueError(f"level={level!r}: use one of {list(LEVELS)}")
    return _memo(tables, ("flows", repr(s), level), lambda: _flows(tables, s, level))


def _flows(tables: Mapping[str, pd.DataFrame], s: Slice, level: str | None) -> pd.DataFrame:
    projects = project_frame(tables, s)
    pairs = _money_by_pair(tables, projects["project_id"], s)
    meta = projects[["project_id", "scale", "contract_year", "region_code", "province_code",
                     "commune_code"]]
    out = pairs.merge(meta, on="project_id", how="left", validate="m:1")
    cats = tables["partners"].set_index("partner_id")["category"]
    out["category"] = out["partner_id"].map(cats).astype("string")
    out["is_ministry"] = (out["category"] == "ministry").fillna(False).astype(bool)
    for col in ("region_code", "province_code", "commune_code"):
        out[col] = out[col].astype("string")
    level = level or s.territory_level
    if level is not None:
        out = _allocate(out, attribution(tables, projects), ["project_id", "partner_id"])
        for lvl in LEVELS:
            codes = _as_list(getattr(s, lvl))
            if codes is not None:
                out = out[_isin(out[_LEVEL_COL[lvl]], codes)]
    if s.partner is not None:
        out = out[_isin(out["partner_id"], _as_list(s.partner))]
    return out[FLOW_COLUMNS].reset_index(drop=True)


def _money_by_pair(tables, project_ids: pd.Series, s: Slice) -> pd.DataFrame:
    """C, D, S, S-due summed per project and partner (DH, Int64), outer-joined."""
    conv = tables["conventions"][["convention_id", "project_id"]]
    keys = ["project_id", "partner_id"]

    conv = conv[_isin(conv["project_id"], project_ids)]

    def per_pair(table: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
        # sum per convention first (big table), then map the few conventions to projects
        summed = table.groupby(["convention_id", "partner_id"], as_index=False)[column].sum()
        rows = summed.merge(conv, on="convention_id", how="inner", validate="m:1")
        return rows.groupby(keys, as_index=False)[column].sum().rename(columns={column: name})

    ref = _ref_ts(s.ref_date)
    disb = tables["disbursements"]
    if ref is not None:
        disb = disb[disb["released_on"] <= ref]
    if s.period is not None and s.period_basis == "release":
        disb = disb[disb["released_on"].dt.year.between(*s.period)]
    sched = tables["schedule"]
    due = sched if ref is None else sched[
        pd.to_datetime(sched["year"].astype("int64").astype(str) + "-12-31") <= ref]
    parts = [per_pair(tables["commitments"], "committed_dh", "committed_dh"),
             per_pair(disb, "amount_dh", "released_dh"),
             per_pair(sched, "planned_dh", "scheduled_dh"),
             per_pair(due, "planned_dh", "scheduled_due_dh")]
    parts = [part for part in parts if len(part)]
    if not parts:  # (merging empty string-keyed frames fails in pandas 3.1)
        return pd.DataFrame({**{k: pd.Series(dtype="string") for k in keys},
                             **{c: pd.Series(dtype="Int64") for c in MONEY}})
    long = pd.concat(parts, ignore_index=True)
    for col in MONEY:
        long[col] = long[col].fillna(0).astype("int64") if col in long else 0
    out = long.groupby(keys, as_index=False)[MONEY].sum()
    for col in MONEY:
        out[col] = out[col].astype("Int64")
    out[keys] = out[keys].astype("string")
    return out.sort_values(keys).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Grouping helpers
# --------------------------------------------------------------------------------------------


def _by_list(by) -> list[str]:
    by = _as_list(by) or []
    unknown = [c for c in by if c not in GROUP_COLUMNS]
    if unknown:
        raise ValueError(f"by={unknown} not allowed; use some of {list(GROUP_COLUMNS)}")
    return by


def _level_of(by: list[str]) -> str | None:
    for level in ("commune", "province", "region"):
        if _LEVEL_COL[level] in by:
            return level
    return None


def _sum(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Sum ``columns`` by ``by`` (one national row when ``by`` is empty); empty stays empty."""
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=frame[c].dtype) for c in by + columns})
    if not by:
        return frame[columns].sum().to_frame().T.astype(frame[columns].dtypes.to_dict())
    return frame.groupby(by, as_index=False, dropna=False, observed=True)[columns].sum()


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` as float; NaN where the denominator is 0 or missing."""
    num = pd.to_numeric(numerator).astype("float64")
    den = pd.to_numeric(denominator).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den.where(den != 0)
    return out.astype("float64")


def _flows_for(tables, by: list[str], s: Slice) -> pd.DataFrame:
    return flows(tables, s, level=_level_of(by))


# --------------------------------------------------------------------------------------------
# Financial indicators
# --------------------------------------------------------------------------------------------

FINANCIAL_COLUMNS = ["cost_dh", "ministry_dh", "partners_dh", "released_dh",
                     "ministry_released_dh", "remaining_dh", "scheduled_due_dh",
                     "ministry_share", "ministry_release_rate", "disbursement_rate",
                     "leverage", "partner_leverage", "schedule_adherence"]


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
        ``disbursement_rate`` (ΣD/ΣC), ``leverage`` (T/M, ×), ``partner_leverage``
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
    out["leverage"] = ratio(out["cost_dh"], out["ministry_dh"])
    out["partner_leverage"] = ratio(out["partners_dh"], out["ministry_dh"])
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
                 ["cost_dh", "ministry_dh", "leverage", "partner_leverage"])


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


# --------------------------------------------------------------------------------------------
# Physical and time indicators
# --------------------------------------------------------------------------------------------


def _project_weights_for(tables, by: list[str], s: Slice, projects: pd.DataFrame) -> pd.DataFrame:
    """Project rows with grouping columns and a weight (attribution when by territory)."""
    cols = ["project_id", "scale", "contract_year", "region_code", "province_code",
            "commune_code"]
    base = projects[cols].astype({c: "string" for c in cols[3:]}).assign(weight=1.0)
    level = _level_of(by) or s.territory_level
    if level is None:
        return base
    base = base.drop(columns=["region_code", "province_code", "commune_code", "weight"]).merge(
        attribution(tables, projects), on="project_id", how="left", validate="1:m")
    for lvl in LEVELS:
        codes = _as_list(getattr(s, lvl))
        if codes is not None:
            base = base[_isin(base[_LEVEL_COL[lvl]], codes)]
    return base


def physical_progress(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Physical completion by count, value-weighted progress and the financial–physical gap.

    Actions are finished when their progress is 1. By territory, action costs are attributed
    like the flows (weights of :func:`attribution`).

    Returns
    -------
    DataFrame
        ``by``, ``actions`` (count programmed), ``actions_finished``, ``completion_rate``
        (finished / programmed), ``actions_cost_dh`` (DH, Int64), ``weighted_progress``
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
        acts["progress"] >= 1), cost=cost, cost_progress=cost * acts["progress"])
    out = _sum(acts, by, ["actions", "actions_finished", "cost", "cost_progress"])
    out["completion_rate"] = ratio(out["actions_finished"], out["actions"])
    out["actions_cost_dh"] = out["cost"].round().astype("int64").astype("Int64")
    out["weighted_progress"] = ratio(out["cost_progress"], out["cost"])
    fin = financial(tables, by, s)[by + ["disbursement_rate"]]
    out = out.merge(fin, on=by, how="left") if by else out.assign(
        disbursement_rate=fin["disbursement_rate"].iloc[0] if len(fin) else np.nan)
    out["gap_pts"] = 100 * (out["disbursement_rate"] - out["weighted_progress"])
    out = out.rename(columns={"actions": "actions_n", "actions_finished": "finished_n"})
    out["actions"] = out["actions_n"].round(6)
    out["actions_finished"] = out["finished_n"].round(6)
    return out[by + ["actions", "actions_finished", "completion_rate", "actions_cost_dh",
                     "weighted_progress", "disbursement_rate", "gap_pts"]].reset_index(drop=True)


def delays(tables, slice_=None, **filters) -> pd.DataFrame:
    """Delay of each project: actual (else forecast) end minus planned end, in months.

    A project not finished, without forecast and past its planned end at ``ref_date`` is
    late by ``ref_date − planned_end``. Months are days / 30,44.

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``title``, ``scale``, ``contract_year``,
        ``planned_end``, ``end`` (the date compared), ``end_kind`` (``"effectif"``,
        ``"prévisionnel"``, ``"date de référence"`` or NA), ``delay_months`` (float, NaN
        when not measurable), ``late`` (boolean, NA when not measurable).
    """
    s = make_slice(slice_, **filters)
    p = project_frame(tables, s)
    p = p[_isin(p["project_id"], _project_weights_for(tables, [], s, p)["project_id"])]
    ref = _ref_ts(s.ref_date)
    end = p["actual_end"].fillna(p["forecast_end"])
    kind = pd.Series(pd.NA, index=p.index, dtype="string")
    kind[p["forecast_end"].notna()] = "prévisionnel"
    kind[p["actual_end"].notna()] = "effectif"
    if ref is not None:
        overdue = end.isna() & (p["planned_end"] < ref)
        end = end.mask(overdue, ref)
        kind[overdue] = "date de référence"
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


# --------------------------------------------------------------------------------------------
# Territorial indicators
# --------------------------------------------------------------------------------------------

_PARENT = {"commune": "province", "province": "region", "region": "national"}


def _layer(tables, level: str, layer: pd.DataFrame | None) -> pd.DataFrame:
    if level not in LEVELS:
        raise ValueError(f"level={level!r}: use one of {list(LEVELS)}")
    if layer is not None:
        return layer
    key = f"{level}s"
    if key not in tables:
        raise ValueError(f"tables has no {key!r} layer; pass layer= (territories.load_layer)")
    return tables[key]


def investment_per_capita(tables, level: str = "region", census: int = 2024,
                          layer: pd.DataFrame | None = None, slice_=None,
                          **filters) -> pd.DataFrame:
    """Investment T and Ministry contribution M per inhabitant of each territory.

    Parameters
    ----------
    level : {"region", "province", "commune"}
    census : {2024, 2014}
        Census population used (RGPH 2024 by default; 2014 for earlier periods).
    layer : DataFrame, optional
        Territory layer (``code``, ``name_fr``, ``population_<census>``); default
        ``tables[level + "s"]``.

    Returns
    -------
    DataFrame
        One row per territory of the layer (zeros where nothing was invested): ``code``,
        ``name_fr``, ``population`` (Int64, inhabitants), ``cost_dh``, ``ministry_dh`` (DH,
        Int64), ``cost_per_capita_dh``, ``ministry_per_capita_dh`` (DH/inhabitant, float).
    """
    if census not in (2014, 2024):
        raise ValueError(f"census={census!r}: use 2024 or 2014")
    lay = _layer(tables, level, layer)
    return _per_capita(financial(tables, f"{level}_code", slice_, **filters), lay, level, census)


def _per_capita(fin: pd.DataFrame, lay: pd.DataFrame, level: str, census: int) -> pd.DataFrame:
    out = pd.DataFrame({"code": lay["code"].astype("string"),
                        "name_fr": lay["name_fr"].astype("string"),
                        "population": pd.to_numeric(lay[f"population_{census}"]).round()
                        .astype("Int64")})
    out = out.merge(fin[[f"{level}_code", "cost_dh", "ministry_dh"]].rename(
        columns={f"{level}_code": "code"}), on="code", how="left", validate="1:1")
    for col in ("cost_dh", "ministry_dh"):
        out[col] = out[col].fillna(0).astype("Int64")
    out["cost_per_capita_dh"] = ratio(out["cost_dh"], out["population"])
    out["ministry_per_capita_dh"] = ratio(out["ministry_dh"], out["population"])
    return out.reset_index(drop=True)


def gap_to_parent(tables, level: str = "province", value: str = "cost_per_capita_dh",
                  census: int = 2024, layers: Mapping[str, pd.DataFrame] | None = None,
                  slice_=None, **filters) -> pd.DataFrame:
    """Per-capita value of each territory minus that of its parent (region: the nation).

    Parameters
    ----------
    value : {"cost_per_capita_dh", "ministry_per_capita_dh"}
    layers : dict level → layer, optional (default from ``tables``).

    Returns
    -------
    DataFrame
        ``code``, ``name_fr``, ``parent_code`` (NA for the nation), ``value``,
        ``parent_value``, ``gap`` (value − parent value; DH/inhabitant).
    """
    layers = dict(layers or {})
    own = investment_per_capita(tables, level, census, layers.get(level), slice_, **filters)
    parent = _PARENT[level]
    if parent == "national":
        totals = own[["cost_dh", "ministry_dh", "population"]].sum()
        key = value.replace("_per_capita_dh", "_dh")
        own["parent_code"] = pd.array([pd.NA] * len(own), dtype="string")
        own["parent_value"] = float(ratio(pd.Series([totals[key]]),
                                          pd.Series([totals["population"]])).iloc[0])
    else:
        up = investment_per_capita(tables, parent, census, layers.get(parent), slice_, **filters)
        region, province = _parent_codes(own["code"])
        own["parent_code"] = region if parent == "region" else province
        own["parent_value"] = own["parent_code"].map(up.set_index("code")[value]).astype(float)
    own["value"] = own[value]
    own["gap"] = own["value"] - own["parent_value"]
    return own[["code", "name_fr", "parent_code", "value", "parent_value", "gap"]]


def coverage(tables, by=None, slice_=None, **filters) -> pd.DataFrame:
    """Coverage of quartiers and centres by the projects of a slice, and of their population.

    Eligible targets are those of the ``quartiers`` / ``centres`` tables (within the slice's
    territory filter, by their commune); treated ones are targeted by a project of the slice.

    Returns
    -------
    DataFrame
        ``by`` (only territory columns), ``target_type`` (``quartier``/``centre``),
        ``eligible``, ``treated`` (Int64), ``coverage_rate``, ``population_eligible``,
        ``population_treated`` (inhabitants, Int64), ``population_coverage``.
    """
    by = _by_list(by)
    if set(by) - {"region_code", "province_code", "commune_code"}:
        raise ValueError(f"by={by}: coverage groups by territory columns only")
    s = make_slice(slice_, **filters)
    projects = project_frame(tables, s)
    targets = tables["project_targets"]
    in_slice = _isin(targets["project_id"], projects["project_id"])
    treated_ids = set(targets.loc[in_slice, "target_id"])
    frames = []
    for kind, table, key in (("quartier", "quartiers", "quartier_id"),
                             ("centre", "centres", "centre_id")):
        t = pd.DataFrame(tables[table]).drop(columns="geometry", errors="ignore")
        region, province = _parent_codes(t["commune_code"])
        t = pd.DataFrame({"target_type": kind, "region_code": region, "province_code": province,
                          "commune_code": t["commune_code"].astype("string"),
                          "eligible": 1, "treated": _isin(t[key], treated_ids).astype(int),
                          "population_eligible": t["population"].fillna(0).astype("int64")})
        t["population_treated"] = t["population_eligible"] * t["treated"]
        for lvl in LEVELS:
            codes = _as_list(getattr(s, lvl))
            if codes is not None:
                t = t[_isin(t[_LEVEL_COL[lvl]], codes)]
        frames.append(t)
    cols = ["eligible", "treated", "population_eligible", "population_treated"]
    allt = pd.concat(frames, ignore_index=True).astype({c: "Int64" for c in cols})
    out = _sum(allt, by + ["target_type"], cols)
    out["coverage_rate"] = ratio(out["treated"], out["eligible"])
    out["population_coverage"] = ratio(out["population_treated"], out["population_eligible"])
    return out[by + ["target_type", "eligible", "treated", "coverage_rate",
                     "population_eligible", "population_treated", "population_coverage"]]


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
