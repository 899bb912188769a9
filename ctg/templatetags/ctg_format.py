"""French number formatting for pages and documents: 1 234,5 (narrow no-break space)."""

from django import template

from ctg.lib.typography import fr_date as format_date
from ctg.lib.typography import fr_number as format_number
from ctg.lib.typography import french, lower_first

register = template.Library()


@register.filter
def fr_number(value, decimals=2):
    """12345.50 → "12 345,5"; the shortest writing, at most `decimals` decimals."""
    return format_number(value, decimals)


@register.filter
def fr_plural(count, suffix="s"):
    """French plural: "0 fiche", "1 fiche", "2 fiches" (unlike `pluralize`, 0 is singular)."""
    try:
        return suffix if abs(int(count)) > 1 else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def typo(text):
    """French typography: non-breaking spaces before ; : ! ? and inside « »."""
    return french(text)


@register.filter
def fr_filesize(size):
    """98 304 → "96 Ko", 2 500 000 → "2,4 Mo": the units a French reader knows."""
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{fr_number(size / 1024, 0)} Ko"
    return f"{fr_number(size / (1024 * 1024), 1)} Mo"


@register.filter
def lowerfirst(text):
    """ "Le Maire" → "le Maire" (Django's `lower` would also lower "Caf du Puy-de-Dôme")."""
    return lower_first(text)


@register.filter
def fr_date(value):
    """ "1er juillet 2022", "12 juillet 2022" from a date or an ISO string."""
    if not value:
        return ""
    return format_date(value)
