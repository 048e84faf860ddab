"""French display of amounts, rates and multipliers."""

import math

import pandas as pd
import pytest

from pvanalysis import fmt

NBSP = "\u00a0"


@pytest.mark.parametrize(("amount_dh", "expected"), [
    (1_684_000_000, "1 684 MDH"),
    (424_565_000, "424,565 MDH"),          # the published figure, to the thousand dirhams
    (870_404_845, "870,405 MDH"),          # rounded to 3 decimals (a thousand dirhams)
    (4_287_000_000, "4 287 MDH"),
    (0, "0 MDH"),
])
def test_mdh_shows_what_the_value_needs(amount_dh, expected):
    assert fmt.mdh(amount_dh) == expected.replace(" ", NBSP)


def test_mdh_with_fixed_decimals():
    assert fmt.mdh(1_140_300_000, 1) == f"1{NBSP}140,3{NBSP}MDH"


@pytest.mark.parametrize("missing", [None, pd.NA, math.nan])
def test_missing_values_show_a_dash(missing):
    assert fmt.mdh(missing) == fmt.percent(missing) == fmt.ratio(missing) == "–"


def test_percent_ratio_and_number():
    assert fmt.percent(1_202 / 1_684) == f"71,4{NBSP}%"     # 0,71378…
    assert fmt.percent(14.18 / 63.95) == f"22,2{NBSP}%"     # not the published 23 %
    assert fmt.ratio(1_684 / 1_202) == f"1,40{NBSP}×"       # 1,4010…
    assert fmt.number(36_828_330) == f"36{NBSP}828{NBSP}330"
