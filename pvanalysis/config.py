"""Constants shared by every step: folders, CRS, units, thresholds. No side effects."""

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

#: Intervention scales (échelles d'intervention), code → French label.
SCALES = {
    "royal": "Projets présentés à Sa Majesté",
    "quartiers": "Quartiers sous-équipés",
    "medina": "Médinas",
    "centre": "Centres émergents",
}

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
