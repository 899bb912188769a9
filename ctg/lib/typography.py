"""French typography for documents: non-breaking spaces before ; : ! ? and inside « », and
curly quotes, applied to text users typed; dates written out ("1er juillet 2022"); names,
addresses and identifiers never cut at a line end; names sorted in French order."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from django.utils import formats

NBSP = "\u00a0"
NNBSP = "\u202f"

_SPACE_BEFORE_TIGHT = re.compile(r"[ \u00a0\u202f]*([;!?])(?=\s|$|[»)\]])")
_ATTACHED_TIGHT = re.compile(r"(?<=[\w»)])([;!?])(?=\s|$)")
_SPACE_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]+:")
_OPEN_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_GUILLEMET = re.compile(r"[ \u00a0\u202f]*»")
_STRAIGHT_QUOTES = re.compile(r'"([^"\n]+)"')


def french(text) -> str:
    if not text:
        return "" if text is None else text
    text = str(text)
    text = _STRAIGHT_QUOTES.sub(r"«\1»", text)
    text = _SPACE_BEFORE_TIGHT.sub(lambda m: NNBSP + m.group(1), text)
    text = _ATTACHED_TIGHT.sub(lambda m: NNBSP + m.group(1), text)
    text = _SPACE_BEFORE_COLON.sub(NBSP + ":", text)
    text = _OPEN_GUILLEMET.sub("«" + NBSP, text)
    text = _CLOSE_GUILLEMET.sub(NBSP + "»", text)
    return text


def fr_date(value) -> str:
    """ "1er juillet 2022", "12 juillet 2022", from a date or an ISO string."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    text = formats.date_format(value, "j F Y")
    return f"1er{text[1:]}" if value.day == 1 else text


def lower_first(text) -> str:
    """ "Le Maire" → "le Maire": a title inside a sentence, proper nouns after it untouched."""
    text = str(text or "")
    return text[:1].lower() + text[1:]


THIN_SPACE = "\u202f"


def fr_number(value, decimals=2):
    """12345.50 → "12 345,5"; the shortest writing, at most `decimals` decimals."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-int(decimals)))
    except (InvalidOperation, ValueError):
        return value
    text = format(number.normalize(), "f")
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    result = sign + THIN_SPACE.join(groups)
    return f"{result},{fraction}" if fraction else result


_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_UNBREAKABLE = re.compile(
    r"(?:https?://|www\.)[^\s<]+[^\s<.,;:!?)»]"  # a web address
    r"|\b[\w'’.@]+(?:[-/][\w'’.@]+)+"  # a compound name, an identifier: Clermont-Ferrand, 063-216302406-…-DE
)
_RAW_ELEMENTS = ("style", "script", "svg", "title")


def keep_together(html: str) -> str:
    """The document's HTML with every compound name, web address and identifier of its text
    wrapped in a span that is never broken across lines (print.css: .nowrap): « Clermont-
    Ferrand » and « www.exemple-du- territoire.fr » cannot happen."""
    parts = _TAG_OR_TEXT.split(html)
    raw_depth = 0
    for index, part in enumerate(parts):
        if part.startswith("<"):
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in _RAW_ELEMENTS and not part.endswith("/>"):
                raw_depth += -1 if part.startswith("</") else 1
        elif part and raw_depth == 0:
            parts[index] = _UNBREAKABLE.sub(r'<span class="nowrap">\g<0></span>', part)
    return "".join(parts)


@cache
def _collator():
    from pyuca import Collator

    return Collator()


def french_sort_key(text: str):
    """The key that sorts names as a French reader expects (the Unicode collation algorithm:
    accents and case count only after the letters): Désertines before Domérat, Effiat among
    the E's, Évian after Espaly."""
    return _collator().sort_key(text)


def french_sorted(items, key=lambda item: item):
    return sorted(items, key=lambda item: french_sort_key(str(key(item))))
