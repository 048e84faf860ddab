"""Property-based tests of the cell converters: any value converts to what a person means or is
rejected with a French reason — never an exception, never a silent other reading."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from babel.numbers import format_decimal
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pvanalysis.convert import (
    DATE_MAX,
    DATE_MIN,
    clean_text,
    parse_amounts,
    parse_dates,
    parse_integers,
    parse_percents,
)
from pvanalysis.schemas import REASONS

REASON_TEXTS = set(REASONS.values())
#: Anything a cell can hold: text of every kind, numbers (NaN and infinities included), dates.
CELLS = st.one_of(
    st.text(), st.text(alphabet="0123456789 .,-+%\u00a0\u202f\u2212eE"),
    st.integers(min_value=-10**15, max_value=10**15), st.floats(allow_nan=True),
    st.datetimes(min_value=dt.datetime(1, 1, 1)), st.dates(), st.none(), st.booleans())
FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _one(parser, cell, *args, **kwargs):
    values, reasons = parser(pd.Series([cell], dtype=object), *args, **kwargs)
    return values.iloc[0], reasons.iloc[0]


def _outcome_is_clean(value, reason):
    """Either a value and no reason, or no value and a reason of the catalogue."""
    if pd.isna(reason):
        return True
    return pd.isna(value) and reason in REASON_TEXTS


# ---------------------------------------------------------------- amounts


@FAST
@given(CELLS, st.sampled_from([1, 1_000, 1_000_000]))
@example(1e28, 1)
@example(2.0**63, 1)
def test_amount_never_raises(cell, factor):
    value, reason = _one(parse_amounts, cell, factor)
    assert _outcome_is_clean(value, reason)
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and math.isfinite(cell) \
            and abs(cell) * factor >= 1e15:
        assert reason == REASONS["too_large"]
    if pd.notna(value):
        assert isinstance(int(value), int)


@FAST
@given(st.integers(min_value=0, max_value=10**13), st.integers(min_value=0, max_value=99))
@example(1684, 0)
def test_french_amounts_read_as_written(units, cents):
    """``1 684,05`` in every French spelling (no-break, narrow no-break, plain spaces)."""
    text = format_decimal(Decimal(units) + Decimal(cents) / 100, format="#,##0.00",
                          locale="fr_FR")
    expected = int((Decimal(units) + Decimal(cents) / 100).quantize(Decimal(1),
                                                                    rounding=ROUND_HALF_UP))
    for spelled in (text, text.replace("\u202f", "\u00a0"), text.replace("\u202f", " ")):
        value, reason = _one(parse_amounts, spelled)
        assert pd.isna(reason) and value == expected, spelled


@FAST
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_point_and_three_digits_is_ambiguous(head, tail):
    value, reason = _one(parse_amounts, f"{head}.{tail:03d}")
    assert pd.isna(value) and reason == REASONS["ambiguous_amount"]


@FAST
@given(st.integers(min_value=1000, max_value=10**12))
def test_point_groups_of_three_are_thousands(n):
    text = f"{n:,}".replace(",", ".")
    if text.count(".") == 1:  # 1.684 alone is the ambiguous case above
        return
    value, reason = _one(parse_amounts, text)
    assert pd.isna(reason) and value == n


@FAST
@given(st.floats(min_value=-1e8, max_value=1e8, allow_nan=False))
@example(1e9 / 1e6)
def test_excel_numbers_are_exact(x):
    """An Excel float in an MDH column, up to 10^8 MDH (amounts stay below 10^15 DH)."""
    value, reason = _one(parse_amounts, x, 1_000_000)
    expected = int((Decimal(repr(x)) * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert pd.isna(reason) and value == expected


# ---------------------------------------------------------------- dates


@FAST
@given(CELLS, st.booleans())
def test_date_never_raises(cell, end_of_year):
    value, reason = _one(parse_dates, cell, end_of_year=end_of_year)
    assert _outcome_is_clean(value, reason)
    if pd.notna(value):
        assert DATE_MIN <= value <= DATE_MAX


@FAST
@given(st.dates(min_value=DATE_MIN.date(), max_value=DATE_MAX.date()))
def test_dates_read_as_written(day):
    for text in (day.strftime("%d/%m/%Y"), day.isoformat(), day.strftime("%d.%m.%Y")):
        value, reason = _one(parse_dates, text)
        assert pd.isna(reason) and value == pd.Timestamp(day), text


@FAST
@given(st.integers(min_value=1990, max_value=2100), st.booleans(), st.booleans())
def test_a_bare_year_is_a_year(year, as_text, end_of_year):
    value, reason = _one(parse_dates, str(year) if as_text else year, end_of_year=end_of_year)
    expected = dt.date(year, 12, 31) if end_of_year else dt.date(year, 1, 1)
    assert pd.isna(reason) and value == pd.Timestamp(expected)


@FAST
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=DATE_MIN.date() - dt.timedelta(days=1)))
def test_nothing_before_1990(day):
    value, reason = _one(parse_dates, day.strftime("%d/%m/%Y"))
    assert pd.isna(value) and reason == REASONS["date_before_window"]


# ---------------------------------------------------------------- percents and integers


@FAST
@given(CELLS)
def test_percent_never_raises(cell):
    value, reason = _one(parse_percents, cell)
    assert _outcome_is_clean(value, reason)


@FAST
@given(st.integers(min_value=0, max_value=100))
def test_percent_with_sign(n):
    value, reason = _one(parse_percents, f"{n} %")
    assert pd.isna(reason) and math.isclose(value, n / 100)


@FAST
@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_bare_percent_cell_rule(x):
    value, reason = _one(parse_percents, x)
    if x == 1:
        assert pd.isna(value) and reason == REASONS["ambiguous_percent"]
    elif x < 1:
        assert pd.isna(reason) and math.isclose(value, x)
    else:
        assert pd.isna(reason) and math.isclose(value, x / 100)


@FAST
@given(CELLS)
def test_integer_never_raises(cell):
    value, reason = _one(parse_integers, cell)
    assert _outcome_is_clean(value, reason)


# ---------------------------------------------------------------- identifiers


@FAST
@given(st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd"), max_codepoint=0x24F),
               min_size=1, max_size=12),
       st.lists(st.sampled_from([" ", "\u00a0", "\u200b", "\ufeff", "\t", "\u2060"]),
                max_size=3),
       st.lists(st.sampled_from([" ", "\u00a0", "\u200b", "\u202f"]), max_size=3))
def test_identifiers_as_a_person_reads_them(ident, before, after):
    """Invisible characters and surrounding spaces never make another identifier."""
    cell = "".join(before) + ident + "".join(after)
    assert clean_text(pd.Series([cell], dtype=object)).iloc[0] == ident


@FAST
@given(st.text())
def test_text_never_raises(cell):
    out = clean_text(pd.Series([cell], dtype=object)).iloc[0]
    assert pd.isna(out) or (out == out.strip() and "\u200b" not in out)


# ---------------------------------------------------------------- territory codes


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    from tiny import reference_dir

    from pvanalysis.link import TerritoryMatcher

    return TerritoryMatcher(reference_dir(tmp_path_factory))


@pytest.fixture(scope="module")
def communes(matcher):
    from pvanalysis.territories import load_layer

    return load_layer("commune", matcher.processed_dir)[["code", "province_code"]]


def test_codes_resolve_to_themselves_with_or_without_the_leading_zero(matcher, communes):
    """Every commune code, and the same code with the region's leading zero lost to Excel."""
    codes = communes["code"].astype("string")
    assert (matcher.resolve(codes, "commune") == codes).all()
    stripped = codes.str.replace(r"^0", "", regex=True)
    assert (matcher.resolve(stripped, "commune") == codes).all()


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=20))
def test_any_text_resolves_or_not_never_raises(matcher, text):
    out = matcher.resolve(pd.Series([text], dtype="string"), "commune")
    assert len(out) == 1
