"""The core of the indicators: :class:`Slice`, shared tables, projects and the flows table.

Also the grouping helpers every indicator module uses. See :mod:`pvanalysis.indicators`
for the slicing keywords, the flows table and territorial attribution.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import SCALES

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

    def __init__(self, tables: Mapping[str, pd.DataFrame], memo: dict | None = None):
        super().__init__(tables)
        self.memo: dict = {} if memo is None else memo

    def __setitem__(self, name, table):
        self.memo = {}  # a fresh memo: copies sharing the old one keep it
        super().__setitem__(name, table)

    def __delitem__(self, name):
        self.memo = {}
        super().__delitem__(name)

    def copy(self) -> SharedTables:
        """Shallow copies of the tables (copy-on-write: editing one leaves this intact)
        sharing what was computed so far and what either computes next."""
        return SharedTables({k: v.copy(deep=False) for k, v in self.items()}, self.memo)


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
    if getattr(tables, "memo", None) is None:
        return _attribution(tables, projects)
    # A project's shares depend on it alone: those of every project are kept, then sliced.
    whole = _memo(tables, ("attribution",), lambda: _attribution(tables, tables["projects"]))
    return whole[_isin(whole["project_id"], projects["project_id"])].reset_index(drop=True)


def _attribution(tables: Mapping[str, pd.DataFrame], projects: pd.DataFrame) -> pd.DataFrame:
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
    level = level or s.territory_level
    # Attribution is per project: the flows of a territory are the national flows
    # attributed at that level, then filtered, so every territory shares one computation.
    whole = dataclasses.replace(s, region=None, province=None, commune=None)
    out = _memo(tables, ("flows", repr(whole), level), lambda: _flows(tables, whole, level))
    for lvl in LEVELS:
        codes = _as_list(getattr(s, lvl))
        if codes is not None:
            out = out[_isin(out[_LEVEL_COL[lvl]], codes)]
    return out if s.territory_level is None else out.reset_index(drop=True)


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
    if level is not None:
        out = _allocate(out, attribution(tables, projects), ["project_id", "partner_id"])
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
