"""French display of numbers: integer dirhams shown as MDH, rates as %, via Babel."""

from __future__ import annotations

import math

import pandas as pd
from babel.numbers import format_decimal, format_percent

from .config import DH_PER_MDH

LOCALE = "fr_FR"
_NNBSP = "\u202f"  # Babel's French group separator; shown as a plain no-break space


def _fr(text: str) -> str:
    return text.replace(_NNBSP, "\u00a0")


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def number(x, decimals: int = 0) -> str:
    """A number in French (``1 684``, ``424,565``); ``–`` when missing."""
    if _missing(x):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return _fr(format_decimal(x, format=pattern, locale=LOCALE))


def mdh(amount_dh, decimals: int | None = None) -> str:
    """Integer dirhams shown in MDH: ``mdh(1_684_000_000)`` → ``'1 684 MDH'``.

    With ``decimals=None`` the value is shown with as many decimals as it needs, up to 3
    (a thousand dirhams, the precision of published figures): ``424 565 000 DH`` reads
    ``424,565 MDH`` and ``1 684 000 000 DH`` reads ``1 684 MDH``.
    """
    if _missing(amount_dh):
        return "–"
    value = int(amount_dh) / DH_PER_MDH
    if decimals is None:
        text = f"{value:.3f}".rstrip("0").rstrip(".")
        decimals = len(text.split(".")[1]) if "." in text else 0
    return number(round(value, decimals), decimals) + "\u00a0MDH"


def percent(fraction, decimals: int = 1) -> str:
    """A fraction 0–1 shown as a French percentage: ``0.714`` → ``'71,4 %'``."""
    if _missing(fraction):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    return _fr(format_percent(fraction, format=pattern, locale=LOCALE))


def ratio(x, decimals: int = 2) -> str:
    """A multiplier such as leverage: ``1.4`` → ``'1,40 ×'``."""
    if _missing(x):
        return "–"
    return number(x, decimals) + "\u00a0×"
