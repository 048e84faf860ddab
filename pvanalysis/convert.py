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
from decimal import ROUND_HALF_UP, Decimal

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
    """Apply ``convert`` to each distinct non-blank cell; blank → None; unreadable → _BAD.

    Results stay Python objects (no dtype inference), so markers such as ``Ambiguous`` keep
    their type.
    """
    blank = _is_blank(cells)
    out = np.full(len(cells), None, dtype=object)
    present = cells[~blank].to_numpy(dtype=object)
    if len(present):
        # equal values (1, 1.0; a datetime and its Timestamp) convert to the same result
        codes, uniques = pd.factorize(present)
        results = np.empty(len(uniques), dtype=object)
        results[:] = [convert(value) for value in uniques]
        out[~blank.to_numpy()] = results[codes]
    return pd.Series(out, index=cells.index, dtype=object)


#: Spaces a person (or a spreadsheet) puts between digit groups.
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_NUMBER = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:[.,]\d{3})+)(?:[.,]\d+)?$")
#: ``5.000`` or ``12.345``: a point followed by exactly three digits and nothing else reads as
#: a thousands separator (5 000) in French and as a decimal point (5) in English.
_AMBIGUOUS_POINT = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")


#: Amounts are stored as 64-bit integers; beyond 10^15 DH (a billion MDH) a value is a typo.
MAX_DH = 10**15


class Ambiguous(str):
    """A cell a person could mean two ways; the reason code says which ambiguity."""


def _number_text(text: str) -> Decimal | None | Ambiguous:
    """A number written as text → Decimal, None (unreadable) or ``Ambiguous``.

    The written rule: spaces (also no-break and narrow no-break) group digits; with both a
    point and a comma, the last one is the decimal separator and the other groups thousands
    (``1.684,00``, ``1,684.00``); a separator repeated (``1.684.000``) groups thousands; a single
    comma is decimal (``424,565``); a single point is decimal unless exactly three digits follow
    it (``5.000``: ambiguous, refused).
    """
    text = _GROUP_SPACES.sub("", text.replace("\u2212", "-"))
    if not _NUMBER.match(text):
        return None
    if _AMBIGUOUS_POINT.match(text):
        return Ambiguous("ambiguous_amount")
    points, commas = text.count("."), text.count(",")
    if points and commas:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        if text.count(decimal_sep) > 1:
            return None
        group_sep = "," if decimal_sep == "." else "."
        text = text.replace(group_sep, "").replace(decimal_sep, ".")
    elif points > 1 or commas > 1:
        sep = "." if points else ","
        if not re.fullmatch(r"[+-]?\d{1,3}(?:" + re.escape(sep) + r"\d{3})+", text):
            return None
        text = text.replace(sep, "")
    else:
        text = text.replace(",", ".")
    return Decimal(text)


def _decimal(value: object) -> Decimal | None | Ambiguous:
    """A number written any of the accepted ways, as Decimal; None if unreadable.

    Excel numbers are exact (``repr`` of the float); text follows :func:`_number_text`.
    Non-finite values (``NaN``, ``inf``) are unreadable.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        return Decimal(repr(float(value))) if np.isfinite(value) else None
    if not isinstance(value, str):
        return None
    return _number_text(value.strip())


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
        if number is None or isinstance(number, Ambiguous):
            return number or _BAD
        if abs(number * factor) >= MAX_DH:
            return Ambiguous("too_large")
        return int((number * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    return _split(_by_unique(cells, convert), "Int64", REASONS["amount"])


def _split(converted: pd.Series, dtype: str, reason: str) -> tuple[pd.Series, pd.Series]:
    """Values and reasons from converted cells: ``_BAD`` → ``reason``, an ``Ambiguous`` marker
    → the reason its code names."""
    bad = converted.map(lambda v: v is _BAD).astype(bool)
    ambiguous = converted.map(lambda v: isinstance(v, Ambiguous)).astype(bool)
    own = converted[ambiguous].map(lambda v: REASONS[str(v)])
    values = converted.where(~(bad | ambiguous), None)
    reasons = pd.Series(pd.NA, index=converted.index, dtype="string").mask(bad, reason)
    reasons[ambiguous] = own.astype("string")
    if dtype == _DATE_DTYPE:
        return pd.to_datetime(values).astype(dtype), reasons
    return values.astype(dtype), reasons


#: Plausible dates: nothing before 1990, nothing after 2100 (``docs/entrees.md``).
DATE_MIN = pd.Timestamp("1990-01-01")
DATE_MAX = pd.Timestamp("2100-12-31")
_SERIAL_MIN = (DATE_MIN - _EXCEL_EPOCH).days
_SERIAL_MAX = (DATE_MAX - _EXCEL_EPOCH).days
_YEAR_ONLY = re.compile(r"^\d{4}$")


def _date_one(value: object, end_of_year: bool = False) -> object:
    """One date cell → Timestamp, ``_BAD`` or an ``Ambiguous``-style reason code.

    A bare year (``2019``, as a number or text) is that year: 1 January, or 31 December for
    an end date (``end_of_year``) — never an Excel serial. Other numbers are Excel serial days
    when they fall in the plausible window.
    """
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return _in_window(pd.Timestamp(value).normalize())
    if isinstance(value, dt.date):
        return _in_window(pd.Timestamp(value))
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _number_date(float(value), end_of_year)
    text = str(value).strip()
    for pattern, order in ((_DMY, (3, 2, 1)), (_YMD, (1, 2, 3))):
        found = pattern.match(text)
        if found:
            y, m, d = (int(found.group(i)) for i in order)
            try:
                return _in_window(pd.Timestamp(dt.date(y, m, d)))
            except ValueError:
                return Ambiguous("impossible_date")
    if _SERIAL.match(text):
        return _number_date(float(text), end_of_year)
    found = _MONTH_YEAR.match(normalise(text))
    if found and found.group(1) in _MONTHS:
        return _in_window(pd.Timestamp(dt.date(int(found.group(2)), _MONTHS[found.group(1)], 1)))
    return _BAD


def _in_window(stamp: pd.Timestamp) -> object:
    if stamp < DATE_MIN:
        return Ambiguous("date_before_window")
    if stamp > DATE_MAX:
        return Ambiguous("date_after_window")
    return stamp


def _number_date(number: float, end_of_year: bool) -> object:
    """A number in a date column: a year (1990–2100) or an Excel serial day (1900 system)."""
    if not np.isfinite(number):
        return _BAD
    if number.is_integer() and DATE_MIN.year <= number <= DATE_MAX.year:
        return pd.Timestamp(dt.date(int(number), 12, 31) if end_of_year
                            else dt.date(int(number), 1, 1))
    if number.is_integer() and 1000 <= number <= 9999:
        return _in_window(pd.Timestamp(dt.date(int(number), 1, 1)))
    if _SERIAL_MIN <= number <= _SERIAL_MAX:
        return _EXCEL_EPOCH + pd.Timedelta(days=int(number))
    return Ambiguous("date_before_window" if 0 <= number < _SERIAL_MIN else "date_after_window") \
        if number >= 0 else _BAD


def parse_dates(cells: pd.Series, end_of_year: bool = False) -> tuple[pd.Series, pd.Series]:
    """Dates → ``datetime64[us]`` at midnight.

    Accepts datetime cells, Excel serial numbers, ``15/03/2019`` (also ``.`` or ``-``),
    ``2019-03-15``, ``mars 2019`` / ``sept. 2019`` (first day of the month) and a bare year
    (1 January, or 31 December when ``end_of_year``: an end date).

    Returns
    -------
    (Series, Series)
        Dates (NaT where blank or rejected) and reasons: ``"date impossible"`` (31/02/2019),
        ``"date illisible"``, a date outside 1990–2100, or NA.
    """
    converted = _by_unique(cells, lambda v: _date_one(v, end_of_year))
    return _split(converted, _DATE_DTYPE, REASONS["date"])


def parse_integers(cells: pd.Series,
                   reason: str = REASONS["number"]) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (French text or numbers) → Int64; a fractional or unreadable value → reason."""

    def convert(value):
        number = _decimal(value)
        if isinstance(number, Ambiguous):
            return number
        if number is None or number != number.to_integral_value():
            return _BAD
        return int(number) if abs(number) < MAX_DH else Ambiguous("too_large")

    return _split(_by_unique(cells, convert), "Int64", reason)


def _percent_one(value: object) -> object:
    """One progress cell → fraction 0–1, ``_BAD`` or an ``Ambiguous`` reason code.

    The rule, cell by cell: ``45 %`` is a percent; a bare number above 1 is a percent
    (``45`` → 45 %), a bare number from 0 to below 1 is a fraction as an Excel percent cell
    stores it (``0,45`` → 45 %); a bare ``1`` could be 1 % or 100 % and is refused.
    """
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.endswith("%"):
        number = _decimal(text[:-1].strip())
        return _BAD if number is None or isinstance(number, Ambiguous) else float(number) / 100
    number = _decimal(value)
    if number is None or isinstance(number, Ambiguous):
        return _BAD
    if number == 1:
        return Ambiguous("ambiguous_percent")
    return float(number) / 100 if number > 1 or number < 0 else float(number)


def parse_percents(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Physical progress → fraction 0–1 (float), by the cell rule of :func:`_percent_one`.

    Out-of-range values are left for the schema check (``avancement hors de 0–100 %``).
    """
    converted = _by_unique(cells, _percent_one)
    values, reasons = _split(converted, "object", REASONS["number"])
    return pd.to_numeric(values, errors="coerce").astype("float64"), reasons


#: Characters a person does not see: zero-width spaces and joiners, word joiner, BOM, soft
#: hyphen. Removed from text and identifiers, so ``C1\u200b`` is ``C1``.
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"


def clean_text(cells: pd.Series) -> pd.Series:
    """Text and identifiers as a person reads them: invisible characters removed, trimmed,
    inner spacing (no-break spaces included) collapsed, ``12.0`` → ``"12"``; NA if blank."""
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        text = cells.astype("string")
    else:
        text = cells.map(cell_text).astype("string")
    text = text.str.replace(_INVISIBLE, "", regex=True).str.strip()
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
        table.update({normalise(alias): code for code, aliases in config.SCALE_ALIASES.items()
                      for alias in aliases})
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
    from .ingest import CellError

    out, parts = {}, []
    bad_rows = pd.Series(False, index=raw.frame.index)
    for col in raw.columns:
        cells = raw.frame[col.field] if col.field in raw.frame else \
            pd.Series([None] * len(raw.frame), index=raw.frame.index, dtype=object)
        errors = cells.map(lambda v: isinstance(v, CellError)).astype(bool)
        values, reasons = _convert(cells.mask(errors, None), col, raw.units.get(col.field, 1))
        if col.required:
            reasons = reasons.mask(_is_blank(cells), REASONS["missing"])
        reasons = reasons.mask(errors, REASONS["excel_error"])
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
        return parse_dates(cells, end_of_year=col.field.endswith("_end"))
    if col.kind == "year":
        return parse_integers(cells, REASONS["year"])
    if col.kind == "int":
        return parse_integers(cells)
    if col.kind == "percent":
        return parse_percents(cells)
    if col.kind == "choice":
        return parse_choices(cells, col.field)
    return clean_text(cells).astype("str"), none
