"""The words of a report: title and cut-off line, key messages, glossary, unknown cells."""

from __future__ import annotations

import pandas as pd

from pvanalysis import present, story

NB = "\u00a0"


def test_header_names_the_report_and_its_cutoff():
    head = story.header("Région Fès-Meknès — fiche territoriale 2017–2021", "2025-09-30",
                        "Intro <b>", ["Un.", "Deux.", "Trois."])
    text, metadata = head._repr_html_()
    assert metadata == {"pv_title": "Région Fès-Meknès — fiche territoriale 2017–2021"}
    assert "<h1" in text and "Données arrêtées au 30 septembre 2025" in text
    assert 'href="#glossaire"' in text and "Intro &lt;b&gt;" in text
    assert text.count("<li>") == 3
    assert "date non renseignée" in story.header("t", None)._repr_html_()[0]


def test_release_sentence_is_written_from_the_figures():
    assert story.release_sentence("le Ministère", 424_565_000, 1_202_000_000, []) == (
        f"Le Ministère a débloqué 35,3{NB}% de sa contribution, soit 424,565{NB}MDH sur "
        f"1{NB}202,000{NB}MDH.")
    absent = story.release_sentence("le Ministère", 0, 1_202_000_000, ["disbursements"])
    assert "non renseigné" in absent and "0" not in absent


def test_bilan_messages_are_three_to_five_and_name_the_late_projects():
    bilan = pd.DataFrame({"scale": ["royal", "medina"], "projects": [12, 6],
                          "ministry_dh": [1_202_000_000, 657_000_000],
                          "ministry_released_dh": [424_565_000, 0]})
    total = pd.DataFrame({"cost_dh": [5_971_000_000], "ministry_dh": [1_859_000_000],
                          "ministry_share": [1_859 / 5_971],
                          "ministry_released_dh": [424_565_000]})
    counts = pd.DataFrame({"closed": [1], "late": [11], "stalled": [0], "on_track": [6],
                           "unknown": [0], "projects": [18]})
    messages = story.bilan_messages(bilan, total, counts, period=(2017, 2021))
    assert 3 <= len(messages) <= 5
    assert messages[0].startswith("De 2017 à 2021, 18 projets ont été contractualisés")
    assert f"35,3{NB}%, soit 424,565{NB}MDH sur 1{NB}202,000{NB}MDH" in messages[1]
    assert "11 des 18 projets sont en retard" in messages[2]


def test_table_shows_unknown_columns_as_non_renseigne():
    frame = pd.DataFrame({"scale": ["royal"], "cost_dh": [1_684_000_000],
                          "released_dh": [0], "disbursement_rate": [0.0]})
    text = str(present.table(frame, unknown={"released_dh", "disbursement_rate"}))
    assert text.count("non renseigné") == 2
    assert f"0,000{NB}MDH" not in text and f"0,0{NB}%" not in text
    assert f"1{NB}684,000{NB}MDH" in text


def test_glossary_is_one_section_with_formulas_and_units():
    from pvanalysis.indicators.glossary import GLOSSARY

    text = str(story.glossary())
    assert 'id="glossaire"' in text and text.count("<tr id=") == len(GLOSSARY)
    assert "ΣD à la date d&#x27;arrêt / ΣS échu" in text and "DH/hab." in text
