"""The one place that decides what a user may see (`visible_to`).

- office clerks and leaders: their committee and, for a city, its counties (the subtree);
- a member: their own seats and the committees they sit on (public data);
- a handling-unit clerk: their unit and its committee;
- the three administrators: no member data at all (the system administrator sees the
  committee list, which he maintains).
Anything outside scope answers 404, exactly like a missing object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from lvzhi.accounts.models import Role
from lvzhi.organisations.models import chain_paths

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

NOTHING = Q(pk__in=[])


def _subtree_ids(user: User) -> list[int]:
    from lvzhi.organisations.models import Organisation

    if user.organisation is None:
        return []
    return list(Organisation.objects.filter(path__startswith=user.organisation.path).values_list("pk", flat=True))


def organisation_ids_in_scope(user: User) -> list[int]:
    """Committees whose data (members, units, figures) the user may see."""
    from lvzhi.organisations.models import Organisation

    if not user.is_authenticated or not user.is_active:
        return []
    if user.role in (Role.OFFICE, Role.LEADER):
        return _subtree_ids(user)
    if user.role == Role.SYSADMIN:
        return list(Organisation.objects.values_list("pk", flat=True))
    if user.role == Role.MEMBER and user.person_id:
        return list(user.person.memberships.values_list("organisation_id", flat=True))  # type: ignore[union-attr]
    if user.role == Role.UNIT and user.handling_unit_id:
        return [user.handling_unit.organisation_id]  # type: ignore[union-attr]
    return []


def require_manage(actor: User, organisation_id: int, message: str) -> None:
    """The one check before a write: 404 if the committee is out of the actor's sight (as if
    it did not exist), 403 with ``message`` if seen but not theirs to change."""
    from lvzhi.core.errors import Forbidden, NotFound

    if organisation_id not in managed_organisation_ids(actor):
        if organisation_id not in organisation_ids_in_scope(actor):
            raise NotFound()
        raise Forbidden(message)


def managed_organisation_ids(user: User) -> list[int]:
    """Committees whose records the user may change (office clerks, their subtree)."""
    if not user.is_authenticated or not user.is_active or user.role != Role.OFFICE:
        return []
    return _subtree_ids(user)


def membership_filter(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        return Q(organisation_id__in=_subtree_ids(user))
    if user.role == Role.MEMBER and user.person_id:
        return Q(person_id=user.person_id)
    return NOTHING


def handling_unit_filter(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        return Q(organisation_id__in=_subtree_ids(user))
    if user.role == Role.UNIT and user.handling_unit_id:
        return Q(pk=user.handling_unit_id)
    if user.role == Role.MEMBER:
        return Q(organisation_id__in=organisation_ids_in_scope(user))
    return NOTHING


def can_see_personal_data(user: User, person_id: int | None = None) -> bool:
    """ID numbers, phones: unmasked only for users granted it, or for the member themself."""
    if not user.is_authenticated:
        return False
    if person_id is not None and user.person_id == person_id:
        return True
    return bool(user.can_view_personal_data and user.role in (Role.OFFICE, Role.LEADER))


def proposal_filter(user: User) -> Q:
    """Office and leaders: their subtree, except drafts (a draft is the member's own until it
    is submitted). Members: proposals they sign or are invited to sign, and published ones.
    Units: proposals assigned to them (not re-assigned away)."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        # A body proposal (集体提案) is drafted by the office clerk: his own draft is his.
        return Q(organisation_id__in=_subtree_ids(user)) & (~Q(state="draft") | Q(created_by_id=user.pk))
    if user.role == Role.MEMBER and user.person_id:
        # Proposers of a proposal merged into another (并案) get that one's reply and rate it.
        return (
            Q(signers__person_id=user.person_id) | Q(merged__signers__person_id=user.person_id) | Q(is_published=True)
        )
    if user.role == Role.UNIT and user.handling_unit_id:
        return Q(assignments__unit_id=user.handling_unit_id) & ~Q(assignments__state="cancelled")
    return NOTHING


def opinion_filter(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        return Q(organisation_id__in=_subtree_ids(user))
    if user.role == Role.MEMBER and user.person_id:
        return Q(authors__id=user.person_id)
    return NOTHING


def household_filter(user: User) -> Q:
    """Office and leaders: the households of their subtree. A member: the households they
    are paired with or whose needs they took on (the data shown to them is masked)."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        return Q(organisation_id__in=_subtree_ids(user))
    if user.role == Role.MEMBER and user.person_id:
        from lvzhi.assistance.models import Need, Pairing

        # Subqueries, not joins: a household paired twice is still one row, no DISTINCT needed.
        paired = Pairing.objects.filter(person_id=user.person_id, ended_on__isnull=True).values("household_id")
        helped = Need.objects.filter(person_id=user.person_id).values("household_id")
        return Q(pk__in=paired) | Q(pk__in=helped)
    return NOTHING


def need_filter(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        return Q(organisation_id__in=_subtree_ids(user))
    if user.role == Role.MEMBER and user.person_id:
        return Q(person_id=user.person_id)
    return NOTHING


def _campaigns_reaching(paths: list[str]) -> Q:
    """Campaigns launched at or above one of these committees (by path) that target it or a
    committee between, or target nothing in particular (the launcher's whole subtree)."""
    q = NOTHING
    for path in paths:
        chain = chain_paths(path)
        q |= Q(organisation__path__in=chain) & (Q(targets__isnull=True) | Q(targets__path__in=chain))
    return q


def campaign_filter(user: User) -> Q:
    """Campaigns of the user's committees (and their subtree) and those launched above that
    reach them (see lvzhi.assistance.actions.campaign_applies_to)."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER) and user.organisation is not None:
        path = user.organisation.path
        return Q(organisation__path__startswith=path) | _campaigns_reaching([path])
    if user.role == Role.MEMBER and user.person_id:
        from lvzhi.organisations.models import Organisation

        seats = Organisation.objects.filter(pk__in=organisation_ids_in_scope(user)).values_list("path", flat=True)
        return _campaigns_reaching(list(seats))
    return NOTHING


def entry_filter(user: User) -> Q:
    """Ledger entries: office and leaders their subtree's; a member the entries they are in."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in (Role.OFFICE, Role.LEADER):
        return Q(organisation_id__in=_subtree_ids(user))
    if user.role == Role.MEMBER and user.person_id:
        from lvzhi.assistance.models import EntryMember

        return Q(pk__in=EntryMember.objects.filter(person_id=user.person_id).values("entry_id"))
    return NOTHING
