"""The impact lens on synthetic commune panels: a planted effect is recovered within its
interval; without one, the interval covers zero."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pvanalysis.indicators import impact


def _panel(effect: float, seed: int = 7, provinces: int = 30, per_province: int = 12):
    """Communes in ``provinces`` provinces (3 regions); half of each province treated.

    The 2024 value of the outcome ``y`` is its 2014 value, plus a province shock, plus
    ``effect`` in treated communes, plus noise (sd 1); the matching variable ``x`` is the
    2014 value of ``y``.
    """
    rng = np.random.default_rng(seed)
    n = provinces * per_province
    province = np.repeat([f"01.{p:03d}" for p in range(provinces)], per_province)
    region = np.repeat([f"0{p % 3 + 1}" for p in range(provinces)], per_province)
    y14 = rng.normal(50, 10, n)
    shock = np.repeat(rng.normal(0, 2, provinces), per_province)
    treated = np.tile([1, 0], n // 2)
    y24 = y14 + 3 + shock + effect * treated + rng.normal(0, 1, n)
    return pd.DataFrame({"code": [f"c{i}" for i in range(n)], "province_code": province,
                         "region_code": region, "treated": treated, "y_2014": y14,
                         "y_2024": y24, "dh_per_capita": treated * rng.uniform(10, 500, n),
                         "band": np.where(treated == 1, "forte", impact.CONTROL_BAND)})


def test_a_planted_effect_is_recovered_within_its_interval():
    matched = impact.match_controls(_panel(effect=2.0), neighbours=2, on=["y_2014"])
    fit = impact.did(matched, "y")
    assert fit["ci_low"] < 2.0 < fit["ci_high"]
    assert fit["ci_low"] > 0  # and it is told apart from no effect
    assert fit["n_treated"] == 180 and fit["n_provinces"] == 30
    assert fit["mde"] == pytest.approx(impact.MDE_FACTOR * fit["se"])


def test_without_an_effect_the_interval_covers_zero():
    matched = impact.match_controls(_panel(effect=0.0), neighbours=2, on=["y_2014"])
    fit = impact.did(matched, "y")
    assert fit["ci_low"] < 0 < fit["ci_high"]


def test_matching_stays_in_the_province_and_weights_reuse():
    panel = pd.DataFrame({
        "code": ["t1", "c1", "c2", "t2", "c3"], "province_code": ["P1", "P1", "P1", "P2", "P3"],
        "region_code": ["R1", "R1", "R1", "R2", "R2"], "treated": [1, 0, 0, 1, 0],
        "x": [1.0, 1.1, 5.0, 3.0, 9.0]})
    matched = impact.match_controls(panel, neighbours=1, on=["x"]).set_index("code")
    # t1's nearest in its province is c1 (not c2); t2 has none in P2: c3 in its region
    assert matched.loc["t1", "matched_within"] == "province"
    assert matched.loc["t2", "matched_within"] == "région"
    assert set(matched.index) == {"t1", "c1", "t2", "c3"}
    assert matched.loc["c1", "weight"] == 1.0


def test_false_discovery_correction_and_the_index():
    panel = _panel(effect=2.0).assign(z_2014=lambda f: f["y_2014"] * 0 + 1.0,
                                      z_2024=lambda f: f["y_2014"] * 0 + 1.0)
    matched = impact.match_controls(panel, neighbours=2, on=["y_2014"])
    table = impact.estimates(matched, ["y"])
    # one test: the q-value is its p-value
    assert table.loc[0, "q_value"] == pytest.approx(table.loc[0, "p_value"])
    index = impact.add_index(pd.DataFrame({"a_2014": [0.0, 2.0], "a_2024": [2.0, 2.0],
                                           "b_2014": [1.0, 3.0], "b_2024": [1.0, 1.0]}),
                             {"a": 1, "b": -1})
    # 2014: a mean 1, sd √2; b mean 2, sd √2. 2024, both communes: a = 2 → +1/√2,
    # b = 1 → −(1 − 2)/√2 = +1/√2; mean 1/√2. 2014, commune 0: (−1/√2 + 1/√2) / 2 = 0
    assert index["deprivation_index_2024"].tolist() == pytest.approx([2 ** -0.5] * 2)
    assert index["deprivation_index_2014"].tolist() == pytest.approx([0.0, 0.0])


@pytest.mark.slow
def test_the_impact_report_on_the_sample(sample_processed, tmp_path):
    import html
    import json

    from conftest import NOTEBOOKS

    from pvanalysis.reports import run_report

    result = run_report("impact", {"indicators": "labour_activity_rate"}, tmp_path,
                        sample_processed, notebooks_dir=NOTEBOOKS)
    assert result.status == "ok", result.error
    folder = tmp_path / result.report_id
    figures = json.loads((folder / "figures.json").read_text("utf-8"))
    index = figures["index"]
    assert index["ci_low"] <= index["estimate"] <= index["ci_high"]
    assert index["mde"] == pytest.approx(impact.MDE_FACTOR * index["se"])
    assert index["n_treated"] == figures["communes"]["matched_treated"] > 0
    assert index["n_control"] == figures["communes"]["matched_controls"] > 0
    assert set(figures["estimates"]) == {*impact.OUTCOMES, "labour_activity_rate"}
    assert figures["estimates"]["labour_activity_rate"]["label"] == "Taux net d'activité"
    assert all(0 <= e["q_value"] <= 1 for e in figures["estimates"].values())
    assert [d["band"] for d in figures["dose_response"]] == ["faible", "moyenne", "forte"]
    assert sum(d["n_treated"] for d in figures["dose_response"]) == index["n_treated"]
    cohorts = [d["cohort"] for d in figures["by_contract_year"]]
    assert cohorts == [c for c in impact.COHORTS if c in cohorts] and cohorts
    page = html.unescape((folder / "rapport.html").read_text("utf-8"))
    assert "Précautions de lecture" in page and "Villes sans bidonvilles" in page
    assert "illustre la méthode, pas un constat" in page


def test_a_wrong_parameter_of_the_impact_report_is_a_french_message():
    from pvanalysis.errors import ParameterError
    from pvanalysis.evaluation import check_impact

    with pytest.raises(ParameterError, match="2, 3 ou 4 bandes"):
        check_impact("2024-09-01", 3, 7)
    with pytest.raises(ParameterError, match="n'est pas une date"):
        check_impact("septembre", 3, 3)
    with pytest.raises(ParameterError, match="Suggestion : labour_activity_rate"):
        check_impact("2024-09-01", 3, 3, ["labour_activity_rat"])


def test_a_wrong_impact_parameter_stops_before_the_kernel(sample_processed, tmp_path):
    from conftest import NOTEBOOKS

    from pvanalysis.reports import run_report

    result = run_report("impact", {"bands": 9}, tmp_path, sample_processed,
                        notebooks_dir=NOTEBOOKS)
    assert result.status == "error" and result.exit_code == 2
    assert "2, 3 ou 4 bandes" in result.error
