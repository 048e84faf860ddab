"""Quarantine: rejected values as rows naming file, sheet, row, column, value and a French reason.

Validation against the pandera contracts of ``schemas`` turns failure cases into quarantine
rows; relation checks and duplicate keys reject rows the same way (``reject``,
``drop_duplicates``). A quarantine row names the source file, sheet, row as the file shows it,
column as written in the file, raw value and a French reason (``schemas.REASONS``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .ingest import RawTable
from .schemas import REASONS

QUARANTINE_COLUMNS = ["source_file", "sheet", "row", "column", "value", "reason", "reason_code"]
#: A reason's detail (closest territories, the candidates) follows its text after this mark.
DETAIL_MARK = " — "
_CODE_OF = {text: code for code, text in REASONS.items()}


def reason_code(reason: str) -> str:
    """The stable code (key of ``schemas.REASONS``) of a reason text, detail ignored."""
    return _CODE_OF[str(reason).split(DETAIL_MARK, 1)[0]]


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
                    values: pd.Series | None = None,
                    details: pd.Series | None = None) -> pd.DataFrame:
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
    details : Series of str, optional
        Per-row detail appended to the reason (``"commune inconnue — proches : …"``).
    """
    rows = mask[mask].index
    if values is None:
        values = raw.frame[field] if field in raw.frame else pd.Series(pd.NA, index=mask.index)
    shown = values.reindex(rows).map(cell_text).astype("string") if len(rows) else \
        pd.Series([], dtype="string")
    reasons = np.full(len(rows), reason, dtype=object)
    if details is not None and len(rows):
        extra = details.reindex(rows).astype("string")
        reasons = np.where(extra.notna(), reason + DETAIL_MARK + extra.fillna(""), reason)
    return pd.DataFrame({
        "source_file": raw.file, "sheet": raw.sheet, "row": np.asarray(rows, dtype="int64"),
        "column": raw.headers.get(field, field), "value": shown.to_numpy(), "reason": reasons,
        "reason_code": reason_code(reason),
    }, index=range(len(rows)))


def totals_rows(raw: RawTable) -> pd.DataFrame:
    """Quarantine rows for the totals rows the reader left out (``ingest``): counted, never
    lost."""
    totals = raw.totals
    if totals is None or not len(totals):
        return empty_quarantine()
    return pd.DataFrame({
        "source_file": raw.file, "sheet": raw.sheet,
        "row": np.asarray(totals.index, dtype="int64"),
        "column": [raw.headers.get(f, f) for f in totals["field"]],
        "value": totals["text"].to_numpy(),
        "reason": REASONS["total_row"], "reason_code": "total_row",
    }, index=range(len(totals)))


def empty_quarantine() -> pd.DataFrame:
    """An empty quarantine table with its columns."""
    return pd.DataFrame({c: pd.Series([], dtype="object") for c in QUARANTINE_COLUMNS})


def finish_quarantine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate quarantine rows into the ``Quarantine`` table, deterministically ordered."""
    parts = [p for p in parts if len(p)]
    q = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    q = q.astype({"source_file": "str", "sheet": "str", "column": "str", "value": "str",
                  "reason": "str", "reason_code": "str"})
    q["row"] = q["row"].astype("Int64")
    q = q.drop_duplicates(["source_file", "sheet", "row", "column", "reason"])
    return q.sort_values(["source_file", "sheet", "row", "column", "reason"],
                         na_position="first", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

@dataclass
class Cleaned:
    """A table after conversion: kept rows (typed) and quarantine rows for rejected ones."""

    frame: pd.DataFrame
    rejects: pd.DataFrame


def drop_duplicates(frame: pd.DataFrame, raw: RawTable, keys: list[str]) -> Cleaned:
    """Keep the first row of each key, compared as a person reads it (case folded: ``P1`` and
    ``p1`` are one project); later ones → ``"identifiant en double"``."""
    folded = pd.DataFrame({k: frame[k].astype("string").str.casefold()
                           if frame[k].dtype == object or isinstance(frame[k].dtype,
                                                                     pd.StringDtype)
                           else frame[k] for k in keys}, index=frame.index)
    dup = folded.duplicated(keys, keep="first")
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
    if column == "progress_rate":
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
        A failure not tied to rows (wrong dtype, missing column): a bug in ``convert``.
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
