"""What changed between two versions of the processed data: the "since the last edition"
section of every scheduled report.

A report reads one version of the store (:mod:`pvanalysis.store`); its previous edition is
the version published before it (or one chosen by date or id, :func:`base_version`). Both
versions are sliced the same way (:class:`~pvanalysis.indicators.core.Slice`) and compared
on their **records and flows**, never on rates:

- key figures before / now / change, from the summed flows of each version (projects,
  conventions, committed, released, released by the Ministry);
- conventions signed: convention ids present now and absent before;
- releases made: disbursement ids present now and absent before, by partner;
- projects that became late, stalled or finished, by one documented rule applied to each
  version at its own cut-off date (:func:`project_status`);
- data revisions, apart: records present in both versions whose values differ (a
  back-dated correction of a disbursement, a commitment or a convention amount), shown
  before → after, and records that disappeared. A revision is never counted as a release.

By territory, amounts of a project are attributed to its territories as in the flows table
(:func:`~pvanalysis.indicators.core.attribution`), rounded to the dirham.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from .. import store
from ..errors import ParameterError
from ..i18n import N_
from .core import (
    LEVELS,
    Slice,
    _as_list,
    _isin,
    _memo,
    attribution,
    flows,
    make_slice,
    project_frame,
    share,
)

#: Months after the signature of its framework convention without any release after which a
#: project is stalled.
STALLED_MONTHS = 12
#: Tables read from each version to compare them.
TABLES = ("projects", "project_targets", "conventions", "partners", "commitments", "schedule",
          "disbursements", "actions", "quartiers", "centres")
#: Status → French label (the rule is in :func:`project_status`).
STATUS_LABELS = {"late": "en retard", "stalled": "à l'arrêt", "finished": "achevé"}
#: Records compared for revisions: table → (key columns, compared columns, French label).
REVISED = {
    "disbursements": (["disbursement_id"], ["convention_id", "partner_id", "released_on",
                                            "amount_dh"], N_("Déblocage")),
    "commitments": (["convention_id", "partner_id"], ["committed_dh"], N_("Engagement")),
    "conventions": (["convention_id"], ["signed_on", "amount_dh", "planned_end"], N_("Convention")),
    "projects": (["project_id"], ["planned_end"], N_("Projet")),
}
#: Key figures compared: name → French label.
KEY_FIGURES = {
    "projects": "Projets",
    "conventions": "Conventions",
    "committed_dh": "Engagé (coût total)",
    "released_dh": "Débloqué",
    "ministry_released_dh": "Débloqué par le Ministère",
}


# --------------------------------------------------------------------------------------------
# Editions: which version to compare with
# --------------------------------------------------------------------------------------------

def edition_date(version: store.Version) -> pd.Timestamp:
    """Cut-off date of a version: its manifest's ``cutoff_date``, else its publication day."""
    manifest = version.manifest
    for key in ("cutoff_date", "published_at"):
        value = manifest.get(key)
        if value:
            stamp = pd.Timestamp(value)
            return (stamp.tz_localize(None) if stamp.tzinfo else stamp).normalize()
    return pd.Timestamp(version.id[:8])


def store_root(version: store.Version) -> Path | None:
    """The store a version belongs to (None for a version read on its own)."""
    parent = version.path.parent
    if parent.name == store.VERSIONS and (parent.parent / store.POINTER).is_file():
        return parent.parent
    return None


def _earlier(now: store.Version) -> list[store.Version]:
    root = store_root(now)
    return [] if root is None else [v for v in store.versions(root) if v.id < now.id]


def base_version(processed_dir, since: str = "") -> store.Version | None:
    """The version a report compares with.

    Parameters
    ----------
    processed_dir : path or Version
        The version the report reads (a store, or one of its version folders).
    since : str, default ""
        Empty: the version published just before. A version id (or its unique beginning):
        that version. A date ``AAAA-MM-JJ``: the latest earlier version whose cut-off date
        is on or before it.

    Returns
    -------
    Version or None
        None when there is nothing to compare with (first edition).

    Raises
    ------
    ParameterError
        ``since`` is neither a known version nor a date, or no version is that old.
    """
    now = store.current(processed_dir)
    earlier = _earlier(now)
    asked = str(since or "").strip()
    if not asked:
        return earlier[-1] if earlier else None
    hits = [v for v in earlier if v.id.startswith(asked)]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(v.id for v in earlier) or "aucune"
    hint = (f" (versions antérieures : {known}). Suggestion : laisser « since » vide pour "
            "l'édition précédente")
    try:
        day = pd.Timestamp(asked)
    except ValueError:
        raise ParameterError(f"paramètre « since » : « {asked} » n'est ni une date (AAAA-MM-JJ) "
                             f"ni une version connue{hint}") from None
    older = [v for v in earlier if edition_date(v) <= day]
    if not older:
        raise ParameterError(f"paramètre « since » : aucune version des données au "
                             f"{day:%d/%m/%Y} ou avant{hint}")
    return older[-1]


def read_tables(version: store.Version) -> dict:
    """The tables :func:`compare` needs, from one version (commune populations included)."""
    tables = {name: version.read(name, geometry=False) for name in TABLES if version.has(name)}
    if version.has("communes"):
        tables["communes"] = version.read("communes", ["code", "population_2024"],
                                          geometry=False)
    return tables


# --------------------------------------------------------------------------------------------
# Status of projects at a cut-off date
# --------------------------------------------------------------------------------------------

def project_status(tables, slice_: Slice | None = None, cutoff=None) -> pd.DataFrame:
    """Late, stalled and finished projects of a slice at a cut-off date.

    The rule: a project is **finished** when its actual end is set; **late** when its
    planned end is before the cut-off and it is not finished; **stalled** when its
    framework convention was signed at least ``STALLED_MONTHS`` months before the cut-off
    and no release has been made since the signature, up to the cut-off.

    Returns
    -------
    DataFrame
        ``project_id``, ``title``, ``late``, ``stalled``, ``finished`` (bool).
    """
    s = make_slice(slice_)
    cutoff = pd.Timestamp(cutoff) if cutoff is not None else pd.Timestamp.now().normalize()
    p = project_frame(tables, s)
    p = p[_isin(p["project_id"], _weights(tables, s, p)["project_id"])]
    conv = tables["conventions"][["convention_id", "project_id"]]
    disb = tables["disbursements"].merge(conv, on="convention_id", how="inner")
    disb = disb[disb["released_on"] <= cutoff]
    last = disb.groupby("project_id")["released_on"].max()
    signed = p["contracted_on"]
    last_release = p["project_id"].map(last)
    finished = p["actual_end"].notna()
    late = (p["planned_end"] < cutoff).fillna(False).astype(bool) & ~finished
    due = (signed + pd.DateOffset(months=STALLED_MONTHS) <= cutoff).fillna(False).astype(bool)
    silent = last_release.isna() | (last_release < signed).fillna(False).astype(bool)
    stalled = due & silent & ~finished
    return pd.DataFrame({"project_id": p["project_id"].astype("string"),
                         "title": p["title"].astype("string"), "late": late.to_numpy(),
                         "stalled": stalled.to_numpy(), "finished": finished.to_numpy()})


# --------------------------------------------------------------------------------------------
# Comparing two versions
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Changes:
    """What changed between the previous edition and this one, for one slice.

    Attributes
    ----------
    base_id, base_date : str or None, Timestamp or None
        The version compared with and its cut-off date (None: first edition).
    now_id, now_date : str, Timestamp
        The version of the report and its cut-off date.
    figures : DataFrame
        ``figure``, ``label``, ``before``, ``now``, ``change`` (integers; money in DH).
    conventions : DataFrame
        Conventions signed since: ``convention_id``, ``project_id``, ``kind``, ``signed_on``,
        ``amount_dh``.
    releases : DataFrame
        New releases: ``disbursement_id``, ``convention_id``, ``project_id``, ``partner_id``,
        ``partner``, ``released_on``, ``amount_dh`` (attributed to the slice's territory).
    by_partner : DataFrame
        ``partner_id``, ``partner``, ``releases``, ``amount_dh``.
    status : DataFrame
        Projects whose status changed: ``project_id``, ``title``, ``status`` (a key of
        ``STATUS_LABELS``).
    revisions : DataFrame
        ``record``, ``record_id``, ``field``, ``before``, ``after`` (values as recorded).
    """

    base_id: str | None
    base_date: pd.Timestamp | None
    now_id: str
    now_date: pd.Timestamp
    figures: pd.DataFrame
    conventions: pd.DataFrame
    releases: pd.DataFrame
    by_partner: pd.DataFrame
    status: pd.DataFrame
    revisions: pd.DataFrame

    @property
    def first_edition(self) -> bool:
        return self.base_id is None

    @property
    def unchanged(self) -> bool:
        """True when nothing at all changed (figures, records, statuses, revisions)."""
        return (not self.first_edition and not self.figures["change"].astype(bool).any()
                and self.conventions.empty and self.releases.empty and self.status.empty
                and self.revisions.empty)

    def to_dict(self) -> dict:
        """The changes for ``figures.json``: previous values, changes and their records."""
        if self.first_edition:
            return {"first_edition": True, "base_version": None, "base_date": None,
                    "version": self.now_id, "date": _day(self.now_date)}
        releases = self.releases.assign(released_on=self.releases["released_on"].map(_day))
        return {
            "first_edition": False, "unchanged": self.unchanged,
            "base_version": self.base_id, "base_date": _day(self.base_date),
            "version": self.now_id, "date": _day(self.now_date),
            "previous": {r.figure: r.before for r in self.figures.itertuples()},
            "key_figures": {r.figure: {"before": r.before, "now": r.now, "change": r.change}
                            for r in self.figures.itertuples()},
            "conventions_signed": self.conventions["convention_id"].tolist(),
            "releases": releases.to_dict("records"),
            "releases_by_partner": self.by_partner.to_dict("records"),
            "status": {k: self.status.loc[self.status["status"] == k, "project_id"].tolist()
                       for k in STATUS_LABELS},
            "revisions": [{k: _day(v) if isinstance(v, pd.Timestamp) else v
                           for k, v in r.items()} for r in self.revisions.to_dict("records")],
        }


def _day(stamp) -> str | None:
    return None if stamp is None or pd.isna(stamp) else stamp.date().isoformat()


def _weights(tables, s: Slice, projects: pd.DataFrame) -> pd.DataFrame:
    """Share of each project of the slice inside its territory filter (1 without one)."""
    return _memo(tables, ("change_weights", repr(s)), lambda: _compute_weights(tables, s,
                                                                                projects))


def _compute_weights(tables, s: Slice, projects: pd.DataFrame) -> pd.DataFrame:
    if s.territory_level is None:
        return pd.DataFrame({"project_id": projects["project_id"].astype("string"),
                             "weight": 1.0})
    share = attribution(tables, projects)
    for level in LEVELS:
        codes = _as_list(getattr(s, level))
        if codes is not None:
            share = share[_isin(share[f"{level}_code"], codes)]
    return share.groupby("project_id", as_index=False)["weight"].sum()


def key_figures(tables, slice_: Slice | None = None) -> dict[str, int]:
    """Projects, conventions and money (DH) of a slice, from its flows."""
    s = make_slice(slice_)
    projects = project_frame(tables, s)
    ids = _weights(tables, s, projects)["project_id"]
    f = flows(tables, s)
    conventions = tables["conventions"]
    return {"projects": int(len(ids)),
            "conventions": int(_isin(conventions["project_id"], ids).sum()),
            "committed_dh": int(f["committed_dh"].sum()),
            "released_dh": int(f["released_dh"].sum()),
            "ministry_released_dh": int(f.loc[f["is_ministry"], "released_dh"].sum())}


def _new_rows(now: pd.DataFrame, before: pd.DataFrame, key: str) -> pd.DataFrame:
    return now[~_isin(now[key], before[key])] if before is not None else now


def _releases(now_tables, before_tables, s: Slice) -> pd.DataFrame:
    projects = project_frame(now_tables, s)
    weights = _weights(now_tables, s, projects)
    disb = _new_rows(now_tables["disbursements"], before_tables["disbursements"],
                     "disbursement_id")
    if s.ref_date is not None:
        disb = disb[disb["released_on"] <= pd.Timestamp(s.ref_date)]
    if s.period is not None and s.period_basis == "release":
        disb = disb[disb["released_on"].dt.year.between(*s.period)]
    if s.partner is not None:
        disb = disb[_isin(disb["partner_id"], _as_list(s.partner))]
    conv = now_tables["conventions"][["convention_id", "project_id"]]
    rows = disb.merge(conv, on="convention_id", how="inner").merge(weights, on="project_id")
    names = now_tables["partners"].set_index("partner_id")["name"]
    rows = rows.assign(partner=rows["partner_id"].map(names).astype("string"),
                       amount_dh=(rows["amount_dh"].astype(float) * rows["weight"]).round()
                       .astype("int64"))
    cols = ["disbursement_id", "convention_id", "project_id", "partner_id", "partner",
            "released_on", "amount_dh"]
    return rows[cols].sort_values(["released_on", "disbursement_id"]).reset_index(drop=True)


def _by_partner(releases: pd.DataFrame) -> pd.DataFrame:
    out = releases.groupby(["partner_id", "partner"], as_index=False, dropna=False).agg(
        releases=("disbursement_id", "size"), amount_dh=("amount_dh", "sum"))
    return out.sort_values("amount_dh", ascending=False).reset_index(drop=True)


def _conventions(now_tables, before_tables, ids: pd.Series) -> pd.DataFrame:
    conv = _new_rows(now_tables["conventions"], before_tables["conventions"], "convention_id")
    conv = conv[_isin(conv["project_id"], ids)]
    return conv[["convention_id", "project_id", "kind", "signed_on", "amount_dh"]].reset_index(
        drop=True)


def _status_changes(now_tables, before_tables, s: Slice, now_date, base_date) -> pd.DataFrame:
    now = project_status(now_tables, s, now_date)
    before = project_status(before_tables, s, base_date).set_index("project_id")
    rows = []
    for key in STATUS_LABELS:
        was = now["project_id"].map(before[key]).fillna(False).astype(bool)
        became = now[now[key] & ~was]
        rows.append(became[["project_id", "title"]].assign(status=key))
    return pd.concat(rows, ignore_index=True)


def revisions(now_tables, before_tables, ids: pd.Series | None = None) -> pd.DataFrame:
    """Records present in both versions whose values differ, and records removed.

    Parameters
    ----------
    ids : Series, optional
        Only the records of these projects (all when None).

    Returns
    -------
    DataFrame
        ``record`` (French label), ``record_id``, ``field`` (column name), ``before``,
        ``after`` (the recorded values; ``after`` is ``supprimé`` for a removed record).
    """
    conv_now = now_tables["conventions"][["convention_id", "project_id"]]
    conv = pd.concat([conv_now, before_tables["conventions"][["convention_id", "project_id"]]]
                     ).drop_duplicates("convention_id")
    parts = []
    for table, (keys, fields, label) in REVISED.items():
        now, before = now_tables[table][keys + fields], before_tables[table][keys + fields]
        both = before.merge(now, on=keys, how="left", suffixes=("_before", "_after"),
                            indicator=True)
        if "project_id" not in keys:
            owner = "convention_id" if "convention_id" in keys else "convention_id_before"
            both = both.merge(conv.rename(columns={"convention_id": owner}), on=owner,
                              how="left")
        if ids is not None:
            both = both[_isin(both["project_id"], ids)]
        record_id = both[keys[0]].astype("string")
        for key in keys[1:]:
            record_id = record_id + " / " + both[key].astype("string")
        gone = both["_merge"] == "left_only"
        for field in fields:
            old, new = both[f"{field}_before"], both[f"{field}_after"]
            differ = ~gone & ~((old == new).fillna(False).astype(bool) | (old.isna() & new.isna()))
            parts.append(pd.DataFrame({"record": label, "record_id": record_id[differ],
                                       "field": field, "before": old[differ].astype(object),
                                       "after": new[differ].astype(object)}))
        parts.append(pd.DataFrame({"record": label, "record_id": record_id[gone],
                                   "field": "", "before": None, "after": N_("supprimé")}))
    return pd.concat(parts, ignore_index=True)


def compare(now_tables, before_tables, slice_: Slice | None = None, *, now_id: str = "",
            now_date=None, base_id: str | None = None, base_date=None) -> Changes:
    """Changes of one slice between two versions' tables (``before_tables`` None: first
    edition). Dates are the versions' cut-offs (statuses are judged at each one)."""
    s = make_slice(slice_)
    now_date = pd.Timestamp(now_date) if now_date is not None else pd.Timestamp.now().normalize()
    now_tables = share(now_tables)
    before_tables = None if before_tables is None else share(before_tables)
    empty = pd.DataFrame()
    if before_tables is None:
        return Changes(None, None, now_id, now_date, empty, empty, empty, empty, empty, empty)
    base_date = pd.Timestamp(base_date) if base_date is not None else now_date
    now_fig, before_fig = key_figures(now_tables, s), key_figures(before_tables, s)
    figures = pd.DataFrame({"figure": list(KEY_FIGURES), "label": list(KEY_FIGURES.values()),
                            "before": [before_fig[k] for k in KEY_FIGURES],
                            "now": [now_fig[k] for k in KEY_FIGURES]})
    figures["change"] = figures["now"] - figures["before"]
    ids = pd.concat([_weights(t, s, project_frame(t, s))["project_id"]
                     for t in (now_tables, before_tables)]).drop_duplicates()
    releases = _releases(now_tables, before_tables, s)
    return Changes(base_id, base_date, now_id, now_date, figures,
                   _conventions(now_tables, before_tables, ids), releases,
                   _by_partner(releases),
                   _status_changes(now_tables, before_tables, s, now_date, base_date),
                   revisions(now_tables, before_tables, ids))


def changes(processed_dir, slice_: Slice | None = None, since: str = "") -> Changes:
    """Changes of a slice since the previous edition (or the one ``since`` names).

    Parameters
    ----------
    processed_dir : path or Version
        The version the report reads.
    slice_ : Slice, optional
        The report's slice (period, scales, territory, project, ``ref_date``).
    since : str, default ""
        See :func:`base_version`.
    """
    now = store.current(processed_dir)
    base = base_version(now, since)
    return compare(read_tables(now), None if base is None else read_tables(base), slice_,
                   now_id=now.id, now_date=edition_date(now),
                   base_id=None if base is None else base.id,
                   base_date=None if base is None else edition_date(base))
