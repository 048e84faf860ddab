"""Errors a user sees (French, naming where the problem is) versus programming errors.

A bad row is never an exception: it goes to the quarantine. These are raised only when a
whole input is unusable, or when a territory asked for does not exist.
"""

from __future__ import annotations


class PvInputError(Exception):
    """An input a person supplied cannot be used; the message is French and says where."""


class InputFileError(PvInputError):
    """A raw file (or a sheet, row, column of it) is unusable.

    Parameters
    ----------
    problem : str
        What is wrong, in French (``"montant illisible"``).
    file, sheet, row, column, value : optional
        Where: ``row`` is the row number as Excel or a text editor shows it (1-based,
        header included).
    hint : str, optional
        What to try next, printed after ``Suggestion :``.

    Examples
    --------
    >>> str(InputFileError("montant illisible", file="conventions.xlsx", sheet="Engagements",
    ...                    row=14, column="Montant (MDH)", value="1.684,OO", hint="écrire 1 684,00"))
    'conventions.xlsx, feuille « Engagements », ligne 14, colonne « Montant (MDH) » : montant illisible (valeur lue : « 1.684,OO »). Suggestion : écrire 1 684,00'
    """

    def __init__(self, problem: str, *, file=None, sheet=None, row=None, column=None,
                 value=None, hint=None):
        self.problem, self.file, self.sheet, self.row = problem, file, sheet, row
        self.column, self.value, self.hint = column, value, hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = [str(self.file)] if self.file is not None else []
        if self.sheet is not None:
            where.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        text = (", ".join(where) + " : " if where else "") + self.problem
        if self.value is not None:
            text += f" (valeur lue : « {self.value} »)"
        if self.hint:
            text += f". Suggestion : {self.hint}"
        return text


class UnknownTerritoryError(PvInputError, LookupError):
    """A territory code or name that the reference does not hold; suggests the closest."""

    def __init__(self, asked: str, level: str, suggestions: list[str] | None = None):
        self.asked, self.level, self.suggestions = asked, level, list(suggestions or [])
        text = f"territoire inconnu au niveau « {level} » : « {asked} »"
        if self.suggestions:
            text += ". Suggestion : " + ", ".join(self.suggestions)
        super().__init__(text)


class ParameterError(PvInputError, ValueError):
    """A report parameter is wrong (unknown convention, empty period…); French message."""
