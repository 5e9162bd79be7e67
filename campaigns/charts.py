"""Charts drawn on the server: no script, no CDN.

On the web pages a chart is a list of labelled <meter> bars (``BarChart``): its text is the
page's own, legible on a phone in Chinese and Tibetan, and it wraps. In PDFs (WeasyPrint) it
is an inline SVG (``bar_chart``), sharp at any print size.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 8


@dataclass(frozen=True)
class BarChart:
    """A chart for templates/partials/bar_chart.html: one bar per (label, value)."""

    title: str
    # A value of None is a bar with nothing to show (a rate of a month without figures).
    items: list[tuple[str, int | Decimal | None]]
    max_value: int | None = None
    suffix: str = ""
    # What the chart says when no bar has a value; the partial's own words when empty.
    empty: str = ""

    @property
    def largest(self) -> int | Decimal:
        """The value of a full bar: ``max_value``, or the largest value (1 if all are 0)."""
        values = (value for _label, value in self.items if value is not None)
        return self.max_value or max(values, default=0) or 1

    @property
    def has_data(self) -> bool:
        return any(value for _label, value in self.items)


def bar_chart(
    items: list[tuple[str, int | Decimal | None]],
    *,
    title: str,
    max_value: int | None = None,
    suffix: str = "",
) -> SafeString:
    """Horizontal bars, one per (label, value), longest for the largest value (or max_value);
    a value of None (a rate of a month without figures) is no bar and a dash."""
    values = [value for _label, value in items if value is not None]
    largest = max_value or max(values, default=0) or 1
    bar_room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW_HEIGHT * max(len(items), 1)
    rows = []
    for index, (label, value) in enumerate(items):
        y = TOP + index * ROW_HEIGHT
        # A negative value (a net promoter score below 0) draws no bar; its figure says it.
        length = round(bar_room * min(value, largest) / largest) if value and value > 0 else 0
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
                "—" if value is None else value,
                "" if value is None else suffix,
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
