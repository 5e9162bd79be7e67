"""Migration 0017: Tibetan cleared by the old one-click flow (anyone with the reviewer role)
awaits a native reader again in editions not yet approved; approved editions keep theirs."""

import pytest

BEFORE = [("campaigns", "0016_head_count")]
AFTER = [("campaigns", "0017_native_review_who_and_when")]


@pytest.fixture
def old_apps(migrate_to):
    return migrate_to(BEFORE)


def _edition(apps, number, status, text_bo="ནོར་རྫས།"):
    OrgUnit = apps.get_model("campaigns", "OrgUnit")
    Material = apps.get_model("campaigns", "Material")
    MaterialEdition = apps.get_model("campaigns", "MaterialEdition")
    EditionBlock = apps.get_model("campaigns", "EditionBlock")
    unit = OrgUnit.objects.get_or_create(
        code="HQ", defaults={"name": "总公司", "kind": "hq", "path": "0000001."}
    )[0]
    material = Material.objects.get_or_create(
        org_unit=unit,
        title_zh="金融消费者八项基本权利",
        defaults={"topic": "eight_rights", "kind": "a5_leaflet"},
    )[0]
    edition = MaterialEdition.objects.create(
        material=material, number=number, status=status, needs_native_review=False
    )
    EditionBlock.objects.create(
        edition=edition,
        position=1,
        kind="paragraph",
        text_zh="财产安全权",
        text_bo=text_bo,
        needs_native_review=False,
    )
    return edition.pk


def test_clearances_of_unapproved_editions_await_a_native_reader_again(old_apps, migrate_to):
    approved = _edition(old_apps, 1, "approved")
    reviewed = _edition(old_apps, 2, "reviewed")
    chinese_only = _edition(old_apps, 3, "translated", text_bo="")

    apps = migrate_to(AFTER)

    MaterialEdition = apps.get_model("campaigns", "MaterialEdition")
    EditionBlock = apps.get_model("campaigns", "EditionBlock")
    flags = {
        pk: (
            MaterialEdition.objects.get(pk=pk).needs_native_review,
            EditionBlock.objects.get(edition_id=pk).needs_native_review,
        )
        for pk in (approved, reviewed, chinese_only)
    }
    assert flags == {
        approved: (False, False),
        reviewed: (True, True),
        # Nothing to read: the edition is not held back, its block merely flagged.
        chinese_only: (False, True),
    }
    assert EditionBlock.objects.get(edition_id=reviewed).native_reviewed_by_id is None
