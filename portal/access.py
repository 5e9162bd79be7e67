"""Who may see what: the one place that scopes org-owned data to a user.

A user sees the data of the org units they are a member of and of every unit below them
(their subtree). Members of headquarters, and superusers, see everything. Every view, API
endpoint, export and task starts from ``visible_to(user, Model)`` (or the queryset method
of the same name); an object outside the scope is treated exactly like a missing one.

The org tree's paths are built and cut by campaigns/models/org.py alone. That module imports
this one (for ``OrgScopedQuerySet``), so this one imports its path functions inside the
functions that use them, and looks models up through the app registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from django.apps import apps
from django.db import models
from django.db.models import Q

from campaigns.errors import NotAllowed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class Scope:
    """The part of the org tree a user may see or act in: everything, or the subtrees below
    ``paths``, and the units at ``units`` alone (not the units below them)."""

    everything: bool = False
    paths: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    @property
    def reaches_anything(self) -> bool:
        return self.everything or bool(self.paths or self.units)

    def includes(self, org_unit) -> bool:
        """Whether data owned by ``org_unit`` lies in this scope."""
        return (
            self.everything
            or org_unit.path in self.units
            or any(org_unit.path.startswith(path) for path in self.paths)
        )

    def q(self, path_lookup: str, *, include_ancestors: bool = False) -> Q:
        """A filter on ``path_lookup`` (the owning unit's path) matching this scope."""
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{path_lookup}__startswith": path})
        if self.units:
            condition |= Q(**{f"{path_lookup}__in": self.units})
        if include_ancestors:
            from campaigns.models.org import path_ancestors  # here: the models import this module

            ancestors = sorted({a for path in self.paths for a in path_ancestors(path)})
            if ancestors:
                condition |= Q(**{f"{path_lookup}__in": ancestors})
        return condition


def _outermost(paths) -> tuple[str, ...]:
    """``paths`` without those inside another one's subtree: they add nothing to a filter."""
    return tuple(p for p in paths if not any(p != o and p.startswith(o) for o in paths))


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def scope_of(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """The scope of a user, read once per user object from their memberships."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, "_access_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = EVERYTHING
    else:
        membership_model = apps.get_model("campaigns", "Membership")
        org_unit_model = apps.get_model("campaigns", "OrgUnit")
        units = membership_model.objects.filter(user=user).values_list(
            "org_unit__path", "org_unit__kind"
        )
        if any(kind == org_unit_model.Kind.HQ for _, kind in units):
            scope = EVERYTHING
        else:
            scope = Scope(paths=_outermost(sorted({path for path, _ in units})))
    user._access_scope = scope
    return scope


class OrgScopedQuerySet(models.QuerySet):
    """A queryset of data owned by an org unit.

    ``owner_path`` is the lookup from the model to the owning unit's ``path``.
    ``shared_with_subunits``: units below the owner see the object too (a handout made at
    headquarters serves every branch).
    """

    owner_path: str = "org_unit__path"
    shared_with_subunits: bool = False

    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> Self:
        scope = scope_of(user)
        if scope.everything:
            return self.all()
        if not scope.paths:
            return self.none()
        # Owner lookups follow foreign keys only (many-to-one), so no row is repeated.
        return self.filter(scope.q(self.owner_path, include_ancestors=self.shared_with_subunits))


def visible_to(
    user: AbstractBaseUser | AnonymousUser | None, model: type[models.Model]
) -> models.QuerySet:
    """Every object of ``model`` that ``user`` may see."""
    return model._default_manager.visible_to(user)


# What each role may do, within the subtree of the unit the role is held at. Seeing is not
# enough: a translator sees a branch's events but may not report or approve them.
ORGANIZER, REVIEWER, TRANSLATOR, ADMIN = "organizer", "reviewer", "translator", "admin"
ACTION_ROLES: dict[str, frozenset[str]] = {
    "event.plan": frozenset({ORGANIZER}),
    "event.report": frozenset({ORGANIZER}),
    "event.cancel": frozenset({ORGANIZER}),
    "event.review": frozenset({REVIEWER}),
    "partner.edit": frozenset({ORGANIZER, REVIEWER}),
    # Held at a unit, it sets the targets of the units right below it: headquarters sets the
    # branches' targets, a branch splits its own among its sub-units.
    "target.set": frozenset({REVIEWER, ADMIN}),
    # Handouts: translators write both languages; another translator or a reviewer checks
    # the translation (never its own translator); reviewers approve it for print;
    # organizers order print runs.
    "material.edit": frozenset({TRANSLATOR, REVIEWER}),
    "edition.translate": frozenset({TRANSLATOR}),
    "edition.review": frozenset({TRANSLATOR, REVIEWER}),
    "edition.approve": frozenset({REVIEWER}),
    "printrun.order": frozenset({ORGANIZER}),
    # Sign-ins are personal information: the organizers who collect them record them; they
    # and the unit's administrators may see phones in full and export the list; everyone
    # else who sees the event sees the list masked (held at headquarters: see below).
    "signin.record": frozenset({ORGANIZER}),
    "signin.personal": frozenset({ORGANIZER, ADMIN}),
    # Administrators give and take the roles of the people of their subtree, on the portal's
    # members page; the Django admin is for superusers only.
    "member.manage": frozenset({ADMIN}),
    # Consumer-protection measures: the unit's organizers keep its monthly figures, its
    # mediation rooms and its pool of mediators; reviewers approve the figures, as they
    # approve event reports.
    "measures.report": frozenset({ORGANIZER}),
    "measures.review": frozenset({REVIEWER}),
}


# Actions that a role held at headquarters does not carry down into the branches: it acts
# on headquarters' own data only. Personal information stays with the branch that collected
# it; headquarters reviews figures and coverage and needs no branch's phone numbers.
NOT_FROM_HEADQUARTERS = frozenset({"signin.personal"})


def _role_paths(user) -> tuple[tuple[str, str], ...]:
    """(unit path, role) of each of the user's memberships, read once per user object."""
    cached = getattr(user, "_access_roles", None)
    if cached is None:
        membership_model = apps.get_model("campaigns", "Membership")
        cached = tuple(
            membership_model.objects.filter(user=user).values_list("org_unit__path", "role")
        )
        user._access_roles = cached
    return cached


def action_scope(user: AbstractBaseUser | AnonymousUser | None, action: str) -> Scope:
    """The part of the org tree in which ``user`` may do ``action``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    from campaigns.models.org import path_is_root  # here: the models import this module

    roles = ACTION_ROLES[action]
    paths = sorted({path for path, role in _role_paths(user) if role in roles})
    roots = [path for path in paths if path_is_root(path)]
    if action in NOT_FROM_HEADQUARTERS:
        # Held at headquarters: headquarters' own data, none of the branches'.
        below = [path for path in paths if path not in roots]
        return Scope(paths=_outermost(below), units=tuple(roots))
    if roots:  # held at the root
        return EVERYTHING
    return Scope(paths=_outermost(paths))


def can(user: AbstractBaseUser | AnonymousUser | None, action: str, org_unit) -> bool:
    """Whether ``user`` may do ``action`` to data owned by ``org_unit``."""
    return action_scope(user, action).includes(org_unit)


def require(user: AbstractBaseUser | AnonymousUser | None, action: str, org_unit) -> None:
    """Raise NotAllowed unless ``user`` may do ``action`` to data owned by ``org_unit``."""
    if not can(user, action, org_unit):
        raise NotAllowed


def roles_held_over(user: AbstractBaseUser | AnonymousUser | None, org_unit) -> set[str]:
    """The roles ``user`` holds at ``org_unit`` or a unit above it: the roles an administrator
    may give there (a superuser, any). Nobody hands out a power they do not have."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {ORGANIZER, REVIEWER, TRANSLATOR, ADMIN}
    return {role for path, role in _role_paths(user) if org_unit.path.startswith(path)}


def may_read_audit(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether ``user`` may open the audit log: members of headquarters (the root of the
    tree) and administrators of any unit. Which entries they read is ``visible_to``'s call."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from campaigns.models.org import path_is_root  # here: the models import this module

    return any(role == ADMIN or path_is_root(path) for path, role in _role_paths(user))


# The sections of the site, each offered to those who can do one of the actions done there
# somewhere in the tree: nobody is shown a section where their roles give them no work.
# The audit log is offered by its own rule, ``may_read_audit``.
SECTION_ACTIONS: dict[str, tuple[str, ...]] = {
    # Organizers plan and report events; reviewers read them before they approve; the
    # administrators open their sign-in lists (phones in full, the export).
    "events": ("event.plan", "event.report", "event.review", "signin.personal"),
    "review": ("event.review",),
    # Reviewers and administrators set targets and follow them; organizers look for the
    # counties of their area that no event has reached yet. Translators have no work there.
    "coverage": ("event.plan", "event.review", "target.set"),
    "partners": ("partner.edit",),
    "handouts": (
        "material.edit",
        "edition.translate",
        "edition.review",
        "edition.approve",
        "printrun.order",
    ),
    "members": ("member.manage",),
    "measures": ("measures.report", "measures.review"),
}


def sections_for(user: AbstractBaseUser | AnonymousUser | None) -> frozenset[str]:
    """The sections of the site where ``user``'s roles give them work (keys of
    ``SECTION_ACTIONS``, and ``"audit"``)."""
    sections = {
        section
        for section, actions in SECTION_ACTIONS.items()
        if any(action_scope(user, action).reaches_anything for action in actions)
    }
    if may_read_audit(user):
        sections.add("audit")
    return frozenset(sections)


def is_native_reader(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether ``user`` may clear Tibetan text (handout blocks, region names) for print and
    display: a skill an administrator marks per person, not a role, so it is held in every
    unit the user sees; a superuser is no native reader unless marked as one."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_native_reader", False))


def filter_by_action(
    queryset: OrgScopedQuerySet, user: AbstractBaseUser | AnonymousUser | None, action: str
) -> models.QuerySet:
    """The part of an org-scoped queryset on which ``user`` may do ``action``."""
    scope = action_scope(user, action)
    if scope.everything:
        return queryset.all()
    if not scope.reaches_anything:
        return queryset.none()
    return queryset.filter(scope.q(queryset.owner_path))
