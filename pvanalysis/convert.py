"""Convert: turn raw cells into typed values; every unreadable value becomes a quarantine row.

Conversions (each works on the distinct values of a column, then maps them back):

- amounts: French text (``1 684,00``, no-break or narrow no-break spaces, via Babel), plain
  numbers and Excel floats, times the unit of the column → exact integer dirhams (``Decimal``,
  rounded to the dirham, half up): ``424,565`` in an ``(MDH)`` column → 424 565 000;
- dates: ``15/03/2019``, ``2019-03-15``, Excel serial numbers, ``mars 2019`` (→ 1 March);
  ``31/02/2019`` is a *date impossible*, anything else unreadable a *date illisible*;
- choices: codes or French labels (``config``), compared without case, accents or spacing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd

from . import config
from .ingest import RawTable, _is_blank, normalise
from .quarantine import Cleaned, cell_text, empty_quarantine, finish_quarantine, quarantine_rows
from .schemas import REASONS

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
