"""Territorial indicators: investment per capita, gap to the parent territory, coverage."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .core import (
    _LEVEL_COL,
    LEVELS,
    _as_list,
    _by_list,
    _isin,
    _parent_codes,
    _sum,
    make_slice,
    project_frame,
    ratio,
)
from .finance import financial

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
