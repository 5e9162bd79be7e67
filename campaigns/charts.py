"""Charts drawn on the server as inline SVG: no script, no CDN, sharp in print and in PDFs."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 8


def bar_chart(
    items: list[tuple[str, int]],
    *,
    title: str,
    max_value: int | None = None,
    suffix: str = "",
) -> SafeString:
    """Horizontal bars, one per (label, value), longest for the largest value (or max_value)."""
    largest = max_value or max((value for _label, value in items), default=0) or 1
    bar_room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW_HEIGHT * max(len(items), 1)
    rows = []
    for index, (label, value) in enumerate(items):
        y = TOP + index * ROW_HEIGHT
        length = round(bar_room * min(value, largest) / largest) if value else 0
        rows.append(
            (
                LABEL_WIDTH - 8,
                y + ROW_HEIGHT / 2,
                label,
                LABEL_WIDTH,
                y + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                length,
                BAR_HEIGHT,
                LABEL_WIDTH + length + 6,
                y + ROW_HEIGHT / 2,
                value,
                suffix,
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="#a1262b"></rect>'
        '<text x="{}" y="{}" dominant-baseline="middle" class="value">{}{}</text>',
        rows,
    )
    return format_html(
        # Presentation attributes rather than page CSS, so that WeasyPrint draws the same.
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="13" fill="#1d2630" '
        'font-family="Noto Sans CJK SC, sans-serif"><title>{}</title>'
        '<g fill="#1d2630">{}</g></svg>',
        WIDTH,
        height,
        title,
        title,
        body,
    )
