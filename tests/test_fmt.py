"""French display of amounts, rates and multipliers."""

import math

import pandas as pd
import pytest

from pvanalysis import fmt

NBSP = "\u00a0"


@pytest.mark.parametrize(("amount_dh", "expected"), [
    (1_684_000_000, "1 684,000 MDH"),       # exact to the thousand dirhams, zeros shown
    (424_565_000, "424,565 MDH"),          # the published figure, to the thousand dirhams
    (11_490_000, "11,490 MDH"),
    (870_404_845, "870,405 MDH"),          # rounded to 3 decimals (a thousand dirhams)
    (4_287_000_000, "4 287,000 MDH"),
    (0, "0,000 MDH"),
    (-5_500, "\u22120,006 MDH"),
])
def test_mdh_always_shows_three_decimals(amount_dh, expected):
    assert fmt.mdh(amount_dh) == expected.replace(" ", NBSP)


def test_mdh_number_is_the_amount_without_its_unit():
    assert fmt.mdh_number(14_180_000_000) == f"14{NBSP}180,000"
    assert fmt.mdh(14_180_000_000) == fmt.mdh_number(14_180_000_000) + f"{NBSP}MDH"


@pytest.mark.parametrize("missing", [None, pd.NA, math.nan])
def test_missing_values_show_a_dash(missing):
    assert fmt.mdh(missing) == fmt.percent(missing) == fmt.ratio(missing) == "–"


def test_percent_ratio_and_number():
    assert fmt.percent(1_202 / 1_684) == f"71,4{NBSP}%"     # 0,71378…
    assert fmt.percent(14.18 / 63.95) == f"22,2{NBSP}%"     # not the published 23 %
    assert fmt.ratio(1_684 / 1_202) == f"1,40{NBSP}×"       # 1,4010…
    assert fmt.number(36_828_330) == f"36{NBSP}828{NBSP}330"


def test_rounding_is_half_up_with_a_typographic_minus():
    assert fmt.number(2.5) == "3" and fmt.number(3.5) == "4"  # not banker's rounding
    assert fmt.number(0.125, 2) == "0,13"
    assert fmt.percent(0.3535) == f"35,4{NBSP}%"
    assert fmt.percent(7 / 15_412) == f"<{NBSP}0,1{NBSP}%" and fmt.percent(0.0) == f"0,0{NBSP}%"
    assert fmt.mdh(870_404_500) == f"870,405{NBSP}MDH"
    assert fmt.number(-3.25, 1) == "\u22123,3"
    assert fmt.number(-0.04, 1) == "0,0"  # never "−0,0"


def test_a_gap_is_the_difference_of_the_shown_values():
    # 624,4 and 743,5 DH/hab. are shown 624 and 744: the gap shown is −120, not −119
    assert fmt.gap(624.4, 743.5, "per_capita") == f"\u2212120{NBSP}DH/hab."
    # 22,2 % (14 180 / 63 950) against a stated 23 %: −0,8 point
    assert fmt.gap(14_180 / 63_950, 0.23, "percent") == f"\u22120,8{NBSP}pts"
    assert fmt.gap(424_565_000, 500_000_000, "mdh") == f"\u221275,435{NBSP}MDH"
    assert fmt.gap(1_684_000_000, 1_683_000_000, "mdh") == f"+1,000{NBSP}MDH"
    assert fmt.gap(1_684_000_000, 1_684_000_400, "mdh") == f"0,000{NBSP}MDH"
    assert fmt.gap(None, 1.0, "percent") == "–"


def test_p_value_months_and_dates():
    assert fmt.p_value(0.003) == "0,003"
    assert fmt.p_value(0.0004) == f"<{NBSP}0,001"
    assert fmt.months(36.44) == f"36,4{NBSP}mois"
    assert fmt.date("2025-09-30") == "30 septembre 2025"
