"""The shared test world: a city with two counties and the personas every test uses, built
through the same actions as the UI (never by writing rows directly).

- sysadmin / secadmin / auditor: the three administrators (三权分立);
- alice: office clerk of 东城县 (may see personal data);
- leader: a leader of 东城县;
- carol: office clerk of the city (sees the city and its counties);
- member_user: 王建国, member of 东城县 and of the city;
- unit_user: clerk of 东城县发展和改革局;
- charlie: office clerk of 西山县, who must see nothing of 东城县.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lvzhi.accounts import actions as account_actions
from lvzhi.accounts.models import Role, User
from lvzhi.core.identity import id_check_character
from lvzhi.members import actions as member_actions
from lvzhi.members.models import Membership
from lvzhi.organisations import actions as org_actions
from lvzhi.organisations.models import BodyKind, HandlingUnit, Organisation

PASSWORD = "Lvzhi@2026"


def postgres_connection() -> Any:
    """A psycopg connection of its own to the test database (PostgreSQL), as another process
    or worker would hold: what it sees is what is committed."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"] or 5432
    )


def make_id_number(first17: str) -> str:
    return first17 + id_check_character(first17)


@dataclass
class World:
    sysadmin: User
    secadmin: User
    auditor: User
    city: Organisation
    county: Organisation
    other_county: Organisation
    alice: User
    leader: User
    carol: User
    charlie: User
    member_user: User
    unit_user: User
    member: Membership
    unit: HandlingUnit


def bootstrap_admins() -> tuple[User, User, User]:
    """The three administrators. The very first accounts cannot be created by an action
    (there is nobody to act yet): this is the installation step, audited as 'system'."""
    from lvzhi.audit.log import record, snapshot

    made = []
    for username, name, role in (
        ("sysadmin", "系统管理员", Role.SYSADMIN),
        ("secadmin", "安全管理员", Role.SECADMIN),
        ("auditor", "审计管理员", Role.AUDITOR),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=name, role=role)
            user.set_password(PASSWORD)
            user.save()
            record(
                actor=None,
                action="account.bootstrap",
                obj=user,
                changes={"after": snapshot(user, ["username", "role"])},
            )
        made.append(user)
    return made[0], made[1], made[2]


def make_account(sysadmin: User, secadmin: User, username: str, full_name: str, role: str, **scope: object) -> User:
    user = account_actions.create_account(actor=sysadmin, username=username, full_name=full_name, password=PASSWORD)
    return account_actions.grant_role(actor=secadmin, user=user, role=role, **scope)  # type: ignore[arg-type]


def member_data(name: str, id_first17: str, **extra: object) -> dict[str, object]:

    raw = {"name": name, "id_number": make_id_number(id_first17), "mobile": "13800001234", "party": "民盟", **extra}
    return raw


def add_member(actor: User, org: Organisation, raw: dict[str, object]) -> Membership:
    from lvzhi.members.validation import validate_member

    data, errors = validate_member(raw, org)
    assert not errors, errors
    return member_actions.save_member(actor=actor, organisation=org, data=data)


def build_world() -> World:
    sysadmin, secadmin, auditor = bootstrap_admins()
    city = org_actions.create_organisation(
        actor=sysadmin, code="sys", name="示例市政协", short_name="市政协", level="city"
    )
    county = org_actions.create_organisation(
        actor=sysadmin, code="dcx", name="东城县政协", short_name="东城县", level="county", parent=city
    )
    other = org_actions.create_organisation(
        actor=sysadmin, code="xsx", name="西山县政协", short_name="西山县", level="county", parent=city
    )
    alice = make_account(
        sysadmin, secadmin, "alice", "林晓", Role.OFFICE, organisation=county, can_view_personal_data=True
    )
    carol = make_account(sysadmin, secadmin, "carol", "周敏", Role.OFFICE, organisation=city)
    charlie = make_account(
        sysadmin, secadmin, "charlie", "赵强", Role.OFFICE, organisation=other, can_view_personal_data=True
    )
    leader = make_account(sysadmin, secadmin, "leader", "孙主席", Role.LEADER, organisation=county)
    for org, clerk in ((county, alice), (city, carol), (other, charlie)):
        org_actions.create_term(actor=clerk, organisation=org, number=16, name="第十六届")
        for kind, names in (
            (BodyKind.SECTOR, ["中共界", "教育界", "经济界"]),
            (BodyKind.WORKING_GROUP, ["第一工作组", "第二工作组"]),
            (BodyKind.SPECIAL_COMMITTEE, ["提案委员会"]),
        ):
            for name in names:
                org_actions.create_body(actor=clerk, organisation=org, kind=kind, name=name)
    unit = org_actions.create_handling_unit(
        actor=alice, organisation=county, name="东城县发展和改革局", kind="government"
    )
    org_actions.create_handling_unit(actor=charlie, organisation=other, name="西山县教育局", kind="government")
    member = add_member(
        alice, county, member_data("王建国", "53032519700101001", sector="教育界", working_group="第一工作组")
    )
    add_member(carol, city, member_data("王建国", "53032519700101001", role="常委", sector="教育界"))
    add_member(
        alice, county, member_data("丁一", "53032519800202002", party="中共党员", sector="中共界", role="副主席")
    )
    add_member(charlie, other, member_data("马六", "53032419750303003", sector="经济界"))
    member_user = make_account(sysadmin, secadmin, "member", "王建国", Role.MEMBER, person=member.person)
    unit_user = make_account(sysadmin, secadmin, "unit", "李办", Role.UNIT, handling_unit=unit)
    return World(
        sysadmin,
        secadmin,
        auditor,
        city,
        county,
        other,
        alice,
        leader,
        carol,
        charlie,
        member_user,
        unit_user,
        member,
        unit,
    )
