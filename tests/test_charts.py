"""Tests of pvanalysis.charts: each chart writes a PNG and shows French-formatted values."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from pvanalysis import charts  # noqa: E402
from pvanalysis import indicators as ind  # noqa: E402

P = (2017, 2021)
NB = "\u00a0"


def texts(fig) -> list[str]:
    fig.canvas.draw()  # tick labels are chosen at draw time
    out = [t.get_text() for t in fig.texts]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        out += [ax.get_title(loc="left"), ax.get_title(loc="right"), ax.get_xlabel(),
                ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return out


def check_png(path):
    assert path.exists() and path.stat().st_size > 5_000
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.fixture
def big(programme):
    """The fixture programme with amounts × 1 000 (so MDH figures read naturally)."""
    out = dict(programme)
    for table, col in (("commitments", "committed_dh"), ("schedule", "planned_dh"),
                       ("disbursements", "amount_dh"), ("conventions", "amount_dh")):
        out[table] = programme[table].assign(**{col: programme[table][col] * 1_000})
    return out


def test_ministry_participation(big, tmp_path):
    fig = charts.ministry_participation(ind.bilan(big, P), out=tmp_path / "p.png")
    check_png(tmp_path / "p.png")
    t = texts(fig)
    assert "Participation du Ministère par échelle d'intervention" in t
    # royal: M 600 000 000 DH = 600 MDH of 1 000 MDH → 60,0 %
    assert f"600,000{NB}MDH sur 1{NB}000,000{NB}MDH (60,0{NB}%)" in t
    assert "Projets présentés à Sa Majesté" in t
    assert "Coût total des projets (MDH)" in t
    assert charts.SOURCE in t
    plt.close(fig)


def test_committed_vs_released(big, tmp_path):
    fin = ind.financial(big, "scale", period=P, ref_date="2021-12-31")
    fig = charts.committed_vs_released(fin, "scale", out=tmp_path / "c.png")
    check_png(tmp_path / "c.png")
    t = texts(fig)
    # quartiers: released 150 000 000 of 400 001 000 → 37,5 %; royal 700 of 1 000 → 70,0 %
    assert f"engagé 400,001{NB}MDH, débloqué 37,5{NB}%" in t
    assert f"engagé 1{NB}000,000{NB}MDH, débloqué 70,0{NB}%" in t
    assert "Montants tous partenaires (MDH)" in t
    plt.close(fig)


def test_release_curve(big, tmp_path):
    curve = ind.release_curve(big, period=P, ref_date="2021-12-31")
    fig = charts.release_curve(curve, out=tmp_path / "s.png")
    check_png(tmp_path / "s.png")
    t = texts(fig)
    assert f"Engagé : 1{NB}400,001{NB}MDH" in t  # T = 1 400 001 000 DH, as in the tables
    assert f"850,000{NB}MDH" in t
    assert "Montant cumulé (MDH)" in t
    plt.close(fig)


def test_phase_funnel(big, tmp_path):
    fig = charts.phase_funnel(ind.phase_funnel(big), out=tmp_path / "f.png")
    check_png(tmp_path / "f.png")
    t = texts(fig)
    assert "Déblocage des fonds" in t and "Mise en œuvre et suivi" in t
    plt.close(fig)


def test_delay_distribution(big, tmp_path):
    fig = charts.delay_distribution(ind.delays(big, period=P), out=tmp_path / "d.png")
    check_png(tmp_path / "d.png")
    # P1 +3,02 months, P2 −2,00 months: 1 of 2 late, median (3,02 − 2,00) / 2 = 0,5
    assert any(f"en retard : 50,0{NB}%" in x and "retard médian : 0,5 mois" in x
               for x in texts(fig))
    plt.close(fig)


def test_lorenz_curve(big, tiny_communes, tmp_path):
    lz = ind.lorenz(big, "commune", layer=tiny_communes, period=P)
    fig = charts.lorenz_curve(lz, territory="communes", out=tmp_path / "l.png")
    check_png(tmp_path / "l.png")
    t = texts(fig)
    assert "Population cumulée des communes (%)" in t
    assert any(x.startswith("Indice de Gini : 0,") for x in t)
    plt.close(fig)


def test_need_alignment(big, tiny_communes, tmp_path):
    eq = ind.commune_equity(big, tiny_communes, period=P)
    rho = ind.need_alignment(big, tiny_communes, period=P)["rho"].iloc[0]
    fig = charts.need_alignment(eq, rho=rho, out=tmp_path / "n.png")
    check_png(tmp_path / "n.png")
    assert "ρ de Spearman : \u22120,21" in texts(fig)  # typographic minus
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Small values, tiny slices, long labels
# --------------------------------------------------------------------------------------------

MINUS = "\u2212"


def tick_texts(axis) -> list[str]:
    """Labels of the ticks inside the view of ``axis`` (after a draw)."""
    axis.figure.canvas.draw()
    lo, hi = sorted(axis.get_view_interval())
    return [t.get_text() for t, v in zip(axis.get_ticklabels(), axis.get_ticklocs(),
                                           strict=True) if lo <= v <= hi]


def assert_distinct(labels):
    assert len(labels) >= 2, labels
    assert len(set(labels)) == len(labels), labels


def test_decimals_for():
    assert charts.decimals_for([0, 0.25, 0.5, 0.75]) == 2
    assert charts.decimals_for([0, 500, 1000]) == 0
    assert charts.decimals_for([0.1, 0.2, 0.3]) == 1
    assert charts.decimals_for([0.0001, 0.0002]) == 3  # never more than 3


def test_mdh_text_is_the_precision_of_the_tables():
    assert charts.mdh_text(1_684_000_000) == f"1{NB}684,000{NB}MDH"
    assert charts.mdh_text(111_630_000) == f"111,630{NB}MDH"
    assert charts.mdh_text(870_404_500) == f"870,405{NB}MDH"  # half-up, not half-even
    assert charts.mdh_text(8_460_000) == f"8,460{NB}MDH"
    assert charts.mdh_text(423_000) == f"0,423{NB}MDH"
    assert charts.mdh_text(600_000_000) == f"600,000{NB}MDH"
    assert charts.mdh_text(0) == f"0,000{NB}MDH"


def test_tick_formatter_small_range_distinct():
    fig, ax = plt.subplots()
    ax.set_ylim(0, 0.42)  # a 420 000 DH convention on an MDH axis
    charts.fine_axis(ax.yaxis)
    labels = tick_texts(ax.yaxis)
    assert_distinct(labels)
    assert labels[0] in ("0,0", "0,00")
    assert len({len(x) for x in labels}) == 1  # one number of decimals on the whole axis
    ax.set_xlim(-2.5, 2.5)
    charts.fine_axis(ax.xaxis)
    assert f"{MINUS}2" in tick_texts(ax.xaxis)  # typographic minus
    plt.close(fig)


def test_committed_vs_released_small_values(programme):
    # unscaled fixture: quartiers 400 001 DH committed, royal 1 000 000 DH → ticks below 1 MDH
    fin = ind.financial(programme, "scale", period=P, ref_date="2021-12-31")
    fig = charts.committed_vs_released(fin, "scale")
    labels = tick_texts(fig.axes[0].xaxis)
    assert_distinct(labels)
    assert all("," in x for x in labels[1:])
    assert f"engagé 1,000{NB}MDH, débloqué 70,0{NB}%" in texts(fig)
    assert f"engagé 0,400{NB}MDH, débloqué 37,5{NB}%" in texts(fig)  # 400 001 DH
    plt.close(fig)


def test_ministry_participation_small_values(programme):
    fig = charts.ministry_participation(ind.bilan(programme, P))
    assert_distinct(tick_texts(fig.axes[0].xaxis))
    # royal: M 600 000 DH of 1 000 000 DH → 0,600 MDH, not "1 MDH sur 1 MDH"
    assert f"0,600{NB}MDH sur 1,000{NB}MDH (60,0{NB}%)" in texts(fig)
    plt.close(fig)


def test_release_curve_small_values(programme):
    curve = ind.release_curve(programme, period=P, ref_date="2021-12-31")
    fig = charts.release_curve(curve)
    assert_distinct(tick_texts(fig.axes[0].yaxis))
    assert f"Engagé : 1,400{NB}MDH" in texts(fig)  # T = 1 400 001 DH
    plt.close(fig)


def test_committed_vs_released_wraps_long_labels(big):
    fin = ind.financial(big, "scale", period=P, ref_date="2021-12-31")
    long = "Ministère de l'Aménagement du Territoire National, de l'Urbanisme et de la Ville"
    fig = charts.committed_vs_released(fin, "scale", labels={"royal": long})
    label = next(x for x in texts(fig) if x.startswith("Ministère"))
    assert "\n" in label and max(len(line) for line in label.split("\n")) <= 40
    assert label.replace("\n", " ") == long
    plt.close(fig)


def test_empty_money_charts_say_so(big):
    fin = ind.financial(big, "scale", period=(2040, 2040))
    fig = charts.committed_vs_released(fin.iloc[0:0], "scale")
    assert charts.EMPTY_MESSAGE in texts(fig)
    plt.close(fig)
    fig = charts.ministry_participation(ind.bilan(big, (2040, 2040)))
    assert charts.EMPTY_MESSAGE in texts(fig)
    plt.close(fig)
    fig = charts.release_curve(ind.release_curve(big, period=(2040, 2040)))
    assert charts.EMPTY_MESSAGE in texts(fig)
    plt.close(fig)


def bars(ax):
    return [p for p in ax.patches if p.get_height() > 0]


def test_delay_distribution_one_project(big):
    # P1 alone: +3,02 months → one bar centred on 3 months, labelled "1"
    fig = charts.delay_distribution(ind.delays(big, project="P1"))
    ax = fig.axes[0]
    (bar,) = bars(ax)
    assert bar.get_height() == 1
    assert bar.get_x() + bar.get_width() / 2 == pytest.approx(3)
    lo, hi = ax.get_xlim()
    assert lo < 0 < 3 < hi and bar.get_width() / (hi - lo) > 0.1  # visible, zero in view
    assert "1" in [t.get_text() for t in ax.texts]
    assert any(x.startswith("1 projet mesuré ; en retard : 100,0") for x in texts(fig))
    assert_distinct(tick_texts(ax.yaxis))
    assert tick_texts(ax.yaxis) == ["0", "1"]
    plt.close(fig)


def test_delay_distribution_two_projects(big):
    # P1 +3,02 and P2 −2,00 months: two bars of one project each, both labelled
    fig = charts.delay_distribution(ind.delays(big, period=P))
    ax = fig.axes[0]
    centres = sorted(p.get_x() + p.get_width() / 2 for p in bars(ax))
    assert centres == pytest.approx([-2, 3])
    assert [t.get_text() for t in ax.texts] == ["1", "1"]
    plt.close(fig)


def test_delay_distribution_empty(big):
    fig = charts.delay_distribution(ind.delays(big, period=(2040, 2040)))
    assert not bars(fig.axes[0])
    assert any(x.startswith("Aucun projet") for x in texts(fig))
    plt.close(fig)


def test_delay_bins_widen_with_spread():
    import numpy as np

    assert np.diff(charts.delay_bins([3.02])).tolist() == [1.0]
    edges = charts.delay_bins(np.linspace(-3, 64, 50))
    assert edges[1] - edges[0] == 3  # 67 months → 3-month bars, at most 24 of them
    assert len(edges) - 1 <= 24
