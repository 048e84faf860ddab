"""Constants shared by every step: folders, CRS, units, thresholds. No side effects."""

import os
from pathlib import Path

#: Default folders, relative to the working directory (never to this file).
RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
REPORTS_DIR = Path("reports")

#: Stored geometries are lon/lat WGS 84; areas and distances use a metric CRS.
STORAGE_CRS = "EPSG:4326"
#: Lambert Nord Maroc, the CRS of many official Moroccan boundary files.
LAMBERT_NORD_MAROC = "EPSG:26191"
#: Metric CRS for areas and distances over the whole country (equal-area, Africa).
METRIC_CRS = "ESRI:102022"

#: Money factors: amounts are stored in integer dirhams.
DH_PER_KDH = 1_000
DH_PER_MDH = 1_000_000

#: File declaring the intervention scales (code, French label, published key, aliases);
#: ``PVANALYSIS_ECHELLES`` names a replacement (a ministry adds « ville » there, not in code).
SCALES_FILE = Path(os.environ.get("PVANALYSIS_ECHELLES")
                   or Path(__file__).parent / "data" / "echelles.yaml")


def read_scales(path: Path = SCALES_FILE) -> list[dict]:
    """The intervention scales declared in ``path``, in display order.

    Returns
    -------
    list of dict
        ``code``, ``label`` (French), ``published`` (key in the published figures, or
        ``None``), ``aliases`` (other spellings accepted in the workbook).

    Raises
    ------
    ValueError
        The file is not a list of scales with a unique ``code`` and a ``label`` each.
    """
    import yaml

    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries or not all(
            isinstance(e, dict) and e.get("code") and e.get("label") for e in entries):
        raise ValueError(f"{path} : une liste d'échelles, chacune avec un code et un libellé, "
                         "est attendue")
    codes = [str(e["code"]) for e in entries]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path} : deux échelles portent le même code")
    return [{"code": str(e["code"]), "label": str(e["label"]),
             "published": e.get("published"), "aliases": [str(a) for a in e.get("aliases", [])]}
            for e in entries]


_SCALES = read_scales()
#: Intervention scales (échelles d'intervention), code → French label, in display order.
SCALES = {s["code"]: s["label"] for s in _SCALES}
#: Scale code → key of that scale in the published figures (``published_figures.yaml``).
SCALE_PUBLISHED = {s["code"]: s["published"] for s in _SCALES if s["published"]}
#: Scale code → other spellings accepted in the workbook.
SCALE_ALIASES = {s["code"]: tuple(s["aliases"]) for s in _SCALES}

#: Convention kinds.
CONVENTION_KINDS = {"cadre": "Convention cadre", "financement": "Convention de financement"}

#: Partner categories, code → French label.
PARTNER_CATEGORIES = {
    "ministry": "Ministère chargé de la politique de la ville",
    "state": "Autre département de l'État",
    "local_authority": "Collectivité territoriale",
    "public_establishment": "Établissement public",
    "fund": "Fonds",
    "other": "Autre",
}

#: Target types of a project (what it covers).
TARGET_TYPES = {
    "quartier": "Quartier sous-équipé",
    "centre": "Centre émergent",
    "commune": "Commune",
    "medina": "Médina",
}

#: The four phases of a project and their steps (from the Ministry's process).
PHASES = {
    "preparatoire": ("Phase préparatoire", {
        "volonte_locale": "Volonté locale",
        "diagnostic": "Diagnostic territorial",
        "territoire": "Territoire défini",
    }),
    "montage": ("Montage du projet", {
        "vision": "Vision de développement",
        "programme": "Programme d'intervention",
        "axes": "Axes d'intervention",
        "pilotage": "Pilotage du projet",
    }),
    "contractualisation": ("Négociation et contractualisation", {
        "mobilisation": "Mobilisation des fonds",
        "negociation": "Négociation et formalisation de la convention",
        "engagements": "Engagements et échéanciers",
    }),
    "mise_en_oeuvre": ("Mise en œuvre et suivi", {
        "deblocage": "Déblocage des fonds",
        "tableaux_de_bord": "Tableaux de bord",
        "evaluation": "Évaluation",
    }),
}

#: Intervention axes of actions.
AXES = {
    "vrd": "Voirie et réseaux divers",
    "equipements": "Équipements socio-culturels et de proximité",
    "espaces_verts": "Espaces verts",
    "places_publiques": "Places publiques",
    "bati": "Réhabilitation du bâti",
    "patrimoine": "Préservation du patrimoine",
    "activite_economique": "Activité économique et centralités",
}

#: A convention's commitments may differ from its amount by this much before a flag (DH).
COMMITMENT_TOLERANCE_DH = 1_000

#: Fuzzy name matching: minimum rapidfuzz score (0-100) to accept a match.
FUZZY_THRESHOLD = 90

#: Versions of the processed data a store keeps (older ones are pruned, never the current).
KEEP_VERSIONS = 5
