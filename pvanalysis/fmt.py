"""French display of numbers: integer dirhams shown as MDH, rates as %, via Babel.

The Arabic edition (``i18n.activate("ar")``) writes them with Babel's ``ar_MA`` locale
(Western digits, ``1.684.000,5``), Arabic units, and each number isolated (U+2068 … U+2069)
so that it reads as written inside a right-to-left sentence.

One precision per quantity, written once here (:data:`PRECISION`) and used by every table,
card, sentence and chart of every report; rounding is half-up (``decimal.ROUND_HALF_UP``,
never banker's rounding); negative numbers carry the typographic minus (U+2212); a gap is
the difference of the values as shown (:func:`shown`, :func:`gap`).
"""

from __future__ import annotations

import functools
import math
import numbers
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from babel.numbers import format_decimal

from . import i18n
from .config import DH_PER_MDH
from .i18n import N_, _

LOCALE = "fr_FR"
_NNBSP = "\u202f"  # Babel's French group separator; shown as a plain no-break space
MINUS = "\u2212"
NBSP = "\u00a0"
#: What a reader sees for a value the data does not give (absent source, empty slice);
#: ``fmt.UNKNOWN`` reads it in the active language.
_UNKNOWN = N_("non renseigné")
#: What a reader sees for a value that does not apply (e.g. a rate over nothing).
DASH = "–"

#: Decimals of each quantity, for every report (``mdh``: 3, the thousand dirhams of the
#: published figures, zeros included so that « 11,000 » reads as exact as « 11,490 »).
PRECISION = {"mdh": 3, "percent": 1, "pts": 1, "per_capita": 0, "ratio": 2, "months": 1,
             "days": 0, "rho": 2, "p_value": 3, "deprivation": 2}


def __getattr__(name):
    if name == "UNKNOWN":
        return _(_UNKNOWN)
    if name == "LOCALE_ACTIVE":
        return i18n.locale()
    raise AttributeError(f"module 'pvanalysis.fmt' has no attribute {name!r}")


def _fr(text: str) -> str:
    return text.replace(_NNBSP, NBSP).replace("-", MINUS)


#: Bidi marks Babel's Arabic patterns carry around signs (the isolate does their work).
_MARKS = str.maketrans("", "", "\u200e\u200f\u061c")


def _ar(text: str) -> str:
    return text.translate(_MARKS).replace("-", MINUS)


_ISO = i18n.isolate


def _missing(x) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def _decimal(x) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, numbers.Integral):
        return Decimal(int(x))
    return Decimal(repr(float(x)))


def rounded(x, decimals: int = 0) -> Decimal:
    """``x`` rounded half-up to ``decimals`` (a Decimal): ``rounded(0.125, 2)`` → ``0.13``."""
    return _decimal(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(x, decimals: int = 0) -> str:
    """A number in French (``1 684``, ``424,565``, ``−3,5``), half-up; ``–`` when missing.

    In Arabic: ``1.684``, ``424,565``, isolated."""
    return _ISO(_number(x, decimals))


def _number(x, decimals: int = 0) -> str:
    """:func:`number` without the isolate (to build a longer isolated run)."""
    if _missing(x):
        return DASH
    if isinstance(x, float) and not math.isfinite(x):
        return DASH
    value = rounded(x, decimals)
    if value == 0:
        value = abs(value)  # never "−0"
    return _formatted(value, decimals, i18n.active())


@functools.lru_cache(maxsize=4096)
def _formatted(value: Decimal, decimals: int, lang: str) -> str:
    """Babel's text of ``value`` (already rounded to ``decimals``) in ``lang``.

    Cached: a chart formats the same tick values at each of its layout passes, and Babel
    takes about 0,1 ms a number. The text depends on the value only (two Decimals equal in
    value, ``1.5`` and ``1.50``, give the same text at a given ``decimals``).
    """
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if lang != "fr":
        return _ar(format_decimal(value, format=pattern, locale=i18n.LOCALES[lang],
                                  decimal_quantization=True))
    return _fr(format_decimal(value, format=pattern, locale=LOCALE,
                              decimal_quantization=True))


def mdh(amount_dh) -> str:
    """Integer dirhams shown in MDH: ``mdh(1_684_000_000)`` → ``'1 684,000 MDH'``.

    Always ``PRECISION["mdh"]`` decimals (a thousand dirhams, the precision of published
    figures), rounded half-up: ``424 565 000 DH`` reads ``424,565 MDH``, ``11 490 000 DH``
    ``11,490 MDH``.
    """
    if _missing(amount_dh):
        return DASH
    return mdh_number(amount_dh) + NBSP + _("MDH")


def mdh_number(amount_dh) -> str:
    """:func:`mdh` without its unit, for amounts whose unit is written once beside them (a
    map legend titled « MDH », « 14 180,000 / 63 950,000 MDH »): ``'1 684,000'``."""
    return number(shown(amount_dh, "mdh"), PRECISION["mdh"])


def percent(fraction, decimals: int | None = None) -> str:
    """A fraction 0–1 shown as a French percentage: ``0.714`` → ``'71,4 %'`` (half-up); a
    positive fraction too small to show reads ``'< 0,1 %'``, never ``'0,0 %'``."""
    if _missing(fraction) or (isinstance(fraction, float) and not math.isfinite(fraction)):
        return DASH
    decimals = PRECISION["percent"] if decimals is None else decimals
    value = rounded(_decimal(fraction) * 100, decimals)
    if value == 0 and fraction > 0:  # a small share is not nothing
        return _ISO("<" + NBSP + _number(Decimal(1).scaleb(-decimals), decimals) + NBSP + "%")
    return _ISO(_number(value, decimals) + NBSP + "%")


def ratio(x, decimals: int | None = None) -> str:
    """A multiplier such as leverage: ``1.4`` → ``'1,40 ×'``."""
    if _missing(x):
        return DASH
    return _ISO(_number(x, PRECISION["ratio"] if decimals is None else decimals) + NBSP + "×")


def per_capita(x) -> str:
    """Dirhams per inhabitant: ``'1 234 DH/hab.'``."""
    if _missing(x):
        return DASH
    return number(x, PRECISION["per_capita"]) + NBSP + _("DH/hab.")


def points(x) -> str:
    """Percentage points: ``'−0,8 pts'``."""
    if _missing(x):
        return DASH
    return number(x, PRECISION["pts"]) + NBSP + _("pts")


def months(x) -> str:
    """A duration in months: ``'18 mois'``."""
    if _missing(x):
        return DASH
    return number(x, PRECISION["months"]) + NBSP + _("mois")


def p_value(p) -> str:
    """A p-value: ``'0,003'``, ``'< 0,001'`` below a thousandth."""
    if _missing(p):
        return DASH
    if p < 0.001:
        return _ISO("<" + NBSP + _number(0.001, 3))
    return number(p, PRECISION["p_value"])


def shown(x, quantity: str):
    """The value a reader sees for ``x`` (a Decimal, half-up at the quantity's precision).

    ``quantity`` is a key of :data:`PRECISION`; ``"mdh"`` takes integer DH and returns MDH,
    ``"percent"`` a fraction and returns percent. Gaps are differences of shown values.
    """
    if _missing(x):
        return None
    if quantity == "mdh":
        return rounded(Decimal(int(x)) / DH_PER_MDH, PRECISION["mdh"])
    if quantity == "percent":
        return rounded(_decimal(x) * 100, PRECISION["percent"])
    return rounded(x, PRECISION[quantity])


def gap(value, reference, quantity: str) -> str:
    """``value − reference`` as the difference of the two values shown, in their unit, signed
    (``+`` above the reference, typographic minus below).

    Examples
    --------
    >>> gap(624.4, 743.5, "per_capita")  # shown 624 and 744 (half-up)
    '−120\\xa0DH/hab.'
    """
    a, b = shown(value, quantity), shown(reference, quantity)
    if a is None or b is None:
        return DASH
    diff = a - b
    sign = "+" if diff > 0 else ""
    if quantity == "mdh":
        return _ISO(sign + _number(diff, PRECISION["mdh"])) + NBSP + _("MDH")
    if quantity == "percent":
        return _ISO(sign + _number(diff, PRECISION["pts"])) + NBSP + _("pts")
    if quantity == "per_capita":
        return _ISO(sign + _number(diff, PRECISION["per_capita"])) + NBSP + _("DH/hab.")
    return _ISO(sign + _number(diff, PRECISION[quantity]))


def date(value) -> str:
    """A date the French way: ``'31 décembre 2024'`` (Babel); in Arabic with ``ar_MA``, its
    numbers isolated."""
    if _missing(value):
        return DASH
    from babel.dates import format_date

    if i18n.active() != "fr":
        text = format_date(pd.Timestamp(value).date(), format="long", locale=i18n.locale())
        return isolate_digits(text.translate(_MARKS))
    return format_date(pd.Timestamp(value).date(), format="long", locale=LOCALE)


def short_date(value) -> str:
    """``jj/mm/aaaa`` (isolated in Arabic)."""
    return _ISO(pd.Timestamp(value).strftime("%d/%m/%Y"))


def isolate_digits(text: str) -> str:
    """Every run of digits of ``text`` isolated in Arabic (a year in a title, a code)."""
    if i18n.active() == "fr":
        return text
    import re

    return re.sub(r"[\d][\d.,/\u2013\u2212\u00a0-]*\d|\d",
                  lambda m: _ISO(m.group(0)), text)
