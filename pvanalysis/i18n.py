"""Languages of the reports: French (the source) and Arabic (an edition), via gettext/Babel.

French stays the source language: every message id is the French text a reader sees, so the
French edition is the code's own strings. The Arabic catalogue is
``pvanalysis/locale/ar/LC_MESSAGES/pvanalysis.po``, read at run time with Babel (no compile
step at install). One language is active per process (a report runs in a process of its
own): :func:`activate` sets it, :func:`_` and :func:`ngettext` translate into it.

In Arabic every number inserted in text is isolated (U+2068 … U+2069) so that « 35,3 % »
reads as written inside a right-to-left sentence (:func:`isolate`).

``make messages`` extracts the messages (``babel.cfg``: the package and the notebooks) and
updates the catalogue; ``tests/test_arabic.py`` checks it is complete.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .errors import ParameterError

#: Languages of the editions; French first (the source and the default).
LANGS = ("fr", "ar")
#: Babel locale of each language (Moroccan official usage for Arabic: Western digits).
LOCALES = {"fr": "fr_FR", "ar": "ar_MA"}
#: Gettext domain of the package's catalogues.
DOMAIN = "pvanalysis"
#: First-strong isolate and pop-directional isolate (Unicode bidi).
FSI, PDI = "\u2068", "\u2069"

_LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_active = "fr"


def catalogue_path(lang: str = "ar") -> Path:
    """Path of a language's ``.po`` catalogue in the package."""
    return _LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_lang(lang: str) -> str:
    """``lang`` if it names an edition, else a French :class:`ParameterError`."""
    if lang not in LANGS:
        raise ParameterError(f"langue inconnue pour « lang » : « {lang} » (langues "
                             f"disponibles : {', '.join(LANGS)})")
    return lang


def activate(lang: str = "fr") -> None:
    """Make ``lang`` the language of every text this process writes from now on."""
    global _active
    _active = check_lang(lang)
    if lang != "fr":
        _translations(lang)  # a broken catalogue fails here, not halfway through a report


def active() -> str:
    """The active language (``"fr"`` unless :func:`activate` said otherwise)."""
    return _active


def locale() -> str:
    """Babel locale of the active language (``fr_FR`` or ``ar_MA``)."""
    return LOCALES[_active]


def rtl() -> bool:
    """True when the active language is written right to left."""
    return _active == "ar"


@functools.lru_cache(maxsize=4)
def _translations(lang: str):
    """The catalogue of ``lang`` as gettext translations (read with Babel, compiled in memory)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with catalogue_path(lang).open("rb") as handle:
        catalogue = read_po(handle, locale=LOCALES[lang], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def _(message: str) -> str:
    """``message`` (French) in the active language."""
    if _active == "fr" or not message:
        return message
    return _translations(_active).gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the active language (Arabic has six)."""
    if _active == "fr":
        return singular if n == 1 else plural
    return _translations(_active).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Mark ``message`` for extraction without translating it (constants, defaults)."""
    return message


def isolate(text: str) -> str:
    """``text`` between Unicode isolates in a right-to-left edition, as is otherwise."""
    if _active == "fr" or not text:
        return text
    if text.startswith(FSI) and text.find(PDI) == len(text) - 1:
        return text  # already one isolated run
    return FSI + text + PDI


_ISOLATED = re.compile(f"{FSI}([^{FSI}{PDI}]*){PDI}")


def bdi(escaped_html: str) -> str:
    """HTML text whose isolated runs become ``<bdi>`` elements (already escaped text)."""
    if FSI not in escaped_html:
        return escaped_html
    # dir="ltr": an isolated run is a figure; a bare <bdi> would take the paragraph's
    # direction when it holds no strong letter (HTML dir=auto) and show « % 35,3 »
    return _ISOLATED.sub(r'<bdi dir="ltr">\1</bdi>', escaped_html)


def name_column() -> str:
    """Column of territory names shown in the active language (HCP's Arabic names in Arabic)."""
    return "name_ar" if _active == "ar" else "name_fr"


def translate_markdown(source: str) -> str:
    """A notebook's markdown cell in the active language: each paragraph (a heading, a
    sentence block) is one message, ``## `` kept outside the message."""
    if _active == "fr":
        return source
    out = []
    for block in source.split("\n\n"):
        stripped = block.strip()
        marks = re.match(r"^(#+\s+)", stripped)
        if marks:
            out.append(marks.group(1) + _(stripped[marks.end():]))
        else:
            out.append(_(stripped) if stripped else block)
    return "\n\n".join(out)


def markdown_messages(source: str) -> list[str]:
    """The messages of a markdown cell, as :func:`translate_markdown` looks them up."""
    found = []
    for block in source.split("\n\n"):
        stripped = block.strip()
        marks = re.match(r"^(#+\s+)", stripped)
        text = stripped[marks.end():] if marks else stripped
        if text:
            found.append(text)
    return found


def extract_notebook(fileobj, keywords, comment_tags, options):
    """Babel extractor of a notebook (``babel.cfg``): its title (the page's when no cell
    gives one), its markdown paragraphs, and the ``_()`` calls of its code cells (Babel's
    Python extractor)."""
    import io
    import json

    from babel.messages.extract import extract_python

    notebook = json.loads(fileobj.read().decode("utf-8"))
    title = notebook.get("metadata", {}).get("title")
    if title:
        yield 0, None, title, []
    cells = notebook.get("cells", [])
    for number, cell in enumerate(cells, 1):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            for text in markdown_messages(source):
                yield number, None, text, []
        elif cell.get("cell_type") == "code":
            for lineno, func, message, comments in extract_python(
                    io.BytesIO(source.encode("utf-8")), keywords, comment_tags, options):
                yield number * 1000 + lineno, func, message, comments


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) or hasattr(value, "values") and callable(value.values):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def extract_tables(fileobj, keywords, comment_tags, options):
    """Babel extractor of the label tables listed in ``locale/tables.txt`` (the values of
    dictionaries the code declares once, and the YAML scales)."""
    from importlib import import_module

    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        target, tail = (line[:-4], True) if line.endswith("[1:]") else (line, False)
        module, attribute = target.split(":")
        value = getattr(import_module(module), attribute)
        value = value() if callable(value) else value
        rows = [row[1:] for row in value] if tail else [value]
        for text in dict.fromkeys(s for row in rows for s in _strings(row) if s.strip()):
            yield lineno, None, text, []


class using:  # noqa: N801 (reads as a statement: ``with i18n.using("ar"):``)
    """Context in which ``lang`` is active, the previous language restored on exit."""

    def __init__(self, lang: str):
        self.lang, self.previous = check_lang(lang), _active

    def __enter__(self):
        self.previous = _active
        activate(self.lang)
        return self

    def __exit__(self, *exc):
        activate(self.previous)
        return False


def font_face(text: str, family: str = "PV Arabic") -> str:
    """A CSS ``@font-face`` embedding the shipped Arabic font (``fontpkg-noto-sans-arabic``),
    cut down to the characters of ``text`` (fontTools), as base64: pages stay self-contained
    and look the same on any machine."""
    import base64
    import io

    import fontpkg_noto_sans_arabic
    from fontTools import subset

    path = next(iter(sorted(fontpkg_noto_sans_arabic.ROOT.glob("files/*.ttf"))))
    options = subset.Options()
    options.layout_features = ["*"]  # joining forms and ligatures of Arabic
    options.name_IDs = ["*"]
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + "0123456789.,%")
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{family}"; font-weight: 100 900; '
            f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}')


def untranslated(lang: str = "ar") -> list[str]:
    """Message ids of ``lang``'s catalogue left empty or fuzzy (a complete one has none)."""
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as handle:
        catalogue = read_po(handle, locale=LOCALES[lang], domain=DOMAIN)
    out = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if message.fuzzy or not all(s.strip() for s in strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


if __name__ == "__main__":  # make messages: say what is left to translate
    left = untranslated("ar")
    print(f"catalogue arabe : {len(left)} message(s) à traduire")
    for message in left[:20]:
        print(f"  {message}")
