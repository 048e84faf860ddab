"""Rules: the written rules of the build that look across rows and tables.

- **Data cut-off** (``Données arrêtées au``): the date given to the build, else the latest
  observed date of the inputs (releases, signatures, presentations, actual ends) that is not
  in the future. Observed dates after it are quarantined (*date postérieure à la date d'arrêt
  des données*); planned and forecast dates may lie after it.
- **Identifiers as a person reads them**: compared without regard to case (invisible and
  surrounding spaces are already removed by ``convert.clean_text``); a reference takes the
  spelling of the row it refers to (``c1`` → ``C1``); two rows whose keys differ only by case
  are duplicates.
- **Plausible geometries**: inside the extent of the country's communes and of the
  type the contract states (polygons for quartiers; points or polygons for centres).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: Observed dates (they happened): table → columns. Planned and forecast dates are not.
OBSERVED_DATES = {
    "projects": ("presented_on", "actual_end"),
    "conventions": ("signed_on",),
    "disbursements": ("released_on",),
    "actions": ("actual_end",),
}
#: Margin around the national extent (degrees, about 20 km): coastal places drawn a little
#: into the sea stay in; swapped or projected coordinates are far outside.
BOUNDS_MARGIN = 0.2
#: Geometry types the contract accepts, per geometry table.
GEOMETRY_TYPES = {
    "quartiers": ("Polygon", "MultiPolygon"),
    "centres": ("Point", "MultiPoint", "Polygon", "MultiPolygon"),
}


# --------------------------------------------------------------------------------------------
# Cut-off
# --------------------------------------------------------------------------------------------

def cutoff_date(dates: list[pd.Series], given: dt.date | None = None,
                today: dt.date | None = None) -> tuple[pd.Timestamp | None, str]:
    """The data cut-off date and the rule that set it.

    Parameters
    ----------
    dates : list of Series of datetime64
        Observed dates of the inputs (``OBSERVED_DATES``), already converted.
    given : date, optional
        The cut-off asked for (``pvanalysis build --cutoff``): it wins.
    today : date, optional
        Default the system date; observed dates after it are not evidence of a cut-off.

    Returns
    -------
    (Timestamp or None, str)
        The cut-off (``None`` when no date is known at all) and ``"option"`` or
        ``"dernière date observée"``.
    """
    if given is not None:
        return pd.Timestamp(given), "option"
    today = pd.Timestamp(today or dt.date.today())
    values = [d[d.notna() & (d <= today)] for d in dates if len(d)]
    values = [v.max() for v in values if len(v)]
    return (max(values) if values else None), "dernière date observée"


def after(dates: pd.Series, cutoff: pd.Timestamp | None) -> pd.Series:
    """True where an observed date lies after the cut-off (never for missing dates)."""
    if cutoff is None:
        return pd.Series(False, index=dates.index)
    return (dates > cutoff).fillna(False).astype(bool)


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------

def id_key(values: pd.Series) -> pd.Series:
    """Compare-ready identifiers: case folded (``"C-2019-01"`` and ``"c-2019-01"`` agree)."""
    return values.astype("string").str.casefold()


def as_defined(references: pd.Series, defined: pd.Series) -> pd.Series:
    """References spelled as the rows they refer to.

    Parameters
    ----------
    references : Series of str
        Identifiers as written in the referencing table (``c1``).
    defined : Series of str
        Identifiers of the defining table (``C1``), unique once case-folded.

    Returns
    -------
    Series
        ``references`` with each value that matches a defined identifier (case folded)
        replaced by that identifier's spelling; others (and NA) unchanged.
    """
    spelling = pd.Series(defined.astype("string").to_numpy(), index=id_key(defined).to_numpy())
    spelling = spelling[~spelling.index.duplicated()]
    found = id_key(references).map(spelling)
    return references.where(found.isna(), found.astype(object)).astype(references.dtype)


# --------------------------------------------------------------------------------------------
# Geometries
# --------------------------------------------------------------------------------------------

def outside_morocco(geometries, national_bounds) -> pd.Series:
    """True where a geometry's extent leaves the national extent (plus ``BOUNDS_MARGIN``).

    Parameters
    ----------
    geometries : GeoSeries
        EPSG:4326.
    national_bounds : sequence of 4 floats
        ``(xmin, ymin, xmax, ymax)`` of the communes of the territory reference.

    Swapped coordinates (latitude written as longitude) and projected coordinates read as
    degrees land here.
    """
    import shapely

    xmin, ymin, xmax, ymax = national_bounds
    m = BOUNDS_MARGIN
    bounds = shapely.bounds(np.asarray(geometries, dtype=object))
    inside = ((bounds[:, 0] >= xmin - m) & (bounds[:, 1] >= ymin - m)
              & (bounds[:, 2] <= xmax + m) & (bounds[:, 3] <= ymax + m))
    return pd.Series(~inside, index=geometries.index)


def wrong_type(geometries, kind: str) -> pd.Series:
    """True where a geometry is not of a type the contract accepts for ``kind``."""
    types = pd.Series(np.asarray(geometries.geom_type, dtype=object), index=geometries.index)
    return ~types.isin(GEOMETRY_TYPES[kind])
