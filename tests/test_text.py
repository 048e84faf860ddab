"""One folding rule and one suggestion helper for every French message."""

from pvanalysis.text import LEVEL_NAMES, fold, suggest, suggestion, unaccent


def test_fold_removes_accents_case_and_ligatures():
    assert fold("Échéancier Œuvre Æ Fès") == "echeancier oeuvre ae fes"
    assert unaccent("Fès-Meknès") == "Fes-Meknes"


def test_suggest_compares_folded_text_and_keeps_the_spelling():
    assert suggest("FES", ["Fès", "Rabat", "Safi"], limit=1) == ["Fès"]
    assert suggest("xyz", ["region", "province"]) == []
    assert suggest("xyz", ["region", "province"], cutoff=0) == ["region", "province"]


def test_suggestion_lists_the_allowed_values_when_nothing_is_close():
    assert suggestion("regoin", ["region", "commune"]) == ". Suggestion : region"
    assert suggestion("xyz", ["region", "commune"]) == ". Valeurs possibles : region, commune"


def test_level_names_have_a_singular_and_a_plural():
    assert LEVEL_NAMES["province"] == ("province", "provinces et préfectures")
