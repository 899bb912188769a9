"""How the shared diagnostic is organised, for its page and for the convention's text."""

from collections.abc import Callable, Iterable


def diagnostic_groups(
    own_sections: Iterable[tuple[object, str]],
    fields: Iterable[tuple[object, str]],
    items: Iterable,
    *,
    section_of: Callable,
    field_of: Callable,
) -> list[dict]:
    """The diagnostic's headings with what each holds: first the convention's own headings
    (« Démographie et familles », « Accès aux droits »), in its order, then, for what has no
    heading of its own, the national intervention fields it is tagged with. `own_sections` and
    `fields` are (key, title) pairs; an item is placed by `section_of(item)`, else by
    `field_of(item)`; items with neither are left out (the territory's key figures). Only
    headings that hold something are returned."""
    groups = [{"key": ("section", key), "title": title, "items": []} for key, title in own_sections]
    groups += [{"key": ("field", key), "title": title, "items": []} for key, title in fields]
    by_key = {group["key"]: group for group in groups}
    for item in items:
        section, field = section_of(item), field_of(item)
        group = by_key.get(("section", section)) if section is not None else by_key.get(("field", field))
        if group is not None:
            group["items"].append(item)
    return [group for group in groups if group["items"]]
