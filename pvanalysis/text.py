"""Text helpers shared by every step: folding for comparison, suggestions, level names.

One folding rule for headers, names, labels and file names (``fold``), one way to suggest
the closest known values to a mistyped one (``suggest``), one set of French names of the
territorial levels (``LEVEL_NAMES``). No side effects; rapidfuzz is imported on first use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

#: French names of the territorial levels: level → (singular, plural).
LEVEL_NAMES = {
    "region": ("région", "régions"),
    "province": ("province", "provinces et préfectures"),
    "commune": ("commune", "communes"),
    "arrondissement": ("arrondissement", "arrondissements"),
    "urban_centre": ("centre urbain", "centres urbains"),
}


def fold(text: object) -> str:
    """Accents removed and lower case, ligatures spelt out: the compare-ready letters.

    ``"Échéancier"`` → ``"echeancier"``; ``"Œuvre"`` → ``"oeuvre"``; ``"Fès"`` → ``"fes"``.
    Characters without an ASCII letter base (Arabic) are dropped. Punctuation and spacing are
    left to the caller.

    Examples
    --------
    >>> fold("Béni-Mellal Œuvres Æ")
    'beni-mellal oeuvres ae'
    """
    text = str(text).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


def unaccent(text: object) -> str:
    """Accents removed, case kept: ``"Fès"`` → ``"Fes"`` (how accent-less files write names)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def suggest(asked: object, choices: Iterable[str], limit: int = 3,
            cutoff: float = 40.0) -> list[str]:
    """The known values closest to ``asked``, best first (compared folded).

    Parameters
    ----------
    asked : str
        What a person typed.
    choices : iterable of str
        The known values (returned as they are written).
    limit : int, default 3
        At most this many suggestions.
    cutoff : float, default 40
        Minimum similarity (0–100, normalised Levenshtein on folded text).

    Returns
    -------
    list of str
        Possibly empty.

    Examples
    --------
    >>> suggest("regoin", ["region", "province", "commune"])
    ['region']
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    choices = list(dict.fromkeys(str(c) for c in choices))
    folded = [fold(c) for c in choices]
    best = process.extract(fold(asked), folded, scorer=Levenshtein.normalized_similarity,
                           limit=limit, score_cutoff=cutoff / 100)
    return [choices[i] for _, _, i in best]


def suggestion(asked: object, choices: Iterable[str]) -> str:
    """The French tail of an error message: ``". Suggestion : a, b"``, or the values allowed
    when nothing is close (``". Valeurs possibles : …"``)."""
    choices = list(choices)
    close = suggest(asked, choices)
    if close:
        return ". Suggestion : " + ", ".join(close)
    return ". Valeurs possibles : " + ", ".join(choices)
