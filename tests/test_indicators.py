"""Indicators on the hand-made programme of ``conftest.programme`` (values worked by hand).

Period 2017–2021 keeps P1 (cadre 2018) and P2 (cadre 2020); P3 (2022) is out.
T = 600 000 + 400 000 (P1) + 300 000 + 100 001 (P2) = 1 400 001 DH; M = 900 000 DH.
Releases up to 2021-12-31: MIN 200 000 + 100 000 + 150 000 = 450 000; COM 400 000 → D = 850 000
(the 90 000 released on 2022-06-01 is after the reference date).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from pvanalysis import indicators as ind

P = (2017, 2021)
REF = "2021-12-31"


def i64(values):
    return pd.array(values, dtype="Int64")


def test_flows_one_row_per_project_and_partner(programme):
    f = ind.flows(programme, period=P, ref_date=REF)
    assert list(f.columns) == ind.FLOW_COLUMNS
    got = f.set_index(["project_id", "partner_id"])
    # P1 MIN: C 600 000, D 200 000 (financing F1) + 100 000 (C1), S 300 000 + 300 000
    assert got.loc[("P1", "MIN"), ["committed_dh", "released_dh", "scheduled_dh"]].tolist() == [
        600_000, 300_000, 600_000]
    # P2 COM committed 100 001 and released nothing
    assert got.loc[("P2", "COM"), "released_dh"] == 0
    # P2 MIN: the 2022 release of 90 000 is after the reference date
    assert got.loc[("P2", "MIN"), "released_dh"] == 150_000
    assert set(f["project_id"]) == {"P1", "P2"}
    assert f["committed_dh"].dtype == "Int64"


def test_financial_national(programme):
    got = ind.financial(programme, period=P, ref_date=REF)
    row = got.iloc[0]
    assert len(got) == 1
    assert (row["cost_dh"], row["ministry_dh"], row["partners_dh"]) == (1_400_001, 900_000, 500_001)
    assert (row["released_dh"], row["ministry_released_dh"]) == (850_000, 450_000)
    assert row["remaining_dh"] == 550_001  # 1 400 001 − 850 000
    assert row["ministry_share"] == pytest.approx(900_000 / 1_400_001)  # 0,6429
    assert row["ministry_release_rate"] == pytest.approx(0.5)  # 450 000 / 900 000
    assert row["disbursement_rate"] == pytest.approx(850_000 / 1_400_001)
    assert row["leverage_ratio"] == pytest.approx(1_400_001 / 900_000)  # 1,5556
    assert row["partner_leverage_ratio"] == pytest.approx(500_001 / 900_000)  # 0,5556
    # all échéancier years (2018, 2019, 2021) end by 2021-12-31: S due = T
    assert row["scheduled_due_dh"] == 1_400_001
    assert row["schedule_adherence"] == pytest.approx(850_000 / 1_400_001)


def test_territory_flows_are_sliced_from_the_national_ones_with_the_same_figures(programme):
    shared = ind.share(programme)
    for level, code in (("region", "02"), ("province", "02.111"), ("commune", "02.222.01.01")):
        plain = ind.flows(programme, period=P, ref_date=REF, **{level: code})
        assert len(plain) > 0
        pd.testing.assert_frame_equal(ind.flows(shared, period=P, ref_date=REF, **{level: code}),
                                      plain)
        pd.testing.assert_frame_equal(
            ind.financial(shared, f"{level}_code", period=P, ref_date=REF, **{level: code}),
            ind.financial(programme, f"{level}_code", period=P, ref_date=REF, **{level: code}))
    # one national computation per level serves every territory
    assert ("flows", repr(ind.Slice(period=P, ref_date=REF)), "commune") in shared.memo
    assert not any(key[0] == "flows" and "02.222" in key[1] for key in shared.memo)
    # a copy shares what was computed, and its replaced tables forget only for itself
    copy = shared.copy()
    assert copy.memo is shared.memo
    copy["commitments"] = programme["commitments"].iloc[0:0]
    assert copy.memo == {} and shared.memo != {}


def test_shared_tables_give_the_same_indicators_and_forget_replaced_tables(programme):
    shared = ind.share(programme)
    assert ind.share(shared) is shared
    plain = ind.financial(programme, "scale", period=P, ref_date=REF)
    pd.testing.assert_frame_equal(ind.financial(shared, "scale", period=P, ref_date=REF), plain)
    # asked twice: the second answer comes from the kept flows table, same numbers
    pd.testing.assert_frame_equal(ind.financial(shared, "scale", period=P, ref_date=REF), plain)
    assert ("flows", repr(ind.Slice(period=P, ref_date=REF)), None) in shared.memo
    # a caller changing its copy leaves the kept table intact
    f = ind.flows(shared, period=P, ref_date=REF)
    f["committed_dh"] = 0
    assert ind.flows(shared, period=P, ref_date=REF)["committed_dh"].sum() == 1_400_001
    # replacing a table forgets the kept tables: without commitments T falls to 0
    shared["commitments"] = programme["commitments"].iloc[0:0]
    assert shared.memo == {}
    assert ind.financial(shared, period=P, ref_date=REF)["cost_dh"].sum() == 0


def test_financial_by_scale_ratios_from_summed_flows(programme):
    got = ind.financial(programme, "scale", period=P, ref_date=REF).set_index("scale")
    # royal: T 1 000 000, M 600 000, D_M 300 000 → share 0,6, release rate 0,5, leverage 1,667
    assert got.loc["royal", "ministry_share"] == pytest.approx(0.6)
    assert got.loc["royal", "ministry_release_rate"] == pytest.approx(0.5)
    assert got.loc["royal", "leverage_ratio"] == pytest.approx(1_000_000 / 600_000)
    # quartiers: M 300 000 of T 400 001; D_M 150 000
    assert got.loc["quartiers", "ministry_share"] == pytest.approx(300_000 / 400_001)
    assert got.loc["quartiers", "ministry_release_rate"] == pytest.approx(0.5)
    assert "medina" not in got.index


def test_schedule_adherence_to_an_earlier_date(programme):
    got = ind.schedule_adherence(programme, period=P, ref_date="2020-12-31")
    # due by 2020-12-31: C1 years 2018 and 2019 = 300 000 + 300 000 + 400 000 = 1 000 000;
    # released by then: 200 000 + 100 000 + 400 000 = 700 000 → 0,7
    assert got["scheduled_due_dh"].tolist() == [1_000_000]
    assert got["released_dh"].tolist() == [700_000]
    assert got["schedule_adherence"].tolist() == [pytest.approx(0.7)]


def test_no_reference_date_counts_every_release(programme):
    got = ind.released(programme, scale="quartiers", period=P)
    assert got["released_dh"].tolist() == [240_000]  # 150 000 + 90 000


def test_release_period_basis(programme):
    # releases dated in 2019 only, whatever the contracting year: D2 100 000 + D3 400 000
    got = ind.released(programme, period=(2019, 2019), period_basis="release")
    assert got["released_dh"].tolist() == [500_000]


def test_zero_denominator_gives_nan_not_inf(programme):
    # COM alone: no Ministry money → share 0, release rate and leverage NaN
    got = ind.financial(programme, partner="COM", period=P, ref_date=REF)
    assert got["ministry_dh"].tolist() == [0] and got["ministry_share"].tolist() == [0.0]
    assert got["leverage_ratio"].dtype == "float64"
    assert math.isnan(got["ministry_release_rate"].iloc[0])
    assert math.isnan(got["leverage_ratio"].iloc[0])
    assert not np.isinf(ind.ratio(pd.Series([1, 0]), pd.Series([0, 0]))).any()


def test_empty_slice_gives_empty_frame_with_columns(programme):
    got = ind.financial(programme, "scale", scale="centre", period=P)
    assert got.empty and list(got.columns) == ["scale"] + ind.FINANCIAL_COLUMNS
    national = ind.financial(programme, period=(2030, 2031))
    assert national.empty and list(national.columns) == ind.FINANCIAL_COLUMNS


def test_bad_arguments_are_named(programme):
    with pytest.raises(ValueError, match="by=\\['colour'\\]"):
        ind.financial(programme, "colour")
    with pytest.raises(ValueError, match="scale=\\['royale'\\]"):
        ind.financial(programme, scale="royale")


def test_multi_commune_project_allocated_by_target_population(programme):
    # P2 targets Q1 (02.111.01.01, 3 000 hab.) and Q2 (02.222.01.01, 1 000 hab.): 75 % / 25 %.
    f = ind.flows(programme, period=P, ref_date=REF, level="commune")
    p2 = f[f["project_id"] == "P2"].set_index(["partner_id", "commune_code"])
    assert p2.loc[("MIN", "02.111.01.01"), "committed_dh"] == 225_000  # 300 000 × 0,75
    assert p2.loc[("MIN", "02.222.01.01"), "committed_dh"] == 75_000
    # COM 100 001 × 0,75 = 75 000,75 and × 0,25 = 25 000,25: the leftover dirham goes to the
    # larger remainder (0,75) → 75 001 + 25 000 = 100 001 exactly
    assert p2.loc[("COM", "02.111.01.01"), "committed_dh"] == 75_001
    assert p2.loc[("COM", "02.222.01.01"), "committed_dh"] == 25_000
    # totals preserved at every level
    national = ind.flows(programme, period=P, ref_date=REF)
    for by in ("region_code", "province_code", "commune_code"):
        got = ind.financial(programme, by, period=P, ref_date=REF)
        assert got["cost_dh"].sum() == national["committed_dh"].sum() == 1_400_001
        assert got["released_dh"].sum() == 850_000
    prov = ind.committed(programme, "province_code", period=P).set_index("province_code")
    assert prov["cost_dh"].to_dict() == {"01.511": 1_000_000, "02.111": 300_001,
                                         "02.222": 100_000}


def test_territory_filter_uses_attributed_flows(programme):
    got = ind.financial(programme, province="02.222", period=P, ref_date=REF).iloc[0]
    # 25 % of P2: C MIN 75 000 + COM 25 000; D MIN 150 000 × 0,25 = 37 500
    assert (got["cost_dh"], got["ministry_dh"], got["released_dh"]) == (100_000, 75_000, 37_500)


def test_target_project_convention_filters(programme):
    assert ind.committed(programme, target="Q2")["cost_dh"].tolist() == [400_001]
    assert ind.committed(programme, convention="F1")["cost_dh"].tolist() == [1_000_000]
    assert ind.committed(programme, project=["P3"])["ministry_dh"].tolist() == [50_000]


def test_commitment_rate(programme):
    got = ind.commitment_rate(programme, "scale").set_index("scale")
    # cadre amounts equal the commitments in the fixture: 1 000 000 / 1 000 000 …
    assert got["commitment_rate"].tolist() == [1.0, 1.0, 1.0]
    short = {**programme, "commitments": programme["commitments"].iloc[:-1]}
    got = ind.commitment_rate(short, "scale").set_index("scale")
    # P3 loses COM's 450 000: 50 000 / 500 000
    assert got.loc["medina", "commitment_rate"] == pytest.approx(0.1)
    assert got.loc["medina", "convention_amount_dh"] == 500_000
    # no commitment at all on C3: its 500 000 still count → rate 0
    none = {**programme, "commitments": programme["commitments"].iloc[:-2]}
    got = ind.commitment_rate(none, "scale").set_index("scale")
    assert got.loc["medina", ["convention_amount_dh", "committed_dh"]].tolist() == [500_000, 0]
    assert got.loc["medina", "commitment_rate"] == 0.0


def test_partner_fulfilment(programme):
    got = ind.partner_fulfilment(programme, period=P, ref_date=REF)
    expected = pd.DataFrame({
        "partner_id": pd.array(["MIN", "COM"], dtype="string"),
        "name": pd.array(["Ministère", "Commune"], dtype="string"),
        "category": pd.array(["ministry", "local_authority"], dtype="string"),
        "committed_dh": i64([900_000, 500_001]), "released_dh": i64([450_000, 400_000]),
        "fulfilment_rate": [0.5, 400_000 / 500_001]})
    assert_frame_equal(got, expected)
    # COM on P2 alone: committed, nothing released → 0, not missing
    p2 = ind.partner_fulfilment(programme, project="P2", partner="COM")
    assert p2["fulfilment_rate"].tolist() == [0.0]


def test_cofinancing_mix(programme):
    got = ind.cofinancing_mix(programme, period=P).set_index("category")
    assert got.loc["ministry", "share"] == pytest.approx(900_000 / 1_400_001)
    assert got.loc["local_authority", "share"] == pytest.approx(500_001 / 1_400_001)
    assert got.loc["ministry", "category_label"] == "Ministère chargé de la politique de la ville"
    by_scale = ind.cofinancing_mix(programme, "scale", period=P)
    assert by_scale.groupby("scale")["share"].sum().tolist() == [pytest.approx(1)] * 2


def test_release_curve(programme):
    got = ind.release_curve(programme, period=P, ref_date=REF)
    # yearly: 2018 sched 300 000 / released 200 000; 2019 700 000 / 500 000;
    # 2020 0 / 0; 2021 400 001 / 150 000
    assert got["date"].dt.year.tolist() == [2018, 2019, 2020, 2021]
    assert got["scheduled_dh"].tolist() == [300_000, 700_000, 0, 400_001]
    assert got["cum_released_dh"].tolist() == [200_000, 700_000, 700_000, 850_000]
    assert got["cum_committed_dh"].tolist() == [1_400_001] * 4
    # province 02.222 holds 25 % of P2: échéancier 2021 400 001 × 0,25 = 100 000,25 → 100 000;
    # released 150 000 × 0,25 = 37 500; ceiling 75 000 + 25 000 = 100 000
    south = ind.release_curve(programme, province="02.222", period=P, ref_date=REF)
    assert south["cum_scheduled_dh"].tolist() == [100_000]
    assert south["cum_released_dh"].tolist() == [37_500]
    assert south["cum_committed_dh"].tolist() == [100_000]


def test_physical_progress(programme):
    got = ind.physical_progress(programme, period=P, ref_date=REF).iloc[0]
    # actions of P1, P2: A1 finished, A2 50 %, A3 25 % → 1 of 3 finished
    assert got["completion_rate"] == pytest.approx(1 / 3)
    # (600 000 × 1 + 400 000 × 0,5 + 400 000 × 0,25) / 1 400 000 = 900 000 / 1 400 000
    assert got["weighted_progress_rate"] == pytest.approx(900_000 / 1_400_000)
    assert got["actions_cost_dh"] == 1_400_000
    # gap = (850 000 / 1 400 001 − 0,642857) × 100 = −3,57 points
    assert got["gap_pts"] == pytest.approx(100 * (850_000 / 1_400_001 - 9 / 14))
    by_province = ind.physical_progress(programme, "province_code", period=P)
    assert by_province["actions_cost_dh"].sum() == 1_400_000


def test_delays_and_late_share(programme):
    d = ind.delays(programme, period=P).set_index("project_id")
    # P1: 2021-09-30 − 2021-06-30 = 92 days; P2 forecast 2022-10-31 − 2022-12-31 = −61 days
    assert d.loc["P1", "delay_months"] == pytest.approx(92 / 30.4375)
    assert d.loc["P2", "delay_months"] == pytest.approx(-61 / 30.4375)
    assert d["late"].tolist() == [True, False]
    assert ind.late_share(programme, period=P)["late_share"].tolist() == [0.5]
    # without a period, P3 (no end date, no reference date) is not measurable: still 1 / 2
    every = ind.late_share(programme, "scale").set_index("scale")
    assert every["projects_measured"].to_dict() == {"quartiers": 1, "royal": 1}
    assert every["late_share"].to_dict() == {"quartiers": 0.0, "royal": 1.0}
    # P3 has no end date; at 2026-06-30 it is late by the reference date (181 days)
    d3 = ind.delays(programme, project="P3", ref_date="2026-06-30").iloc[0]
    assert d3["end_kind"] == "date d'arrêt"
    assert d3["delay_months"] == pytest.approx(181 / 30.4375)
    assert pd.isna(ind.delays(programme, project="P3").iloc[0]["late"])


def test_start_lag(programme):
    got = ind.start_lag(programme).set_index("project_id")["start_lag_days"]
    # P1: 2018-03-01 → 2018-09-01 = 184 days; P2: 2020-05-10 → 2021-03-01 = 295; P3: none
    assert got["P1"] == 184 and got["P2"] == 295 and pd.isna(got["P3"])


def test_phase_funnel(programme):
    got = ind.phase_funnel(programme).set_index("step")
    assert got.loc["evaluation", "projects"] == 1 and got.loc["engagements", "projects"] == 1
    assert got.loc["volonte_locale", "projects"] == 0
    reached = got.drop_duplicates("phase").set_index("phase")["reached"].to_dict()
    assert reached == {"preparatoire": 3, "montage": 3, "contractualisation": 3,
                       "mise_en_oeuvre": 2}


def test_investment_per_capita_and_gap(programme, tiny_communes):
    got = ind.investment_per_capita(programme, "commune", layer=tiny_communes, period=P)
    got = got.set_index("code")
    # 01.511.01.01: 1 000 000 / 500 000 = 2 DH/hab.; 02.111.01.01: 300 001 / 600 000
    assert got.loc["01.511.01.01", "cost_per_capita_dh"] == pytest.approx(2.0)
    assert got.loc["02.111.01.01", "cost_per_capita_dh"] == pytest.approx(300_001 / 600_000)
    assert got.loc["03.333.01.01", "cost_dh"] == 0
    assert got.loc["01.511.01.01", "ministry_per_capita_dh"] == pytest.approx(1.2)  # 600 000
    census14 = ind.investment_per_capita(programme, "commune", 2014, tiny_communes, period=P)
    assert census14["cost_per_capita_dh"].iloc[0] == pytest.approx(1_000_000 / 450_000)
    # gap to the nation: national = 1 400 001 / 2 000 000 = 0,7000005 DH/hab.
    gap = ind.gap_to_parent(programme, "region", layers={"region": _regions(tiny_communes)},
                            period=P).set_index("code")
    assert gap.loc["01", "gap"] == pytest.approx(2.0 - 0.7000005)


def _regions(communes):
    out = communes.groupby("region_code", as_index=False)[
        ["population_2014", "population_2024"]].sum().rename(columns={"region_code": "code"})
    return out.assign(name_fr=out["code"])


def test_coverage(programme):
    got = ind.coverage(programme, period=P).set_index("target_type")
    # quartiers: Q1, Q2 treated of Q1–Q3 → 2/3; population (3 000 + 1 000) / 10 000 = 0,4
    assert got.loc["quartier", ["eligible", "treated"]].tolist() == [3, 2]
    assert got.loc["quartier", "population_coverage"] == pytest.approx(0.4)
    assert got.loc["centre", "coverage_rate"] == 0.0


def test_deprivation_index(tiny_communes):
    got = ind.deprivation_index(tiny_communes)
    # water 0,9 0,5 0,7 0,8 0,6: mean 0,7, sd √0,02; illiteracy 0,2 0,4 0,3 0,25 0,35:
    # mean 0,3, sd √0,005;
    # both give (oriented) z = −√2, √2, 0, −√2/2, √2/2
    r2 = math.sqrt(2)
    assert got["deprivation"].tolist() == pytest.approx([-r2, r2, 0, -r2 / 2, r2 / 2])
    assert got["quintile"].tolist() == [1, 5, 3, 2, 4]
    with pytest.raises(ValueError, match="none of the deprivation indicators"):
        ind.deprivation_index(tiny_communes[["code", "name_fr"]])


def test_targeting_share_and_need_alignment(programme, tiny_communes):
    t = ind.targeting_share(programme, tiny_communes, period=P).iloc[0]
    # most deprived quintile = 02.111.01.01, which gets 75 % of P2: 225 000 + 75 001 = 300 001
    assert t["cost_q5_dh"] == 300_001
    assert t["targeting_share"] == pytest.approx(300_001 / 1_400_001)
    assert t["q5_population_share"] == pytest.approx(600_000 / 2_000_000)
    a = ind.need_alignment(programme, tiny_communes, period=P).iloc[0]
    # per capita ranks 5 4 3 1,5 1,5; deprivation ranks 1 5 3 2 4 → ρ = −2 / √(9,5 × 10)
    assert a["rho"] == pytest.approx(-2 / math.sqrt(95))
    assert a["communes"] == 5


def test_concentration_and_lorenz(programme, tiny_communes):
    c = ind.concentration(programme, "region", period=P).iloc[0]
    s1, s2 = 1_000_000 / 1_400_001, 400_001 / 1_400_001
    assert c["herfindahl"] == pytest.approx(s1 ** 2 + s2 ** 2)
    assert c["top3_share"] == pytest.approx(1.0)
    empty = ind.concentration(programme, "region", period=(2030, 2030))
    assert math.isnan(empty["herfindahl"].iloc[0])
    lz = ind.lorenz(programme, "commune", layer=tiny_communes, period=P)
    assert lz["cum_population_share"].iloc[-1] == pytest.approx(1.0)
    # first two (zero investment) communes hold 500 000 of 2 000 000 inhabitants and 0 DH
    assert lz["cum_population_share"].iloc[2] == pytest.approx(0.25)
    assert lz["cum_cost_share"].iloc[2] == 0


def test_bilan(programme):
    got = ind.bilan(programme, period=P, ref_date=REF)
    expected = pd.DataFrame({
        "scale": pd.array(["royal", "quartiers", "medina", "centre"], dtype="string"),
        "scale_label": pd.array(["Projets présentés à Sa Majesté", "Quartiers sous-équipés",
                                 "Médinas", "Centres émergents"], dtype="string"),
        "projects": i64([1, 1, 0, 0]),
        "total_cost_dh": i64([1_000_000, 400_001, 0, 0]),
        "ministry_dh": i64([600_000, 300_000, 0, 0]),
        "ministry_released_dh": i64([300_000, 150_000, 0, 0]),
        "targets": i64([None, 2, 0, 0])})
    assert_frame_equal(got, expected)
    later = ind.bilan(programme, period=(2017, 2022))
    assert later.set_index("scale").loc["medina", "targets"] == 1


def test_deprivation_indicators_are_those_of_the_commune_layer():
    from pvanalysis import territories

    assert set(ind.DEPRIVATION_INDICATORS) == set(territories.DEPRIVATION)


# --------------------------------------------------------------------------------------------
# On the built sample: the published 2017–2021 bilan
# --------------------------------------------------------------------------------------------


def test_sample_royal_and_medina_published_ratios(sample_tables):
    from pvanalysis import fmt

    got = ind.financial(sample_tables, "scale", period=P).set_index("scale")
    royal, medina = got.loc["royal"], got.loc["medina"]
    # published: royal 1 684 MDH, Ministry 1 202 MDH of which 424,565 MDH released
    assert (royal["cost_dh"], royal["ministry_dh"]) == (1_684_000_000, 1_202_000_000)
    assert royal["ministry_released_dh"] == 424_565_000
    assert fmt.percent(royal["ministry_share"]) == "71,4\u00a0%"  # 1 202 / 1 684
    assert fmt.percent(royal["ministry_release_rate"]) == "35,3\u00a0%"  # 424,565 / 1 202
    assert fmt.ratio(royal["leverage_ratio"]) == "1,40\u00a0×"  # 1 684 / 1 202
    # medinas: 4 287 MDH, Ministry 657 MDH → 15,3 %, leverage 6,5
    assert (medina["cost_dh"], medina["ministry_dh"]) == (4_287_000_000, 657_000_000)
    assert fmt.percent(medina["ministry_share"]) == "15,3\u00a0%"
    assert fmt.number(medina["leverage_ratio"], 1) == "6,5"


def test_sample_bilan_table(sample_tables):
    b = ind.bilan(sample_tables, P).set_index("scale")
    assert b.loc["royal", "projects"] == 12 and b.loc["medina", "projects"] == 6
    assert b.loc["medina", "targets"] == 5  # Tanger, Marrakech, Salé, Fès, Meknès
    assert b.loc["quartiers", "targets"] > 800 and b.loc["centre", "targets"] > 700


def test_sample_attribution_preserves_national_totals(sample_tables):
    national = ind.financial(sample_tables, period=P)
    for by in ("region_code", "province_code", "commune_code"):
        got = ind.financial(sample_tables, by, period=P)
        assert got["cost_dh"].sum() == national["cost_dh"].iloc[0]
        assert got["released_dh"].sum() == national["released_dh"].iloc[0]
    assert ind.need_alignment(sample_tables, period=P)["communes"].iloc[0] > 1_400


# --------------------------------------------------------------------------------------------
# Cut-off date, status, absent sources, a convention's own scope
# --------------------------------------------------------------------------------------------


def test_cutoff_date_rule(programme):
    # latest dated event: the release of 2022-06-01 (signatures ≤ 2022-01-15, ends ≤ 2021-09-30)
    assert ind.cutoff_date(programme) == pd.Timestamp("2022-06-01")
    assert ind.cutoff_date(programme, {"cutoff_date": "2023-12-31"}) == pd.Timestamp("2023-12-31")
    assert ind.cutoff_date(programme, {"cutoff_date": "2023-12-31"}, "2021-01-31") == \
        pd.Timestamp("2021-01-31")
    assert ind.cutoff_date(programme, {}, "") == pd.Timestamp("2022-06-01")


def test_status_late_to_the_cutoff_closed_and_stalled(programme):
    st = ind.project_status(programme, ref_date="2023-06-30").set_index("project_id")
    # P1 finished 2021-09-30; P2 planned 2022-12-31, forecast 2022-10-31 passed, not
    # finished: late by 2023-06-30 − 2022-12-31 = 181 days; P3 planned 2025-12-31, signed
    # 2022-01-15, nothing released 531 days (17,4 months) after: stalled
    assert st["status"].to_dict() == {"P1": "closed", "P2": "late", "P3": "stalled"}
    assert st.loc["P2", "delay_months"] == pytest.approx(181 / 30.4375)
    assert "retard de 5,9\u00a0mois" in st.loc["P2", "reasons"]
    assert "aucun déblocage 17,4\u00a0mois après la signature" in st.loc["P3", "reasons"]
    counts = ind.status_counts(st.reset_index())
    assert counts[["closed", "late", "stalled", "on_track", "projects"]].iloc[0].tolist() == \
        [1, 1, 1, 0, 3]
    # without disbursement data nothing is judged stalled
    st = ind.project_status(programme, ref_date="2023-06-30", absent=["disbursements"])
    assert st.set_index("project_id").loc["P3", "status"] == "on_track"


def test_schedule_adherence_counts_only_what_was_due(programme):
    # P2 (contracted 2020): échéancier 2021 = 400 001 DH; at 2020-12-31 nothing was due
    due = ind.financial(programme, None, project="P2", ref_date="2020-12-31").iloc[0]
    assert due["scheduled_due_dh"] == 0 and pd.isna(due["schedule_adherence"])
    due = ind.financial(programme, None, project="P2", ref_date="2021-12-31").iloc[0]
    assert due["scheduled_due_dh"] == 400_001 and due["released_dh"] == 150_000


def test_absent_sources_and_unknown_columns(programme):
    empty = {**programme, "actions": programme["actions"].iloc[0:0]}
    assert ind.absent_sources(empty, {"absent": ["disbursements"]}) == ["disbursements",
                                                                        "actions"]
    assert {"released_dh", "weighted_progress_rate"} <= ind.unknown_columns(
        ["disbursements", "actions"])


def test_convention_finance_is_the_conventions_own_scope(programme):
    # F1 (financing of C1): released D1 200 000 MIN, no commitment of its own
    f1 = ind.convention_finance(programme, "F1")
    assert f1[["partner_id", "released_dh"]].to_dict("records") == [
        {"partner_id": "MIN", "released_dh": 200_000}]
    assert f1["committed_dh"].isna().all()
    # C1 (cadre) covers its commitments and the releases on it and on F1
    c1 = ind.convention_finance(programme, "C1").set_index("partner_id")
    assert c1.loc["MIN", "committed_dh"] == 600_000 and c1.loc["MIN", "released_dh"] == 300_000
    assert c1.loc["COM", "remaining_dh"] == 0


def test_targeting_of_uses_the_quintiles_it_is_given():
    # a territory of three communes: one of the national quintile 5 (300 000 DH, 1 000 hab.)
    equity = pd.DataFrame({"code": ["a", "b", "c"], "quintile": pd.array([5, 2, 3], "Int64"),
                           "cost_dh": pd.array([300_000, 600_000, 100_000], "Int64"),
                           "population": pd.array([1_000, 2_000, 2_000], "Int64")})
    out = ind.targeting_of(equity).iloc[0]
    assert out["cost_q5_dh"] == 300_000 and out["targeting_share"] == 0.3
    assert out["q5_population_share"] == 0.2


def test_region_level_projects_without_province(programme):
    # a programme spanning provinces sits at region level: province blank, targets carry the
    # communes; attribution by target keeps every dirham, statuses and delays still compute
    tables = dict(programme)
    tables["projects"] = programme["projects"].assign(
        province_code=pd.array([None] * 3, dtype="string"))
    by_province = ind.financial(tables, "province_code", period=P)
    by_region = ind.financial(tables, "region_code", period=P)
    assert by_province["cost_dh"].sum() == by_region["cost_dh"].sum() == 1_400_001
    assert set(by_province["province_code"]) == {"01.511", "02.111", "02.222"}
    assert len(ind.project_status(tables, ref_date="2023-06-30")) == 3
    assert len(ind.delays(tables, province="02.111")) == 1
