"""The accepted range of every kind of value the portal takes in, defined once.

The web forms, the API serializers, the events import and every filter read their limits
here, and the database holds the same limits as check constraints (migration 0011), so that
a value refused at one door cannot come in through another, and a value that got in before
the limits existed cannot be read back as nonsense.

Dates and times: from 2000-01-01 to 2100-12-31, local time. The portal records the
financial-education campaigns of one company: no event, campaign or partner agreement of
it lies before 2000, and plans reach a few years ahead, not a century. Keeping well inside
what Python and PostgreSQL can hold matters because the edges break: Python's dates end at
9999-12-31, so "until the end of that day" overflows there; and Asia/Shanghai's local mean
time before 1901 (+08:05:43) turns 0001-01-01 00:00 into a moment of 1 BC, which PostgreSQL
stores and psycopg then cannot read back. A time sent with an offset may be at most 14 hours
from UTC, as every offset in use on Earth is.

Counts: people at one event (a head count, an audience group, visitors, matters raised,
people a partner served or screened, staff and outlets taking part) at most 100,000, more
than the largest stadium in China holds; online reach (views of a livestream or article,
text messages delivered) at most 1,000,000,000; copies of a handout in one print run or
handed out at one event at most 100,000. Every limit fits PostgreSQL's integer column
(2,147,483,647), which is what turned 2,147,483,648 copies into a server error.

Money: amounts in yuan with two decimal places, from 0 to 999,999,999,999.99, for the
consumer-protection measures (comfort-fund payouts) when they are recorded.

Text: characters PostgreSQL can store only, so no NUL and no half of a UTF-16 surrogate
pair (what a JSON "\\ud800" or a workbook's "_xD800_" decodes to); short texts have their
column's max_length, notes and reasons at most 2,000 characters, summaries and other long
texts at most 10,000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)
# The offsets in use on Earth run from UTC−12:00 to UTC+14:00.
WIDEST_OFFSET = dt.timedelta(hours=14)
# The widest span of moments whose local day, at any accepted offset, is within the days
# above: what the database checks, as it knows no local time.
EARLIEST_MOMENT = dt.datetime.combine(EARLIEST_DAY, dt.time.min, tzinfo=dt.UTC) - WIDEST_OFFSET
LATEST_MOMENT = (
    dt.datetime.combine(LATEST_DAY + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    + WIDEST_OFFSET
)


@dataclass(frozen=True)
class Range:
    """The accepted whole numbers of one kind of count, both ends included."""

    low: int
    high: int

    def __contains__(self, value: int) -> bool:
        return self.low <= value <= self.high


PEOPLE = Range(0, 100_000)
REACH = Range(0, 1_000_000_000)
COPIES = Range(1, 100_000)
# Targets a unit sets for the units below it: events and counties of a whole campaign.
TARGET_EVENTS = Range(0, 1_000_000)
COUNTIES = Range(0, 10_000)
# Counters the portal keeps itself (versions): what PostgreSQL's integer column holds.
DATABASE_INTEGER = Range(0, 2**31 - 1)
# The keys of rows (bigint): an id typed into a URL or a form beyond it names nothing.
ROW_ID = Range(1, 2**63 - 1)

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
MONEY_LOW = Decimal("0.00")
MONEY_HIGH = Decimal("999999999999.99")

# Nesting of a JSON body: the API's deepest body (a report's partner services) needs 3.
JSON_DEPTH = 32

NOTE_LENGTH = 2_000
LONG_TEXT_LENGTH = 10_000

# Photos an offline report may announce (the report page's formsets stop at 50 rows too).
PHOTOS_PER_REPORT = 50
# A phone's file of unsent reports, which the office imports (read whole, in memory). A
# phone keeps its photos downscaled (a few hundred KB); 200 reports of 2 photos each, in
# base64, come to well under this.
UNSENT_REPORTS_FILE_BYTES = 64 * 1024 * 1024
UNSENT_REPORTS_PER_FILE = 500

MESSAGES = {
    "day": _("Give a date from %(earliest)s to %(latest)s."),
    "moment": _(
        "Give a date and time from %(earliest)s to %(latest)s, with an offset of at most ±14:00."
    ),
    "text": _(
        "This text holds a character that cannot be stored (a NUL byte, or half of a "
        "character); remove it and try again."
    ),
}
DAY_PARAMS = {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
# The messages with their dates filled in, still in the reader's language when shown (a
# model's constraint holds one from import time on).
DAY_REFUSED = lazy(lambda: MESSAGES["day"] % DAY_PARAMS, str)()
MOMENT_REFUSED = lazy(lambda: MESSAGES["moment"] % DAY_PARAMS, str)()


def day_in_range(value: dt.date) -> None:
    """Refuse a date outside EARLIEST_DAY … LATEST_DAY (a validator for forms and the API)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValidationError(DAY_REFUSED, code="day_out_of_range")


def moment_in_range(value: dt.datetime) -> None:
    """Refuse a moment whose local day is out of range or whose offset no place uses.

    The day is judged as written (before any conversion to the portal's time zone), which
    is also where the conversion would overflow.
    """
    offset = value.utcoffset()
    if (offset is not None and abs(offset) > WIDEST_OFFSET) or not (
        EARLIEST_DAY <= value.date() <= LATEST_DAY
    ):
        raise ValidationError(MOMENT_REFUSED, code="moment_out_of_range")


# NUL: PostgreSQL refuses it in text. A lone surrogate: no UTF-8 encoding exists for it.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_storable(value: str) -> None:
    """Refuse text holding a character the database cannot store."""
    if isinstance(value, str) and UNSTORABLE.search(value):
        raise ValidationError(MESSAGES["text"], code="unstorable_text")


def text_within(value: str, length: int) -> None:
    """Refuse text the database cannot store, or longer than ``length`` characters."""
    text_storable(value)
    MaxLengthValidator(length)(value)


def number_in(text: str, bound: Range) -> int | None:
    """The whole number written in ``text`` if it lies within ``bound``, else None.

    ASCII digits only: str.isdigit() accepts "²", which int() refuses, and int() refuses
    more than 4,300 digits; both were server errors where a number came in as text.
    """
    if not (isinstance(text, str) and text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > len(str(bound.high)):
        return None
    value = int(text)
    return value if value in bound else None


def row_id(text: str) -> int | None:
    """The row key written in ``text``, or None if it names no row."""
    return number_in(text, ROW_ID)


# ---- the same limits as database check constraints --------------------------------------


def counts_within(bound: Range, *fields: str) -> Q:
    """Each of ``fields`` within ``bound``; an empty (NULL) count passes, as SQL has it."""
    condition = Q()
    for name in fields:
        condition &= Q(**{f"{name}__gte": bound.low, f"{name}__lte": bound.high})
    return condition


def moments_within(*fields: str) -> Q:
    """Each of ``fields`` (datetimes) within EARLIEST_MOMENT … LATEST_MOMENT."""
    condition = Q()
    for name in fields:
        condition &= Q(**{f"{name}__gte": EARLIEST_MOMENT, f"{name}__lt": LATEST_MOMENT})
    return condition


def days_within(*fields: str) -> Q:
    """Each of ``fields`` (dates) within EARLIEST_DAY … LATEST_DAY."""
    condition = Q()
    for name in fields:
        condition &= Q(**{f"{name}__gte": EARLIEST_DAY, f"{name}__lte": LATEST_DAY})
    return condition


def lengths_within(length: int, *fields: str) -> Q:
    """Each of ``fields`` (texts) at most ``length`` characters long."""
    condition = Q()
    for name in fields:
        condition &= Q(LessThanOrEqual(Length(name), length))
    return condition
