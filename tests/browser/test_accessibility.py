"""Every main page on a 390x844 phone, in Chinese and in Tibetan, under axe-core: no serious
or critical violation, no page that writes an error to the browser's console, every field's
help and errors tied to it, and no Tibetan text without its language marked.

One browser context per language; each role signs in once and visits its pages in turn. The
pages are those a person reaches from the menu, the forms behind them (the report form also
after a refused save, its errors shown) and the public page a handout's QR code opens.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe

from campaigns.models import Event, Job, MaterialEdition, Membership, Region
from tests import factories as f
from tests.browser.conftest import PHONE
from tests.events_world import BEIJING
from tests.factories import USER_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What axe calls serious or critical keeps some people from using the page at all.
BLOCKING = {"serious", "critical"}
AXE = Axe()

# A text's script tells its language: Tibetan (U+0F00-U+0FFF) must sit inside an element
# marked lang="bo" on every page, or a screen reader reads it with a Chinese voice. The
# portal's Chinese names (of regions and handouts) must sit inside lang="zh-Hans" on a
# Tibetan page; an option cannot hold two languages, so its Chinese is left as it is. Free
# text (titles, names of units, partners and people) has no language of its own, unchecked.
UNMARKED_LANGUAGE = """(chineseNames) => {
  // A name counts where it stands alone, not inside a longer one (四川省 in 四川省妇幼保健院).
  const han = "\\u4E00-\\u9FFF";
  const names = chineseNames.map((name) => new RegExp(`(?<![${han}])${name}(?![${han}])`));
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (element.closest("script, style")) continue;
    const lang = (element.closest("[lang]")?.lang || "").toLowerCase();
    const text = node.data.trim();
    const where = `<${element.localName} class="${element.className}"> "${text.slice(0, 40)}"`;
    if (/[\\u0F00-\\u0FFF]/.test(text) && !lang.startsWith("bo")) {
      found.push(`Tibetan text in lang=${lang}: ${where}`);
    }
    if (!lang.startsWith("zh") && !element.closest("option")
        && names.some((name) => name.test(text))) {
      found.push(`Chinese name in lang=${lang}: ${where}`);
    }
  }
  return found;
}"""

# Each id that a label's "for" or an aria-describedby or aria-labelledby names must exist:
# Django names a field's help and errors in its control's aria-describedby.
MISSING_IDS = """() => [
  ...document.querySelectorAll("[aria-describedby], [aria-labelledby], label[for]")
].flatMap((element) => ["aria-describedby", "aria-labelledby", "for"].flatMap((name) =>
    (element.getAttribute(name) || "").split(/\\s+/).filter(Boolean)
      .filter((id) => !document.getElementById(id))
      .map((id) => `<${element.localName} ${name}="${id}">: no element has this id`)))"""

# Each error shown at a field is named by its control's (or its group's) aria-describedby,
# and the control says it is invalid.
UNTIED_ERRORS = """() => [...document.querySelectorAll(".field.has-error")].flatMap((field) => {
  const control = field.querySelector("input, select, textarea");
  const described = [field, control].flatMap(
    (element) => (element?.getAttribute("aria-describedby") || "").split(/\\s+/));
  const untied = [...field.querySelectorAll(".error")]
    .filter((error) => !described.some((id) => id && document.getElementById(id)?.contains(error)))
    .map((error) => `error "${error.textContent.trim()}" of ${control?.name} is not described`);
  if (control && control.getAttribute("aria-invalid") !== "true") {
    untied.push(`${control.name} has an error but no aria-invalid`);
  }
  return untied;
})"""


@dataclass
class Inspector:
    """One language's phone-sized browser context: each page it checks goes through axe and
    the checks above; console errors and uncaught script errors on the way are kept too."""

    context: object
    page: object
    base_url: str
    language: str
    chinese_names: list[str]
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def choose_language(self):
        self.context.add_cookies(
            [{"name": "django_language", "value": self.language, "url": self.base_url}]
        )

    def sign_in(self, username: str):
        """Sign out whoever is signed in, keep the language, and sign ``username`` in."""
        self.context.clear_cookies()
        self.choose_language()
        self.page.goto(f"{self.base_url}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", USER_PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(f"{self.base_url}/")

    def visit(self, path: str):
        """Open ``path`` and check it once the parts htmx loads after the page are in."""
        response = self.page.goto(f"{self.base_url}{path}")
        assert response.ok, f"{path}: {response.status}"
        self.page.wait_for_selector("[hx-trigger=load]", state="detached")
        self.check(path)

    def check(self, name: str):
        """Check the page as it is now."""
        self.checked.append(name)
        for violation in AXE.run(self.page).response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
                self.problems.append(
                    f"{name}: {violation['id']} ({violation['impact']}) at {targets}"
                )
        found = [
            *self.page.evaluate(UNMARKED_LANGUAGE, self.chinese_names),
            *self.page.evaluate(MISSING_IDS),
            *self.page.evaluate(UNTIED_ERRORS),
        ]
        self.problems.extend(f"{name}: {problem}" for problem in found)

    def assert_clean(self):
        assert self.checked
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def inspector(browser, live_server, language, portal):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    chinese_names = [
        *Region.objects.values_list("name_zh", flat=True),
        portal["approved"].material.title_zh,
        portal["draft"].material.title_zh,
    ]
    inspector = Inspector(context, page, live_server.url, language, chinese_names)
    inspector.choose_language()
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and inspector.problems.append(f"console on {page.url}: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: inspector.problems.append(f"error on {page.url}: {error}"))
    yield inspector
    context.close()


@pytest.fixture
def portal(coverage_world):
    """The coverage world, with an organizer, an administrator and something on each page,
    Tibetan names included."""
    world, units = coverage_world, coverage_world.units
    organizer = f.UserFactory(username="aba-organizer", first_name="卓玛")
    f.MembershipFactory(user=organizer, org_unit=units["central_a"], role=Membership.Role.ORGANIZER)
    admin = f.UserFactory(username="sc-admin")
    f.MembershipFactory(user=admin, org_unit=units["branch_a"], role=Membership.Role.ADMIN)
    translator = f.UserFactory(username="hq-translator")
    f.MembershipFactory(user=translator, org_unit=units["hq"], role=Membership.Role.TRANSLATOR)
    for county, name_bo in (("hongyuan", "རྨ་ཐང་རྫོང་"), ("maerkang", "འབར་ཁམས་གྲོང་ཁྱེར།")):
        world.counties[county].name_bo = name_bo
        world.counties[county].save(update_fields=["name_bo"])

    hospital = f.PartnerFactory(org_unit=units["central_a"], name="四川省妇幼保健院")
    f.PartnerAgreementFactory(partner=hospital, services=["health_screening"]).counties.add(
        world.counties["maerkang"]
    )

    approved = f.MaterialEditionFactory(
        material=f.MaterialFactory(
            org_unit=units["hq"],
            title_zh="金融消费者八项基本权利",
            title_bo="དངུལ་རྩིས་ཉོ་མཁན་གྱི་ཐོབ་ཐང་གཞི་རྩ་བརྒྱད།",
        ),
        status=MaterialEdition.Status.APPROVED,
    )
    f.EditionBlockFactory(edition=approved, kind="heading", text_zh="八项基本权利")
    f.EditionBlockFactory(edition=approved)
    draft = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=units["hq"], title_zh="防范电信网络诈骗")
    )
    f.BlockCommentFactory(block=f.EditionBlockFactory(edition=draft), author=world.hq_reviewer)
    print_run = f.PrintRunFactory(edition=approved, org_unit=units["central_a"])

    reported = Event.objects.get(org_unit=units["central_a"], status=Event.Status.REPORTED)
    f.EventPhotoFactory(event=reported, caption="马尔康社区宣讲")
    f.MaterialUseFactory(event=reported, edition=approved)
    f.PartnerServiceFactory(event=reported, partner=hospital)
    f.SignInFactory(event=reported)
    f.EventFactory(
        campaign=world.campaign,
        org_unit=units["central_a"],
        county=world.counties["hongyuan"],
        status=Event.Status.REPORTED,
        head_count=60,
        starts_at=dt.datetime(2025, 3, 14, 10, tzinfo=BEIJING),
    )

    jobs = [
        f.JobFactory(owner=organizer, org_unit=units["central_a"], status=status, progress=40)
        for status in (Job.Status.SUCCEEDED, Job.Status.RUNNING)
    ]
    f.NotificationFactory(recipient=organizer)
    f.AuditEntryFactory(
        actor=organizer,
        org_unit=units["central_a"],
        action="campaigns.event.reported",
        data={"head_count": 40},
    )
    return {
        "world": world,
        "hospital": hospital,
        "approved": approved,
        "draft": draft,
        "print_run": print_run,
        "reported": reported,
        "planned": Event.objects.get(org_unit=units["central_a"], status=Event.Status.PLANNED),
        "jobs": jobs,
    }


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_organizer_pages_pass_axe_and_log_no_error(inspector, portal, language):
    units = portal["world"].units
    reported, planned = portal["reported"], portal["planned"]
    inspector.visit("/accounts/login/")
    inspector.sign_in("aba-organizer")
    inspector.page.click("details.site-menu > summary")
    inspector.check("/ with the menu open")
    for path in (
        "/events/",
        f"/events/{reported.pk}/",
        f"/events/{reported.pk}/sign-ins/",
        f"/events/{planned.pk}/",
        "/events/new",
        f"/events/{planned.pk}/report",
        "/partners/",
        f"/partners/{portal['hospital'].pk}/",
        f"/partners/{portal['hospital'].pk}/edit",
        "/materials/",
        f"/materials/{portal['approved'].material.pk}/",
        f"/editions/{portal['approved'].pk}/print",
        "/print-runs/",
        f"/print-runs/{portal['print_run'].pk}/",
        "/jobs/",
        *(f"/jobs/{job.pk}/" for job in portal["jobs"]),
        f"/units/{units['central_a'].pk}/import/",
        "/notifications/",
        "/accounts/password_change/",
        "/accounts/tokens/",
        # What the service worker shows without network for a page it did not keep.
        f"/offline/{language}",
        # The phone's outbox: the unsent reports, the report form of a phone-made plan.
        "/outbox/",
        "/events/new/report",
    ):
        inspector.visit(path)

    # Refused: 30 women of 10 people who came; the error stands at the women's box.
    page = inspector.page
    page.goto(f"{inspector.base_url}/events/{planned.pk}/report")
    page.fill("input[name=head_count]", "10")
    page.fill("input[name=audience_women]", "30")
    page.click("button[name=save]")
    page.wait_for_selector(".field.has-error input[name=audience_women]")
    inspector.check("the report form after a refused save")
    inspector.assert_clean()


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_reviewer_translator_and_admin_pages_pass_axe_and_log_no_error(inspector, portal, language):
    world = portal["world"]
    campaign, units = world.campaign, world.units
    coverage = f"/coverage/{campaign.pk}/units"
    inspector.visit(f"/h/{portal['approved'].public_token}/")
    inspector.sign_in("hq-reviewer")
    for path in (
        "/",
        "/events/review/",
        f"/events/{portal['reported'].pk}/",
        "/coverage/",
        f"{coverage}/{units['branch_a'].pk}/",
        f"{coverage}/{units['branch_a'].pk}/regions/{world.prefecture.pk}/",
        f"{coverage}/{units['branch_a'].pk}/counties/{world.counties['maerkang'].pk}/",
        f"{coverage}/{units['hq'].pk}/targets",
        f"/editions/{portal['draft'].pk}/",
        f"/editions/{portal['approved'].pk}/",
        "/audit/",
    ):
        inspector.visit(path)

    # The translator's editor: each block's Chinese and Tibetan in text boxes.
    inspector.sign_in("hq-translator")
    inspector.visit(f"/editions/{portal['draft'].pk}/")

    inspector.sign_in("sc-admin")
    for path in ("/members/", "/members/new"):
        inspector.visit(path)
    inspector.assert_clean()
