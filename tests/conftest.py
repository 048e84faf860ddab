"""Shared pytest fixtures. Each owner keeps fixtures in a clearly named section."""

from __future__ import annotations

import sys
import types

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

# ---------------------------------------------------------------------------------------------
# Indicators, charts and maps: tiny hand-made territories and programme tables
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def tiny_regions() -> gpd.GeoDataFrame:
    """Three square 'regions' side by side (1° each); the third has no 2024 population."""
    return gpd.GeoDataFrame(
        {
            "code": ["01", "02", "03"],
            "name_fr": ["Nord", "Centre", "Sud"],
            "name_ar": ["الشمال", "الوسط", "الجنوب"],
            "population_2014": pd.array([900_000, 1_800_000, 250_000], dtype="Int64"),
            "population_2024": pd.array([1_000_000, 2_345_678, None], dtype="Int64"),
        },
        geometry=[box(-6, 34, -5, 35), box(-6, 33, -5, 34), box(-6, 32, -5, 33)],
        crs="EPSG:4326",
    )


@pytest.fixture
def fake_layers(monkeypatch):
    """Route ``territories.load_layer`` to in-memory layers: ``fake_layers({"region": gdf})``."""

    def install(layers: dict[str, gpd.GeoDataFrame]) -> None:
        def load_layer(level, processed_dir=None, display=False):
            return layers[level].copy()

        try:
            import pvanalysis.territories as territories
        except ImportError:
            territories = types.ModuleType("pvanalysis.territories")
            monkeypatch.setitem(sys.modules, "pvanalysis.territories", territories)
            import pvanalysis

            monkeypatch.setattr(pvanalysis, "territories", territories, raising=False)
        monkeypatch.setattr(territories, "load_layer", load_layer, raising=False)

    return install


_ = Point  # used by later fixtures
