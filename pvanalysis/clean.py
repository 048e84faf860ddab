"""Clean: turn raw cells into typed values; every rejected value becomes a quarantine row.

Conversions (each works on the distinct values of a column, then maps them back):

- amounts: French text (``1 684,00``, no-break or narrow no-break spaces, via Babel), plain
  numbers and Excel floats, times the unit of the column → exact integer dirhams (``Decimal``,
  rounded to the dirham, half up): ``424,565`` in an ``(MDH)`` column → 424 565 000;
- dates: ``15/03/2019``, ``2019-03-15``, Excel serial numbers, ``mars 2019`` (→ 1 March);
  ``31/02/2019`` is a *date impossible*, anything else unreadable a *date illisible*;
- choices: codes or French labels (``config``), compared without case, accents or spacing;
- territory references: HCP code, 2014 code (crosswalk), name within the parent territory,
  then fuzzy name within the parent (``config.FUZZY_THRESHOLD``) → HCP code;
- validation against the pandera contracts of ``schemas``, failure cases → quarantine rows.

A quarantine row names the source file, sheet, row as the file shows it, column as written
in the file, raw value and a French reason (``schemas.REASONS``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import config
from .ingest import RawTable, _is_blank, normalise
from .schemas import REASONS

QUARANTINE_COLUMNS = ["source_file", "sheet", "row", "column", "value", "reason"]
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DATE_DTYPE = "datetime64[us]"
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_MONTH_YEAR = re.compile(r"^([a-z]+)\s+(\d{4})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")
_BAD = object()  # marker: value present but unreadable


# --------------------------------------------------------------------------------------------
# Quarantine rows
# --------------------------------------------------------------------------------------------

def cell_text(value: object) -> object:
    """A raw cell as a person reads it (``12.0`` → ``"12"``, dates ISO); NA stays NA."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return pd.NA
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat()
    return str(value).strip()


def quarantine_rows(raw: RawTable, field: str, mask: pd.Series, reason: str,
                    values: pd.Series | None = None) -> pd.DataFrame:
    """Quarantine rows for the cells of ``field`` where ``mask`` is True.

    Parameters
    ----------
    raw : RawTable
        Source table (file, sheet, headers as written).
    field : str
        Canonical field; the quarantine shows the header as written in the file.
    mask : bool Series
        Rows to quarantine (index = source row).
    reason : str
        French reason (``schemas.REASONS``).
    values : Series, optional
        Values to show; default: the raw cells of ``field``.
    """
    rows = mask[mask].index
    if values is None:
        values = raw.frame[field] if field in raw.frame else pd.Series(pd.NA, index=mask.index)
    shown = values.reindex(rows).map(cell_text).astype("string") if len(rows) else \
        pd.Series([], dtype="string")
    return pd.DataFrame({
        "source_file": raw.file, "sheet": raw.sheet, "row": np.asarray(rows, dtype="int64"),
        "column": raw.headers.get(field, field), "value": shown.to_numpy(), "reason": reason,
    }, index=range(len(rows)))


def empty_quarantine() -> pd.DataFrame:
    """An empty quarantine table with its columns."""
    return pd.DataFrame({c: pd.Series([], dtype="object") for c in QUARANTINE_COLUMNS})


def finish_quarantine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate quarantine rows into the ``Quarantine`` table, deterministically ordered."""
    parts = [p for p in parts if len(p)]
    q = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    q = q.astype({"source_file": "str", "sheet": "str", "column": "str", "value": "str",
                  "reason": "str"})
    q["row"] = q["row"].astype("Int64")
    q = q.drop_duplicates(["source_file", "sheet", "row", "column", "reason"])
    return q.sort_values(["source_file", "sheet", "row", "column", "reason"],
                         na_position="first", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Value converters: (cells, ...) → (values, reasons); reasons is NA where the value is fine
# or blank.
# --------------------------------------------------------------------------------------------

def _by_unique(cells: pd.Series, convert) -> pd.Series:
    """Apply ``convert`` to each distinct non-blank cell; blank → None; unreadable → _BAD."""
    blank = _is_blank(cells)
    out = pd.Series([None] * len(cells), index=cells.index, dtype=object)
    present = cells[~blank]
    if len(present):
        # equal values (1, 1.0; a datetime and its Timestamp) convert to the same result
        table = {value: convert(value) for value in pd.unique(present.to_numpy(dtype=object))}
        out[~blank] = present.map(table).to_numpy()
    return out


def _decimal(value: object) -> Decimal | None:
    """A number written any of the accepted ways, as Decimal; None if unreadable."""
    from babel.numbers import NumberFormatError, parse_decimal

    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        return Decimal(repr(float(value))) if np.isfinite(value) else None
    text = str(value).strip().replace("\u2212", "-")
    if _PLAIN_NUMBER.match(text):
        return Decimal(text)
    try:
        return parse_decimal(text, locale="fr_FR")
    except (NumberFormatError, InvalidOperation, ValueError):
        return None


def parse_amounts(cells: pd.Series, dh_per_unit: int = 1) -> tuple[pd.Series, pd.Series]:
    """Amounts → integer dirhams.

    Parameters
    ----------
    cells : Series
        Raw cells (text, int, float).
    dh_per_unit : int, default 1
        Dirhams per unit of the column (1 000 000 for an ``(MDH)`` header).

    Returns
    -------
    (Series, Series)
        Amounts in DH (Int64, exact: ``Decimal`` then rounded half up to the dirham; NA where
        blank or unreadable) and reasons (``"montant illisible"`` or NA).

    Examples
    --------
    >>> parse_amounts(pd.Series(["424,565", 1684.0, "1\u202f684,00"]), 1_000_000)[0].tolist()
    [424565000, 1684000000, 1684000000]
    """
    factor = Decimal(dh_per_unit)

    def convert(value):
        number = _decimal(value)
        if number is None:
            return _BAD
        return int((number * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    return _split(_by_unique(cells, convert), "Int64", REASONS["amount"])


def _split(converted: pd.Series, dtype: str, reason: str) -> tuple[pd.Series, pd.Series]:
    bad = converted.map(lambda v: v is _BAD).astype(bool)
    values = converted.where(~bad, None)
    reasons = pd.Series(pd.NA, index=converted.index, dtype="string").mask(bad, reason)
    if dtype == _DATE_DTYPE:
        return pd.to_datetime(values).astype(dtype), reasons
    return values.astype(dtype), reasons


def _date_one(value: object) -> object:
    """One date cell → Timestamp, ``_BAD`` (unreadable) or ``"impossible"``."""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _serial(float(value))
    text = str(value).strip()
    for pattern, order in ((_DMY, (3, 2, 1)), (_YMD, (1, 2, 3))):
        found = pattern.match(text)
        if found:
            y, m, d = (int(found.group(i)) for i in order)
            try:
                return pd.Timestamp(dt.date(y, m, d))
            except ValueError:
                return "impossible"
    if _SERIAL.match(text):
        return _serial(float(text))
    found = _MONTH_YEAR.match(normalise(text))
    if found and found.group(1) in _MONTHS:
        return pd.Timestamp(dt.date(int(found.group(2)), _MONTHS[found.group(1)], 1))
    return _BAD


def _serial(number: float) -> object:
    """Excel serial day number (1900 system) → Timestamp."""
    if not 1 <= number < 2_958_466:
        return _BAD
    return _EXCEL_EPOCH + pd.Timedelta(days=int(number))


def parse_dates(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates → ``datetime64[us]`` at midnight.

    Accepts datetime cells, Excel serial numbers, ``15/03/2019`` (also ``.`` or ``-``),
    ``2019-03-15`` and ``mars 2019`` / ``sept. 2019`` (first day of the month).

    Returns
    -------
    (Series, Series)
        Dates (NaT where blank or rejected) and reasons: ``"date impossible"`` (31/02/2019),
        ``"date illisible"``, or NA.
    """
    converted = _by_unique(cells, _date_one)
    impossible = converted.map(lambda v: isinstance(v, str)).astype(bool)
    values, reasons = _split(converted.where(~impossible, None), _DATE_DTYPE, REASONS["date"])
    return values, reasons.mask(impossible, REASONS["impossible_date"])


def parse_integers(cells: pd.Series,
                   reason: str = REASONS["number"]) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (French text or numbers) → Int64; a fractional or unreadable value → reason."""

    def convert(value):
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            return _BAD
        return int(number)

    return _split(_by_unique(cells, convert), "Int64", reason)


def parse_percents(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Physical progress → fraction 0–1 (float).

    ``45 %`` and ``45,5%`` are percents. Bare numbers are percents when any bare number of the
    column exceeds 1 (a column typed 0–100), else fractions (an Excel percent cell stores 0.45).
    Out-of-range values are left for the schema check (``avancement hors de 0–100 %``).
    """
    text = cells.map(lambda v: isinstance(v, str) and "%" in v).astype(bool)
    numbers = _by_unique(cells.map(lambda v: v.replace("%", "") if isinstance(v, str) else v),
                         lambda v: _BAD if _decimal(v) is None else float(_decimal(v)))
    bad = numbers.map(lambda v: v is _BAD).astype(bool)
    values = pd.to_numeric(numbers.where(~bad, None), errors="coerce").astype("float64")
    bare = values[~text]
    scale_100 = text | bool((bare > 1).any())
    values = values.where(~scale_100, values / 100)
    reasons = pd.Series(pd.NA, index=cells.index, dtype="string").mask(bad, REASONS["number"])
    return values, reasons


def clean_text(cells: pd.Series) -> pd.Series:
    """Text and identifiers: trimmed, inner spacing collapsed, ``12.0`` → ``"12"``; NA if blank."""
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        text = cells.astype("string")
    else:
        text = cells.map(cell_text).astype("string")
    text = text.str.strip()
    spaced = text.str.contains("\\s\\s|[\t\n\r\f\v\u00a0\u202f]", regex=True, na=False)
    if spaced.any():
        text = text.mask(spaced, text[spaced].str.replace(r"\s+", " ", regex=True))
    return text.mask(text == "", pd.NA)


def choice_table(field: str) -> dict[str, str]:
    """Normalised code or French label → code, for a ``choice`` field."""
    labels = {
        "scale": config.SCALES, "kind": config.CONVENTION_KINDS, "axis": config.AXES,
        "category": config.PARTNER_CATEGORIES, "target_type": config.TARGET_TYPES,
        "phase": {code: label for code, (label, _) in config.PHASES.items()},
        "step": {code: label for _, steps in config.PHASES.values()
                 for code, label in steps.items()},
    }[field]
    table = {}
    for code, label in labels.items():
        table[normalise(label)] = code
        table[normalise(code)] = code
    if field == "kind":
        table.update({"convention de financement": "financement", "financement": "financement",
                      "convention cadre": "cadre"})
    if field == "scale":
        table.update({"medinas": "medina", "centres emergents": "centre", "centres": "centre",
                      "quartiers sous equipes": "quartiers"})
    return table


def parse_choices(cells: pd.Series, field: str) -> tuple[pd.Series, pd.Series]:
    """Codes or labels → codes of ``config``; unknown → ``"valeur non reconnue"``."""
    table = choice_table(field)
    text = clean_text(cells)
    lookup = {v: table.get(normalise(v)) for v in text.dropna().unique()}
    codes = text.map(lookup)
    bad = text.notna() & codes.isna()
    reasons = pd.Series(pd.NA, index=cells.index, dtype="string").mask(bad, REASONS["choice"])
    return codes.astype("str"), reasons


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

@dataclass
class Cleaned:
    """A table after conversion: kept rows (typed) and quarantine rows for rejected ones."""

    frame: pd.DataFrame
    rejects: pd.DataFrame


_DTYPES = {"amount": "Int64", "int": "Int64", "year": "Int64", "date": _DATE_DTYPE,
           "percent": "float64"}


def convert_table(raw: RawTable) -> Cleaned:
    """Convert every column of a raw table; rows with a rejected value go to the quarantine.

    Parameters
    ----------
    raw : RawTable
        As read by ``ingest`` (index = source row).

    Returns
    -------
    Cleaned
        ``frame``: one column per field of the contract (absent optional columns are all NA),
        typed (text ``str``, money Int64 DH, dates ``datetime64[us]``, progress float 0–1);
        only rows where every value was accepted. ``rejects``: one quarantine row per rejected
        value (a blank required cell is ``"valeur manquante"``).
    """
    out, parts = {}, []
    bad_rows = pd.Series(False, index=raw.frame.index)
    for col in raw.columns:
        cells = raw.frame[col.field] if col.field in raw.frame else \
            pd.Series([None] * len(raw.frame), index=raw.frame.index, dtype=object)
        values, reasons = _convert(cells, col, raw.units.get(col.field, 1))
        if col.required:
            reasons = reasons.mask(_is_blank(cells), REASONS["missing"])
        for reason in reasons.dropna().unique():
            parts.append(quarantine_rows(raw, col.field, reasons == reason, reason, cells))
        bad_rows |= reasons.notna().to_numpy()
        out[col.field] = values
    frame = pd.DataFrame(out, index=raw.frame.index)[~bad_rows]
    return Cleaned(frame, finish_quarantine(parts) if parts else empty_quarantine())


def _convert(cells: pd.Series, col, dh_per_unit: int) -> tuple[pd.Series, pd.Series]:
    none = pd.Series(pd.NA, index=cells.index, dtype="string")
    if col.kind == "amount":
        return parse_amounts(cells, dh_per_unit)
    if col.kind == "date":
        return parse_dates(cells)
    if col.kind == "year":
        return parse_integers(cells, REASONS["year"])
    if col.kind == "int":
        return parse_integers(cells)
    if col.kind == "percent":
        return parse_percents(cells)
    if col.kind == "choice":
        return parse_choices(cells, col.field)
    return clean_text(cells).astype("str"), none


def drop_duplicates(frame: pd.DataFrame, raw: RawTable, keys: list[str]) -> Cleaned:
    """Keep the first row of each key; later ones → ``"identifiant en double"``."""
    dup = frame.duplicated(keys, keep="first")
    return Cleaned(frame[~dup], quarantine_rows(raw, keys[-1] if len(keys) > 1 else keys[0],
                                                dup, REASONS["duplicate"]))


def reject(frame: pd.DataFrame, raw: RawTable, mask: pd.Series, field: str,
           reason: str) -> Cleaned:
    """Split ``frame``: rows where ``mask`` is True go to the quarantine with ``reason``."""
    mask = mask.reindex(frame.index, fill_value=False).astype(bool)
    return Cleaned(frame[~mask], quarantine_rows(raw, field, mask, reason))


# --------------------------------------------------------------------------------------------
# Schema validation
# --------------------------------------------------------------------------------------------

def _check_reason(check: str, column: object) -> str:
    """French reason for a pandera check name (built-in or custom)."""
    money = isinstance(column, str) and column.endswith("_dh")
    if check == "not_nullable":
        return REASONS["missing"]
    if check in ("field_uniqueness", "multiple_fields_uniqueness") or check.startswith("unique"):
        return REASONS["duplicate"]
    if check.startswith("isin"):
        return REASONS["choice"]
    if check == "greater_than_or_equal_to(0)":
        return REASONS["negative"] if money else REASONS["negative_number"]
    if check == "greater_than(0)":
        return REASONS["not_positive"]
    if column == "year":
        return REASONS["year_range"]
    if column == "progress":
        return REASONS["percent"]
    return check  # custom checks carry their French ``error=``


def validate(frame: pd.DataFrame, model: type[pa.DataFrameModel], raw: RawTable) -> Cleaned:
    """Validate lazily; rows with a failure case go to the quarantine.

    Parameters
    ----------
    frame : DataFrame
        Typed table, index = source row.
    model : pandera DataFrameModel
        Contract from ``schemas``.
    raw : RawTable
        Source (for file, sheet, headers and raw values).

    Returns
    -------
    Cleaned
        Rows passing every check; one quarantine row per (row, check), built-in check names
        translated to French.

    Raises
    ------
    pandera.errors.SchemaErrors
        A failure not tied to rows (wrong dtype, missing column): a bug in ``clean``.
    """
    try:
        model.validate(frame, lazy=True)
        return Cleaned(frame, empty_quarantine())
    except pa.errors.SchemaErrors as err:
        if err.failure_cases["index"].isna().any():
            raise  # not about rows: the cleaning code produced a wrong table
        cases = err.failure_cases
    cases = cases.assign(reason=[_check_reason(str(c), col) for c, col
                                 in zip(cases["check"], cases["column"], strict=True)])
    cases = cases.drop_duplicates(["index", "reason"])
    parts = []
    for (column, reason), group in cases.groupby(["column", "reason"], sort=True, dropna=False):
        field = column if isinstance(column, str) and column in frame else frame.columns[0]
        mask = pd.Series(frame.index.isin(group["index"].astype("int64")), index=frame.index)
        parts.append(quarantine_rows(raw, field, mask, reason))
    bad = frame.index.isin(cases["index"].astype("int64"))
    return Cleaned(frame[~bad], finish_quarantine(parts))


# --------------------------------------------------------------------------------------------
# Territory references
# --------------------------------------------------------------------------------------------

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

    def _arrondissement_communes(self) -> dict[str, str]:
        from . import territories

        layer = territories.load_layer("arrondissement", self.processed_dir)
        return dict(zip(layer["code"].astype(str), layer["commune_code"].astype(str), strict=True))
