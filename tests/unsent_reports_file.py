"""A phone's unsent reports file, written exactly as the outbox's "save my unsent reports as a
file" writes it (the format is in campaigns/services/unsent_reports.py), and the request a
phone sends for a report of the events world (tests/events_world.py)."""

import base64
import hashlib
import io
import json
import uuid

from PIL import Image

FILE_FORMAT = "outreach-portal-unsent-reports"


def plan_body(world, **changes) -> dict:
    """A plan as a phone sends it: a new event of central sub-branch A."""
    return {
        "campaign": world.campaign.pk,
        "org_unit": world.units["central_a"].pk,
        "county": world.county.pk,
        "title": "红原县邛溪镇牧民定居点宣讲",
        "venue_name": "邛溪镇牧民定居点",
        "venue_type": "village",
        "format": "lecture",
        "language": "both",
        "channel": "offline",
        "starts_at": "2025-03-14T10:00:00+08:00",
        "ends_at": None,
        "topics": ["eight_rights"],
        "expected_partners": [],
    } | changes


def report_body(**changes) -> dict:
    return {
        "head_count": 80,
        "online_reach": None,
        "staff_count": 6,
        "outlets_count": None,
        "audience": {"farmers_herders": 60, "women": 35},
        "summary": "牧民踊跃参加。",
    } | changes


def request_body(world, **changes) -> dict:
    """What a phone PUTs for a report it planned itself."""
    return {
        "base_version": None,
        "config_version": "3f2a9c0d1e4b5a67",
        "plan": plan_body(world),
        "report": report_body(),
        "photos": [],
        "submit": False,
    } | changes


def jpeg(colour="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def unsent_photo(content: bytes, *, photo_id=None, caption="", kind="image/jpeg") -> dict:
    return {
        "id": str(photo_id or uuid.uuid4()),
        "type": kind,
        "sha256": hashlib.sha256(content).hexdigest(),
        "caption": caption,
        "data": base64.b64encode(content).decode("ascii"),
    }


def unsent_report(body: dict, *, report_id=None, title=None, photos=()) -> dict:
    """A report of the file; the body lists its photos' ids, as the outbox's does."""
    photos = list(photos)
    body = {**body, "photos": [photo["id"] for photo in photos]} if photos else body
    return {
        "id": str(report_id or uuid.uuid4()),
        "title": title if title is not None else (body.get("plan") or {}).get("title", ""),
        "body": body,
        "photos": photos,
    }


def unsent_reports_file(*reports: dict, **changes) -> bytes:
    """The file's bytes: UTF-8 JSON."""
    content = {
        "format": FILE_FORMAT,
        "format_version": 1,
        "saved_at": "2025-03-15T18:30:00+08:00",
        "user": "3b9d2f0c5e7a41d8",
        "reports": list(reports),
    } | changes
    return json.dumps(content, ensure_ascii=False).encode()
