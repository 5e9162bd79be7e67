"""The site's main navigation: the sections a user's roles give them work in, and which of
them holds the page they are on."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.access import sections_for


@dataclass(frozen=True)
class Section:
    key: str  # as ``portal.access.sections_for`` names it
    label: str
    url_name: str
    # The URL names that begin with one of these are the section's pages; where two
    # sections claim a page, the longer match holds it.
    pages: tuple[str, ...]


# In the order the navigation lists them: the organizer's daily work first.
SECTIONS = (
    Section("events", _("My events"), "event_list", ("event_", "events_")),
    Section("review", _("Reports to review"), "review_queue", ("review_", "event_approve_bulk")),
    Section("coverage", _("Coverage"), "coverage_home", ("coverage_", "targets_")),
    Section("partners", _("Partners"), "partner_list", ("partner_", "agreement_")),
    Section(
        "handouts",
        _("Handouts"),
        "material_list",
        ("material_", "edition_", "block_", "print_run_"),
    ),
    Section(
        "measures",
        _("Measures"),
        "measure_return_list",
        ("measure_", "mediation_room_", "mediator_"),
    ),
    Section("audit", _("Audit log"), "audit_log", ("audit_",)),
    Section("members", _("Members"), "member_list", ("member_",)),
)


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url: str
    # The link's aria-current: "page" on the section's own page, "true" on another page
    # inside the section, "" elsewhere.
    current: str


def section_of(url_name: str | None) -> Section | None:
    """The section that holds the page named ``url_name``, if any."""
    claims = [
        (len(prefix), section)
        for section in SECTIONS
        for prefix in section.pages
        if url_name and url_name.startswith(prefix)
    ]
    return max(claims, key=lambda claim: claim[0])[1] if claims else None


def main_navigation(request) -> list[NavigationLink]:
    """The links of the main navigation for the signed-in user of ``request``."""
    usable = sections_for(request.user)
    url_name = request.resolver_match.url_name if request.resolver_match else None
    here = section_of(url_name)
    links = []
    for section in SECTIONS:
        if section.key not in usable:
            continue
        current = ""
        if section == here:
            current = "page" if url_name == section.url_name else "true"
        links.append(NavigationLink(section.label, reverse(section.url_name), current))
    return links
