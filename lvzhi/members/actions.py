"""Every write to members goes through these actions: the form, the API, the import and
`seed_demo` call the same functions, so they check, validate and audit identically."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F

from lvzhi.accounts import scoping
from lvzhi.audit.log import diff, record, snapshot
from lvzhi.core.errors import Conflict, Invalid, NotFound
from lvzhi.members.models import Membership, Person
from lvzhi.organisations.models import Organisation

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

PERSON_FIELDS = (
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "party",
    "mobile",
    "education",
    "employer",
    "job_title",
    "expertise",
)
MEMBERSHIP_FIELDS = ("code", "role", "sector", "working_group", "special_committee")


def require_manage(actor: User, organisation: Organisation) -> None:
    """404 if the committee is out of the actor's sight, 403 if seen but not theirs to edit."""
    scoping.require_manage(actor, organisation.pk, "只有本级政协机关工作人员可以维护委员信息")


def _check_bodies(organisation: Organisation, data: dict[str, Any]) -> None:
    for key in ("sector", "working_group", "special_committee"):
        body = data.get(key)
        if body is not None and body.organisation_id != organisation.pk:
            raise Invalid({key: "所选机构不属于该政协"})


def _person_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in PERSON_FIELDS if k in data}


def _membership_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in MEMBERSHIP_FIELDS if k in data}


@transaction.atomic
def save_member(
    *, actor: User, organisation: Organisation, data: dict[str, Any], allow_update: bool = False
) -> Membership:
    """Create the member's seat on ``organisation``; the person is found by ID number (one
    person may sit on several committees). With ``allow_update`` an existing seat is updated
    instead (imports: re-importing a file creates no duplicates)."""
    require_manage(actor, organisation)
    _check_bodies(organisation, data)
    person = Person.objects.select_for_update().filter(id_number=data["id_number"]).first()
    person_values = _person_data(data)
    if person is None:
        person = Person.objects.create(**person_values)
        record(
            actor=actor,
            action="person.create",
            obj=person,
            organisation_id=organisation.pk,
            changes={"after": snapshot(person)},
        )
    else:
        before = snapshot(person, mask=False)
        for key, value in person_values.items():
            setattr(person, key, value)
        after = snapshot(person, mask=False)
        if after != before:
            person.save()
            record(
                actor=actor,
                action="person.update",
                obj=person,
                organisation_id=organisation.pk,
                changes=diff(before, after),
            )
    membership = Membership.objects.select_for_update().filter(person=person, organisation=organisation).first()
    seat = _membership_data(data)
    if membership is None:
        membership = Membership.objects.create(
            person=person, organisation=organisation, term=organisation.current_term, **seat
        )
        record(
            actor=actor,
            action="member.create",
            obj=membership,
            organisation_id=organisation.pk,
            changes={"after": snapshot(membership)},
        )
        return membership
    if not allow_update:
        raise Invalid({"id_number": f"身份证号码为该号码的委员已在{organisation.short_name}委员名单中"})
    _apply_membership(actor, membership, seat)
    return membership


def _apply_membership(actor: User, membership: Membership, seat: dict[str, Any]) -> None:
    before = snapshot(membership, mask=False)
    for key, value in seat.items():
        setattr(membership, key, value)
    after = snapshot(membership, mask=False)
    if after != before:
        membership.version = F("version") + 1  # type: ignore[assignment]
        membership.save()
        membership.refresh_from_db(fields=["version"])
        record(
            actor=actor,
            action="member.update",
            obj=membership,
            organisation_id=membership.organisation_id,
            changes=diff(before, after),
        )


@transaction.atomic
def update_member(*, actor: User, membership: Membership, data: dict[str, Any], version: int) -> Membership:
    """Edit a member. ``version`` is the version the editor started from; if someone saved
    in between, the edit is refused (Conflict) rather than overwriting their change."""
    require_manage(actor, membership.organisation)
    _check_bodies(membership.organisation, data)
    locked = Membership.objects.select_for_update().select_related("person").get(pk=membership.pk)
    if locked.version != version:
        raise Conflict()
    person = locked.person
    if "id_number" in data and data["id_number"] != person.id_number:
        if Person.objects.filter(id_number=data["id_number"]).exclude(pk=person.pk).exists():
            raise Invalid({"id_number": "该身份证号码已属于另一位人员"})
    before_person = snapshot(person, mask=False)
    for key, value in _person_data(data).items():
        setattr(person, key, value)
    after_person = snapshot(person, mask=False)
    if after_person != before_person:
        person.save()
        record(
            actor=actor,
            action="person.update",
            obj=person,
            organisation_id=locked.organisation_id,
            changes=diff(before_person, after_person),
        )
    seat = _membership_data(data)
    before = snapshot(locked, mask=False)
    for key, value in seat.items():
        setattr(locked, key, value)
    locked.version = version + 1
    locked.save()
    after = snapshot(locked, mask=False)
    record(
        actor=actor,
        action="member.update",
        obj=locked,
        organisation_id=locked.organisation_id,
        changes=diff(before, after),
    )
    return locked


def get_membership_for(user: User, pk: int) -> Membership:
    """Detail lookups: out of scope is exactly as missing."""
    membership = (
        Membership.objects.visible_to(user)
        .select_related("person", "organisation", "sector", "working_group", "special_committee", "term")
        .filter(pk=pk)
        .first()
    )
    if membership is None:
        raise NotFound("委员不存在")
    return membership
