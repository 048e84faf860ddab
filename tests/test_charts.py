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
    out = [t.get_text() for t in fig.texts]
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
    assert f"600{NB}MDH sur 1{NB}000{NB}MDH (60,0{NB}%)" in t
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
    assert f"débloqué 37,5{NB}%" in t and f"débloqué 70,0{NB}%" in t
    assert "Montants tous partenaires (MDH)" in t
    plt.close(fig)


def test_release_curve(big, tmp_path):
    curve = ind.release_curve(big, period=P, ref_date="2021-12-31")
    fig = charts.release_curve(curve, out=tmp_path / "s.png")
    check_png(tmp_path / "s.png")
    t = texts(fig)
    assert f"Engagé : 1{NB}400,0{NB}MDH" in t  # T = 1 400 001 000 DH
    assert f"850,0{NB}MDH" in t
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
    assert "ρ de Spearman : -0,21" in texts(fig) or "ρ de Spearman : −0,21" in texts(fig)
    plt.close(fig)
