"""Reads for the members page: who holds which role in the units an administrator manages."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, QuerySet

from campaigns.models import Membership, OrgUnit
from portal.access import filter_by_action, roles_held_over

MANAGE = "member.manage"


def member_units_managed(*, user) -> QuerySet[OrgUnit]:
    """The org units in which ``user`` may give and take roles: their administered subtrees."""
    return filter_by_action(OrgUnit.objects.all(), user, MANAGE).order_by("path")


def member_roles_given(*, user) -> list[tuple[str, str]]:
    """The roles ``user`` may give at one unit or another of theirs, as form choices."""
    if user.is_superuser:
        return list(Membership.Role.choices)
    held = set()
    for unit in member_units_managed(user=user).filter(memberships__user=user).distinct():
        held |= roles_held_over(user, unit)
    return [(value, label) for value, label in Membership.Role.choices if value in held]


def member_list(
    *, user, org_unit: OrgUnit | None = None, role: str = "", search: str = ""
) -> QuerySet[Membership]:
    """The memberships of the units ``user`` manages, unit by unit, narrowed by the filters."""
    memberships = filter_by_action(Membership.objects.all(), user, MANAGE).select_related(
        "user", "org_unit"
    )
    if org_unit is not None:
        memberships = memberships.filter(org_unit__path__startswith=org_unit.path)
    if role:
        memberships = memberships.filter(role=role)
    if search:
        memberships = memberships.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    return memberships.order_by("org_unit__path", "user__username", "role")


def member_locked_out(*, usernames) -> set[str]:
    """Which of ``usernames`` are locked out of signing in, on some address."""
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )


def members_native_reader_markable(*, user, person_ids) -> set[int]:
    """Of ``person_ids``, the people ``user`` may mark as native readers of Tibetan (or
    unmark): never themselves; for a superuser, anyone else; for an administrator, people
    all of whose roles lie in the units they administer, as for lifting a sign-in lockout,
    since the mark counts wherever the person works (and never a superuser or staff)."""
    ids = set(person_ids) - {user.pk}
    if user.is_superuser:
        return ids
    roles = Membership.objects.filter(
        user_id__in=ids, user__is_superuser=False, user__is_staff=False
    )

    def per_person(memberships: QuerySet[Membership]) -> dict[int, int]:
        counted = memberships.order_by().values("user_id").annotate(roles=Count("pk"))
        return {row["user_id"]: row["roles"] for row in counted}

    managed = per_person(filter_by_action(roles, user, MANAGE))
    return {pk for pk, total in per_person(roles).items() if managed.get(pk) == total}
