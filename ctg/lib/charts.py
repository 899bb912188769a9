"""Charts drawn by the app as SVG (no JavaScript, nothing from elsewhere); every chart goes
with a table of the same figures for screen readers."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#1d4e6b", "#b34700", "#3f7d4e", "#6b4a8a", "#8a6d1d", "#4a6b8a", "#a4161a"]


def bar_chart(rows, *, title: str, unit: str = "", maximum: float | None = None, width: int = 560) -> str:
    """Horizontal bars: rows are (label, value). Returns an <svg> element as safe HTML."""
    rows = list(rows)
    bar, gap, label_width = 18, 8, 210
    height = max(1, len(rows)) * (bar + gap) + 10
    top = maximum if maximum is not None else max([value for _, value in rows] + [1])
    top = top or 1
    scale = (width - label_width - 60) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" font-family="Source Sans 3, sans-serif" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(rows):
        y = 5 + index * (bar + gap)
        length = max(0.0, float(value or 0) * scale)
        text = label if len(str(label)) <= 34 else str(label)[:33] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar - 5}" text-anchor="end" font-size="12" fill="#1f2328">{escape(text)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{PALETTE[0]}" rx="2"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar - 5}" font-size="12" fill="#1f2328">'
            f"{escape(_format(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped


def _format(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value)) if isinstance(value, float) else str(value)
