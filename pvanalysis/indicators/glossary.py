"""The glossary of the indicators: one source for every report's glossary section.

Each entry gives the French name of an indicator, its formula in the notation of the
design (C committed, S échéancier, D released, T total cost, M Ministry contribution,
P population), its unit and what it tells. Reports render it with
:func:`pvanalysis.story.glossary`; ``python -m pvanalysis.indicators.glossary`` prints it
as Markdown.
"""

from __future__ import annotations

from .status import STALL_IDLE_MONTHS, STALL_NO_RELEASE_MONTHS

#: (anchor, indicator, formula, unit, meaning), in the order of the reports.
GLOSSARY = [
    ("arret", "Date d'arrêt des données",
     "ref_date donné au rapport, sinon date d'arrêt de la construction, sinon dernier "
     "déblocage, signature ou achèvement daté des tables", "date",
     "Tous les chiffres sont « au » cette date : déblocages jusqu'à elle, échéancier dû "
     "jusqu'à elle, retards comptés jusqu'à elle."),
    ("investissement", "Investissement total (coût)", "T = ΣC (engagements des partenaires)",
     "MDH", "Ce que les partenaires se sont engagés à financer par les conventions cadres."),
    ("contribution", "Contribution du Ministère", "M = C du Ministère", "MDH",
     "Part de l'investissement engagée par le Ministère."),
    ("part-ministere", "Part du Ministère", "M / T", "%",
     "Poids du Ministère dans le financement."),
    ("deblocage", "Taux de déblocage du Ministère", "D du Ministère / M", "%",
     "Ce que le Ministère a versé de sa contribution à la date d'arrêt."),
    ("execution", "Taux de déblocage global", "ΣD / ΣC", "%",
     "Ce que tous les partenaires ont versé de leurs engagements."),
    ("reste", "Reste à débloquer", "ΣC − ΣD", "MDH", "Engagé mais pas encore versé."),
    ("levier", "Effet levier", "T / M ; (T − M) / M", "×",
     "Dirhams investis (et dirhams des partenaires) par dirham du Ministère."),
    ("echeancier", "Respect de l'échéancier", "ΣD à la date d'arrêt / ΣS échu à la date "
     "d'arrêt (montant d'une année échu le 31 décembre)", "%",
     "Ce qui a été versé de ce qui devait l'être ; l'échéancier des années à venir n'est "
     "pas compté."),
    ("realisation", "Taux de réalisation d'un partenaire", "D_p / C_p", "%",
     "Ce qu'un partenaire a versé de son engagement."),
    ("habitant", "Investissement par habitant", "T / P (et M / P), P : population RGPH 2024 "
     "du territoire", "DH/hab.",
     "Montants d'un projet répartis entre les communes de ses cibles au prorata de leur "
     "population."),
    ("achevement", "Achèvement physique", "actions achevées / actions programmées", "%",
     "Une action est achevée quand son avancement atteint 100 %."),
    ("avancement", "Avancement physique pondéré", "Σ coût × avancement / Σ coût", "%",
     "Avancement des travaux pondéré par le coût des actions."),
    ("ecart-fp", "Écart financier–physique", "taux de déblocage global − avancement pondéré",
     "points", "Positif : l'argent avance plus vite que les travaux."),
    ("retard", "Retard", "fin comparée − échéance prévue (fin effective, sinon prévisionnelle "
     "si postérieure à la date d'arrêt, sinon date d'arrêt une fois l'échéance dépassée)",
     "mois", "Un projet non achevé dont l'échéance est dépassée est en retard jusqu'à son "
     "achèvement."),
    ("statut", "Statut d'un projet ou d'une convention",
     "Achevé (fin effective) ; En retard (échéance dépassée non achevé, ou fin prévisionnelle "
     f"après l'échéance) ; À l'arrêt (aucun déblocage {STALL_NO_RELEASE_MONTHS} mois après "
     f"la signature, ou aucun déblocage depuis {STALL_IDLE_MONTHS} mois alors que des "
     "montants échus restent à verser) ; Dans les délais (sinon)", "—",
     "Le premier statut qui s'applique, dans cet ordre, avec ses raisons."),
    ("demarrage", "Délai de démarrage", "premier déblocage − signature de la convention cadre",
     "jours", "Temps mis à verser le premier dirham."),
    ("couverture", "Couverture", "cibles traitées / cibles éligibles ; population des cibles "
     "traitées / population des cibles", "%", "Quartiers et centres atteints par les projets."),
    ("quintile", "Quintile national de privation", "rang de l'indice de privation parmi les "
     "1 500 communes du pays, 5 = cinquième le plus défavorisé", "1–5",
     "Indice : moyenne des écarts réduits des indicateurs du recensement (eau, électricité, "
     "assainissement, habitat sommaire, analphabétisme, chômage, distance à une route "
     "revêtue). Le quintile est toujours national, même sur une fiche territoriale."),
    ("ciblage", "Part ciblée", "investissement dans le quintile national 5 / investissement",
     "%", "À comparer à la part de la population du quintile 5 : au-dessus, l'investissement "
     "va davantage aux communes les plus défavorisées."),
    ("alignement", "Alignement sur les besoins", "ρ de Spearman entre investissement par "
     "habitant et indice de privation des communes", "−1…1",
     "Positif : plus d'argent par habitant là où la privation est forte ; proche de 0 : "
     "aucun lien."),
    ("concentration", "Concentration", "indice de Herfindahl Σ s² des parts de "
     "l'investissement ; part des trois premiers territoires", "0–1, %",
     "Proche de 1 : l'investissement se concentre sur peu de territoires."),
    ("non-renseigne", "Non renseigné", "source absente de la construction ou sans ligne pour "
     "la sélection", "—", "Une valeur inconnue n'est jamais montrée comme un zéro."),
]


def as_markdown() -> str:
    """The glossary as a Markdown table (French)."""
    rows = ["| Indicateur | Formule | Unité | Lecture |", "|---|---|---|---|"]
    rows += [f"| {name} | {formula} | {unit} | {meaning} |"
             for _, name, formula, unit, meaning in GLOSSARY]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(as_markdown(), end="")
