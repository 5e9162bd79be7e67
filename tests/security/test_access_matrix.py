"""The access matrix of the whole site: every role at every level of the org tree, against
objects owned at every level, through every URL of the web pages and the API, and through
the export jobs.

A case is one request: one route, asked by one viewer, about the object of one owning unit
(or, for a page about no object, once). What each case must answer is worked out here from
the product's rules, written out below apart from ``portal/access.py``, and from parent links
instead of materialized paths, so that a wrong rule in the portal cannot agree with itself:

- someone not signed in is sent to sign in (the API answers 401);
- an object the viewer may not see answers 404, exactly like a missing one;
- an object the viewer sees, but whose action their role does not allow there, answers 403;
- an allowed request answers its success status, and a write has its effect.

The data is built once for the module inside a transaction that is rolled back at its end;
each test runs in a savepoint of its own, so the writes of one case never reach another.
``test_every_url_pattern_is_exercised`` fails when a URL of the site has no case.
"""

import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import Callable
from hashlib import sha256

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import Workbook, load_workbook
from PIL import Image

from campaigns.models import (
    AudienceGroup,
    AuditEntry,
    BlockComment,
    EditionBlock,
    Event,
    EventPhoto,
    Job,
    MaterialEdition,
    MeasureFigure,
    MeasureReturn,
    MediationRoom,
    Mediator,
    Membership,
    OrgUnit,
    PrintRun,
    Region,
    SignIn,
)
from campaigns.services.jobs import job_execute
from campaigns.services.tokens import api_token_create
from portal.models import ApiToken, User
from tests import factories as f
from tests.module_world import module_world
from tests.unsent_reports_file import unsent_report, unsent_reports_file

ORGANIZER, REVIEWER, TRANSLATOR, ADMIN = (
    Membership.Role.ORGANIZER,
    Membership.Role.REVIEWER,
    Membership.Role.TRANSLATOR,
    Membership.Role.ADMIN,
)
ROLES = [ORGANIZER, REVIEWER, TRANSLATOR, ADMIN]
LEVELS = ["hq", "branch_a", "central_a", "sub_a"]
OWNERS = ["hq", "branch_a", "central_a", "sub_a", "branch_b", "central_b", "sub_b"]
PARENT = {
    "hq": None,
    "branch_a": "hq",
    "central_a": "branch_a",
    "sub_a": "central_a",
    "branch_b": "hq",
    "central_b": "branch_b",
    "sub_b": "central_b",
}

# Which roles may do what, as the product's design states it. Held at a unit, a role acts on
# that unit and every unit below it; at headquarters, on everything.
MAY = {
    "event.plan": {ORGANIZER},
    "event.report": {ORGANIZER},
    "event.cancel": {ORGANIZER},
    "event.review": {REVIEWER},
    "partner.edit": {ORGANIZER, REVIEWER},
    "target.set": {REVIEWER, ADMIN},
    "material.edit": {TRANSLATOR, REVIEWER},
    "edition.translate": {TRANSLATOR},
    "edition.review": {TRANSLATOR, REVIEWER},
    "edition.approve": {REVIEWER},
    "printrun.order": {ORGANIZER},
    "signin.record": {ORGANIZER},
    "signin.personal": {ORGANIZER, ADMIN},
    "member.manage": {ADMIN},
    "measures.report": {ORGANIZER},
    "measures.review": {REVIEWER},
}
# Outcomes of a case. INVALID: the page answers with the form and a message at a field (a
# choice outside the viewer's subtree is not among the choices).
OK, FORBIDDEN, HIDDEN, SIGN_IN, INVALID = "ok", "forbidden", "hidden", "sign in", "invalid"


def _line(unit: str | None):
    """``unit`` and every unit above it."""
    while unit is not None:
        yield unit
        unit = PARENT[unit]


@dataclasses.dataclass(frozen=True)
class Viewer:
    key: str
    role: str | None = None
    level: str | None = None
    superuser: bool = False
    anonymous: bool = False
    # Marked by an administrator as a native reader of Tibetan: a skill, not a role.
    native_reader: bool = False

    @property
    def signed_in(self) -> bool:
        return not self.anonymous

    def sees(self, owner: str, *, shared: bool = False) -> bool:
        """Whether the viewer sees what ``owner`` owns; ``shared``: what a unit owns is
        handed down to the units below it too (handouts, partners)."""
        if self.superuser:
            return True
        if self.level is None:
            return False
        if self.level == "hq" or self.level in _line(owner):
            return True
        return shared and owner in _line(self.level)

    def may(self, action: str, owner: str) -> bool:
        if self.superuser:
            return True
        return self.role in MAY[action] and self.sees(owner)

    def may_somewhere(self, action: str) -> bool:
        return self.superuser or self.role in MAY[action]


# A few viewers read Tibetan natively: a translator, an organizer far down the tree, and a
# reviewer at headquarters; the other translators and reviewers do not.
NATIVE_READERS = {(TRANSLATOR, "branch_a"), (ORGANIZER, "sub_a"), (REVIEWER, "hq")}
VIEWERS = [
    *(
        Viewer(
            f"{role}-{level}",
            role=role,
            level=level,
            native_reader=(role, level) in NATIVE_READERS,
        )
        for role in ROLES
        for level in LEVELS
    ),
    Viewer("superuser", superuser=True),
    Viewer("no-membership"),
    Viewer("anonymous", anonymous=True),
]


# --- the data, built once ------------------------------------------------------------


@dataclasses.dataclass
class World:
    units: dict
    campaign: object
    prefecture: Region
    users: dict  # viewer key -> user
    objects: dict  # kind -> owner -> object
    jobs: dict  # viewer key -> owner -> a job the viewer started there
    tokens: dict  # viewer key -> the viewer's API token
    keys: dict  # viewer key -> that token's key, which machines sign in to the API with
    others_token: ApiToken
    others_jobs: dict  # owner -> a job someone else started there


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


def _build_world() -> World:  # noqa: PLR0915 — the whole world, read in one place
    hq = f.OrgUnitFactory(code="M-HQ", kind=OrgUnit.Kind.HQ)
    units = {"hq": hq}
    for letter in "ab":
        branch = f.OrgUnitFactory(code=f"M-BR-{letter}", kind=OrgUnit.Kind.BRANCH, parent=hq)
        central = f.OrgUnitFactory(
            code=f"M-CSB-{letter}", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch
        )
        sub = f.OrgUnitFactory(code=f"M-SB-{letter}", kind=OrgUnit.Kind.SUB_BRANCH, parent=central)
        units |= {f"branch_{letter}": branch, f"central_{letter}": central, f"sub_{letter}": sub}
    campaign = f.CampaignFactory(starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31))
    prefecture = f.RegionFactory(
        code="513200",
        name_zh="阿坝州",
        name_bo="རྔ་བ་ཁུལ།",
        name_bo_needs_review=True,
        level=Region.Level.PREFECTURE,
    )
    creator = f.UserFactory(username="matrix-creator")
    member = f.UserFactory(username="matrix-member")
    Group.objects.create(name="matrix-group")
    attempt = f.AccessAttemptFactory(username="m-guess")
    fields = ("user_agent", "ip_address", "username", "http_accept", "path_info")
    AccessLog.objects.create(**{name: getattr(attempt, name) for name in fields})
    AccessFailureLog.objects.create(**{name: getattr(attempt, name) for name in fields})
    objects: dict[str, dict] = {}
    # The catalogue asks for one figure; each unit has a draft month with it, and a month
    # sent for review.
    measure_part = f.MeasurePartFactory(code="matrix-cases")

    def put(kind, owner, obj):
        objects.setdefault(kind, {})[owner] = obj
        return obj

    for owner, unit in units.items():
        county = f.RegionFactory(
            code=f"5132{OWNERS.index(owner) + 1:02d}", name_zh=f"矩阵县{owner}", parent=prefecture
        )
        unit.service_area.add(county)
        f.CampaignTargetFactory(campaign=campaign, org_unit=unit)
        put("unit", owner, unit)
        put("membership", owner, f.MembershipFactory(user=member, org_unit=unit, role=ORGANIZER))
        common = {
            "campaign": campaign,
            "org_unit": unit,
            "county": county,
            "venue_name": "乡政府会议室",
            "created_by": creator,
        }
        planned = put(
            "planned_event",
            owner,
            f.EventFactory(title=f"M-planned-{owner}", head_count=20, **common),
        )
        f.AudienceCountFactory(event=planned, group=AudienceGroup.WOMEN, count=12)
        f.EventTopicFactory(event=planned)
        reported = put(
            "reported_event",
            owner,
            f.EventFactory(
                title=f"M-reported-{owner}",
                status=Event.Status.REPORTED,
                # Reported before head counts were recorded: derived from the old sum.
                head_count=40,
                head_count_derived=True,
                reported_at=dt.datetime(2025, 3, 12, 2, tzinfo=dt.UTC),
                **common,
            ),
        )
        f.AudienceCountFactory(event=reported, group=AudienceGroup.WOMEN, count=30)
        f.PartnerServiceFactory(event=reported, screened=3, referred=1)
        put("photo", owner, f.EventPhotoFactory(event=planned))
        put("sign_in", owner, f.SignInFactory(event=planned, name=f"M-signin-{owner}"))
        partner = put("partner", owner, f.PartnerFactory(org_unit=unit, name=f"M-partner-{owner}"))
        agreement = put("agreement", owner, f.PartnerAgreementFactory(partner=partner))
        agreement.document.save("agreement.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        material = put(
            "material", owner, f.MaterialFactory(org_unit=unit, title_zh=f"M-material-{owner}")
        )
        draft = put("draft_edition", owner, f.MaterialEditionFactory(material=material, number=1))
        block = put("block", owner, f.EditionBlockFactory(edition=draft, position=1))
        put("comment", owner, f.BlockCommentFactory(block=block, author=creator))
        for number, (kind, status, native_review) in enumerate(
            [
                ("translated_edition", MaterialEdition.Status.TRANSLATED, True),
                ("reviewed_edition", MaterialEdition.Status.REVIEWED, False),
                ("approved_edition", MaterialEdition.Status.APPROVED, False),
            ],
            start=2,
        ):
            put(kind, owner, _edition(material, number, status, native_review, creator))
        approved = objects["approved_edition"][owner]
        # Without a draft in progress, so that a new edition may start from it.
        poster = f.MaterialFactory(org_unit=unit, title_zh=f"M-poster-{owner}")
        put(
            "sole_approved_edition",
            owner,
            _edition(poster, 1, MaterialEdition.Status.APPROVED, False, translated_by=None),
        )
        print_run = put("print_run", owner, f.PrintRunFactory(edition=approved, org_unit=unit))
        print_run.pdf.save("handout.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        f.AuditEntryFactory(org_unit=unit, object_repr=f"M-audit-{owner}")
        for kind, month, status in (
            ("draft_return", 2, MeasureReturn.Status.DRAFT),
            ("submitted_return", 3, MeasureReturn.Status.SUBMITTED),
        ):
            measure_return = put(
                kind,
                owner,
                f.MeasureReturnFactory(
                    org_unit=unit,
                    month=dt.date(2025, month, 1),
                    status=status,
                    submitted_at=dt.datetime(2025, 4, 2, tzinfo=dt.UTC),
                ),
            )
            f.MeasureFigureFactory(measure_return=measure_return, part=measure_part, value=4)
        put("room", owner, f.MediationRoomFactory(org_unit=unit, name=f"M-room-{owner}"))
        put("mediator", owner, f.MediatorFactory(org_unit=unit, name=f"M-mediator-{owner}"))

    users, jobs, tokens, keys = {}, {}, {}, {}
    for viewer in VIEWERS:
        if viewer.anonymous:
            continue
        user = f.UserFactory(
            username=f"m-{viewer.key}",
            is_superuser=viewer.superuser,
            is_native_reader=viewer.native_reader,
        )
        if viewer.level:
            f.MembershipFactory(user=user, org_unit=units[viewer.level], role=viewer.role)
        users[viewer.key] = user
        jobs[viewer.key] = {owner: _finished_job(user, units[owner]) for owner in OWNERS}
        tokens[viewer.key], keys[viewer.key] = api_token_create(user=user, name="matrix")
        f.NotificationFactory(recipient=user, occasion=f"matrix:{viewer.key}")
    others_token, _key = api_token_create(user=creator, name="someone else's")
    return World(
        units=units,
        campaign=campaign,
        prefecture=prefecture,
        users=users,
        objects=objects,
        jobs=jobs,
        tokens=tokens,
        keys=keys,
        others_token=others_token,
        others_jobs={owner: _finished_job(creator, units[owner]) for owner in OWNERS},
    )


def _edition(material, number, status, native_review, translated_by) -> MaterialEdition:
    """An edition with one block, both awaiting native review or both cleared."""
    edition = f.MaterialEditionFactory(
        material=material,
        number=number,
        status=status,
        translated_by=translated_by,
        needs_native_review=native_review,
    )
    f.EditionBlockFactory(edition=edition, position=1, needs_native_review=native_review)
    return edition


def _finished_job(owner, unit) -> Job:
    job = f.JobFactory(owner=owner, org_unit=unit, status=Job.Status.SUCCEEDED, progress=100)
    job.result.save("events.xlsx", ContentFile(b"matrix result"), save=True)
    return job


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from module_world(
        _build_world,
        django_db_blocker=django_db_blocker,
        media_root=tmp_path_factory.mktemp("matrix-media"),
    )


@pytest.fixture
def media_root(request):
    """The module's uploads stay where the world put them (the suite's own fixture would
    point each test at an empty folder)."""
    if "world" in request.fixturenames:
        request.getfixturevalue("world")


# --- routes --------------------------------------------------------------------------


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _status(kind: str, status: str) -> Callable:
    def done(obj) -> bool:
        return type(obj).objects.get(pk=obj.pk).status == status

    return done


def _gone(obj) -> bool:
    return not type(obj).objects.filter(pk=obj.pk).exists()


def _sign_in_sheet() -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "受众类别", "已同意（是/否）"])
    sheet.append(["央金", "13912345678", str(AudienceGroup.WOMEN.label), "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("sign-ins.xlsx", buffer.getvalue())


@dataclasses.dataclass(frozen=True)
class Route:
    """One URL of the site and how to ask it.

    ``target``: the kind of object in ``World.objects`` the URL is about, asked once for
    each owning unit; None for a page about no object. ``action``: what the viewer's role
    must allow at the owner, beyond seeing it. ``rule`` replaces the usual one for routes whose
    permission is not the owner's (a viewer's own jobs, the audit log…); ``ok`` may depend on
    the viewer.
    """

    name: str
    target: str | None = None
    method: str = "get"
    action: str | None = None
    kwargs: Callable = _pk
    data: Callable | None = None  # (world, obj, viewer) -> the request's body
    ok: int | Callable = 200
    done: Callable | None = None  # (obj) -> whether an allowed write took effect
    shared: bool = False
    api: bool = False
    public: bool = False
    rule: Callable | None = None  # (viewer, owner) -> the outcome, replacing the usual rule
    effect: Callable | None = None  # (viewer, owner) -> whether the write should take effect
    hidden: int = 404  # what an object the viewer may not see answers
    refused: int = 403  # what a request the viewer's role does not allow answers
    listing: str | None = None  # kind whose visible objects the page lists by marker
    content_type: str = "application/json"  # of an API request's body
    headers: Callable | None = None  # (world, obj, viewer) -> an API request's headers
    lists: Callable | None = None  # (viewer, owner) -> listed, when not ``sees``
    sign_in: str = "login"  # the URL name of the sign-in page someone refused is sent to
    id: str = ""

    @property
    def case_id(self) -> str:
        return self.id or self.name


def _version(world, obj, viewer) -> dict:
    return {"version": obj.version}


def _note(world, obj, viewer) -> dict:
    return {"text": "请补充受众人数。", "version": obj.version}


def _head_count(world, obj, viewer) -> dict:
    return {"head_count": 45, "version": obj.version}


def _head_count_corrected(obj) -> bool:
    event = Event.objects.get(pk=obj.pk)
    return (event.head_count, event.head_count_derived) == (45, False)


def _confirms_head_count(viewer, owner) -> str:
    """A head count is confirmed by those who report the event (organizers) and those who
    review it (reviewers), of its unit or above."""
    if not viewer.sees(owner):
        return HIDDEN
    allowed = viewer.may("event.report", owner) or viewer.may("event.review", owner)
    return OK if allowed else FORBIDDEN


def _print_run_order(world, obj, viewer) -> dict:
    unit = world.units[viewer.level] if viewer.level else obj.material.org_unit
    return {
        "edition": obj.pk,
        "org_unit": unit.pk,
        "paper_size": "A5",
        "layout": PrintRun.Layout.values[0],
        "copies": 100,
    }


def _api_plan(world, obj, viewer) -> dict:
    return {
        "campaign": world.campaign.pk,
        "org_unit": obj.pk,
        "county": obj.service_area.get().pk,
        "title": "矩阵新活动",
        "venue_name": "乡政府会议室",
        "venue_type": "village",
        "format": "lecture",
        "starts_at": "2025-03-14T10:00:00+08:00",
        "topics": ["anti_fraud"],
    }


def _api_figures(world, obj, viewer) -> dict:
    """The return's one figure, changed to 7, as the API names it."""
    part = obj.figures.get().part
    return {"figures": {part.measure.code: {part.code: "7"}}, "version": obj.version}


# The ids a phone made for a new report and a new photo.
NEW_REPORT_ID = uuid.UUID("5d1f3a2b-8c4e-4f6a-9b7d-2e1c0a9f8b7e")
NEW_PHOTO_ID = uuid.UUID("a3b2c1d0-e9f8-4a7b-8c6d-5e4f3a2b1c0d")


def _report_id(obj) -> dict:
    return {"uuid": obj.uuid}


def _unsent_reports_file(world, obj, viewer) -> dict:
    """A phone's file with one report: a change to ``obj``'s report."""
    body = {"base_version": obj.version, "report": {"head_count": 50, "audience": {"women": 40}}}
    data = unsent_reports_file(unsent_report(body, report_id=obj.uuid))
    return {"file": SimpleUploadedFile("unsent-reports-20250315-1830.json", data)}


def _imports_unsent_report(viewer, owner) -> str:
    if not viewer.may_somewhere("event.report"):
        return FORBIDDEN
    return OK if viewer.may("event.report", owner) else HIDDEN


def _coverage(obj) -> dict:
    return {"campaign_pk": obj.targets.first().campaign_id, "unit_pk": obj.pk}


def _own_job(viewer, owner) -> str:
    return OK if viewer.sees(owner) else HIDDEN


def _allowed_if(condition: Callable) -> Callable:
    """A rule for a page about no object: ``condition(viewer)`` or 403."""
    return lambda viewer, owner: OK if condition(viewer) else FORBIDDEN


def _auditor(viewer) -> bool:
    return viewer.superuser or viewer.role == ADMIN or viewer.level == "hq"


def _personal_information(viewer, owner) -> str:
    """Phones in full stay in the branch that collected them: a role held at headquarters
    reaches headquarters' own events only."""
    if not viewer.sees(owner):
        return HIDDEN
    if viewer.superuser:
        return OK
    allowed = viewer.role in MAY["signin.personal"] and (viewer.level != "hq" or owner == "hq")
    return OK if allowed else FORBIDDEN


def _native_reader_only(viewer, owner) -> str:
    """Tibetan text is cleared by native readers only: a block of a handout they see,
    whatever their role, or a region's name (company-wide)."""
    if owner is not None and not viewer.sees(owner, shared=True):
        return HIDDEN
    return OK if viewer.native_reader else FORBIDDEN


def _orders_print_runs(viewer, owner) -> str:
    """Ordered for one of the viewer's own units, from any handout they see."""
    if not viewer.sees(owner, shared=True):
        return HIDDEN
    return OK if viewer.may_somewhere("printrun.order") else FORBIDDEN


# The event's transitions, on its page and in the API: (URL name, API URL name, the event,
# the action, the page's form, the API's body, the effect).
EVENT_TRANSITIONS = [
    (
        "event_submit",
        "api-event-submit",
        "planned_event",
        "event.report",
        _version,
        _version,
        _status("event", Event.Status.REPORTED),
    ),
    (
        "event_approve",
        "api-event-approve",
        "reported_event",
        "event.review",
        _version,
        _version,
        _status("event", Event.Status.APPROVED),
    ),
    (
        "event_return",
        "api-event-return-report",
        "reported_event",
        "event.review",
        _note,
        lambda world, obj, viewer: {"note": "请补充受众人数。", "version": obj.version},
        _status("event", Event.Status.RETURNED),
    ),
    (
        "event_cancel",
        "api-event-cancel",
        "planned_event",
        "event.cancel",
        _note,
        lambda world, obj, viewer: {"reason": "暴雪封路。", "version": obj.version},
        _status("event", Event.Status.CANCELLED),
    ),
]

WEB_ROUTES = [
    # events
    Route("event_list", listing="planned_event"),
    Route("event_detail", "planned_event"),
    Route("event_edit", "planned_event", action="event.plan"),
    Route("event_report", "planned_event", action="event.report"),
    *(
        Route(name, target, "post", action=action, data=data, ok=302, done=done)
        for name, _api_name, target, action, data, _api_data, done in EVENT_TRANSITIONS
    ),
    Route(
        "event_head_count_confirm",
        "reported_event",
        "post",
        data=_head_count,
        ok=302,
        rule=_confirms_head_count,
        done=_head_count_corrected,
    ),
    Route("review_queue", listing="reported_event", lists=lambda v, o: v.may("event.review", o)),
    Route(
        "event_approve_bulk",
        "reported_event",
        "post",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {"events": [obj.pk], f"version-{obj.pk}": obj.version},
        ok=302,
        # Reports the viewer may not review are skipped, whether seen or not: the page says
        # how many.
        rule=lambda v, o: OK,
        effect=lambda v, o: v.may("event.review", o),
        done=_status("event", Event.Status.APPROVED),
        id="event_approve_bulk",
    ),
    Route(
        "event_plan",
        rule=_allowed_if(lambda v: v.may_somewhere("event.plan")),
        # Someone who may plan nowhere is sent back to the events with a message.
        refused=302,
    ),
    Route(
        # The report form of an event planned on the phone: the same empty form as planning.
        "event_report_new",
        rule=_allowed_if(lambda v: v.may_somewhere("event.plan")),
        refused=302,
    ),
    # photos
    Route(
        "event_photo_upload",
        "planned_event",
        "post",
        action="event.report",
        data=lambda world, obj, viewer: {
            "photos": SimpleUploadedFile("stall.jpg", _jpeg(), content_type="image/jpeg")
        },
        ok=302,
        done=lambda obj: EventPhoto.objects.filter(event=obj).count() == 2,
    ),
    Route(
        "event_photo",
        "photo",
        kwargs=lambda obj: {"pk": obj.event_id, "photo_pk": obj.pk, "size": "thumb"},
    ),
    Route(
        "event_photo_delete",
        "photo",
        "post",
        action="event.report",
        kwargs=lambda obj: {"pk": obj.event_id, "photo_pk": obj.pk},
        ok=302,
        done=_gone,
    ),
    # sign-ins
    Route("event_sign_ins", "planned_event", id="event_sign_ins"),
    Route(
        "event_sign_ins",
        "planned_event",
        "post",
        action="signin.record",
        data=lambda world, obj, viewer: {
            "name": "拉姆",
            "phone": "13800001111",
            "audience_group": AudienceGroup.HERDERS_FARMERS
            if hasattr(AudienceGroup, "HERDERS_FARMERS")
            else AudienceGroup.WOMEN,
            "consent_given": "on",
        },
        ok=302,
        done=lambda obj: SignIn.objects.filter(event=obj, phone="13800001111").exists(),
        id="event_sign_ins:add",
    ),
    Route(
        "event_sign_ins_import",
        "planned_event",
        "post",
        action="signin.record",
        data=lambda world, obj, viewer: {"sheet": _sign_in_sheet()},
        ok=302,
        done=lambda obj: SignIn.objects.filter(event=obj, phone="13912345678").exists(),
    ),
    Route("event_sign_ins_template", "planned_event", action="signin.record"),
    Route(
        "event_sign_ins_export",
        "planned_event",
        "post",
        data=lambda world, obj, viewer: {"reason": "县妇联回访需要联系方式。"},
        rule=_personal_information,
    ),
    Route(
        "event_sign_in_remove",
        "sign_in",
        "post",
        action="signin.record",
        kwargs=lambda obj: {"pk": obj.event_id, "sign_in_pk": obj.pk},
        ok=302,
        done=_gone,
    ),
    # partners
    Route("partner_list", listing="partner", shared=True),
    Route("partner_create", rule=_allowed_if(lambda v: v.may_somewhere("partner.edit"))),
    Route("partner_detail", "partner", shared=True),
    Route("partner_edit", "partner", action="partner.edit", shared=True),
    Route("agreement_create", "partner", action="partner.edit", shared=True),
    Route(
        "agreement_edit",
        "agreement",
        action="partner.edit",
        shared=True,
    ),
    Route("agreement_document", "agreement", shared=True),
    # consumer-protection measures
    Route("measure_return_list", listing="draft_return"),
    Route(
        "measure_return_open",
        "unit",
        "post",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {"org_unit": obj.pk, "month": "2025-01"},
        ok=302,
        # A unit outside the viewer's reporting units is no choice of the form: the list
        # says so; someone who reports nowhere is refused.
        rule=_allowed_if(lambda v: v.may_somewhere("measures.report")),
        effect=lambda v, o: v.may("measures.report", o),
        done=lambda obj: MeasureReturn.objects.filter(
            org_unit=obj, month=dt.date(2025, 1, 1)
        ).exists(),
    ),
    Route("measure_return_detail", "draft_return"),
    Route(
        "measure_return_detail",
        "draft_return",
        "post",
        action="measures.report",
        data=lambda world, obj, viewer: {
            "version": obj.version,
            f"part_{obj.figures.get().part_id}": "7",
        },
        ok=302,
        done=lambda obj: MeasureFigure.objects.get(measure_return=obj).value == 7,
        id="measure_return_detail:save",
    ),
    Route(
        "measure_return_submit",
        "draft_return",
        "post",
        action="measures.report",
        data=_version,
        ok=302,
        done=_status("measure_return", MeasureReturn.Status.SUBMITTED),
    ),
    Route(
        "measure_return_approve",
        "submitted_return",
        "post",
        action="measures.review",
        data=_version,
        ok=302,
        done=_status("measure_return", MeasureReturn.Status.APPROVED),
    ),
    Route(
        "measure_return_send_back",
        "submitted_return",
        "post",
        action="measures.review",
        data=_note,
        ok=302,
        done=_status("measure_return", MeasureReturn.Status.RETURNED),
    ),
    Route(
        "measure_review_queue",
        listing="submitted_return",
        lists=lambda v, o: v.may("measures.review", o),
    ),
    Route("mediation_room_list", listing="room"),
    Route("mediation_room_create", rule=_allowed_if(lambda v: v.may_somewhere("measures.report"))),
    Route("mediation_room_edit", "room", action="measures.report"),
    Route("mediator_list", listing="mediator"),
    Route("mediator_create", rule=_allowed_if(lambda v: v.may_somewhere("measures.report"))),
    Route("mediator_edit", "mediator", action="measures.report"),
    # To the newest year from the top unit the viewer sees, or a page saying there is none.
    Route("measure_year_home", ok=lambda v: 302 if v.superuser or v.level else 200),
    Route("measure_year", "unit", kwargs=lambda obj: {"year": 2025, "unit_pk": obj.pk}),
    Route("measures_import_start", rule=_allowed_if(lambda v: v.may_somewhere("measures.report"))),
    Route(
        "measures_import", "unit", action="measures.report", kwargs=lambda obj: {"unit_pk": obj.pk}
    ),
    Route(
        "measures_import",
        "unit",
        "post",
        action="measures.report",
        kwargs=lambda obj: {"unit_pk": obj.pk},
        # Any workbook is kept and handed to a job: its cells are the job's to check.
        data=lambda world, obj, viewer: {
            "sheet": SimpleUploadedFile("returns.xlsx", _sign_in_sheet().read())
        },
        ok=302,
        done=lambda obj: Job.objects.filter(kind=Job.Kind.MEASURES_IMPORT, org_unit=obj).exists(),
        id="measures_import:upload",
    ),
    Route(
        "measures_import_template",
        "unit",
        action="measures.report",
        kwargs=lambda obj: {"unit_pk": obj.pk},
    ),
    # coverage
    # To the coverage of the top unit the viewer sees, or a page saying there is none.
    Route("coverage_home", ok=lambda v: 302 if v.superuser or v.level else 200),
    Route("coverage_unit", "unit", kwargs=_coverage),
    Route("coverage_charts", "unit", kwargs=_coverage),
    Route(
        "coverage_region",
        "unit",
        kwargs=lambda obj: _coverage(obj) | {"region_pk": obj.service_area.get().parent_id},
    ),
    Route(
        "coverage_county",
        "unit",
        kwargs=lambda obj: _coverage(obj) | {"region_pk": obj.service_area.get().pk},
    ),
    Route("targets_edit", "unit", action="target.set", kwargs=_coverage),
    Route(
        "coverage_export_start",
        "unit",
        "post",
        kwargs=lambda obj: _coverage(obj) | {"kind": Job.Kind.REGULATOR_SHEET},
        ok=302,
    ),
    # handouts
    Route("material_list", listing="material", shared=True),
    Route("material_create", rule=_allowed_if(lambda v: v.may_somewhere("material.edit"))),
    Route("material_detail", "material", shared=True),
    Route("edition_editor", "draft_edition", shared=True),
    Route(
        "block_add",
        "draft_edition",
        "post",
        action="material.edit",
        shared=True,
        data=lambda world, obj, viewer: {"kind": EditionBlock.Kind.PARAGRAPH},
        ok=302,
        done=lambda obj: obj.blocks.count() == 2,
    ),
    Route(
        "block_save",
        "block",
        "post",
        action="edition.translate",
        shared=True,
        data=lambda world, obj, viewer: {
            "kind": obj.kind,
            "text_zh": "知情权",
            "text_bo": "ཤེས་པའི་ཐོབ་ཐང་།",
            "version": obj.version,
        },
        ok=302,
        done=lambda obj: EditionBlock.objects.get(pk=obj.pk).text_zh == "知情权",
    ),
    Route(
        "block_comment_add",
        "block",
        "post",
        action="material.edit",
        shared=True,
        data=lambda world, obj, viewer: {"text": "藏文第二句请再核对。"},
        ok=302,
        done=lambda obj: obj.comments.count() == 2,
    ),
    Route(
        "comment_resolve",
        "comment",
        "post",
        action="material.edit",
        shared=True,
        ok=302,
        done=lambda obj: BlockComment.objects.get(pk=obj.pk).resolved,
    ),
    Route("edition_diff", "translated_edition", shared=True),
    *(
        Route(
            "edition_transition",
            target,
            "post",
            action=action,
            shared=True,
            kwargs=lambda obj, transition=transition: {"pk": obj.pk, "action": transition},
            data=_note,
            ok=302,
            done=done,
            id=f"edition_transition:{transition}",
        )
        for transition, target, action, done in [
            (
                "translate",
                "draft_edition",
                "edition.translate",
                _status("edition", MaterialEdition.Status.TRANSLATED),
            ),
            (
                "review",
                "translated_edition",
                "edition.review",
                _status("edition", MaterialEdition.Status.REVIEWED),
            ),
            (
                "approve",
                "reviewed_edition",
                "edition.approve",
                _status("edition", MaterialEdition.Status.APPROVED),
            ),
            (
                "return",
                "translated_edition",
                "edition.review",
                _status("edition", MaterialEdition.Status.DRAFT),
            ),
        ]
    ),
    Route(
        "edition_transition",
        "translated_edition",
        "post",
        shared=True,
        kwargs=lambda obj: {"pk": obj.pk, "action": "clear_native_review"},
        data=_version,
        ok=302,
        rule=_native_reader_only,
        done=lambda obj: not MaterialEdition.objects.get(pk=obj.pk).needs_native_review,
        id="edition_transition:clear_native_review",
    ),
    Route(
        "edition_transition",
        "translated_edition",
        "post",
        shared=True,
        kwargs=lambda obj: {"pk": obj.pk, "action": "clear_native_review"},
        data=lambda world, obj, viewer: {"block": obj.blocks.get().pk, "version": obj.version},
        ok=302,
        rule=_native_reader_only,
        done=lambda obj: not EditionBlock.objects.get(edition=obj).needs_native_review,
        id="edition_transition:clear_native_review:block",
    ),
    Route(
        "edition_new",
        "sole_approved_edition",
        "post",
        action="material.edit",
        shared=True,
        ok=302,
        done=lambda obj: obj.material.editions.count() == 2,
    ),
    Route(
        "print_run_order",
        "approved_edition",
        shared=True,
        rule=_orders_print_runs,
    ),
    Route("print_run_list", listing="print_run"),
    Route("print_run_detail", "print_run"),
    Route("print_run_pdf", "print_run"),
    Route(
        "edition_public",
        "approved_edition",
        public=True,
        kwargs=lambda obj: {"token": obj.public_token},
    ),
    # imports
    Route("events_import", "unit", action="event.plan", kwargs=lambda obj: {"unit_pk": obj.pk}),
    Route(
        "events_import_template",
        "unit",
        action="event.plan",
        kwargs=lambda obj: {"unit_pk": obj.pk},
    ),
    # A phone's unsent reports file, imported at the office by whoever reports somewhere:
    # each report as the phone's own send would store it, so a report the viewer may not
    # make is refused in the page's list of problems (400), seen or not, and nothing is saved.
    Route("unsent_reports_import", rule=_allowed_if(lambda v: v.may_somewhere("event.report"))),
    Route(
        "unsent_reports_import",
        "planned_event",
        "post",
        kwargs=lambda obj: {},
        data=_unsent_reports_file,
        ok=302,
        hidden=400,
        rule=_imports_unsent_report,
        done=lambda obj: obj.audience_counts.filter(group="women", count=40).exists(),
        id="unsent_reports_import:post",
    ),
    # jobs
    Route("job_list"),
    Route("job_detail", "own_job", rule=_own_job),
    Route("job_download", "own_job", rule=_own_job),
    Route("job_detail", "others_job", rule=lambda v, o: HIDDEN, id="job:others"),
    Route(
        "job_download",
        "others_job",
        rule=lambda v, o: HIDDEN,
        id="job_download:others",
    ),
    Route(
        "events_export_start",
        method="post",
        ok=302,
        # Nobody's member: there is no unit to export. A superuser's own unit is the root,
        # as on the coverage pages.
        rule=lambda v, o: OK if v.level or v.superuser else HIDDEN,
    ),
    # audit, notifications, accounts
    Route("audit_log", rule=_allowed_if(_auditor)),
    Route("notification_list"),
    Route("notifications_read", method="post", ok=302),
    Route("home"),
    Route("api_tokens"),
    Route("api_token_revoke", "own_token", "post", ok=302),
    Route(
        "api_token_revoke",
        "others_token",
        "post",
        rule=lambda v, o: HIDDEN,
        id="api_token_revoke:others",
    ),
    Route("password_change"),
    Route("password_change_done"),
    # Someone signed in already is sent on.
    Route("login", public=True, ok=lambda v: 302 if v.signed_in else 200),
    Route("logout", method="post", public=True, ok=302),
    Route("password_reset", public=True),
    Route("password_reset_done", public=True),
    Route(
        "password_reset_confirm",
        public=True,
        kwargs=lambda obj: {"uidb64": "MQ", "token": "no-such-token"},  # says the link is void
    ),
    Route("password_reset_complete", public=True),
    Route("set_language", method="post", public=True, ok=302, data=lambda *a: {"language": "bo"}),
    Route("healthz", public=True),
    Route("readyz", public=True),
    # The portal without network: the same for everyone, signed in or not.
    Route("service_worker", public=True),
    Route("offline_page", public=True, kwargs=lambda obj: {"language": "bo"}),
    Route("web_manifest", public=True),
    # The unsent reports page: the same empty page for every signed-in user (the phone fills
    # it from that user's outbox).
    Route("outbox"),
]


def _manages_members(viewer, owner) -> str:
    """The add form offers the units the viewer administers; another unit is not a choice."""
    if not viewer.may_somewhere("member.manage"):
        return FORBIDDEN
    return OK if viewer.may("member.manage", owner) else INVALID


MEMBER_ROUTES = [
    Route("member_list", rule=_allowed_if(lambda v: v.may_somewhere("member.manage"))),
    Route("member_add", rule=_allowed_if(lambda v: v.may_somewhere("member.manage"))),
    Route(
        "member_add",
        "unit",
        "post",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {
            "org_unit": obj.pk,
            # The one role every administrator holds, so that only the unit decides.
            "role": ADMIN,
            "username": "matrix-newcomer",
            "full_name": "新同事",
            "password": "matrix-pasture-2026",
        },
        rule=_manages_members,
        ok=302,
        done=lambda obj: Membership.objects.filter(
            user__username="matrix-newcomer", org_unit=obj, role=ADMIN
        ).exists(),
        id="member_add:unit",
    ),
    Route("member_remove", "membership", action="member.manage"),
    Route(
        "member_unlock",
        "membership",
        "post",
        # The person holds a role at every unit: only who administers all of them may lift
        # their lock (it clears every address, a guesser's too).
        rule=lambda v, o: (
            HIDDEN
            if not v.sees(o)
            else OK
            if v.superuser or (v.role == ADMIN and v.level == "hq")
            else FORBIDDEN
        ),
        ok=302,
        done=lambda obj: AuditEntry.objects.filter(
            action="portal.user.sign_in_unlocked", object_id=str(obj.user_id)
        ).exists(),
    ),
    Route(
        "member_remove",
        "membership",
        "post",
        action="member.manage",
        ok=302,
        done=_gone,
        id="member_remove:post",
    ),
    Route(
        "member_native_reader",
        "membership",
        "post",
        data=lambda world, obj, viewer: {"is_native_reader": "on"},
        # As for unlocking: the person holds a role at every unit, and the mark counts
        # wherever they work, so only who administers all of them may set it.
        rule=lambda v, o: (
            HIDDEN
            if not v.sees(o)
            else OK
            if v.superuser or (v.role == ADMIN and v.level == "hq")
            else FORBIDDEN
        ),
        ok=302,
        done=lambda obj: User.objects.get(pk=obj.user_id).is_native_reader,
    ),
    # Regions' Tibetan names: the review page and confirming (here, correcting) one name.
    Route("region_name_review", rule=_native_reader_only),
    Route(
        "region_name_confirm",
        "prefecture",
        "post",
        data=lambda world, obj, viewer: {"name_bo": "རྔ་བ་ས་ཁུལ།", "seen_name_bo": obj.name_bo},
        ok=302,
        rule=_native_reader_only,
        done=lambda obj: Region.objects.get(pk=obj.pk).name_bo == "རྔ་བ་ས་ཁུལ།",
    ),
]


# Django's admin: superusers only. Everybody else is sent to the admin's own sign-in page,
# whatever their role, and a write has no effect.
def _superuser_only(viewer, owner) -> str:
    return OK if viewer.superuser else SIGN_IN


# Models with a workflow are read-only in the admin, for superusers too; django-axes keeps
# its sign-in records itself (a superuser may delete one, which lifts a lockout).
READ_ONLY_IN_ADMIN = {
    "event",
    "partner",
    "material",
    "materialedition",
    "printrun",
    "auditentry",
    # The measures' workflow: the portal's pages and services alone change them.
    "measurereturn",
    "mediationroom",
    "mediator",
}
ADDED_ELSEWHERE = READ_ONLY_IN_ADMIN | {"accessattempt", "accesslog", "accessfailurelog"}


def _first_pk(model) -> Callable:
    return lambda obj: {"object_id": model._default_manager.order_by("pk").first().pk}


def _admin_model_routes(model) -> list[Route]:
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    read_only = opts.model_name in READ_ONLY_IN_ADMIN
    common = {"rule": _superuser_only, "sign_in": "admin:login"}
    return [
        Route(f"{name}_changelist", **common),
        Route(f"{name}_add", ok=403 if opts.model_name in ADDED_ELSEWHERE else 200, **common),
        Route(f"{name}_change", kwargs=_first_pk(model), **common),
        Route(f"{name}_delete", kwargs=_first_pk(model), ok=403 if read_only else 200, **common),
        Route(f"{name}_history", kwargs=_first_pk(model), **common),
    ]


ADMIN_ROUTES = [
    *(route for model in admin.site._registry for route in _admin_model_routes(model)),
    Route("admin:index", rule=_superuser_only, sign_in="admin:login"),
    Route(
        "admin:app_list",
        kwargs=lambda obj: {"app_label": "campaigns"},
        rule=_superuser_only,
        sign_in="admin:login",
    ),
    Route("admin:password_change", rule=_superuser_only, sign_in="admin:login"),
    Route("admin:password_change_done", rule=_superuser_only, sign_in="admin:login"),
    Route("admin:jsi18n", rule=_superuser_only, sign_in="admin:login"),
    # Without the field it completes, the superuser's request is refused too.
    Route("admin:autocomplete", rule=_superuser_only, sign_in="admin:login", ok=403),
    Route(
        "admin:view_on_site",
        # No model of the portal links to a public page of its own.
        kwargs=lambda obj: {
            "content_type_id": ContentType.objects.get_for_model(Event).pk,
            "object_id": Event.objects.order_by("pk").first().pk,
        },
        rule=_superuser_only,
        sign_in="admin:login",
        ok=404,
    ),
    Route(
        "admin:auth_user_password_change",
        kwargs=lambda obj: {"id": get_user_model().objects.order_by("pk").first().pk},
        rule=_superuser_only,
        sign_in="admin:login",
    ),
    # Someone already signed in to the portal is told they may not use the admin.
    Route("admin:login", public=True, ok=lambda viewer: 302 if viewer.superuser else 200),
    # Signing out takes a POST; a GET from someone outside the admin goes to its front door.
    Route("admin:logout", public=True, ok=lambda viewer: 405 if viewer.superuser else 302),
    # The requests of the probe that found the back door, asked by every viewer.
    Route(
        "admin:campaigns_membership_add",
        "unit",
        "post",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {
            "user": get_user_model().objects.get(username="matrix-member").pk,
            "org_unit": obj.pk,
            "role": ADMIN,
        },
        rule=_superuser_only,
        sign_in="admin:login",
        ok=302,
        done=lambda obj: Membership.objects.filter(
            user__username="matrix-member", org_unit=obj, role=ADMIN
        ).exists(),
        id="admin:membership_add:post",
    ),
    Route(
        "admin:campaigns_orgunit_add",
        method="post",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {
            "code": "M-FAKE-HQ",
            "name": "假总部",
            "kind": "hq",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
        rule=_superuser_only,
        sign_in="admin:login",
        ok=302,
        done=lambda obj: OrgUnit.objects.filter(code="M-FAKE-HQ").exists(),
        id="admin:orgunit_add:post",
    ),
    Route(
        "admin:campaigns_event_change",
        "reported_event",
        "post",
        kwargs=lambda obj: {"object_id": obj.pk},
        data=lambda world, obj, viewer: {
            "org_unit": world.units["branch_b"].pk,
            "status": Event.Status.APPROVED,
        },
        rule=_superuser_only,
        sign_in="admin:login",
        ok=403,
        effect=lambda v, o: False,
        done=_status("event", Event.Status.APPROVED),
        id="admin:event_change:post",
    ),
]


API_ROUTES = [
    Route("api-root", api=True),
    # The schema and its docs are for people who use the API: signed in.
    Route("api-schema", api=True),
    Route("api-docs", api=True),
    Route("api-region-list", api=True),
    Route("api-region-detail", "county", api=True),
    Route("api-org-unit-list", api=True, listing="unit"),
    Route("api-org-unit-detail", "unit", api=True),
    Route("api-campaign-list", api=True),
    Route("api-campaign-detail", "campaign", api=True),
    Route("api-campaign-targets", "campaign", api=True),
    Route("api-event-list", api=True, listing="planned_event"),
    Route("api-event-detail", "planned_event", api=True),
    Route(
        "api-event-list",
        "unit",
        "post",
        api=True,
        action="event.plan",
        kwargs=lambda obj: {},
        data=_api_plan,
        ok=201,
        # A unit one may not see, or not plan for, cannot be chosen: the field says so.
        hidden=400,
        refused=400,
        done=lambda obj: Event.objects.filter(org_unit=obj, title="矩阵新活动").exists(),
        id="api-event-create",
    ),
    Route(
        "api-event-detail",
        "planned_event",
        "patch",
        api=True,
        action="event.plan",
        data=lambda world, obj, viewer: {"title": "矩阵改名", "version": obj.version},
        done=lambda obj: Event.objects.get(pk=obj.pk).title == "矩阵改名",
        id="api-event-update",
    ),
    Route(
        "api-event-report",
        "planned_event",
        "post",
        api=True,
        action="event.report",
        data=lambda world, obj, viewer: {
            "head_count": 50,
            "audience": {"women": 40},
            "version": obj.version,
        },
        done=lambda obj: obj.audience_counts.get(group="women").count == 40,
    ),
    *(
        Route(api_name, target, "post", api=True, action=action, data=data, done=done)
        for _name, api_name, target, action, _data, data, done in EVENT_TRANSITIONS
    ),
    Route(
        "api-event-confirm-head-count",
        "reported_event",
        "post",
        api=True,
        data=_head_count,
        rule=_confirms_head_count,
        done=_head_count_corrected,
    ),
    # Offline reports: a report and its photos under the ids a phone made. The report's id
    # is an event's, so it is seen, changed and given photos as the event is; a new one is
    # planned for a unit, which, when the viewer may not plan there, is refused at its
    # field (422), as the event API's plan is (400).
    Route("api-offline-report", "planned_event", api=True, kwargs=_report_id),
    Route(
        "api-offline-report",
        "planned_event",
        "put",
        api=True,
        action="event.report",
        kwargs=_report_id,
        data=lambda world, obj, viewer: {
            "base_version": obj.version,
            "report": {"head_count": 50, "audience": {"women": 40}},
        },
        done=lambda obj: obj.audience_counts.get(group="women").count == 40,
        id="api-offline-report:change",
    ),
    Route(
        "api-offline-report",
        "unit",
        "put",
        api=True,
        action="event.plan",
        kwargs=lambda obj: {"uuid": NEW_REPORT_ID},
        data=lambda world, obj, viewer: {"plan": _api_plan(world, obj, viewer)},
        ok=201,
        hidden=422,
        refused=422,
        done=lambda obj: Event.objects.filter(uuid=NEW_REPORT_ID, org_unit=obj).exists(),
        id="api-offline-report:create",
    ),
    Route(
        "api-offline-report-photo",
        "planned_event",
        "put",
        api=True,
        action="event.report",
        kwargs=lambda obj: {**_report_id(obj), "photo_uuid": NEW_PHOTO_ID},
        data=lambda world, obj, viewer: _jpeg(),
        content_type="image/jpeg",
        headers=lambda world, obj, viewer: {"X-Content-SHA256": sha256(_jpeg()).hexdigest()},
        ok=201,
        done=lambda obj: EventPhoto.objects.filter(uuid=NEW_PHOTO_ID, event=obj).exists(),
    ),
    # The offline form's reference lists: everyone signed in gets theirs (what is in it
    # is tests/api/test_form_config_api.py's).
    Route("api-form-config", api=True),
    Route("api-partner-list", api=True, listing="partner", shared=True),
    Route("api-partner-detail", "partner", api=True, shared=True),
    Route("api-material-list", api=True, listing="material", shared=True),
    Route("api-material-detail", "material", api=True, shared=True),
    Route("api-material-editions", "material", api=True, shared=True),
    Route("api-print-run-list", api=True, listing="print_run"),
    Route("api-print-run-detail", "print_run", api=True),
    Route(
        "api-print-run-list",
        "approved_edition",
        "post",
        api=True,
        kwargs=lambda obj: {},
        data=_print_run_order,
        ok=201,
        hidden=400,
        rule=_orders_print_runs,
        id="api-print-run-create",
    ),
    # The consumer-protection measures register: the catalogue is everyone's; returns,
    # rooms and mediators are seen as their unit is, kept by its organizers and reviewed by
    # its reviewers. A unit one may not see cannot be chosen (400 at the field); one seen
    # but not reported for is refused by the service (403).
    Route("api-measure-list", api=True),
    Route("api-measure-return-list", api=True, listing="draft_return"),
    Route("api-measure-return-detail", "draft_return", api=True),
    Route(
        "api-measure-return-list",
        "unit",
        "post",
        api=True,
        action="measures.report",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {"org_unit": obj.pk, "month": "2025-01"},
        ok=201,
        hidden=400,
        done=lambda obj: MeasureReturn.objects.filter(
            org_unit=obj, month=dt.date(2025, 1, 1)
        ).exists(),
        id="api-measure-return-open",
    ),
    Route(
        "api-measure-return-detail",
        "draft_return",
        "patch",
        api=True,
        action="measures.report",
        data=_api_figures,
        done=lambda obj: MeasureFigure.objects.get(measure_return=obj).value == 7,
        id="api-measure-return-update",
    ),
    Route(
        "api-measure-return-detail",
        "draft_return",
        "put",
        api=True,
        action="measures.report",
        data=_api_figures,
        done=lambda obj: MeasureFigure.objects.get(measure_return=obj).value == 7,
        id="api-measure-return-replace",
    ),
    Route(
        "api-measure-return-submit",
        "draft_return",
        "post",
        api=True,
        action="measures.report",
        data=_version,
        done=_status("measure_return", MeasureReturn.Status.SUBMITTED),
    ),
    Route(
        "api-measure-return-approve",
        "submitted_return",
        "post",
        api=True,
        action="measures.review",
        data=_version,
        done=_status("measure_return", MeasureReturn.Status.APPROVED),
    ),
    Route(
        "api-measure-return-return",
        "submitted_return",
        "post",
        api=True,
        action="measures.review",
        data=lambda world, obj, viewer: {"note": "请核对安抚金金额。", "version": obj.version},
        done=_status("measure_return", MeasureReturn.Status.RETURNED),
    ),
    Route("api-mediation-room-list", api=True, listing="room"),
    Route("api-mediation-room-detail", "room", api=True),
    Route(
        "api-mediation-room-list",
        "unit",
        "post",
        api=True,
        action="measures.report",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {
            "org_unit": obj.pk,
            "name": "矩阵调解室",
            "address": "营业部二楼",
            "opened_on": "2024-03-01",
        },
        ok=201,
        hidden=400,
        done=lambda obj: MediationRoom.objects.filter(org_unit=obj, name="矩阵调解室").exists(),
        id="api-mediation-room-create",
    ),
    Route(
        "api-mediation-room-detail",
        "room",
        "patch",
        api=True,
        action="measures.report",
        data=lambda world, obj, viewer: {"name": "矩阵改名", "version": obj.version},
        done=lambda obj: MediationRoom.objects.get(pk=obj.pk).name == "矩阵改名",
        id="api-mediation-room-update",
    ),
    Route(
        "api-mediation-room-detail",
        "room",
        "put",
        api=True,
        action="measures.report",
        data=lambda world, obj, viewer: {
            "org_unit": obj.org_unit_id,
            "name": obj.name,
            "address": obj.address,
            "opened_on": obj.opened_on.isoformat(),
            "is_open": False,
            "closed_on": "2025-01-31",
            "version": obj.version,
        },
        done=lambda obj: not MediationRoom.objects.get(pk=obj.pk).is_open,
        id="api-mediation-room-replace",
    ),
    Route("api-mediator-list", api=True, listing="mediator"),
    Route("api-mediator-detail", "mediator", api=True),
    Route(
        "api-mediator-list",
        "unit",
        "post",
        api=True,
        action="measures.report",
        kwargs=lambda obj: {},
        data=lambda world, obj, viewer: {
            "org_unit": obj.pk,
            "name": "矩阵调解员",
            "field": "保险法",
            "organisation": "市人民调解委员会",
        },
        ok=201,
        hidden=400,
        done=lambda obj: Mediator.objects.filter(org_unit=obj, name="矩阵调解员").exists(),
        id="api-mediator-create",
    ),
    Route(
        "api-mediator-detail",
        "mediator",
        "patch",
        api=True,
        action="measures.report",
        data=lambda world, obj, viewer: {"active": False, "version": obj.version},
        done=lambda obj: not Mediator.objects.get(pk=obj.pk).active,
        id="api-mediator-update",
    ),
    Route(
        "api-mediator-detail",
        "mediator",
        "put",
        api=True,
        action="measures.report",
        data=lambda world, obj, viewer: {
            "org_unit": obj.org_unit_id,
            "name": "矩阵改名",
            "field": obj.field,
            "organisation": obj.organisation,
            "version": obj.version,
        },
        done=lambda obj: Mediator.objects.get(pk=obj.pk).name == "矩阵改名",
        id="api-mediator-replace",
    ),
    Route("api-job-list", api=True),
    Route("api-job-detail", "own_job", api=True, rule=_own_job),
    Route(
        "api-job-detail",
        "others_job",
        api=True,
        rule=lambda v, o: HIDDEN,
        id="api-job:others",
    ),
]
ROUTES = WEB_ROUTES + MEMBER_ROUTES + ADMIN_ROUTES + API_ROUTES


# --- asking --------------------------------------------------------------------------


def _targets(route: Route, world: World, viewer: Viewer) -> dict:
    """owner -> the object the route is asked about."""
    if route.target is None:
        return {None: None}
    if route.target == "own_job":
        return world.jobs.get(viewer.key, world.others_jobs)
    if route.target == "others_job":
        return world.others_jobs
    if route.target == "own_token":
        return {None: world.tokens.get(viewer.key, world.others_token)}
    if route.target == "others_token":
        return {None: world.others_token}
    if route.target == "campaign":
        return {None: world.campaign}
    if route.target == "county":
        return {None: world.units["hq"].service_area.get()}
    if route.target == "prefecture":
        return {None: world.prefecture}
    return world.objects[route.target]


def _expected(route: Route, viewer: Viewer, owner: str | None) -> str:
    if route.public:
        return OK
    if viewer.anonymous:
        return SIGN_IN
    if route.rule is not None:
        return route.rule(viewer, owner)
    if owner is None:
        return OK
    if not viewer.sees(owner, shared=route.shared):
        return HIDDEN
    if route.action and not viewer.may(route.action, owner):
        return FORBIDDEN
    return OK


def _ask(client: Client, route: Route, world: World, viewer: Viewer, obj):
    kwargs = route.kwargs(obj) if obj is not None or route.kwargs is not _pk else None
    url = reverse(route.name, kwargs=kwargs)
    data = route.data(world, obj, viewer) if route.data else {}
    if route.api:
        if route.method == "get":
            return client.get(url, {"page_size": 100} if route.listing else None)
        headers = route.headers(world, obj, viewer) if route.headers else None
        return getattr(client, route.method)(
            url, data, content_type=route.content_type, headers=headers
        )
    if route.method == "get":
        return client.get(url)
    return client.post(url, data)


def _problem(route, viewer, owner, expected, response) -> str | None:
    status = response.status_code
    if expected == SIGN_IN:
        if route.api:
            return None if status == 401 else f"answered {status}, not 401"
        location = response.headers.get("Location", "")
        if status == 302 and location.startswith(reverse(route.sign_in)):
            return None
        return f"answered {status} {location}, not a sign-in redirect"
    wanted = {
        OK: route.ok(viewer) if callable(route.ok) else route.ok,
        FORBIDDEN: route.refused,
        HIDDEN: route.hidden,
        INVALID: 200,
    }[expected]
    if status != wanted:
        body = response.content[:200].decode(errors="replace")
        return f"answered {status}, not {wanted} ({expected}): {body}"
    return None


def _case_ids(route: Route) -> str:
    return f"{route.case_id}:{route.method}"


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.key)
@pytest.mark.parametrize("route", ROUTES, ids=_case_ids)
def test_each_role_at_each_level_gets_what_the_rules_say(db, world, route, viewer):
    client = Client()
    if viewer.signed_in and route.api:
        # The API as a machine asks it: with the viewer's token (the web session is the
        # same user, and tests/api covers it).
        client = Client(HTTP_AUTHORIZATION=f"Token {world.keys[viewer.key]}")
    elif viewer.signed_in:
        client.force_login(world.users[viewer.key])
    problems = []
    for owner, obj in _targets(route, world, viewer).items():
        expected = _expected(route, viewer, owner)
        with transaction.atomic():  # each owner's case undone before the next
            response = _ask(client, route, world, viewer, obj)
            problem = _problem(route, viewer, owner, expected, response)
            if problem is None and route.done is not None:
                took_effect = route.done(obj)
                should = route.effect(viewer, owner) if route.effect else expected == OK
                if took_effect != should:
                    problem = "took effect" if took_effect else "answered but did nothing"
            transaction.set_rollback(True)
        if problem:
            problems.append(f"{owner}: {problem}")
    assert not problems, f"{route.case_id} {route.method} as {viewer.key}: " + "; ".join(problems)


# --- listings: what a list shows -----------------------------------------------------


def _marker(kind: str, owner: str) -> str:
    return {
        "planned_event": f"M-planned-{owner}",
        "reported_event": f"M-reported-{owner}",
        "partner": f"M-partner-{owner}",
        "material": f"M-material-{owner}",
        "room": f"M-room-{owner}",
        "mediator": f"M-mediator-{owner}",
    }.get(kind, "")


# Lists whose rows are told apart by the link to each row's page.
LISTED_BY_LINK = {
    "print_run": "print_run_detail",
    "draft_return": "measure_return_detail",
    "submitted_return": "measure_return_detail",
}


LISTINGS = [route for route in ROUTES if route.listing]


def _listed(route: Route, world: World, response) -> set[str]:
    """The owners whose object of ``route.listing`` the response shows."""
    objects = world.objects[route.listing]
    if route.api:
        ids = {row["id"] for row in response.json()["results"]}
        return {owner for owner, obj in objects.items() if obj.pk in ids}
    page = response.content.decode()
    if route.listing in LISTED_BY_LINK:
        detail = LISTED_BY_LINK[route.listing]
        return {
            owner
            for owner, obj in objects.items()
            if f'"{reverse(detail, kwargs={"pk": obj.pk})}"' in page
        }
    return {owner for owner in objects if _marker(route.listing, owner) in page}


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v.signed_in], ids=lambda v: v.key)
@pytest.mark.parametrize("route", LISTINGS, ids=_case_ids)
def test_lists_show_exactly_what_the_viewer_may_see(db, world, route, viewer):
    client = Client()
    client.force_login(world.users[viewer.key])  # the API takes the web session too
    response = client.get(
        reverse(route.name), {"page_size": 100} if route.api else None, HTTP_ACCEPT_LANGUAGE="zh"
    )
    assert response.status_code == 200
    lists = route.lists or (lambda v, owner: v.sees(owner, shared=route.shared))
    expected = {owner for owner in OWNERS if lists(viewer, owner)}
    assert _listed(route, world, response) == expected


# --- export jobs: what a file holds --------------------------------------------------


def _export_titles(job: Job) -> set[str]:
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_code
    sheet = load_workbook(job.result.path, read_only=True).worksheets[0]
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize(
    "viewer", [v for v in VIEWERS if v.signed_in and not v.superuser], ids=lambda v: v.key
)
def test_the_events_export_job_holds_only_what_its_owner_may_see(db, world, viewer):
    user = world.users[viewer.key]
    # The job is started for headquarters, the widest unit there is: what it may hold is
    # still only what its owner sees.
    job = f.JobFactory(owner=user, org_unit=world.units["hq"], kind=Job.Kind.EVENTS_EXPORT)

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    if viewer.level != "hq":
        # The owner cannot see headquarters: the job refuses to run for it.
        assert job.status == Job.Status.FAILED
        assert not job.result
        return
    titles = _export_titles(job)
    expected = {f"M-{state}-{owner}" for state in ("planned", "reported") for owner in OWNERS}
    assert {title for title in titles if title.startswith("M-")} == expected


@pytest.mark.parametrize(
    "viewer", [v for v in VIEWERS if v.level and v.level != "hq"], ids=lambda v: v.key
)
def test_the_events_export_job_of_a_branch_unit_holds_its_subtree_only(db, world, viewer):
    user = world.users[viewer.key]
    job = f.JobFactory(owner=user, org_unit=world.units[viewer.level], kind=Job.Kind.EVENTS_EXPORT)

    job_execute(job_id=job.pk)

    titles = _export_titles(job)
    expected = {
        f"M-{state}-{owner}"
        for state in ("planned", "reported")
        for owner in OWNERS
        if viewer.sees(owner)
    }
    assert {title for title in titles if title.startswith("M-")} == expected


# --- that the matrix reaches every URL -----------------------------------------------


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            # The admin's unnamed patterns only redirect: an object's old address to its
            # change page, and anything unknown to the sign-in page.
            if pattern.name is None and namespace == "admin:":
                continue
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def test_every_url_pattern_is_exercised():
    """A new page or endpoint fails here until the matrix asks it."""
    asked = {route.name for route in ROUTES}
    unasked = sorted(
        f"{route} ({name})" for route, name in _patterns(get_resolver()) if name not in asked
    )
    assert not unasked, "URL patterns no matrix case asks: " + ", ".join(unasked)


def test_the_matrix_has_at_least_500_cases():
    one_object = {None, "campaign", "county", "prefecture", "own_token", "others_token"}
    cases = sum(
        1 if route.target in one_object else len(OWNERS) for route in ROUTES for _viewer in VIEWERS
    )
    print(f"access matrix: {cases} cases")
    assert cases >= 500
