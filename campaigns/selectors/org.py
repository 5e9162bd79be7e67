"""Reads of the org tree as one user stands in it: which units are their own.

A user's own units for an action are the outermost units where their roles let them do
it: the units of the memberships that grant it, without those below another one (a
branch's role already reaches its sub-branches). Their own unit is the first of these in
the tree's order: for someone who organizes at a branch and at one of its sub-branches, the
branch; for someone who organizes in two branches, the branch that comes first in the tree.
A form preselects that unit and offers every unit the action reaches; where the unit
itself narrows what the user gets (an events export, the coverage pages), each of their own
units is offered instead. Headquarters' roles, and a superuser's, reach every unit: their
own unit is the root of the tree.
"""

from __future__ import annotations

from campaigns.models import OrgUnit
from portal.access import action_scope, scope_of


def own_units(*, user, action: str | None = None) -> list[OrgUnit]:
    """The outermost units where ``user`` may do ``action`` (with no action: where any of
    their roles is held), in the tree's order; empty when they may do it nowhere."""
    scope = scope_of(user) if action is None else action_scope(user, action)
    if scope.everything:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("path")[:1])
    paths = {*scope.paths, *scope.units}
    if not paths:
        return []
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path"))


def own_unit(*, user, action: str | None = None) -> OrgUnit | None:
    """The unit ``user`` does ``action`` for unless they choose another: the first of
    ``own_units``, or None when they may do it nowhere."""
    units = own_units(user=user, action=action)
    return units[0] if units else None
