"""How a measure's value reads on a page: in the measure's unit, grouped by thousands in
the reader's locale, with two decimals where the unit has them (6.40 %, 24.00 minutes)."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from campaigns.models import Measure, MeasurePart

register = template.Library()

# Units whose values keep two decimals even when whole: a rate, a mean, money.
DECIMAL_UNITS = {Measure.Unit.PERCENT, Measure.Unit.MINUTES, Measure.Unit.YUAN}


def number_shown(value: Decimal, *, decimals: int) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.filter
def shown_in_unit(value: Decimal | None, measure: Measure) -> str:
    """``value`` with ``measure``'s unit: "97.80 %", "24.00 分钟", "3,180"; a dash for none."""
    if value is None:
        return "—"
    keeps_decimals = measure.unit in DECIMAL_UNITS or value != value.to_integral_value()
    number = number_shown(value, decimals=2 if keeps_decimals else 0)
    if measure.unit == Measure.Unit.PERCENT:
        return f"{number} %"
    return _("%(number)s %(unit)s") % {"number": number, "unit": measure.get_unit_display()}


@register.filter
def figure_shown(value: Decimal | None, part: MeasurePart) -> str:
    """A part's figure or sum: a count without decimals, yuan and minutes with two."""
    if value is None:
        return "—"
    return number_shown(value, decimals=0 if part.is_whole else 2)
