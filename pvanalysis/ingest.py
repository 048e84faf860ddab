"""Ingest: read the evaluators' raw files and map header variants to canonical fields.

The readers locate the header under title rows, map header variants to the fields of the
contract (:mod:`pvanalysis.contract`) and return the raw cells (object dtype, untouched)
indexed by the row number a person sees in the file. Converting values is ``convert``'s job.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .contract import DISBURSEMENT_COLUMNS, GEOMETRY_COLUMNS, SHEETS, UNIT_FACTORS, Column
from .errors import InputFileError

#: Rows scanned, from the top, to find the header row under title rows.
HEADER_SCAN_ROWS = 30
_UNIT_RE = re.compile(r"\b(?:en\s+)?(mdh|kdh|dh)\b")
_GEOMETRY_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp")


@dataclass
class RawTable:
    """Cells of one raw table, before cleaning.

    Attributes
    ----------
    file, sheet : str
        Source file name and sheet (``None`` for a CSV or a geometry file).
    table : str
        Processed table the rows feed (``"projects"``, ``"disbursements"``…).
    columns : tuple of Column
        The contract of the table.
    frame : DataFrame
        One column per field found in the file (object dtype, cells as read), index ``row`` =
        row number as Excel or a text editor shows it (1-based, header included). Blank rows
        and totals rows are left out.
    headers : dict
        Field → header as written in the file (for quarantine messages).
    units : dict
        Field → dirhams per unit of that column (``amount`` columns only; 1 when no unit).
    """

    file: str
    sheet: str | None
    table: str
    columns: tuple[Column, ...]
    frame: pd.DataFrame
    headers: dict[str, str]
    units: dict[str, int]
    geometry: object = None  # GeoSeries (EPSG:4326) for geometry files
    repaired: object = None  # bool Series: geometry made valid by ``read_geometry``


def normalise(text: object) -> str:
    """Compare-ready form of a header, name or label.

    Lower case, accents removed, ``œ`` → ``oe``, punctuation and spacing collapsed to single
    spaces: ``"  Montant  (MDH) "`` → ``"montant mdh"``, ``"Échéancier"`` → ``"echeancier"``.
    """
    s = unicodedata.normalize("NFKD", str(text)).replace("œ", "oe").replace("Œ", "oe")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower().replace("æ", "ae")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def header_unit(header: object) -> tuple[str, int]:
    """Split a header into its normalised name and the unit it states.

    Returns
    -------
    (str, int)
        Normalised header without the unit, and dirhams per unit (``MDH`` → 1 000 000,
        ``KDH`` → 1 000, ``DH`` or none → 1).

    Examples
    --------
    >>> header_unit("Montant en MDH")
    ('montant', 1000000)
    >>> header_unit("Coût (KDH)")
    ('cout', 1000)
    """
    norm = normalise(header)
    found = _UNIT_RE.search(norm)
    factor = UNIT_FACTORS[found.group(1)] if found else 1
    return " ".join(_UNIT_RE.sub(" ", norm).split()), factor


def _aliases(columns: tuple[Column, ...], truncate: bool) -> dict[str, str]:
    """Normalised header (and variants) → field; ``truncate`` adds 10-character forms."""
    table = {}
    for col in columns:
        for name in (col.header, col.field, *col.variants):
            key = header_unit(name)[0]
            table.setdefault(key, col.field)
            if truncate:
                table.setdefault(normalise(str(name)[:10]), col.field)
    return table


def _is_blank(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """True where a cell is empty (NaN, None or ``""``; readers already strip spaces)."""
    if isinstance(frame, pd.DataFrame):
        return pd.DataFrame({c: _is_blank(frame[c]) for c in frame.columns}, index=frame.index)
    blank = frame.isna()
    if frame.dtype == object or isinstance(frame.dtype, pd.StringDtype):
        blank |= frame.eq("").fillna(False).astype(bool)
    return blank.astype(bool)


def _grid(rows: list[list]) -> pd.DataFrame:
    """Cells of a sheet as an object frame: text stripped, empty text → None."""
    width = max((len(r) for r in rows), default=0)
    tidy = [[(v.strip() or None) if isinstance(v, str) else v for v in row]
            + [None] * (width - len(row)) for row in rows]
    return pd.DataFrame(tidy, columns=range(width), dtype=object)


def _map_headers(cells: pd.Series, aliases: dict[str, str]) -> dict[object, tuple[str, str, int]]:
    """Column label → (field, header as written, unit factor) for one candidate header row."""
    found, seen = {}, set()
    for label, cell in cells.items():
        if cell is None or (isinstance(cell, float) and pd.isna(cell)):
            continue
        key, factor = header_unit(cell)
        field_ = aliases.get(key)
        if field_ is not None and field_ not in seen:
            seen.add(field_)
            found[label] = (field_, str(cell).strip(), factor)
    return found


def _locate(grid: pd.DataFrame, columns: tuple[Column, ...], where: dict,
            truncate: bool = False) -> tuple[int, dict]:
    """Find the header row in the first rows of ``grid``; raise if a required column is absent."""
    aliases = _aliases(columns, truncate)
    required = {c.field for c in columns if c.required}
    best, best_pos = {}, None
    for pos in range(min(HEADER_SCAN_ROWS, len(grid))):
        found = _map_headers(grid.iloc[pos], aliases)
        if required <= {f for f, _, _ in found.values()}:
            return pos, found
        if len(found) > len(best):
            best, best_pos = found, pos
    if not best:
        raise InputFileError(
            "ligne d'en-tête introuvable", **where,
            hint="la première ligne du tableau doit porter les en-têtes du modèle "
                 f"({', '.join(c.header for c in columns[:3])}…)")
    have = {f for f, _, _ in best.values()}
    missing = next(c for c in columns if c.required and c.field not in have)
    raise InputFileError("colonne obligatoire absente", **where, row=best_pos + 1,
                         column=missing.header,
                         hint="en-têtes acceptés : "
                              + ", ".join((missing.header, *missing.variants)))


def _is_total(grid: pd.DataFrame, blank: pd.DataFrame) -> pd.Series:
    """Rows whose first non-blank cell reads ``Total…`` / ``Sous-total…`` (any case, accents)."""
    filled = ~blank.to_numpy()
    first = grid.to_numpy(dtype=object)[np.arange(len(grid)), filled.argmax(axis=1)]
    text = pd.Series(first, index=grid.index, dtype=object)
    text = text.where(filled.any(axis=1) & text.map(lambda v: isinstance(v, str)), "")
    norm = (text.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore")
            .str.decode("ascii"))
    return norm.str.strip().str.lower().str.match(r"^(sous[ -]?)?total\b").astype(bool)


def _table_from_grid(grid: pd.DataFrame, table: str, columns: tuple[Column, ...], where: dict,
                     truncate: bool = False, drop_blank: bool = True) -> RawTable:
    """Cut the data rows out of a sheet-like grid (index = 0-based line of the file)."""
    pos, found = _locate(grid, columns, where, truncate)
    body = grid.iloc[pos + 1:]
    cells = body[list(found)]
    cells.columns = [f for f, _, _ in found.values()]
    if drop_blank:
        blank = _is_blank(body)
        keep = ~blank.all(axis=1) & ~_is_total(body, blank)
        cells = cells[keep]
    frame = cells.astype(object)
    frame.index = pd.Index(frame.index.to_numpy() + 1, name="row")
    return RawTable(file=where["file"], sheet=where.get("sheet"), table=table,
                    columns=columns, frame=frame,
                    headers={f: h for f, h, _ in found.values()},
                    units={f: u for f, _, u in found.values()})


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every sheet of the conventions workbook (calamine).

    Parameters
    ----------
    path : Path
        ``conventions.xlsx``.

    Returns
    -------
    dict
        Sheet name of the contract (``SHEETS``) → ``RawTable``.

    Raises
    ------
    InputFileError
        File absent or unreadable, sheet absent, required column absent.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError("fichier absent", file=path.name,
                             hint=f"placer {path.name} dans {path.parent} "
                                  "ou lancer `pvanalysis sample`")
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise InputFileError(f"classeur illisible ({exc})", file=path.name,
                             hint="enregistrer le fichier au format Excel .xlsx") from exc
    by_norm = {normalise(name): name for name in book.sheet_names}
    tables = {}
    for sheet, (table, columns) in SHEETS.items():
        actual = by_norm.get(normalise(sheet))
        if actual is None:
            raise InputFileError("feuille absente", file=path.name, sheet=sheet,
                                 hint="feuilles présentes : " + ", ".join(book.sheet_names))
        try:
            rows = book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise InputFileError(f"feuille illisible ({exc})", file=path.name,
                                 sheet=actual) from exc
        tables[sheet] = _table_from_grid(_grid(rows), table, columns,
                                         {"file": path.name, "sheet": actual})
    return tables


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else cp1252; anything else is reported."""
    if b"\x00" in data[:4096]:
        raise InputFileError("fichier illisible (contenu binaire, pas un CSV)", file=name,
                             hint="exporter les déblocages en CSV séparé par des points-virgules")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"encodage illisible (octet {data[exc.start]:#04x} à la position {exc.start})",
            file=name, hint="enregistrer le fichier en UTF-8 (ou Windows-1252 / Latin-1)") from exc


def read_disbursements(path: Path) -> RawTable:
    """Read the disbursement export (déblocages): CSV, ``;``-separated, UTF-8 or cp1252.

    Parameters
    ----------
    path : Path
        ``deblocages.csv``.

    Returns
    -------
    RawTable
        Index ``row`` = line number in the file (1-based, header line included).

    Raises
    ------
    InputFileError
        File absent, binary or in an unknown encoding, header or required column absent.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError("fichier absent", file=path.name,
                             hint=f"placer {path.name} dans {path.parent} "
                                  "ou lancer `pvanalysis sample`")
    text = _decode(path.read_bytes(), path.name)
    if not text.strip():
        raise InputFileError("fichier vide", file=path.name,
                             hint="exporter les déblocages avec leur ligne d'en-tête")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    width = max((len(r) for r in rows), default=0)
    grid = _grid(rows)
    where = {"file": path.name}
    try:
        return _table_from_grid(grid, "disbursements", DISBURSEMENT_COLUMNS, where)
    except InputFileError as exc:
        if width <= 1:
            raise InputFileError("séparateur de colonnes non reconnu", file=path.name,
                                 hint="séparer les colonnes par des points-virgules (;)") from exc
        raise


def find_geometry_file(raw_dir: Path, stem: str) -> Path:
    """The first of ``stem.geojson``, ``.json``, ``.gpkg``, ``.shp`` present in ``raw_dir``."""
    for ext in _GEOMETRY_EXTENSIONS:
        if (Path(raw_dir) / f"{stem}{ext}").is_file():
            return Path(raw_dir) / f"{stem}{ext}"
    raise InputFileError("fichier absent", file=f"{stem}.geojson",
                         hint=f"placer {stem}.geojson, {stem}.gpkg ou {stem}.shp dans {raw_dir}")


def read_geometry(path: Path, kind: str) -> RawTable:
    """Read quartier or centre geometries (GeoJSON, GPKG, SHP) into EPSG:4326, repaired.

    Parameters
    ----------
    path : Path
        Geometry file.
    kind : {"quartiers", "centres"}
        Which contract of ``GEOMETRY_COLUMNS`` applies.

    Returns
    -------
    RawTable
        Attribute cells in ``frame`` (index ``row`` = feature number, 1-based), ``geometry``
        reprojected to EPSG:4326, ``repaired`` True where ``shapely.make_valid`` changed an
        invalid geometry.

    Raises
    ------
    InputFileError
        File unreadable, without a coordinate reference system, or missing a required column.

    Notes
    -----
    Any CRS GDAL knows is accepted (EPSG:4326 and Lambert Nord Maroc EPSG:26191 in practice)
    and reprojected; a file without a CRS is refused rather than guessed.
    """
    import pyogrio
    import shapely

    from .config import STORAGE_CRS

    path = Path(path)
    try:
        gdf = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputFileError(f"fichier géographique illisible ({exc})", file=path.name,
                             hint="fournir un GeoJSON, un GeoPackage ou un Shapefile "
                                  "complet") from exc
    if gdf.empty:
        raise InputFileError("fichier géographique vide (aucune entité)", file=path.name,
                             hint="exporter les quartiers ou centres avec leurs attributs")
    if gdf.crs is None:
        raise InputFileError("système de coordonnées absent", file=path.name,
                             hint="joindre le fichier .prj ou écrire le fichier en EPSG:4326 "
                                  "ou EPSG:26191")
    gdf = gdf.to_crs(STORAGE_CRS)
    attrs = gdf.drop(columns=gdf.geometry.name)
    grid = _grid([list(attrs.columns)] + attrs.astype(object).to_numpy().tolist())
    raw = _table_from_grid(grid, kind, GEOMETRY_COLUMNS[kind], {"file": path.name},
                           truncate=True, drop_blank=False)
    raw.frame.index = pd.Index(raw.frame.index - 1, name="row")  # feature number, 1-based
    geoms = gdf.geometry.iloc[raw.frame.index - 1]
    geoms.index = raw.frame.index
    invalid = ~geoms.is_valid & geoms.notna() & ~geoms.is_empty
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid].to_numpy(), method="structure",
                                            keep_collapsed=False)
    raw.geometry, raw.repaired = geoms, invalid
    return raw
