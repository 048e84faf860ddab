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
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .contract import (
    DISBURSEMENT_COLUMNS,
    GEOMETRY_COLUMNS,
    OPTIONAL_TABLES,
    SHEET_VARIANTS,
    SHEETS,
    UNIT_FACTORS,
    Column,
)
from .errors import InputFileError

#: Rows scanned, from the top, to find the header row under title rows.
HEADER_SCAN_ROWS = 30
_UNIT_RE = re.compile(r"\b(?:en\s+)?(mdh|kdh|dh)\b")
_GEOMETRY_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp")
#: Excel error values, English and French spellings (a CSV exported from Excel keeps them).
_EXCEL_ERROR = re.compile(r"^#(?:N/A|N/D|REF!|VALUE!|VALEUR!|DIV/0!|NAME\?|NOM\?|NUM!|NOMBRE!"
                          r"|NULL!|NUL!|SPILL!|CALC!|GETTING_DATA)$", re.IGNORECASE)
_RECALCULATE = "recalculer et enregistrer le classeur dans Excel (ou LibreOffice), puis relancer"


class CellError(str):
    """An Excel error value (``#N/A``, ``#REF!``…) read from a cell: never an empty cell.

    ``convert`` sends it to the quarantine (``excel_error``) whatever the column's kind.
    """


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
    rows_in: int = 0  # non-blank rows under the header, counted before anything is left out
    totals: object = None  # DataFrame: totals rows left out (row → field, text of "Total")
    absent: bool = False  # the file or sheet was not supplied (an optional source)
    positions: dict = field(default_factory=dict)  # field → column label in the sheet grid


def empty_table(table: str, columns: tuple[Column, ...], file: str,
                sheet: str | None = None) -> RawTable:
    """The ``RawTable`` of an optional source that was not supplied: no rows, ``absent``."""
    frame = pd.DataFrame({c.field: pd.Series([], dtype=object) for c in columns},
                         index=pd.Index([], dtype="int64", name="row"))
    return RawTable(file, sheet, table, columns, frame, {c.field: c.header for c in columns},
                    {}, totals=None, absent=True)


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


def _tidy(value: object) -> object:
    if value.__class__ is str:
        value = value.strip()
        if not value:
            return None
        return CellError(value.upper()) if value[0] == "#" and _EXCEL_ERROR.match(value) \
            else value
    return value


def _grid(rows: list[list]) -> pd.DataFrame:
    """Cells of a sheet as an object frame: text stripped, empty text → None, Excel error
    values → ``CellError``."""
    width = max((len(r) for r in rows), default=0)
    tidy = [[_tidy(v) for v in row] + [None] * (width - len(row)) for row in rows]
    return pd.DataFrame(tidy, columns=range(width), dtype=object)


def _map_headers(cells: pd.Series, aliases: dict[str, str]
                 ) -> tuple[dict[object, tuple[str, str, int]], dict[str, list[str]]]:
    """For one candidate header row: column label → (field, header as written, unit factor),
    and field → every header that answers to it when more than one does."""
    found, by_field = {}, {}
    for label, cell in cells.items():
        if cell is None or isinstance(cell, CellError) or (isinstance(cell, float)
                                                           and pd.isna(cell)):
            continue
        key, factor = header_unit(cell)
        field_ = aliases.get(key)
        if field_ is None:
            continue
        by_field.setdefault(field_, []).append(str(cell).strip())
        if len(by_field[field_]) == 1:
            found[label] = (field_, str(cell).strip(), factor)
    return found, {f: h for f, h in by_field.items() if len(h) > 1}


def _locate(grid: pd.DataFrame, columns: tuple[Column, ...], where: dict,
            truncate: bool = False) -> tuple[int, dict]:
    """Find the header row in the first rows of ``grid``; raise if a required column is absent."""
    aliases = _aliases(columns, truncate)
    required = {c.field for c in columns if c.required}
    best, best_pos = {}, None
    for pos in range(min(HEADER_SCAN_ROWS, len(grid))):
        found, twice = _map_headers(grid.iloc[pos], aliases)
        if required <= {f for f, _, _ in found.values()}:
            if twice:
                field_, headers = next(iter(twice.items()))
                col = next(c for c in columns if c.field == field_)
                raise InputFileError(
                    f"plusieurs colonnes pour « {col.header} » : "
                    + ", ".join(f"« {h} »" for h in headers), **where, row=pos + 1,
                    column=headers[1],
                    hint="garder une seule de ces colonnes (renommer ou supprimer les autres)")
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


def _total_label(grid: pd.DataFrame, blank: pd.DataFrame) -> pd.DataFrame:
    """For rows whose first non-blank cell reads ``Total…`` / ``Sous-total…`` (any case,
    accents): that cell's column ``label`` and ``text``; other rows are left out."""
    filled = ~blank.to_numpy()
    first_pos = filled.argmax(axis=1)
    first = grid.to_numpy(dtype=object)[np.arange(len(grid)), first_pos]
    text = pd.Series(first, index=grid.index, dtype=object)
    text = text.where(filled.any(axis=1) & text.map(lambda v: isinstance(v, str)), "")
    norm = (text.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore")
            .str.decode("ascii"))
    is_total = norm.str.strip().str.lower().str.match(r"^(sous[ -]?)?total\b").astype(bool)
    out = pd.DataFrame({"label": np.asarray(grid.columns)[first_pos], "text": text},
                       index=grid.index)
    return out[is_total.to_numpy()]


def _totals_rows(cells: pd.DataFrame, totals: pd.DataFrame,
                 columns: tuple[Column, ...]) -> pd.DataFrame:
    """The written rule for totals rows: a row whose first non-blank cell reads « Total » is a
    totals row unless every required identifier of the contract is filled in it and at least
    one other required column too (``TOTAL`` as a partner's identifier is data).

    Returns the rows of ``totals`` (``label``, ``text``) that are left out of the table.
    """
    if totals.empty:
        return totals
    rows = cells.loc[totals.index]
    blank = _is_blank(rows)
    ids = [c.field for c in columns if c.required and c.kind == "id" and c.field in rows]
    others = [c.field for c in columns if c.required and c.kind != "id" and c.field in rows]
    if not ids or not others:
        return totals
    data = (~blank[ids]).all(axis=1) & (~blank[others]).any(axis=1)
    return totals[~data.to_numpy()]


def _table_from_grid(grid: pd.DataFrame, table: str, columns: tuple[Column, ...], where: dict,
                     truncate: bool = False, drop_blank: bool = True) -> RawTable:
    """Cut the data rows out of a sheet-like grid (index = 0-based line of the file).

    Every non-blank row under the header is counted (``rows_in``); totals rows are left out
    of ``frame`` and listed in ``totals`` (row → ``field``, ``text``), so that the build can
    quarantine them.
    """
    pos, found = _locate(grid, columns, where, truncate)
    body = grid.iloc[pos + 1:]
    cells = body[list(found)]
    cells.columns = [f for f, _, _ in found.values()]
    totals = pd.DataFrame({"field": pd.Series([], dtype="string"),
                           "text": pd.Series([], dtype="string")})
    rows_in = len(body)
    if drop_blank:
        blank = _is_blank(body)
        filled = ~blank.all(axis=1)
        cells, rows_in = cells[filled], int(filled.sum())
        left_out = _totals_rows(cells, _total_label(body[filled], blank[filled]), columns)
        field_of = {label: f for label, (f, _, _) in found.items()}
        totals = pd.DataFrame({
            "field": [field_of.get(label, columns[0].field) for label in left_out["label"]],
            "text": left_out["text"].astype("string").to_numpy()},
            index=pd.Index(left_out.index.to_numpy() + 1, name="row"))
        cells = cells.drop(index=left_out.index)
    frame = cells.astype(object)
    frame.index = pd.Index(frame.index.to_numpy() + 1, name="row")
    return RawTable(file=where["file"], sheet=where.get("sheet"), table=table,
                    columns=columns, frame=frame,
                    headers={f: h for f, h, _ in found.values()},
                    units={f: u for f, _, u in found.values()},
                    rows_in=rows_in, totals=totals,
                    positions={f: label for label, (f, _, _) in found.items()})


def read_workbook(path: Path) -> dict[str, RawTable]:
    """Read every sheet of the conventions workbook (calamine).

    Parameters
    ----------
    path : Path
        ``conventions.xlsx``.

    Returns
    -------
    dict
        Sheet name of the contract (``SHEETS``) → ``RawTable``; an optional sheet that is
        absent (``contract.OPTIONAL_TABLES``) gives an empty table marked ``absent``.

    Raises
    ------
    InputFileError
        File absent or unreadable; a required sheet absent; two sheets answering to one
        contract sheet; a required column absent or two columns answering to one field; a
        formula of a contract column without a saved result.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError("fichier absent", file=path.name,
                             hint=f"placer {path.name} dans {path.parent} "
                                  "ou lancer `pvanalysis sample`")
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        issues = _cell_issues(path)
    except (CalamineError, OSError, ValueError, zipfile.BadZipFile, ET.ParseError) as exc:
        raise InputFileError(f"classeur illisible ({exc})", file=path.name,
                             hint="enregistrer le fichier au format Excel .xlsx") from exc
    tables = {}
    for sheet, (table, columns) in SHEETS.items():
        actual = _find_sheet(book.sheet_names, sheet, path.name)
        if actual is None:
            if table in OPTIONAL_TABLES:
                tables[sheet] = empty_table(table, columns, path.name, sheet)
                continue
            raise InputFileError("feuille absente", file=path.name, sheet=sheet,
                                 hint="feuilles présentes : " + ", ".join(book.sheet_names))
        try:
            rows = book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise InputFileError(f"feuille illisible ({exc})", file=path.name,
                                 sheet=actual) from exc
        errors, no_result = issues.get(actual, ({}, []))
        grid = _grid(rows)
        for (r, c), text in errors.items():
            if r < len(grid) and c < grid.shape[1]:
                grid.iat[r, c] = CellError(text or "#ERREUR")
        where = {"file": path.name, "sheet": actual}
        raw = _table_from_grid(grid, table, columns, where)
        _refuse_formulas_without_result(raw, no_result, where)
        tables[sheet] = raw
    return tables


def _find_sheet(names: list[str], sheet: str, file: str) -> str | None:
    """The workbook sheet answering to a contract sheet (its name or a variant, normalised);
    refuse when several do."""
    wanted = {normalise(n) for n in (sheet, *SHEET_VARIANTS.get(sheet, ()))}
    found = [name for name in names if normalise(name) in wanted]
    if len(found) > 1:
        raise InputFileError(
            f"plusieurs feuilles pour « {sheet} » : " + ", ".join(f"« {n} »" for n in found),
            file=file, hint="garder une seule de ces feuilles (renommer ou supprimer les autres)")
    return found[0] if found else None


def _refuse_formulas_without_result(raw: RawTable, no_result: list[tuple[int, int]],
                                    where: dict) -> None:
    """A formula without a saved result in a read cell cannot be read as empty: refuse."""
    rows = set((raw.frame.index.to_numpy() - 1).tolist())
    header_at = {label: raw.headers[f] for f, label in raw.positions.items()}
    for r, c in sorted(no_result):
        if r in rows and c in header_at:
            raise InputFileError("formule sans résultat enregistré", **where, row=r + 1,
                                 column=header_at[c], hint=_RECALCULATE)


_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _cell_issues(path: Path) -> dict[str, tuple[dict[tuple[int, int], str],
                                                list[tuple[int, int]]]]:
    """Cells the workbook reader would show as empty although they are not: Excel error
    values (``t="e"``) and formulas without a saved result.

    Returns
    -------
    dict
        Sheet name → ({(row, column): error text}, [(row, column) of formulas without a
        result]), 0-based positions. Sheets with neither are left out. Only sheets whose XML
        holds a formula or an error are scanned cell by cell.
    """
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name, member in _sheet_members(zf).items():
            data = zf.read(member)
            if b"<f" not in data and b't="e"' not in data:
                continue
            errors, no_result = {}, []
            for m in _CELL.finditer(data):
                attrs, body = m.group(3), m.group(4) or b""
                pos = (int(m.group(2)) - 1, _column_index(m.group(1)))
                value = _VALUE.search(body)
                if b't="e"' in attrs:
                    errors[pos] = value.group(1).decode("utf-8", "replace") if value else ""
                elif b"<f" in body and not (value and value.group(1)) \
                        and b't="str"' not in attrs:
                    no_result.append(pos)
            if errors or no_result:
                out[name] = (errors, no_result)
    return out


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member in the xlsx archive."""
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        member = target.get(sheet.get(f"{_REL_NS}id"), "")
        member = member.lstrip("/") if member.startswith("/") else f"xl/{member}"
        if member in zf.namelist():
            out[sheet.get("name")] = member
    return out


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else cp1252 — one encoding for the whole file.

    A file that is not UTF-8 but holds UTF-8 sequences mixes two encodings: it is refused at
    its first line that is not UTF-8, never decoded half wrong.
    """
    if b"\x00" in data[:4096]:
        raise InputFileError("fichier illisible (contenu binaire, pas un CSV)", file=name,
                             hint="exporter les déblocages en CSV séparé par des points-virgules")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
    if _UTF8_MULTIBYTE.search(data):
        raise InputFileError(
            "encodages mélangés (UTF-8 et un autre)", file=name, row=bad_line,
            hint="enregistrer tout le fichier dans un seul encodage (UTF-8 de préférence)")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"encodage illisible (octet {data[exc.start]:#04x})", file=name,
            row=data.count(b"\n", 0, exc.start) + 1,
            hint="enregistrer le fichier en UTF-8 (ou Windows-1252 / Latin-1)") from exc


def read_disbursements(path: Path) -> RawTable:
    """Read the disbursement export (déblocages): CSV, ``;``-separated, UTF-8 or cp1252.

    Parameters
    ----------
    path : Path
        ``deblocages.csv``. Optional: absent or empty (0 bytes, or only spaces), it gives an
        empty table marked ``absent``.

    Returns
    -------
    RawTable
        Index ``row`` = line number in the file (1-based, header line included).

    Raises
    ------
    InputFileError
        File binary, in an unknown or mixed encoding, header or required column absent.
    """
    path = Path(path)
    if not path.is_file():
        return empty_table("disbursements", DISBURSEMENT_COLUMNS, path.name)
    text = _decode(path.read_bytes(), path.name)
    if not text.strip():
        return empty_table("disbursements", DISBURSEMENT_COLUMNS, path.name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    except csv.Error as exc:
        raise InputFileError(f"CSV mal formé ({exc})", file=path.name,
                             hint="vérifier les guillemets du fichier") from exc
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


def find_geometry_file(raw_dir: Path, stem: str) -> Path | None:
    """The geometry file ``stem.geojson``, ``.json``, ``.gpkg`` or ``.shp`` of ``raw_dir``.

    Returns ``None`` when there is none (the source is optional); refuses when there are
    several, rather than pick one.
    """
    found = [Path(raw_dir) / f"{stem}{ext}" for ext in _GEOMETRY_EXTENSIONS
             if (Path(raw_dir) / f"{stem}{ext}").is_file()]
    if len(found) > 1:
        raise InputFileError("plusieurs fichiers pour les " + stem + " : "
                             + ", ".join(p.name for p in found), file=found[0].name,
                             hint="garder un seul de ces fichiers dans " + str(raw_dir))
    return found[0] if found else None


def _layer(path: Path) -> str | None:
    """The layer to read: the only one, or the one named like the file; else refuse."""
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, OSError):
        return None  # read_dataframe reports the file as unreadable
    if len(layers) <= 1:
        return None
    same = [name for name in layers if normalise(name) == normalise(path.stem)]
    if len(same) == 1:
        return same[0]
    raise InputFileError("plusieurs couches : " + ", ".join(f"« {n} »" for n in layers),
                         file=path.name, hint=f"garder une seule couche, ou nommer « {path.stem} » "
                                              "celle à lire")


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
        File unreadable, without a coordinate reference system, or missing a required column;
        a GeoPackage with several layers none of which is named like the file. A file without
        features gives an empty table; ``path=None`` (no file) an empty table marked ``absent``.

    Notes
    -----
    Any CRS GDAL knows is accepted (EPSG:4326 and Lambert Nord Maroc EPSG:26191 in practice)
    and reprojected; a file without a CRS is refused rather than guessed.
    """
    import pyogrio
    import shapely

    from .config import STORAGE_CRS

    if path is None:
        return _empty_geometry(kind)
    path = Path(path)
    try:
        gdf = pyogrio.read_dataframe(path, layer=_layer(path))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.CRSError,
            OSError, ValueError) as exc:
        raise InputFileError(f"fichier géographique illisible ({exc})", file=path.name,
                             hint="fournir un GeoJSON, un GeoPackage ou un Shapefile "
                                  "complet") from exc
    if gdf.empty:
        raw = _empty_geometry(kind)
        raw.file, raw.absent = path.name, False
        return raw
    if gdf.crs is None:
        raise InputFileError("système de coordonnées absent", file=path.name,
                             hint="joindre le fichier .prj ou écrire le fichier en EPSG:4326 "
                                  "ou EPSG:26191")
    try:
        gdf = gdf.to_crs(STORAGE_CRS)
    except (ValueError, RuntimeError) as exc:  # pyproj: a CRS that cannot be transformed
        raise InputFileError(f"système de coordonnées inutilisable ({gdf.crs})", file=path.name,
                             hint="écrire le fichier en EPSG:4326 ou EPSG:26191") from exc
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


def _empty_geometry(kind: str) -> RawTable:
    import geopandas as gpd

    from .config import STORAGE_CRS

    raw = empty_table(kind, GEOMETRY_COLUMNS[kind], f"{kind}.geojson")
    raw.geometry = gpd.GeoSeries([], index=raw.frame.index, crs=STORAGE_CRS)
    raw.repaired = pd.Series([], index=raw.frame.index, dtype=bool)
    return raw
