"""Every web form, posted with hostile values as each role that is shown it.

The forms are found, not listed: every URL of the site (walked through the URL resolver, as
the access matrix does) is opened by every role, and every <form> on the page is read from
its HTML, with its inputs, selects, textareas and formset management fields. Each form is
then sent once as the page would send it (its baseline, which must be accepted, so that the
hostile values below reach the services and the database, not only the form), and once for
each field with a hostile value in its place: NUL bytes, 100,000 characters, lone surrogates
(as the invalid UTF-8 a client can send), huge and negative numbers, years 1 and 9999,
enormous formset counts.

What must hold for every post: no server error; a refused post (an error status, an error
message, or the form shown again with its errors) leaves every table as it was; and no
hostile value is ever stored, whatever the answer. Each post runs in a savepoint that is
rolled back, so the posts never meet. Ids beyond any row, in the URL itself, are not found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import quote_plus, urlsplit

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from openpyxl import Workbook
from PIL import Image

from campaigns import bounds
from campaigns.imports.events_sheet import template_workbook
from campaigns.models import (
    AudienceGroup,
    Event,
    EventFormat,
    Job,
    MaterialEdition,
    MeasureReturn,
    Membership,
    OrgUnit,
    Region,
)
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.services.tokens import api_token_create
from tests import factories as f
from tests.module_world import module_world
from tests.region_world import regions_awaiting_review
from tests.unsent_reports_file import unsent_reports_file

pytestmark = pytest.mark.django_db

ROLES = [
    Membership.Role.ORGANIZER,
    Membership.Role.REVIEWER,
    Membership.Role.TRANSLATOR,
    Membership.Role.ADMIN,
]
ANONYMOUS = "anonymous"
NEW_PASSWORD = "Zq7!pasture-2026"

# ---- hostile values --------------------------------------------------------------------

TEXT = ["牧场\x00宣讲", "长" * 100_000, "牧场\udfff"]
NUMBER = ["2147483648", str(10**30), "-1", "²"]
DAY = ["0001-01-01", "9999-12-31", "2101-01-01"]
MOMENT = ["0001-01-01T00:00", "9999-12-31T23:59", "2101-01-01T00:00"]
MONTH = ["0001-01", "9999-12", "2101-01"]
# A key beyond any row (a select of rows), a NUL (a select of words).
CHOICE = ["99999999999999999999", "\x00"]
FORMS_COUNT = ["100000", "-1", "²", "99999999999999999999"]
HOSTILE = {
    "text": TEXT,
    "number": NUMBER,
    "date": DAY,
    "datetime-local": MOMENT,
    "month": MONTH,
    "choice": CHOICE,
    "radio": CHOICE,
    "checkbox": CHOICE,
    # A hidden field may carry a number (a version, an id) or text: both kinds.
    "hidden": ["2147483648", "²", TEXT[0]],
    "management": FORMS_COUNT,
}
# Each form is also sent once as every other role that is shown it, with these at once.
EVERY_FIELD = {
    "text": TEXT[0],
    "number": NUMBER[0],
    "date": DAY[0],
    "datetime-local": MOMENT[0],
    "month": MONTH[0],
    "choice": CHOICE[0],
    "radio": CHOICE[0],
    "hidden": NUMBER[0],
    "management": FORMS_COUNT[0],
}


def _label(value: str) -> str:
    return repr(value if len(value) < 20 else f"{value[:8]}…×{len(value)}")


# ---- the world -----------------------------------------------------------------------


@dataclasses.dataclass
class World:
    units: dict
    campaign: object
    county: Region
    users: dict  # role -> user
    objects: dict  # kind -> object


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


def _sign_in_sheet() -> bytes:
    book = Workbook()
    book.active.append(["姓名", "手机号", "受众类别", "已同意（是/否）"])
    book.active.append(["央金", "13912345678", str(AudienceGroup.WOMEN.label), "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _build_world() -> World:
    hq = f.OrgUnitFactory(code="F-HQ", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="F-BR", kind=OrgUnit.Kind.BRANCH, parent=hq)
    central = f.OrgUnitFactory(code="F-CSB", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch)
    units = {"hq": hq, "branch": branch, "central": central}
    county = regions_awaiting_review()["hongyuan"]
    branch.service_area.add(county)
    central.service_area.add(county)
    campaign = f.CampaignFactory(starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31))
    f.CampaignTargetFactory(campaign=campaign, org_unit=central)

    users = {}
    for role in ROLES:
        # The reviewer reads Tibetan natively: shown the native review's and the region
        # names' forms.
        users[role] = f.UserFactory(
            username=f"fuzz-{role}", is_native_reader=role == Membership.Role.REVIEWER
        )
        f.MembershipFactory(user=users[role], org_unit=branch, role=role)
        api_token_create(user=users[role], name="fuzz")
        f.NotificationFactory(recipient=users[role], occasion=f"fuzz:{role}")
    organizer, translator = users[Membership.Role.ORGANIZER], users[Membership.Role.TRANSLATOR]

    common = {"campaign": campaign, "org_unit": central, "county": county}
    # A reception day: its report asks for every figure there is.
    planned = f.EventFactory(
        title="F-planned",
        venue_name="安曲牧场",
        format=EventFormat.GM_RECEPTION_DAY,
        created_by=organizer,
        # Counted already (a head count, and the women among them), so that its report can
        # be sent.
        head_count=20,
        **common,
    )
    f.EventTopicFactory(event=planned)
    f.AudienceCountFactory(event=planned, group=AudienceGroup.WOMEN, count=12)
    reported = f.EventFactory(
        title="F-reported",
        venue_name="安曲牧场",
        status=Event.Status.REPORTED,
        reported_at=dt.datetime(2025, 3, 12, 2, tzinfo=dt.UTC),
        # Reported before head counts were recorded: its page asks to confirm the head count.
        head_count=30,
        head_count_derived=True,
        **common,
    )
    f.AudienceCountFactory(event=reported, group=AudienceGroup.WOMEN, count=30)
    photo = f.EventPhotoFactory(event=planned)
    sign_in = f.SignInFactory(event=planned)
    partner = f.PartnerFactory(org_unit=branch, name="F-hospital")
    agreement = f.PartnerAgreementFactory(partner=partner)
    agreement.counties.add(county)
    agreement.document.save("agreement.pdf", ContentFile(b"%PDF-1.4 fuzz"), save=True)

    material = f.MaterialFactory(org_unit=branch, title_zh="F-leaflet")
    draft = f.MaterialEditionFactory(material=material, number=1)
    block = f.EditionBlockFactory(edition=draft, position=1)
    f.BlockCommentFactory(block=block, author=organizer)
    translated = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=branch, title_zh="F-translated"),
        number=1,
        status=MaterialEdition.Status.TRANSLATED,
        translated_by=translator,
    )
    f.EditionBlockFactory(edition=translated, position=1)
    approved = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=branch, title_zh="F-approved"),
        number=1,
        status=MaterialEdition.Status.APPROVED,
        needs_native_review=False,
    )
    f.EditionBlockFactory(edition=approved, position=1, needs_native_review=False)
    print_run = f.PrintRunFactory(edition=approved, org_unit=central)
    print_run.pdf.save("handout.pdf", ContentFile(b"%PDF-1.4 fuzz"), save=True)
    job = f.JobFactory(owner=organizer, org_unit=central, status=Job.Status.SUCCEEDED)
    job.result.save("events.xlsx", ContentFile(b"fuzz"), save=True)
    member = f.MembershipFactory(
        user=f.UserFactory(username="fuzz-member"), org_unit=central, role=Membership.Role.ORGANIZER
    )
    # The measures: the story's catalogue, a draft month and a month sent for review, each
    # with the calls and those solved by phone (so that the draft can be sent), a mediation
    # room and a mediator.
    diagnosis = measures_catalogue_load()["remote_diagnosis"]
    calls, solved = diagnosis.parts.get(code="calls"), diagnosis.parts.get(code="solved_by_phone")
    measure_returns = {}
    for kind, month, status in (
        ("draft_return", 2, MeasureReturn.Status.DRAFT),
        ("submitted_return", 3, MeasureReturn.Status.SUBMITTED),
    ):
        measure_returns[kind] = f.MeasureReturnFactory(
            org_unit=central, month=dt.date(2025, month, 1), status=status
        )
        f.MeasureFigureFactory(measure_return=measure_returns[kind], part=calls, value=40)
        f.MeasureFigureFactory(measure_return=measure_returns[kind], part=solved, value=3)
    room = f.MediationRoomFactory(org_unit=central, name="F-room")
    mediator = f.MediatorFactory(org_unit=central, name="F-mediator")
    return World(
        units=units,
        campaign=campaign,
        county=county,
        users=users,
        objects={
            "planned": planned,
            "reported": reported,
            "photo": photo,
            "sign_in": sign_in,
            "partner": partner,
            "agreement": agreement,
            "draft": draft,
            "block": block,
            "translated": translated,
            "approved": approved,
            "print_run": print_run,
            "job": job,
            "member": member,
            **measure_returns,
            "room": room,
            "mediator": mediator,
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from module_world(
        _build_world,
        django_db_blocker=django_db_blocker,
        media_root=tmp_path_factory.mktemp("fuzz-media"),
    )


@pytest.fixture
def media_root(request):
    """Uploads stay where the world put them (the suite's fixture would empty the folder)."""
    if "world" in request.fixturenames:
        request.getfixturevalue("world")


# ---- the URLs, and what each one is asked with ---------------------------------------


def _o(kind: str, key: str = "pk", attribute: str = "pk") -> Callable[[World], dict]:
    return lambda world: {key: getattr(world.objects[kind], attribute)}


def _none(world: World) -> dict:
    return {}


def _coverage(world: World) -> dict:
    return {"campaign_pk": world.campaign.pk, "unit_pk": world.units["central"].pk}


# URL name -> its kwargs. A new URL fails test_every_url_is_opened until it is listed here.
URL_KWARGS: dict[str, Callable[[World], dict | list[dict]]] = {
    "home": _none,
    "event_list": _none,
    "event_plan": _none,
    "event_report_new": _none,
    "review_queue": _none,
    "event_approve_bulk": _none,
    # The reported event's page holds the reviewer's forms.
    "event_detail": lambda w: [_o("planned")(w), _o("reported")(w)],
    "event_edit": _o("planned"),
    "event_report": _o("planned"),
    "event_submit": _o("planned"),
    "event_approve": _o("reported"),
    "event_return": _o("reported"),
    "event_cancel": _o("planned"),
    "event_head_count_confirm": _o("reported"),
    "event_photo_upload": _o("planned"),
    "event_sign_ins": _o("planned"),
    "event_sign_ins_import": _o("planned"),
    "event_sign_ins_template": _o("planned"),
    "event_sign_ins_export": _o("planned"),
    "event_sign_in_remove": lambda w: {
        "pk": w.objects["planned"].pk,
        "sign_in_pk": w.objects["sign_in"].pk,
    },
    "event_photo_delete": lambda w: {
        "pk": w.objects["planned"].pk,
        "photo_pk": w.objects["photo"].pk,
    },
    "event_photo": lambda w: {
        "pk": w.objects["planned"].pk,
        "photo_pk": w.objects["photo"].pk,
        "size": "thumb",
    },
    "partner_list": _none,
    "partner_create": _none,
    "partner_detail": _o("partner"),
    "partner_edit": _o("partner"),
    "agreement_create": _o("partner"),
    "agreement_edit": _o("agreement"),
    "agreement_document": _o("agreement"),
    "coverage_home": _none,
    "coverage_unit": _coverage,
    "coverage_charts": _coverage,
    "coverage_region": lambda w: _coverage(w) | {"region_pk": w.county.parent_id},
    "coverage_county": lambda w: _coverage(w) | {"region_pk": w.county.pk},
    "targets_edit": lambda w: _coverage(w) | {"unit_pk": w.units["branch"].pk},
    "coverage_export_start": lambda w: _coverage(w) | {"kind": Job.Kind.REGULATOR_SHEET},
    "material_list": _none,
    "material_create": _none,
    "material_detail": lambda w: {"pk": w.objects["approved"].material_id},
    # The translated edition's editor holds the reviewer's forms.
    "edition_editor": lambda w: [_o("draft")(w), _o("translated")(w)],
    "block_add": _o("draft"),
    "block_save": _o("block"),
    "block_comment_add": _o("block"),
    "comment_resolve": lambda w: {"pk": w.objects["block"].comments.get().pk},
    "edition_diff": _o("approved"),
    "edition_transition": lambda w: {"pk": w.objects["translated"].pk, "action": "review"},
    "edition_new": _o("approved"),
    "print_run_order": _o("approved"),
    "print_run_list": _none,
    "print_run_detail": _o("print_run"),
    "print_run_pdf": _o("print_run"),
    "edition_public": _o("approved", "token", "public_token"),
    "events_import": lambda w: {"unit_pk": w.units["central"].pk},
    "events_import_template": lambda w: {"unit_pk": w.units["central"].pk},
    "unsent_reports_import": _none,
    "job_list": _none,
    "job_detail": _o("job"),
    "job_download": _o("job"),
    "events_export_start": _none,
    "audit_log": _none,
    "measure_return_list": _none,
    "measure_return_open": _none,
    "measure_review_queue": _none,
    # The month sent for review holds the reviewer's forms.
    "measure_return_detail": lambda w: [_o("draft_return")(w), _o("submitted_return")(w)],
    "measure_return_submit": _o("draft_return"),
    "measure_return_approve": _o("submitted_return"),
    "measure_return_send_back": _o("submitted_return"),
    "mediation_room_list": _none,
    "mediation_room_create": _none,
    "mediation_room_edit": _o("room"),
    "mediator_list": _none,
    "mediator_create": _none,
    "mediator_edit": _o("mediator"),
    "measure_year_home": _none,
    "measure_year": lambda w: {"year": 2025, "unit_pk": w.units["branch"].pk},
    "measures_import_start": _none,
    "measures_import": lambda w: {"unit_pk": w.units["central"].pk},
    "measures_import_template": lambda w: {"unit_pk": w.units["central"].pk},
    "member_list": _none,
    "member_add": _none,
    "member_remove": _o("member"),
    "member_unlock": _o("member"),
    "member_native_reader": _o("member"),
    "region_name_review": _none,
    "region_name_confirm": lambda w: {"pk": w.county.pk},
    "notification_list": _none,
    "notifications_read": _none,
    "healthz": _none,
    "readyz": _none,
    "login": _none,
    "logout": _none,
    "api_tokens": _none,
    "api_token_revoke": lambda w: {"pk": w.users[Membership.Role.ORGANIZER].api_tokens.get().pk},
    "password_change": _none,
    "password_change_done": _none,
    "password_reset": _none,
    "password_reset_done": _none,
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "no-such-token"},
    "password_reset_complete": _none,
    "set_language": _none,
    "service_worker": _none,
    "offline_page": lambda w: {"language": "bo"},
    "web_manifest": _none,
    "outbox": _none,
}
# Forms whose post is not an edit of the portal's data, or cannot be sent twice over.
NOT_FUZZED = {
    "logout": "signs the client out: every later case would be anonymous",
}


def _patterns(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            route = str(pattern.pattern)
            # The admin checks its own permissions per model; the API has its own fuzz test
            # (tests/api/test_api_fuzz.py).
            if route.startswith(("admin/", "api/")):
                continue
            yield from _patterns(pattern, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


# ---- reading forms from HTML -----------------------------------------------------------


@dataclasses.dataclass
class Field:
    name: str
    # text, number, date, datetime-local, choice (a select), radio, checkbox, file, hidden,
    # management (a formset's form counts)
    kind: str
    value: str = ""
    options: list[str] = dataclasses.field(default_factory=list)
    selected: list[str] = dataclasses.field(default_factory=list)
    required: bool = False
    multiple: bool = False
    checked: bool = False
    accept: str = ""


@dataclasses.dataclass
class Form:
    action: str
    method: str
    multipart: bool
    htmx: bool
    fields: list[Field] = dataclasses.field(default_factory=list)

    @property
    def url_name(self) -> str:
        return resolve(urlsplit(self.action).path).url_name

    @property
    def key(self) -> tuple:
        return (self.method, self.url_name, tuple(sorted({field.name for field in self.fields})))


TEXT_TYPES = {"text", "search", "tel", "email", "password", "url", ""}


class FormReader(HTMLParser):
    """The forms of a page, with the fields a browser would send."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attrs.get("action") or self.page_url,
                method=attrs.get("method", "get").lower(),
                multipart=attrs.get("enctype") == "multipart/form-data",
                htmx=any(name.startswith("hx-") for name in attrs),
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select.selected.append(attrs.get("value", ""))
        elif self._form is not None and attrs.get("name"):
            self._field(tag, attrs)

    def _field(self, tag: str, attrs: dict) -> None:
        name, required = attrs["name"], "required" in attrs
        if tag == "textarea":
            self._textarea = Field(name=name, kind="text", required=required)
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(
                name=name, kind="choice", required=required, multiple="multiple" in attrs
            )
            self._form.fields.append(self._select)
        elif tag == "input":
            kind = attrs.get("type", "").lower()
            if kind in ("submit", "button", "reset", "image") or name == "csrfmiddlewaretoken":
                return
            if kind == "hidden" and name.endswith(("TOTAL_FORMS", "INITIAL_FORMS")):
                kind = "management"
            elif kind in TEXT_TYPES:
                kind = "text"
            self._form.fields.append(
                Field(
                    name=name,
                    kind=kind,
                    value=attrs.get("value", "on" if kind == "checkbox" else ""),
                    required=required,
                    checked="checked" in attrs,
                    accept=attrs.get("accept", ""),
                )
            )

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            # A browser drops the newline right after <textarea>, which Django writes.
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_of(html: str, page_url: str) -> list[Form]:
    reader = FormReader(page_url)
    reader.feed(html)
    return reader.forms


# ---- the baseline: what a user would send -----------------------------------------------


def _fills(world: World) -> dict[str, dict[str, object]]:
    """URL name -> field values the page leaves to the user, so that the baseline is one the
    portal accepts (other empty required fields get a plain value of their kind)."""
    approved, partner = world.objects["approved"], world.objects["partner"]
    organizer = world.users[Membership.Role.ORGANIZER]
    return {
        "event_plan": {
            "title": "红原县邛溪镇宣讲",
            "county": world.county.code,
            "venue_name": "邛溪镇牧民定居点",
            "venue_type": "village",
            "format": "lecture",
            "topics": ["anti_fraud"],
            "starts_at": "2025-03-14T10:00",
        },
        "event_report": {
            "handouts-0-edition": str(approved.pk),
            "handouts-0-copies": "100",
            "services-0-partner": str(partner.pk),
            "services-0-service_type": "health_screening",
            "services-0-screening_type": "cervical_breast",
            "services-0-people_served": "30",
            "services-0-screened": "30",
            "services-0-referred": "3",
            "matters_raised": "5",
            "matters_resolved": "2",
            "matters_referred": "1",
        },
        "event_sign_ins": {"phone": "13800001111", "consent_given": "on"},
        "event_sign_ins_export": {"reason": "县妇联回访需要联系方式。"},
        "agreement_create": {
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "services": ["health_screening"],
        },
        "agreement_edit": {"services": ["health_screening"]},
        "member_add": {
            "username": "fuzz-new",
            "full_name": "卓玛",
            "email": "drolma@example.com",
            "password": NEW_PASSWORD,
            # Administrators give only the roles they hold themselves.
            "role": "admin",
        },
        "password_change": {
            "old_password": f.USER_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        "password_reset": {"email": "someone@example.com"},
        "login": {"username": organizer.username, "password": f.USER_PASSWORD},
    }


PLAIN = {
    "text": "测试",
    "number": "1",
    "date": "2025-03-12",
    "datetime-local": "2025-03-12T10:00",
    "month": "2025-03",
    "hidden": "1",
    "management": "0",
}


def _file(field: Field) -> tuple[str, bytes, str]:
    if "image" in field.accept:
        return "photo.jpg", _jpeg(), "image/jpeg"
    if "pdf" in field.accept:
        return "agreement.pdf", b"%PDF-1.4 fuzz", "application/pdf"
    if "json" in field.accept:  # a phone's unsent reports file, with no report in it
        return "unsent-reports.json", unsent_reports_file(), "application/json"
    if field.name == "sheet" and "spreadsheet" in field.accept:
        return "sign-ins.xlsx", _sign_in_sheet(), "application/octet-stream"
    return "events.xlsx", template_workbook(county_choices=["513233"]), "application/octet-stream"


def baseline(  # noqa: C901 — a branch per kind of field, as a table
    form: Form, fills: dict[str, object]
) -> list[tuple[str, object]]:
    """The form's fields as a browser sends them, with ``fills`` typed in."""
    pairs: list[tuple[str, object]] = []
    for field in form.fields:
        name = field.name
        if name in fills:
            if not any(n == name for n, _v in pairs):
                values = fills[name]
                pairs.extend((name, v) for v in (values if isinstance(values, list) else [values]))
        elif field.kind == "file":
            pairs.append((name, _file(field)))
        elif field.kind in ("checkbox", "radio"):
            if field.checked:
                pairs.append((name, field.value))
        elif field.kind == "choice":
            pairs.extend((name, value) for value in _chosen(field))
        elif field.value or not field.required:
            pairs.append((name, field.value))
        else:
            pairs.append((name, PLAIN.get(field.kind, "1")))
    for field in form.fields:  # a required radio group nobody chose: its first button
        if field.kind == "radio" and field.required and not any(n == field.name for n, _v in pairs):
            pairs.append((field.name, field.value))
    return pairs


def _chosen(field: Field) -> list[str]:
    """What a browser sends for a select, with a real choice where one is required."""
    first_choice = next((option for option in field.options if option), "")
    if field.selected:
        return field.selected
    if field.multiple:
        return [first_choice] if field.required else []
    # A single select sends its first option when none is marked.
    first = field.options[0] if field.options else ""
    return [first_choice if field.required and not first else first]


def with_value(pairs, name: str, value: str) -> list[tuple[str, object]]:
    """``pairs`` with the values of ``name`` replaced by ``value`` alone."""
    replaced, placed = [], False
    for n, v in pairs:
        if n != name:
            replaced.append((n, v))
        elif not placed:
            replaced.append((n, value))
            placed = True
    if not placed:
        replaced.append((name, value))
    return replaced


# ---- sending -------------------------------------------------------------------------


def _encoded(value: str) -> bytes:
    # A lone surrogate goes as the bytes a client can send for it (invalid UTF-8).
    return value.encode("utf-8", "surrogatepass")


def _urlencoded(pairs) -> str:
    return "&".join(f"{quote_plus(_encoded(n))}={quote_plus(_encoded(str(v)))}" for n, v in pairs)


BOUNDARY = "fuzzfuzzfuzzboundary"


def _multipart(pairs) -> bytes:
    body = io.BytesIO()
    for name, value in pairs:
        body.write(f"--{BOUNDARY}\r\n".encode())
        if isinstance(value, tuple):
            filename, content, content_type = value
            body.write(
                _encoded(
                    f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {content_type}\r\n\r\n"
                )
            )
            body.write(content)
        else:
            body.write(_encoded(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'))
            body.write(_encoded(str(value)))
        body.write(b"\r\n")
    body.write(f"--{BOUNDARY}--\r\n".encode())
    return body.getvalue()


def send(client: Client, form: Form, pairs, *, htmx: bool = False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if form.method == "get":
        return client.generic("GET", f"{form.action.split('?')[0]}?{_urlencoded(pairs)}", **headers)
    if form.multipart:
        return client.generic(
            "POST",
            form.action,
            _multipart(pairs),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            **headers,
        )
    return client.generic(
        "POST",
        form.action,
        _urlencoded(pairs),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


# ---- what the database holds -----------------------------------------------------------

# Written by the framework around any request, not by the form: sessions, and the sign-in
# lockout's own records.
IGNORED_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


def _models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in ("campaigns", "portal")
        and model._meta.db_table not in IGNORED_TABLES
        and not model._meta.proxy
    ]


def _hashable(value):
    return (
        json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value
    )


def state() -> dict[str, set[tuple]]:
    """Every row of the portal's tables, as sets of value tuples."""
    return {
        model._meta.label: {
            tuple(_hashable(value) for value in row)
            for row in model._default_manager.order_by().values_list()
        }
        for model in _models()
    }


DATABASE_INTEGER = range(-(2**31), 2**31)


def _beyond_bounds(field: models.Field, value) -> bool:
    """Whether a stored value is one the portal should never have accepted."""
    if isinstance(value, str):
        return bool(bounds.UNSTORABLE.search(value))
    if isinstance(value, dt.datetime):
        return not bounds.EARLIEST_MOMENT <= value < bounds.LATEST_MOMENT
    if isinstance(value, dt.date):
        return not bounds.EARLIEST_DAY <= value <= bounds.LATEST_DAY
    small_integer = isinstance(field, models.IntegerField) and not isinstance(
        field, models.BigIntegerField | models.AutoField
    )
    return small_integer and isinstance(value, int) and value not in DATABASE_INTEGER


def hostile_stored(before: dict, after: dict) -> list[str]:
    """Values in rows that changed which no post should have got into the database."""
    found = []
    for model in _models():
        label = model._meta.label
        fields = list(model._meta.concrete_fields)
        for row in after[label] - before[label]:
            for field, value in zip(fields, row, strict=True):
                if _beyond_bounds(field, value):
                    found.append(f"{label}.{field.name} holds {_label(str(value))}")
    return found


# Audit entries written by design when a request is refused or only reads: a failed sign-in,
# a look at the full phone numbers of a sign-in list.
RECORDS_OF_REFUSALS_AND_READS = {"portal.user.sign_in_failed", "campaigns.signin.viewed"}


def changed(before: dict, after: dict) -> list[str]:
    audit = apps.get_model("campaigns", "AuditEntry")
    action = [field.name for field in audit._meta.concrete_fields].index("action")
    found = []
    for label in before:
        added_or_removed = before[label] ^ after[label]
        if label == audit._meta.label:
            added_or_removed = {
                row for row in added_or_removed if row[action] not in RECORDS_OF_REFUSALS_AND_READS
            }
        if added_or_removed:
            found.append(label)
    return found


def error_messages(response) -> list[str]:
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    return [str(m) for m in storage if m.level >= message_levels.ERROR]


# ---- finding the forms -----------------------------------------------------------------


def _client(world: World, role: str) -> Client:
    # A server error is an answer to report, not an exception to stop at.
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    client.cookies["django_language"] = "en"
    return client


def _crawl(world: World) -> dict[tuple, tuple[Form, list[str]]]:
    """Every form of every page: form key -> (the form, the roles shown it), in page order."""
    found: dict[tuple, tuple[Form, list[str]]] = {}
    for role in [*ROLES, ANONYMOUS]:
        client = _client(world, role)
        for _route, name in _patterns(get_resolver()):
            asked = URL_KWARGS[name](world)
            for kwargs in asked if isinstance(asked, list) else [asked]:
                url = reverse(name, kwargs=kwargs or None)
                with transaction.atomic():  # a page that records who looked leaves no trace
                    response = client.get(url)
                    transaction.set_rollback(True)
                assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                for form in forms_of(response.content.decode(), url):
                    if form.url_name in NOT_FUZZED:
                        continue
                    entry = found.setdefault(form.key, (form, []))
                    if role not in entry[1]:
                        entry[1].append(role)
    return found


@pytest.fixture(scope="module")
def crawled(world):
    return _crawl(world)


# ---- the posts -----------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    label: str
    pairs: list
    htmx: bool = False


def cases(form: Form, fills: dict) -> list[Case]:
    """The baseline, then each field in turn with each hostile value of its kind."""
    pairs = baseline(form, fills)
    found = [Case("baseline", pairs)]
    if form.htmx:
        found.append(Case("baseline (htmx)", pairs, htmx=True))
    names = dict.fromkeys(field.name for field in form.fields if field.kind in HOSTILE)
    kinds = {field.name: field.kind for field in form.fields}
    for name in names:
        for value in HOSTILE[kinds[name]]:
            found.append(Case(f"{name}={_label(value)}", with_value(pairs, name, value)))
            # htmx answers with a part of the page: typed text is what it shows back.
            if form.htmx and kinds[name] == "text":
                found.append(Case(f"{name}={_label(value)} (htmx)", found[-1].pairs, htmx=True))
    return found


def every_field_case(form: Form, fills: dict) -> Case:
    pairs = baseline(form, fills)
    for field in form.fields:
        if field.kind in EVERY_FIELD:
            pairs = with_value(pairs, field.name, EVERY_FIELD[field.kind])
    return Case("every field hostile", pairs)


def refused(response) -> bool:
    """Whether the answer says no: an error status, an error message, or a form shown again
    with its errors."""
    if response.status_code >= 400 or error_messages(response):
        return True
    page = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return "text/html" in response.get("Content-Type", "") and 'role="alert"' in page


def post_case(client: Client, form: Form, case: Case, clean: dict) -> tuple[object, list[str]]:
    """Send ``case`` in a savepoint rolled back after it; the problems it showed."""
    problems = []
    # Messages of an earlier case would wait in the cookie, and read as this case's.
    client.cookies.pop("messages", None)
    with transaction.atomic():
        response = send(client, form, case.pairs, htmx=case.htmx)
        if response.status_code >= 500:
            problems.append(f"answered {response.status_code}")
        else:
            after = state()
            problems.extend(hostile_stored(clean, after))
            if refused(response) and changed(clean, after):
                problems.append(
                    f"refused ({response.status_code}) but changed {changed(clean, after)}"
                )
        transaction.set_rollback(True)
    client.cookies["django_language"] = "en"
    return response, problems


# ---- the tests -----------------------------------------------------------------------


def test_every_url_is_opened():
    """A new page fails here until URL_KWARGS says how to open it."""
    names = {name for _route, name in _patterns(get_resolver())}
    assert not sorted(names - set(URL_KWARGS)), "URLs the fuzz test does not open"


def test_the_crawl_finds_the_forms_of_every_kind_of_page(crawled):
    posted_to = {form.url_name for form, _roles in crawled.values()}
    expected = {
        "event_plan",
        "event_edit",
        "event_report",
        "event_approve_bulk",
        "event_return",
        "event_cancel",
        "event_head_count_confirm",
        "event_photo_upload",
        "event_sign_ins",
        "event_sign_ins_import",
        "event_sign_ins_export",
        "partner_create",
        "partner_edit",
        "agreement_create",
        "agreement_edit",
        "targets_edit",
        "material_create",
        "block_save",
        "block_comment_add",
        "edition_transition",
        "print_run_order",
        "events_import",
        "unsent_reports_import",
        "event_list",
        "coverage_unit",
        "audit_log",
        "member_add",
        "member_native_reader",
        "measure_return_open",
        "measure_return_detail",
        "measure_return_submit",
        "measure_return_approve",
        "measure_return_send_back",
        "mediation_room_create",
        "mediation_room_edit",
        "mediator_create",
        "mediator_edit",
        "region_name_confirm",
        "api_tokens",
        "login",
    }
    assert not sorted(expected - posted_to)


def _fuzz(world, crawled, method: str) -> None:
    started = time.monotonic()
    clients = {role: _client(world, role) for role in [*ROLES, ANONYMOUS]}
    clean = state()  # after signing in, which writes (last_login, an audit entry)
    fills = _fills(world)
    problems, posts = [], 0
    for form, roles in crawled.values():
        if form.method != method:
            continue
        form_fills = fills.get(form.url_name, {})
        for index, role in enumerate(roles):
            client = clients[role]
            todo = cases(form, form_fills) if index == 0 else [every_field_case(form, form_fills)]
            for case in todo:
                response, found = post_case(client, form, case, clean)
                posts += 1
                baseline_case = case.label.startswith("baseline") and role != ANONYMOUS
                if baseline_case and method == "post" and refused(response):
                    found.append(
                        f"baseline refused ({response.status_code}): "
                        f"{error_messages(response) or _form_errors(response)} {case.pairs}"
                    )
                problems.extend(
                    f"{method.upper()} {form.url_name} as {role}, {case.label}: {problem}"
                    for problem in found
                )
    print(f"{method}: {posts} requests in {time.monotonic() - started:.1f} s")
    assert not problems, "\n".join(problems)


def _form_errors(response) -> str:
    errors = re.findall(r'class="error"[^>]*>([^<]+)<', response.content.decode(errors="replace"))
    return "; ".join(errors[:5])


def test_no_hostile_post_errors_or_saves(world, crawled):
    _fuzz(world, crawled, "post")


def test_no_hostile_filter_errors(world, crawled):
    _fuzz(world, crawled, "get")


HOSTILE_IDS = [str(2**63), "99999999999999999999"]


def test_ids_beyond_any_row_in_a_url_are_not_found_not_an_error(world):
    """The int converter of a URL takes any run of digits, however long."""
    problems = []
    for role in (Membership.Role.ORGANIZER, Membership.Role.ADMIN):
        client = _client(world, role)
        for _route, name in _patterns(get_resolver()):
            asked = URL_KWARGS[name](world)
            kwargs = (asked[0] if isinstance(asked, list) else asked) or {}
            for key, value in kwargs.items():
                if not isinstance(value, int):
                    continue
                for hostile in HOSTILE_IDS:
                    url = reverse(name, kwargs={**kwargs, key: hostile})
                    for method in ("get", "post"):
                        with transaction.atomic():
                            response = getattr(client, method)(url)
                            transaction.set_rollback(True)
                        if response.status_code >= 500:
                            problems.append(f"{method.upper()} {url} as {role}")
    assert not problems, "\n".join(problems)
