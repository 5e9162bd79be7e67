"""Loading the seed data in seeds/: regions, org units, the 2025 campaign, handouts, demo users.

Every loader is idempotent: rows are found by a natural key (region code, org unit code,
campaign name, ...) and updated in place, so loading twice changes nothing.
"""

import csv
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import (
    CONSENT_VERSION,
    AudienceCount,
    Campaign,
    CampaignTarget,
    EditionBlock,
    Event,
    EventTopic,
    Material,
    MaterialEdition,
    MaterialUse,
    Measure,
    MeasureFigure,
    MeasurePart,
    MeasureReturn,
    Membership,
    OrgUnit,
    Partner,
    PartnerAgreement,
    PartnerService,
    Region,
    SignIn,
)
from campaigns.models.events import AUDIENCE_COLUMNS, AUDIENCE_GROUPS
from campaigns.seeding.measures import (
    measures_catalogue_load,
    measures_demo_load,
    reception_days_demo_load,
)
from campaigns.services.events import REPORT_FIGURES

SEEDS_DIR = settings.BASE_DIR / "seeds"


@dataclass
class SeedReport:
    """Row counts after loading, for the command to print."""

    counts: dict[str, int] = field(default_factory=dict)
    demo_users: list[tuple[str, str, str]] = field(default_factory=list)
    demo_password: str = ""


def _read_json(name: str, directory: Path) -> dict:
    with (directory / name).open(encoding="utf-8") as handle:
        return json.load(handle)


REGION_FIELDS = [
    "name_zh",
    "name_bo",
    "name_bo_needs_review",
    "level",
    "parent_id",
    "ethnic_area",
    "old_revolutionary_area",
    "remote_area",
]


def regions_load(*, directory: Path = SEEDS_DIR) -> None:
    """Create or update every region of regions.csv; parents come before children."""
    with (directory / "regions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = {region.code: region for region in Region.objects.all()}
    ids = {code: region.pk for code, region in existing.items()}
    for level in Region.Level.values:
        to_create, to_update = [], []
        for row in (r for r in rows if r["level"] == level):
            values = {
                "name_zh": row["name_zh"],
                "name_bo": row["name_bo"],
                # Every Tibetan name in the seeds was written by us: a native reader checks it.
                "name_bo_needs_review": bool(row["name_bo"]),
                "level": level,
                "parent_id": ids[row["parent_code"]] if row["parent_code"] else None,
                "ethnic_area": row["ethnic_area"] == "1",
                "old_revolutionary_area": row["old_revolutionary_area"] == "1",
                "remote_area": row["remote_area"] == "1",
            }
            region = existing.get(row["code"])
            if region is not None and region.name_bo_reviewed_at is not None:
                # A native reader has confirmed or corrected this name: theirs stands.
                del values["name_bo"], values["name_bo_needs_review"]
            if region is None:
                to_create.append(Region(code=row["code"], **values))
            elif any(getattr(region, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(region, name, value)
                to_update.append(region)
        Region.objects.bulk_create(to_create, batch_size=1000)
        Region.objects.bulk_update(to_update, REGION_FIELDS, batch_size=1000)
        ids.update(Region.objects.filter(level=level).values_list("code", "pk"))


def _counties_with_prefixes(prefixes: list[str], excluded: list[str]) -> list[int]:
    if not prefixes:
        return []
    include = Q()
    for prefix in prefixes:
        include |= Q(code__startswith=prefix)
    exclude = Q()
    for prefix in excluded:
        exclude |= Q(code__startswith=prefix)
    counties = Region.objects.filter(include, level=Region.Level.COUNTY)
    if excluded:
        counties = counties.exclude(exclude)
    return list(counties.values_list("pk", flat=True))


def org_units_load(*, directory: Path = SEEDS_DIR) -> None:
    """Create or update the org tree and each unit's service area."""
    for entry in _read_json("org_units.json", directory)["org_units"]:
        parent = OrgUnit.objects.get(code=entry["parent"]) if entry["parent"] else None
        unit, _created = OrgUnit.objects.update_or_create(
            code=entry["code"],
            defaults={
                "name": entry["name"],
                "kind": entry["kind"],
                "parent": parent,
                "contact_line": entry.get("contact_line", ""),
            },
        )
        unit.full_clean()
        unit.service_area.set(_counties_with_prefixes(entry["serves"], entry.get("except", [])))


def _aware(value: str) -> datetime:
    return datetime.fromisoformat(value)


def campaign_load(*, directory: Path = SEEDS_DIR) -> Campaign:
    """The 2025 campaign with its targets, partners, the handouts and sample events."""
    data = _read_json("campaigns.json", directory)
    spec = data["campaign"]
    campaign, _created = Campaign.objects.update_or_create(
        name=spec["name"],
        defaults={
            "theme": spec["theme"],
            "description": spec["description"],
            "starts_on": date.fromisoformat(spec["starts_on"]),
            "ends_on": date.fromisoformat(spec["ends_on"]),
        },
    )
    _targets_load(campaign, data)
    partners = _partners_load(data["partners"])
    # The sample events hand out seeded handouts, which they name by title_zh.
    editions = materials_load(directory=directory)
    for entry in data["events"]:
        _event_load(campaign, entry, partners, editions)
    return campaign


def _targets_load(campaign: Campaign, data: dict) -> None:
    rule = data["branch_target"]
    for branch in OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH):
        counties = branch.service_area.count()
        special = branch.service_area.filter(Region.special_area_q()).count()
        CampaignTarget.objects.update_or_create(
            campaign=campaign,
            org_unit=branch,
            defaults={
                "events": rule["events"],
                "people_reached": rule["people_reached"],
                "counties_covered": math.ceil(counties * rule["counties_share"]),
                "special_area_counties_covered": math.ceil(special * rule["counties_share"]),
            },
        )
    for entry in data["unit_targets"]:
        values = {key: value for key, value in entry.items() if key != "org_unit"}
        CampaignTarget.objects.update_or_create(
            campaign=campaign, org_unit=OrgUnit.objects.get(code=entry["org_unit"]), defaults=values
        )


def _partners_load(entries: list[dict]) -> dict[str, Partner]:
    partners = {}
    for entry in entries:
        partner, _created = Partner.objects.update_or_create(
            org_unit=OrgUnit.objects.get(code=entry["org_unit"]),
            name=entry["name"],
            defaults={"kind": entry["kind"], "notes": entry.get("notes", "")},
        )
        spec = entry["agreement"]
        agreement, _created = PartnerAgreement.objects.update_or_create(
            partner=partner,
            starts_on=date.fromisoformat(spec["starts_on"]),
            defaults={"ends_on": date.fromisoformat(spec["ends_on"]), "services": spec["services"]},
        )
        agreement.counties.set(_counties_with_prefixes(spec["counties"], []))
        partners[partner.name] = partner
    return partners


def materials_load(*, directory: Path = SEEDS_DIR) -> dict[str, MaterialEdition]:
    """The handouts of materials.json, each as an approved edition 1; returns them by title_zh.

    The Tibetan in the file is ours, so the edition and every block are always marked as
    needing native review. On a reload the blocks of edition 1 are replaced by the file's: a
    changed block is updated in place (its version raised, so an open editor notices), extra
    blocks are deleted, and an unchanged block is not written at all.
    """
    editions = {}
    for entry in _read_json("materials.json", directory)["materials"]:
        material, _created = Material.objects.update_or_create(
            org_unit=OrgUnit.objects.get(code=entry["org_unit"]),
            title_zh=entry["title_zh"],
            defaults={
                "title_bo": entry["title_bo"],
                "topic": entry["topic"],
                "kind": entry["kind"],
            },
        )
        material.full_clean()
        edition, _created = MaterialEdition.objects.update_or_create(
            material=material,
            number=1,
            defaults={"status": MaterialEdition.Status.APPROVED, "needs_native_review": True},
        )
        if edition.approved_at is None:
            edition.approved_at = edition.created_at
            edition.save(update_fields=["approved_at"])
        _edition_blocks_replace(edition, entry["blocks"])
        if material.title_zh in editions:
            raise ValueError(f"two handouts are titled {material.title_zh!r}")
        editions[material.title_zh] = edition
    return editions


def _edition_blocks_replace(edition: MaterialEdition, specs: list[dict]) -> None:
    existing = {block.position: block for block in edition.blocks.all()}
    for position, spec in enumerate(specs, start=1):
        values = {
            "kind": EditionBlock.Kind(spec["kind"]).value,
            "text_zh": spec["text_zh"],
            "text_bo": spec["text_bo"],
            "needs_native_review": True,
        }
        block = existing.get(position)
        if block is None:
            EditionBlock.objects.create(edition=edition, position=position, **values)
        elif any(getattr(block, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(block, name, value)
            block.version += 1
            block.save(update_fields=[*values, "version"])
    edition.blocks.filter(position__gt=len(specs)).delete()


def _event_load(campaign: Campaign, entry: dict, partners: dict, editions: dict) -> None:
    org_unit = OrgUnit.objects.get(code=entry["org_unit"])
    starts_at = _aware(entry["starts_at"])
    audience = entry.get("audience", {})
    event, _created = Event.objects.update_or_create(
        campaign=campaign,
        org_unit=org_unit,
        title=entry["title"],
        defaults={
            "county": Region.objects.get(code=entry["county"]),
            "venue_name": entry["venue_name"],
            "venue_type": entry["venue_type"],
            "format": entry["format"],
            "language": entry["language"],
            "channel": entry["channel"],
            "starts_at": starts_at,
            "status": entry["status"],
            "summary": entry.get("summary", ""),
            "reported_at": starts_at if entry["status"] != Event.Status.PLANNED else None,
            **{name: entry.get(name) for name in REPORT_FIGURES},
            # Saved with the head count in one go: each group is at most the head count,
            # in the database too, whatever an earlier load left.
            **{
                column: audience.get(group)
                for group, column in zip(AUDIENCE_GROUPS, AUDIENCE_COLUMNS, strict=True)
            },
            # The seed's head count is the story's own, not one derived from the groups.
            "head_count_derived": False,
        },
    )
    event.topic_rows.exclude(topic__in=entry["topics"]).delete()
    for topic in entry["topics"]:
        EventTopic.objects.get_or_create(event=event, topic=topic)
    for group, count in audience.items():
        AudienceCount.objects.update_or_create(event=event, group=group, defaults={"count": count})
    event.audience_counts.exclude(group__in=audience).delete()
    event.record_audience(audience)
    event.save(update_fields=["people_reached"])
    for handout in entry.get("handouts", []):
        MaterialUse.objects.update_or_create(
            event=event,
            edition=editions[handout["material"]],
            defaults={"copies": handout["copies"]},
        )
    for person in entry.get("sign_ins", []):
        _sign_in_load(event, person)
    for service in entry.get("partner_services", []):
        PartnerService.objects.update_or_create(
            event=event,
            partner=partners[service["partner"]],
            service_type=service["service_type"],
            defaults={
                "screening_type": service.get("screening_type", ""),
                "screened": service.get("screened"),
                "referred": service.get("referred"),
                "people_served": service.get("people_served"),
            },
        )


def _sign_in_load(event: Event, person: dict) -> None:
    """A demo sign-in, recorded ``recorded_days_ago`` days before now: loading the seeds
    again makes it that old again, so the retention purge always has something to show."""
    recorded_at = timezone.now() - timedelta(days=person["recorded_days_ago"])
    sign_in, _created = SignIn.objects.update_or_create(
        event=event,
        phone=person["phone"],
        defaults={
            "name": person["name"],
            "audience_group": person["audience_group"],
            "consent_version": CONSENT_VERSION,
            "consented_at": recorded_at,
        },
    )
    # created_at is set on insert only (auto_now_add); the retention period counts from the
    # earlier of it and the consent, so both are made that old.
    SignIn.objects.filter(pk=sign_in.pk).update(created_at=recorded_at)


def demo_users_load(*, directory: Path = SEEDS_DIR) -> tuple[list[tuple[str, str, str]], str]:
    """One user per role at each demo unit; returns (username, unit, role) rows and the password."""
    spec = _read_json("demo_users.json", directory)
    user_model = get_user_model()
    rows = []
    for prefix, unit_code in spec["units"].items():
        unit = OrgUnit.objects.get(code=unit_code)
        for role in spec["roles"]:
            username = f"{prefix}-{role}"
            user, created = user_model.objects.get_or_create(username=username)
            # Only headquarters' administrator is a superuser, and so the only one to reach
            # Django's admin; the others manage their people on the members page.
            is_superuser = role == Membership.Role.ADMIN and unit.kind == OrgUnit.Kind.HQ
            wanted = {"is_staff": is_superuser, "is_superuser": is_superuser}
            if created or any(getattr(user, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(user, name, value)
                if created:
                    user.set_password(spec["password"])
                user.save()
            Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
            rows.append((username, unit.name, Membership(role=role).get_role_display()))
    rows += _demo_native_readers_load(spec)
    return rows, spec["password"]


def _demo_native_readers_load(spec: dict) -> list[tuple[str, str, str]]:
    """The demo native readers of Tibetan, each with one role; (username, unit, role) rows."""
    user_model = get_user_model()
    rows = []
    for entry in spec.get("native_readers", []):
        unit = OrgUnit.objects.get(code=spec["units"][entry["unit"]])
        user, created = user_model.objects.get_or_create(username=entry["username"])
        if created or not user.is_native_reader:
            user.is_native_reader = True
            if created:
                user.set_password(spec["password"])
            user.save()
        Membership.objects.get_or_create(user=user, org_unit=unit, role=entry["role"])
        rows.append(
            (user.get_username(), unit.name, Membership(role=entry["role"]).get_role_display())
        )
    return rows


MODELS_COUNTED = (
    Region,
    OrgUnit,
    Membership,
    Campaign,
    CampaignTarget,
    Partner,
    PartnerAgreement,
    Material,
    MaterialEdition,
    EditionBlock,
    Event,
    EventTopic,
    AudienceCount,
    PartnerService,
    MaterialUse,
    SignIn,
    Measure,
    MeasurePart,
    MeasureReturn,
    MeasureFigure,
)


@transaction.atomic
def seeds_load(*, directory: Path = SEEDS_DIR, demo_users: bool) -> SeedReport:
    """Load every seed file; all or nothing. With ``demo_users``, also the demo: its users,
    its year of measures returns and its reception days."""
    regions_load(directory=directory)
    org_units_load(directory=directory)
    campaign_load(directory=directory)
    measures_catalogue_load(directory=directory)
    report = SeedReport()
    if demo_users:
        # A trial machine's demo: figures that count on the measures page would be false
        # figures on a production one.
        measures_demo_load(directory=directory)
        reception_days_demo_load(directory=directory)
        report.demo_users, report.demo_password = demo_users_load(directory=directory)
    report.counts = {
        model._meta.verbose_name_plural: model.objects.count() for model in MODELS_COUNTED
    }
    report.counts["county-level regions"] = Region.objects.filter(level=Region.Level.COUNTY).count()
    report.counts["users"] = get_user_model().objects.count()
    return report
