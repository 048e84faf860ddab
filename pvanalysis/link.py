"""Link: territory references of the raw files → HCP codes of the territory reference.

- territory columns: HCP code, 2014 code (crosswalk), name within the parent territory, then
  fuzzy name within the parent (``config.FUZZY_THRESHOLD``) → HCP code
  (:class:`TerritoryMatcher`, over ``territories.match_names``);
- quartiers and centres: the commune containing each geometry's representative point, the
  smallest when communes nest (:func:`containing_communes`), and whether the declared commune
  is among them (:func:`outside_declared`).

``build`` orchestrates: it calls these and sends what does not link to the quarantine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import config


class TerritoryMatcher:
    """Resolve territory references (code, 2014 code, name, old spelling) to HCP codes.

    A thin layer over ``territories.match_names`` (HCP code → 2014→2024 crosswalk → exact
    normalised name within the parent → fuzzy name within the parent, score ≥
    ``config.FUZZY_THRESHOLD``), called once per distinct (value, parent) pair. Codes typed as
    numbers lose their leading zero in Excel (``1`` for ``01``): it is put back. At commune
    level an arrondissement resolves to the commune that contains it.

    Parameters
    ----------
    processed_dir : Path
        Folder holding the territory reference layers (GeoParquet).
    """

    LEVELS = ("region", "province", "commune")

    def __init__(self, processed_dir) -> None:
        self.processed_dir = processed_dir

    def resolve(self, values: pd.Series, level: str, parents: pd.Series | None = None) -> pd.Series:
        """HCP codes for ``values`` (NA where nothing matches).

        Parameters
        ----------
        values : Series of str
            Codes or names as cleaned text.
        level : {"region", "province", "commune"}
        parents : Series of str, optional
            Parent code per row (region for a province, province for a commune).

        Returns
        -------
        Series of string
            Same index as ``values``.
        """
        from . import territories

        if level not in self.LEVELS:
            raise ValueError(f"level must be one of {self.LEVELS}, got {level!r}")
        text = values.astype("string").str.replace(r"^(\d)(?=\.|$)", r"0\1", regex=True)
        parent = (parents.astype("string") if parents is not None
                  else pd.Series(pd.NA, index=values.index, dtype="string"))
        pairs = pd.DataFrame({"v": text, "p": parent}).fillna({"p": ""})
        uniq = pairs.dropna(subset=["v"]).drop_duplicates().reset_index(drop=True)
        if uniq.empty:
            return pd.Series(pd.NA, index=values.index, dtype="string")
        found = territories.match_names(uniq["v"].tolist(), level,
                                        uniq["p"].replace("", pd.NA).tolist(),
                                        processed_dir=self.processed_dir)
        codes = pd.Series(found["code"].to_numpy(), index=uniq.index)
        codes = codes.astype("string")
        if level == "commune":
            codes = codes.replace(self._arrondissement_communes())
        uniq["code"] = codes
        merged = pairs.merge(uniq, on=["v", "p"], how="left", validate="m:1")
        return pd.Series(merged["code"].to_numpy(), index=values.index, dtype="string")

    def closest(self, values: pd.Series, level: str,
                parents: pd.Series | None = None, limit: int = 2) -> pd.Series:
        """The closest units to each unmatched reference, as ``"Afourar (05.081.11.01)"``.

        Parameters
        ----------
        values : Series of str
            References that did not match.
        level : {"region", "province", "commune"}
        parents : Series of str, optional
            Parent code per row; the candidates are the parent's units when it is known.
        limit : int, default 2

        Returns
        -------
        Series of string
            Same index; ``"Afourar (05.081.11.01), Afourate (…)"``, NA when nothing is close.
        """
        from . import territories

        layer = territories.load_layer(level, self.processed_dir)
        parent_col = {"province": "region_code", "commune": "province_code"}.get(level)
        out = pd.Series(pd.NA, index=values.index, dtype="string")
        keys = pd.DataFrame({"v": values.astype("string"),
                             "p": parents.astype("string") if parents is not None and parent_col
                             else pd.Series(pd.NA, index=values.index, dtype="string")})
        for (value, parent), rows in keys.groupby(["v", "p"], dropna=False).groups.items():
            if pd.isna(value):
                continue
            pool = layer if pd.isna(parent) else layer[layer[parent_col] == parent]
            found = territories.closest_units(str(value), pool if len(pool) else layer, limit)
            if found:
                out[rows] = ", ".join(found)
        return out

    def parent_codes(self, codes: pd.Series, level: str) -> pd.DataFrame:
        """``region_code`` (and ``province_code`` for a commune) of HCP codes; NA if unknown."""
        from . import territories

        cols = {"province": ["region_code"], "commune": ["region_code", "province_code"]}[level]
        layer = territories.load_layer(level, self.processed_dir)
        table = layer.drop_duplicates("code").set_index("code")[cols].astype("string")
        return table.reindex(codes.astype("string").to_numpy()).set_axis(codes.index)

    def _arrondissement_communes(self) -> dict[str, str]:
        from . import territories

        layer = territories.load_layer("arrondissement", self.processed_dir)
        return dict(zip(layer["code"].astype(str), layer["commune_code"].astype(str), strict=True))


def containing_communes(geometries, communes) -> pd.DataFrame:
    """The communes containing each geometry's representative point, most specific first.

    Parameters
    ----------
    geometries : GeoSeries
        Quartier or centre geometries (EPSG:4326), indexed by source row.
    communes : GeoDataFrame
        The commune layer: ``code``, ``province_code``, geometry (EPSG:4326).

    Returns
    -------
    DataFrame
        One row per (geometry, containing commune), indexed like ``geometries``: ``code``
        and ``province_code`` of the commune. Communes may nest (Méchouar inside
        Casablanca): for each geometry the smallest comes first, so the first row is the
        most specific commune. A geometry outside every commune has no row.
    """
    import geopandas as gpd
    import shapely

    points = gpd.GeoDataFrame(geometry=geometries.representative_point(),
                              crs=config.STORAGE_CRS)
    # area in square degrees: only used to rank nested communes, so no reprojection needed
    layer = communes[["code", "province_code", "geometry"]].assign(
        _area=shapely.area(np.asarray(communes.geometry)))
    hits = gpd.sjoin(points, layer, predicate="within", how="inner")
    # communes may nest (Méchouar inside Casablanca): the smallest is the most specific
    hits = hits.sort_values(["_area", "code"], kind="stable")
    return pd.DataFrame(hits[["code", "province_code"]])


def outside_declared(declared: pd.Series, hits: pd.DataFrame) -> pd.Series:
    """Declared-versus-contained mismatch: the declared commune does not contain the place.

    Parameters
    ----------
    declared : Series of str
        Commune code declared for each quartier or centre (after linking), indexed by source
        row.
    hits : DataFrame
        The containing communes, from :func:`containing_communes`.

    Returns
    -------
    Series of bool
        Same index as ``declared``: True where the declared code is not among the communes
        containing that row's representative point (also True for a place outside every
        commune).
    """
    contained = pd.MultiIndex.from_arrays([hits.index, hits["code"].astype(str)])
    pairs = pd.MultiIndex.from_arrays([declared.index, declared.astype(str)])
    return pd.Series(~pairs.isin(contained), index=declared.index)
