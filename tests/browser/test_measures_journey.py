"""Journey 6 on a phone (390×844), in Chinese and in Tibetan: a branch's organizer opens last
month's return, types its figures (a slip refused at its box, in sight), saves and sends it
for review; a reviewer at headquarters returns it with a note, the organizer reads the note
and sends it again, and the reviewer approves it."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from campaigns.models import MeasurePart, MeasureReturn, Membership, OrgUnit
from campaigns.seeding.measures import measures_catalogue_load
from tests import factories as f
from tests.browser.conftest import PHONE, open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every typed box of the catalogue, as the branch types them: counts, yuan with fen, minutes
# (the reception days are counted from events, not typed).
FIGURES = {
    "resolved": "9",
    "mediated": "12",
    "payouts": "3",
    "amount": "1500.50",
    "settled_fast": "18",
    "complaints": "20",
    "response_minutes": "1234.50",
    "dispatches": "30",
    "promoters": "50",
    "passives": "30",
    "detractors": "20",
    "solved_by_phone": "16",
    "calls": "250",
}
# What the measures then show: 9/12, 18/20, 1234.50/30 minutes, NPS 50−20 of 100, 16/250.
SHOWN = ["75.00", "90.00", "41.15", "30.00", "6.40", "1500.50"]
NOTE = "救援来电请按派单系统核对后再报"

# Whether the whole element shows on the screen, above the form's sticky buttons.
IN_SIGHT = """element => {
  const box = element.getBoundingClientRect();
  const bar = document.querySelector('.sticky-actions');
  const bottom = bar ? Math.min(innerHeight, bar.getBoundingClientRect().top) : innerHeight;
  return box.top >= 0 && box.bottom <= bottom && box.left >= 0 && box.right <= innerWidth;
}"""
# Buttons, and links drawn as buttons, that are cut off on the right or that a finger can
# hardly hit.
OUT_OF_REACH = """() => [...document.querySelectorAll('main button, main a.button, .subnav a')]
  .filter(b => b.offsetParent !== null)
  .map(b => ({text: b.textContent.trim(), box: b.getBoundingClientRect()}))
  .filter(b => b.box.right > innerWidth || b.box.left < 0 || b.box.height < 40)
  .map(b => b.text)"""


def _words(language, text):
    with translation.override(language):
        return gettext(text)


@pytest.fixture
def sichuan(db):
    measures_catalogue_load()
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="SC", name="四川分公司", kind=OrgUnit.Kind.BRANCH, parent=hq)
    f.MembershipFactory(
        user=f.UserFactory(username="sc-organizer", first_name="卓玛"),
        org_unit=branch,
        role=Membership.Role.ORGANIZER,
    )
    f.MembershipFactory(
        user=f.UserFactory(username="hq-reviewer", first_name="王芳"),
        org_unit=hq,
        role=Membership.Role.REVIEWER,
    )
    return branch


def _phone(browser, live_server, username, language):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, live_server, username)
    page.click(f"nav.languages button[value={language}]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    return page


def _looked_at(page, artifacts, step, language, *, full_page=True):
    """Nothing runs past the phone's width, every button is whole and big enough to tap; the
    screenshot is kept for a person to look at."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], step
    assert page.evaluate(OUT_OF_REACH) == [], step
    page.screenshot(path=artifacts / f"measures-journey-{step}-{language}.png", full_page=full_page)


def _message(page, language, text):
    assert page.locator(".messages").inner_text().strip() == _words(language, text)


def _status(page, language, status):
    label = _words(language, MeasureReturn.Status(status).label)
    assert page.locator("h1 .badge").inner_text() == label


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_a_branch_reports_a_month_and_headquarters_returns_then_approves_it(  # noqa: PLR0915 — one story
    browser, live_server, artifacts, sichuan, language
):
    parts = {part.code: part.pk for part in MeasurePart.objects.all()}
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    # The organizer opens last month's return from the measures section.
    organizer = _phone(browser, live_server, "sc-organizer", language)
    open_section(organizer, "/measures/")
    organizer.wait_for_url(f"{live_server.url}/measures/")
    _looked_at(organizer, artifacts, "1-list", language)
    organizer.fill("input[name=month]", f"{last_month:%Y-%m}")
    organizer.click("main form.card button[type=submit]")
    organizer.wait_for_url("**/measures/*/")
    measure_return = MeasureReturn.objects.get(org_unit=sichuan, month=last_month)
    assert measure_return.status == MeasureReturn.Status.DRAFT
    assert organizer.locator("h1").inner_text().startswith(f"四川分公司 · {last_month:%Y-%m}")
    assert organizer.locator("main input[type=number]").count() == len(FIGURES)

    # A slip: more calls solved by phone than came in. Refused at its box, and in sight.
    for code, figure in FIGURES.items():
        organizer.fill(f"input[name=part_{parts[code]}]", figure)
    organizer.fill(f"input[name=part_{parts['solved_by_phone']}]", "260")
    organizer.click("main form button[type=submit]")
    organizer.wait_for_load_state()
    summary = organizer.locator("[data-error-summary]")
    assert summary.evaluate(IN_SIGHT)
    box = organizer.locator(f"#id_part_{parts['solved_by_phone']}")
    error = organizer.locator(f"#id_part_{parts['solved_by_phone']}_error")
    assert box.input_value() == "260"  # what was typed is kept
    assert box.get_attribute("aria-invalid") == "true"
    summary.locator(f"a[href='#id_part_{parts['solved_by_phone']}']").click()
    assert box.evaluate("box => box === document.activeElement")
    assert box.evaluate(IN_SIGHT)
    assert error.evaluate(IN_SIGHT)
    # The refusal sits by its box, inside the measure's own card.
    card = organizer.locator("fieldset.card", has=box)
    assert card.locator(".field-errors").count() == 1
    # Nothing to send for review until the figures on the screen are saved.
    assert organizer.locator("main form[action$='/submit']").count() == 0
    _looked_at(organizer, artifacts, "2-refused", language, full_page=False)

    # Fixed, saved: each measure shows its value.
    box.fill("16")
    organizer.click("main form button[type=submit]")
    organizer.wait_for_load_state()
    _message(organizer, language, "The figures are saved.")
    assert organizer.locator("[data-error-summary]").count() == 0
    shown = organizer.locator(".measure-value").all_inner_texts()
    for value in SHOWN:
        assert any(text.startswith(value) for text in shown), (value, shown)
    rate = organizer.locator("fieldset.card", has=box).locator(".meta", has_text="6.40")
    assert "6.40 %" in rate.inner_text()
    _looked_at(organizer, artifacts, "3-saved", language)

    organizer.click("main form[action$='/submit'] button")
    organizer.wait_for_load_state()
    _message(organizer, language, "The month's figures are sent for review.")
    _status(organizer, language, MeasureReturn.Status.SUBMITTED)
    assert organizer.locator("main input[type=number]").count() == 0
    _looked_at(organizer, artifacts, "4-submitted", language)

    # The reviewer at headquarters finds it in the queue and returns it with a note.
    reviewer = _phone(browser, live_server, "hq-reviewer", language)
    reviewer.goto(f"{live_server.url}/measures/review/")
    link = reviewer.locator(f"main a[href='/measures/{measure_return.pk}/']")
    assert link.inner_text() == f"四川分公司 · {last_month:%Y-%m}"
    _looked_at(reviewer, artifacts, "5-queue", language)
    link.click()
    reviewer.wait_for_url(f"**/measures/{measure_return.pk}/")
    figures = reviewer.locator("main dl").inner_text()
    assert "6.40 %" in figures
    assert "1234.50" in figures  # minutes keep their fen-like decimals…
    assert "250.00" not in figures  # …counts are shown whole
    _looked_at(reviewer, artifacts, "6-to-review", language)
    reviewer.click(f"a[href='/measures/{measure_return.pk}/return']")
    reviewer.fill("textarea[name=text]", NOTE)
    _looked_at(reviewer, artifacts, "7-note", language)
    reviewer.click("main form button[type=submit]")
    reviewer.wait_for_url(f"**/measures/{measure_return.pk}/")
    _message(reviewer, language, "The month's figures are returned to the unit.")
    _status(reviewer, language, MeasureReturn.Status.RETURNED)

    # The organizer reads the note, and sends the month again.
    organizer.reload()
    _status(organizer, language, MeasureReturn.Status.RETURNED)
    assert NOTE in organizer.locator("[role=note]").inner_text()
    assert NOTE in organizer.locator("ol.history blockquote").inner_text()
    assert organizer.locator(f"#id_part_{parts['calls']}").input_value() == "250"
    _looked_at(organizer, artifacts, "8-returned", language)
    organizer.click("main form[action$='/submit'] button")
    organizer.wait_for_load_state()
    _message(organizer, language, "The month's figures are sent for review.")

    # The reviewer approves it; the history tells the whole story.
    reviewer.goto(f"{live_server.url}/measures/review/")
    reviewer.click(f"main a[href='/measures/{measure_return.pk}/']")
    reviewer.wait_for_url(f"**/measures/{measure_return.pk}/")
    reviewer.click("main form[action$='/approve'] button")
    reviewer.wait_for_load_state()
    _message(reviewer, language, "The month's figures are approved.")
    _status(reviewer, language, MeasureReturn.Status.APPROVED)
    assert reviewer.locator("main form[action$='/approve']").count() == 0
    history = reviewer.locator("ol.history > li").all_inner_texts()
    steps = [
        ("Monthly measures return started", "卓玛"),
        ("Monthly measures figures saved", "卓玛"),
        ("Monthly measures sent for review", "卓玛"),
        ("Monthly measures returned to the unit", "王芳"),
        ("Monthly measures sent for review", "卓玛"),
        ("Monthly measures approved", "王芳"),
    ]
    assert len(history) == len(steps), history
    for entry, (label, person) in zip(history, steps, strict=True):
        assert f" · {_words(language, label)} · {person}" in entry, entry
    _looked_at(reviewer, artifacts, "9-approved", language)

    # The approved month now counts on headquarters' page of the year's figures.
    reviewer.goto(f"{live_server.url}/measures/review/")
    reviewer.click("nav.subnav a[href='/measures/years/']")
    reviewer.wait_for_url(f"**/measures/years/{measure_return.month.year}/units/*/")
    diagnosis = reviewer.locator("#total-remote_diagnosis").inner_text()
    assert "6.40 %" in diagnosis, diagnosis
    month_cell = reviewer.locator(f"table.timeliness a[href='/measures/{measure_return.pk}/']")
    assert month_cell.count() == 1
    _looked_at(reviewer, artifacts, "10-year", language)

    organizer.reload()
    _status(organizer, language, MeasureReturn.Status.APPROVED)
    assert organizer.locator("main input[type=number]").count() == 0
    assert organizer.locator("main form[action$='/submit']").count() == 0
    organizer.context.close()
    reviewer.context.close()
