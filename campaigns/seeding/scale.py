"""A large, deterministic data set for measuring the coverage pages (``manage.py seed_scale``).

It builds on the seeds of ``load_seeds`` and never changes them. What it makes is marked so
that a second run can replace it: the scale campaign carries SCALE_THEME, and the org units it
adds have codes starting with SCALE_CODE_PREFIX.
"""

import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.db.models import ProtectedError
from psycopg import sql

from campaigns.models import (
    AudienceCount,
    AudienceGroup,
    Campaign,
    CampaignTarget,
    Channel,
    Event,
    EventFormat,
    EventLanguage,
    EventTopic,
    OrgUnit,
    Partner,
    PartnerService,
    Region,
    ScreeningType,
    ServiceType,
    Topic,
    VenueType,
)
from campaigns.models.org import child_path
from campaigns.services.coverage import coverage_summaries_rebuild

SCALE_CAMPAIGN_NAME = "规模测试宣传周"
SCALE_CAMPAIGN_DAYS = (date(2025, 3, 1), date(2025, 3, 31))
SCALE_THEME = "规模测试数据（seed_scale 生成，非真实活动）"
SCALE_CODE_PREFIX = "SCALE-"
SCALE_TITLE_PREFIX = "规模测试活动 #"
SHANGHAI = ZoneInfo("Asia/Shanghai")

BATCH_SIZE = 5000
PROGRESS_EVERY = 10_000

STATUS_WEIGHTS = {
    Event.Status.APPROVED: 70,
    Event.Status.REPORTED: 15,
    Event.Status.PLANNED: 8,
    Event.Status.RETURNED: 4,
    Event.Status.CANCELLED: 3,
}
CHANNEL_WEIGHTS = {
    Channel.OFFLINE: 90,
    Channel.LIVESTREAM: 4,
    Channel.WECHAT_ARTICLE: 4,
    Channel.SMS: 2,
}
LANGUAGE_WEIGHTS = {EventLanguage.ZH: 80, EventLanguage.BOTH: 12, EventLanguage.BO: 8}
# Events whose report was written: they carry figures, and offline ones audience counts.
REPORTED_STATUSES = {Event.Status.REPORTED, Event.Status.APPROVED, Event.Status.RETURNED}
OFFLINE_FORMATS = [value for value in EventFormat.values if value != EventFormat.LIVESTREAM]
VENUE_SUFFIXES = {
    VenueType.COMMUNITY: "社区服务中心",
    VenueType.BUSINESS_DISTRICT: "商业广场",
    VenueType.CAMPUS: "第一中学",
    VenueType.ENTERPRISE: "工业园区",
    VenueType.VILLAGE: "中心村",
}
# Counted groups per reported offline event: "no row" means "not counted", so some miss one.
AUDIENCE_GROUPS_COUNTED = (10, 11)
# People who came to a reported in-person event. Each group counts at most as many, and the
# groups overlap, so they may add up to more (a herder woman is in two).
HEAD_COUNT_RANGE = (20, 200)
PARTNER_SERVICE_SHARE = 0.2
# Targets ask a unit for its share of the events and most of its counties.
TARGET_EVENTS_SHARE = 0.9
TARGET_PEOPLE_PER_EVENT = 300
TARGET_COUNTIES_SHARE = 0.8


class ScaleSeedError(Exception):
    """The database cannot take the scale data set asked for (missing seeds, impossible numbers)."""


@dataclass
class ScaleReport:
    """What one run built, for the command to print."""

    events: int = 0
    audience_counts: int = 0
    topics: int = 0
    partner_services: int = 0
    org_units: int = 0
    new_org_units: int = 0
    targets: int = 0
    counties: int = 0
    counties_with_events: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.events} events, {self.audience_counts} audience counts, "
            f"{self.topics} event topics, {self.partner_services} partner services; "
            f"{self.org_units} org units ({self.new_org_units} new), {self.targets} targets; "
            f"{self.counties_with_events}/{self.counties} counties with events; "
            f"{self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class _Region:
    pk: int
    code: str
    name: str
    level: str
    parent_id: int | None
    special: bool


@dataclass
class _OrgTree:
    """Every org unit after the build, and which one owns the events of each county."""

    units: dict[int, OrgUnit]
    areas: dict[int, list[_Region]]  # unit pk -> the counties it serves
    owner: dict[int, OrgUnit]  # county pk -> the deepest unit serving it
    created: int


@dataclass
class _CountyUnits:
    """The units that serve each county before the build, by county pk."""

    serving: dict[int, list[OrgUnit]]  # every unit whose service area has the county
    owner: dict[int, OrgUnit]  # the deepest of them, or HQ
    branch: dict[int, OrgUnit]  # the branch among them, or HQ


@dataclass
class _NewUnits:
    """Org units to add, each with the counties it is to serve."""

    units: list[OrgUnit] = field(default_factory=list)
    areas: list[list[_Region]] = field(default_factory=list)


@dataclass
class _EventRows:
    event: Event
    audience: list[tuple[str, int]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    services: list[tuple] = field(default_factory=list)


def seed_scale(
    *,
    events: int = 100_000,
    seed: int = 315,
    units: int = 2000,
    campaign_name: str = SCALE_CAMPAIGN_NAME,
    progress: Callable[[str], None] | None = None,
) -> ScaleReport:
    """Replace the scale data set with the one ``seed`` gives; all or nothing."""
    started = time.monotonic()
    say = progress or (lambda line: None)

    def say_timed(line: str) -> None:
        say(f"{line} ({time.monotonic() - started:.1f} s)")

    if events < 0:
        raise ScaleSeedError("The number of events cannot be negative.")
    # Not a decorator, so that the time taken includes the commit: PostgreSQL checks the
    # (deferred) foreign keys of a million new and a million deleted rows only then.
    with transaction.atomic():
        report = _scale_data_build(
            events=events, seed=seed, units=units, campaign_name=campaign_name, say=say_timed
        )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics and visibility maps, as autovacuum would leave them: planned on the
        # empty tables' statistics, coverage queries over the new rows take minutes instead
        # of a tenth of a second.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        say_timed("vacuumed and analyzed")
    report.seconds = time.monotonic() - started
    return report


def _scale_data_build(
    *, events: int, seed: int, units: int, campaign_name: str, say: Callable[[str], None]
) -> ScaleReport:
    regions = _regions()
    counties = [region for region in regions.values() if region.level == Region.Level.COUNTY]
    hq = OrgUnit.objects.filter(kind=OrgUnit.Kind.HQ, parent__isnull=True).first()
    if not counties or hq is None:
        raise ScaleSeedError(
            "Regions or headquarters are missing: run `python manage.py load_seeds` first."
        )
    campaign = _campaign_prepare(campaign_name)
    _scale_data_delete(campaign)
    say("previous scale data deleted")
    tree = _org_tree_build(regions=regions, counties=counties, hq=hq, wanted=units)
    say(f"org units: {len(tree.units)} ({tree.created} new)")
    report = ScaleReport(
        org_units=len(tree.units), new_org_units=tree.created, counties=len(counties)
    )
    report.targets = _targets_create(campaign=campaign, tree=tree, counties=counties, events=events)
    _events_create(
        report,
        campaign=campaign,
        tree=tree,
        counties=counties,
        events=events,
        rng=random.Random(seed),  # noqa: S311 - test data, not security
        say=say,
    )
    # The events went in past Event.save(), which keeps the coverage summaries.
    summaries = coverage_summaries_rebuild(campaign_id=campaign.pk)
    say(f"coverage summaries: {summaries} rows")
    say("committing")
    return report


def _regions() -> dict[int, _Region]:
    rows = Region.objects.order_by("code").values_list(
        "pk",
        "code",
        "name_zh",
        "level",
        "parent_id",
        "ethnic_area",
        "old_revolutionary_area",
        "remote_area",
    )
    return {
        pk: _Region(pk, code, name, level, parent_id, ethnic or revolutionary or remote)
        for pk, code, name, level, parent_id, ethnic, revolutionary, remote in rows
    }


def _campaign_prepare(name: str) -> Campaign:
    campaign = Campaign.objects.filter(name=name).first()
    if (
        campaign is not None
        and campaign.theme != SCALE_THEME
        and (campaign.events.exists() or campaign.targets.exists())
    ):
        # Its events and targets would be deleted: it is someone's real campaign.
        raise ScaleSeedError(
            f"The campaign {name!r} has events or targets that seed_scale did not make; "
            "choose another --campaign."
        )
    starts_on, ends_on = SCALE_CAMPAIGN_DAYS
    campaign, _created = Campaign.objects.update_or_create(
        name=name, defaults={"theme": SCALE_THEME, "starts_on": starts_on, "ends_on": ends_on}
    )
    return campaign


def _scale_data_delete(campaign: Campaign) -> None:
    """Delete what an earlier run made: the campaign's events and targets, the SCALE- units."""
    # A queryset delete() of 100,000 events loads them all and deletes 100 at a time (20 s
    # on PostgreSQL): delete the rows below them table by table, then the events in one go.
    for relation in Event._meta.related_objects:
        if relation.on_delete is models.CASCADE:
            relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__campaign": campaign}
            ).delete()
    for m2m in Event._meta.many_to_many:
        m2m.remote_field.through._base_manager.filter(
            **{f"{m2m.m2m_field_name()}__campaign": campaign}
        ).delete()
    # The names come from the model, never from input.
    table = connection.ops.quote_name(Event._meta.db_table)
    column = connection.ops.quote_name(Event._meta.get_field("campaign").column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [campaign.pk])  # noqa: S608
    CampaignTarget.objects.filter(campaign=campaign).delete()
    scale_units = OrgUnit.objects.filter(code__startswith=SCALE_CODE_PREFIX)
    try:
        # Deepest kind first: a unit's parent is protected while it has children.
        for kind in reversed(OrgUnit.Kind.values):
            scale_units.filter(kind=kind).delete()
    except ProtectedError as error:
        raise ScaleSeedError(
            f"Org units with codes starting {SCALE_CODE_PREFIX} are used outside the scale "
            "campaign (events, partners, materials...); delete that data first."
        ) from error


def _org_tree_build(
    *, regions: dict[int, _Region], counties: list[_Region], hq: OrgUnit, wanted: int
) -> _OrgTree:
    """Add SCALE- central sub-branches per prefecture, then sub-branches per county, until
    there are ``wanted`` units. Existing units are kept: a prefecture that already has a
    central sub-branch, or a county that already has a sub-branch, gets no second one."""
    units = {unit.pk: unit for unit in OrgUnit.objects.only("code", "kind", "path", "parent_id")}
    budget = wanted - len(units)
    if budget < 0:
        raise ScaleSeedError(
            f"There are already {len(units)} org units, more than the {wanted} asked for."
        )
    areas, serving = _service_areas(regions=regions, units=units)
    county_units = _county_units(counties=counties, serving=serving, hq=hq)
    # Counties of the four municipalities and "directly administered" counties sit right
    # below their province: they have no prefecture and no central sub-branch.
    by_parent: dict[int | None, list[_Region]] = defaultdict(list)
    for county in counties:
        by_parent[county.parent_id].append(county)
    central_of, centrals = _centrals_planned(
        regions=regions, by_parent=by_parent, county_units=county_units, budget=budget
    )
    picks = _sub_branch_counties(regions=regions, by_parent=by_parent, owner=county_units.owner)
    remaining = budget - len(centrals.units)
    if remaining > len(picks):
        raise ScaleSeedError(
            f"At most {len(units) + len(centrals.units) + len(picks)} org units can be built "
            f"here; {wanted} were asked for."
        )
    subs = _sub_branches_planned(
        picks[:remaining], central_of=central_of, branch=county_units.branch
    )

    _org_units_insert(centrals.units, centrals.areas)
    _org_units_insert(subs.units, subs.areas)
    depth = OrgUnit.KIND_DEPTH
    owner = county_units.owner
    for unit, area in zip(centrals.units + subs.units, centrals.areas + subs.areas, strict=True):
        units[unit.pk] = unit
        areas[unit.pk] = area
        for county in area:
            if depth[unit.kind] > depth[owner[county.pk].kind]:
                owner[county.pk] = unit
    return _OrgTree(
        units=units, areas=areas, owner=owner, created=len(centrals.units) + len(subs.units)
    )


def _service_areas(
    *, regions: dict[int, _Region], units: dict[int, OrgUnit]
) -> tuple[dict[int, list[_Region]], dict[int, list[OrgUnit]]]:
    """The counties each unit serves, by unit pk, and the units serving each county, by
    county pk."""
    through = OrgUnit.service_area.through
    areas: dict[int, list[_Region]] = defaultdict(list)
    serving: dict[int, list[OrgUnit]] = defaultdict(list)
    for unit_id, region_id in through.objects.order_by("region__code").values_list(
        "orgunit_id", "region_id"
    ):
        if regions[region_id].level == Region.Level.COUNTY:
            areas[unit_id].append(regions[region_id])
            serving[region_id].append(units[unit_id])
    return areas, serving


def _county_units(
    *, counties: list[_Region], serving: dict[int, list[OrgUnit]], hq: OrgUnit
) -> _CountyUnits:
    depth = OrgUnit.KIND_DEPTH
    owner, branch = {}, {}
    for county in counties:
        by_depth = sorted(serving[county.pk], key=lambda unit: (-depth[unit.kind], unit.code))
        owner[county.pk] = by_depth[0] if by_depth else hq
        branch[county.pk] = next(
            (unit for unit in by_depth if unit.kind == OrgUnit.Kind.BRANCH), hq
        )
    return _CountyUnits(serving=serving, owner=owner, branch=branch)


def _centrals_planned(
    *,
    regions: dict[int, _Region],
    by_parent: dict[int | None, list[_Region]],
    county_units: _CountyUnits,
    budget: int,
) -> tuple[dict[int, OrgUnit], _NewUnits]:
    """Each prefecture's central sub-branch, by prefecture pk, and the new ones among them:
    one for each prefecture that has none, while the budget lasts."""
    prefectures = [
        regions[pk]
        for pk in by_parent
        if pk is not None and regions[pk].level == Region.Level.PREFECTURE
    ]
    central_of: dict[int, OrgUnit] = {}
    centrals = _NewUnits()
    for prefecture in sorted(prefectures, key=lambda region: region.code):
        members = by_parent[prefecture.pk]
        existing = sorted(
            (
                unit
                for county in members
                for unit in county_units.serving[county.pk]
                if unit.kind == OrgUnit.Kind.CENTRAL_SUB_BRANCH
            ),
            key=lambda unit: unit.code,
        )
        if existing:
            central_of[prefecture.pk] = existing[0]
        elif len(centrals.units) < budget:
            central = OrgUnit(
                code=f"{SCALE_CODE_PREFIX}{prefecture.code}",
                name=f"{prefecture.name}中心支公司（规模测试）",
                kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH,
                parent=county_units.branch[members[0].pk],
            )
            central_of[prefecture.pk] = central
            centrals.units.append(central)
            centrals.areas.append(members)
    return central_of, centrals


def _sub_branch_counties(
    *,
    regions: dict[int, _Region],
    by_parent: dict[int | None, list[_Region]],
    owner: dict[int, OrgUnit],
) -> list[_Region]:
    """The counties that no sub-branch serves yet, in the order they get one."""
    depth = OrgUnit.KIND_DEPTH
    # Round-robin over prefectures (in code order) so that the sub-branches spread out.
    candidates = [
        [
            county
            for county in group
            if depth[owner[county.pk].kind] < depth[OrgUnit.Kind.SUB_BRANCH]
        ]
        for _parent, group in sorted(
            by_parent.items(), key=lambda item: regions[item[0]].code if item[0] else ""
        )
    ]
    return [
        county
        for layer in itertools.zip_longest(*candidates)
        for county in layer
        if county is not None
    ]


def _sub_branches_planned(
    counties: list[_Region], *, central_of: dict[int, OrgUnit], branch: dict[int, OrgUnit]
) -> _NewUnits:
    """A sub-branch for each of ``counties``, below its prefecture's central sub-branch, or
    its branch where it has none."""
    return _NewUnits(
        units=[
            OrgUnit(
                code=f"{SCALE_CODE_PREFIX}{county.code}",
                name=f"{county.name}支公司（规模测试）",
                kind=OrgUnit.Kind.SUB_BRANCH,
                parent=central_of.get(county.parent_id) or branch[county.pk],
            )
            for county in counties
        ],
        areas=[[county] for county in counties],
    )


def _org_units_insert(units: list[OrgUnit], areas: list[list[_Region]]) -> None:
    """Insert units whose parents already have their paths, with their service areas."""
    OrgUnit.objects.bulk_create(units, batch_size=BATCH_SIZE)
    # bulk_create skips OrgUnit.save(), which keeps the materialized path: set it likewise.
    for unit in units:
        unit.path = child_path(unit.parent.path, unit.pk)
    OrgUnit.objects.bulk_update(units, ["path"], batch_size=BATCH_SIZE)
    through = OrgUnit.service_area.through
    through.objects.bulk_create(
        [
            through(orgunit_id=unit.pk, region_id=county.pk)
            for unit, area in zip(units, areas, strict=True)
            for county in area
        ],
        batch_size=BATCH_SIZE,
    )


def _targets_create(
    *, campaign: Campaign, tree: _OrgTree, counties: list[_Region], events: int
) -> int:
    kinds = {OrgUnit.Kind.BRANCH, OrgUnit.Kind.CENTRAL_SUB_BRANCH}
    targets = []
    for unit in sorted(tree.units.values(), key=lambda unit: unit.code):
        if unit.kind not in kinds:
            continue
        area = tree.areas.get(unit.pk, [])
        planned = math.ceil(events * len(area) / len(counties) * TARGET_EVENTS_SHARE)
        special = sum(county.special for county in area)
        targets.append(
            CampaignTarget(
                campaign=campaign,
                org_unit=unit,
                events=planned,
                people_reached=planned * TARGET_PEOPLE_PER_EVENT,
                counties_covered=math.ceil(len(area) * TARGET_COUNTIES_SHARE),
                special_area_counties_covered=math.ceil(special * TARGET_COUNTIES_SHARE),
            )
        )
    CampaignTarget.objects.bulk_create(targets, batch_size=BATCH_SIZE)
    return len(targets)


def _events_create(
    report: ScaleReport,
    *,
    campaign: Campaign,
    tree: _OrgTree,
    counties: list[_Region],
    events: int,
    rng: random.Random,
    say: Callable[[str], None],
) -> None:
    plan = _event_counties(counties, events, rng)
    report.counties_with_events = len({county.pk for county in plan})
    first_day = datetime.combine(campaign.starts_on, datetime.min.time(), tzinfo=SHANGHAI)
    days = (campaign.ends_on - campaign.starts_on).days + 1
    partners_of = _partners_by_unit(tree)
    for start in range(0, events, BATCH_SIZE):
        batch = []
        for number in range(start + 1, min(start + BATCH_SIZE, events) + 1):
            county = plan[number - 1]
            owner = tree.owner[county.pk]
            batch.append(
                _event_build(
                    rng,
                    number=number,
                    county=county,
                    owner=owner,
                    campaign=campaign,
                    first_day=first_day,
                    days=days,
                    partners=partners_of[owner.pk],
                )
            )
        Event.objects.bulk_create([rows.event for rows in batch], batch_size=BATCH_SIZE)
        audience = [(rows.event.pk, *count) for rows in batch for count in rows.audience]
        topics = [(rows.event.pk, topic) for rows in batch for topic in rows.topics]
        services = [(rows.event.pk, *service) for rows in batch for service in rows.services]
        _rows_insert(AudienceCount, ("event_id", "group", "count"), audience)
        _rows_insert(EventTopic, ("event_id", "topic"), topics)
        _rows_insert(PartnerService, PARTNER_SERVICE_COLUMNS, services)
        report.events += len(batch)
        report.audience_counts += len(audience)
        report.topics += len(topics)
        report.partner_services += len(services)
        if report.events % PROGRESS_EVERY < len(batch) or report.events == events:
            say(f"events: {report.events}/{events}, audience counts: {report.audience_counts}")


def _event_counties(counties: list[_Region], events: int, rng: random.Random) -> list[_Region]:
    """The county of each event: every county once while events last, then busier ones more."""
    once = list(counties)
    rng.shuffle(once)
    if events <= len(once):
        return once[:events]
    # City districts (names ending in 区) see more events than rural counties.
    weights = [
        rng.uniform(0.5, 2.0) * (3 if county.name.endswith("区") else 1) for county in counties
    ]
    plan = once + rng.choices(counties, weights=weights, k=events - len(once))
    rng.shuffle(plan)
    return plan


def _partners_by_unit(tree: _OrgTree) -> dict[int, list[Partner]]:
    """The partners each unit may work with: those of the unit and of the units above it."""
    partners = list(Partner.objects.select_related("org_unit").order_by("pk"))
    return defaultdict(
        list,
        {
            unit.pk: [p for p in partners if unit.path.startswith(p.org_unit.path)]
            for unit in tree.units.values()
        },
    )


def _event_build(
    rng: random.Random,
    *,
    number: int,
    county: _Region,
    owner: OrgUnit,
    campaign: Campaign,
    first_day: datetime,
    days: int,
    partners: list[Partner],
) -> _EventRows:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    language = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
    venue_type = rng.choice(VenueType.values)
    if channel == Channel.OFFLINE:
        event_format = rng.choice(OFFLINE_FORMATS)
    elif channel == Channel.LIVESTREAM:
        event_format = EventFormat.LIVESTREAM
    else:
        event_format = EventFormat.OTHER
    starts_at = first_day + timedelta(
        days=rng.randrange(days), hours=rng.randint(8, 19), minutes=rng.choice((0, 30))
    )
    ends_at = starts_at + timedelta(minutes=rng.choice((60, 90, 120, 180)))
    rows = _EventRows(
        event=Event(
            campaign=campaign,
            org_unit=owner,
            county_id=county.pk,
            title=f"{SCALE_TITLE_PREFIX}{number:06d} {county.name}",
            venue_name=f"{county.name}{VENUE_SUFFIXES[venue_type]}",
            venue_type=venue_type,
            format=event_format,
            language=language,
            channel=channel,
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
        ),
        topics=rng.sample(Topic.values, rng.randint(1, 2)),
    )
    event = rows.event
    if status in REPORTED_STATUSES:
        event.reported_at = ends_at + timedelta(hours=rng.randint(1, 72))
        event.staff_count = rng.randint(2, 12)
        event.outlets_count = rng.randint(1, 4)
        if event.is_online:
            event.online_reach = rng.randint(300, 20_000)
        else:
            event.visitors_received = rng.randint(0, 40)
            event.matters_raised = rng.randint(0, 8)
            event.matters_resolved = rng.randint(0, event.matters_raised)
            event.matters_referred = rng.randint(0, event.matters_raised - event.matters_resolved)
            event.head_count = rng.randint(*HEAD_COUNT_RANGE)
            groups = rng.sample(AudienceGroup.values, rng.choice(AUDIENCE_GROUPS_COUNTED))
            rows.audience = [(group, rng.randint(0, event.head_count)) for group in groups]
            if partners and rng.random() < PARTNER_SERVICE_SHARE:
                rows.services.append(_partner_service(rng, rng.choice(partners)))
    if status == Event.Status.RETURNED:
        event.review_note = "请补充各受众群体人数。"
    if status == Event.Status.CANCELLED:
        event.cancel_reason = "天气原因取消。"
    event.record_audience(dict(rows.audience))
    return rows


PARTNER_SERVICE_COLUMNS = (
    "event_id",
    "partner_id",
    "service_type",
    "screening_type",
    "people_served",
    "screened",
    "referred",
)


def _partner_service(rng: random.Random, partner: Partner) -> tuple:
    """A PartnerService row without its event; screening figures only for a screening."""
    service_type = rng.choice(ServiceType.values)
    if service_type == ServiceType.HEALTH_SCREENING:
        screened = rng.randint(5, 60)
        screening = rng.choice(ScreeningType.values)
        return (partner.pk, service_type, screening, screened, screened, rng.randint(0, 5))
    return (partner.pk, service_type, "", rng.randint(10, 80), None, None)


def _rows_insert(model: type[models.Model], attnames: Sequence[str], rows: list[tuple]) -> None:
    """Insert plain rows: COPY on PostgreSQL (several times faster than INSERT), else
    bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
        return
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(model._meta.db_table),
        columns=sql.SQL(", ").join(sql.Identifier(columns[name]) for name in attnames),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
