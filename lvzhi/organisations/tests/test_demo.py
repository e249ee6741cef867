"""`seed_demo` and `demo_logins`: the demo city is complete, valid, deterministic and every
listed login works."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from lvzhi.accounts.models import Role, User
from lvzhi.audit.models import AuditEntry
from lvzhi.core.identity import gender_from_id, normalise_id_number
from lvzhi.members.models import Membership, Person
from lvzhi.organisations.demo import DEFAULT_SEED, plan_demo
from lvzhi.organisations.models import Body, BodyKind, HandlingUnit, Level, Organisation

COUNTY_CODES = ("dcx", "xsx", "nhq", "blx")


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """Seed once for the class inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", "--without-proposals", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestSeededDemo:
    """One seeded demo city shared by these tests (seeding takes a few seconds)."""

    def test_five_committees_with_bodies_units_and_members(self, demo: str, db: None) -> None:
        assert "演示数据已生成" in demo
        city = Organisation.objects.get(code="sys")
        assert city.level == Level.CITY and city.name == "示例市政协"
        counties = Organisation.objects.filter(parent=city)
        assert sorted(counties.values_list("code", flat=True)) == sorted(COUNTY_CODES)
        assert Organisation.objects.count() == 5
        for org in Organisation.objects.all():
            assert org.current_term is not None
            seats = Membership.objects.filter(organisation=org).count()
            if org.level == Level.CITY:
                assert 240 <= seats <= 260
                assert HandlingUnit.objects.filter(organisation=org).count() >= 10
            else:
                assert 140 <= seats <= 160
                assert HandlingUnit.objects.filter(organisation=org).count() >= 20
                offices = Body.objects.filter(organisation=org, kind=BodyKind.LIAISON_OFFICE)
                assert 8 <= offices.count() <= 10
                assert all(b.township for b in offices)
                assert 2 <= Body.objects.filter(organisation=org, kind=BodyKind.MEMBER_HOME).count() <= 3
            assert Body.objects.filter(organisation=org, kind=BodyKind.WORKING_GROUP).count() == 6
            assert Body.objects.filter(organisation=org, kind=BodyKind.SPECIAL_COMMITTEE).count() >= 5
            roles = Counter(Membership.objects.filter(organisation=org).values_list("role", flat=True))
            assert roles["chairman"] == 1 and 3 <= roles["vice_chairman"] <= 5 and roles["secretary_general"] == 1
            assert 0.15 <= roles["standing"] / seats <= 0.2
            assert not Membership.objects.filter(organisation=org, sector__isnull=True).exists()
        assert HandlingUnit.objects.filter(name="东城县教育局", organisation__code="dcx").exists()

    def test_people_are_valid_and_some_sit_on_two_levels(self, demo: str, db: None) -> None:
        for person in Person.objects.all():
            assert normalise_id_number(person.id_number) == person.id_number
            assert person.gender == gender_from_id(person.id_number)
            assert 1955 <= person.birth_date.year <= 1990  # type: ignore[union-attr]
            assert person.mobile[:2] in ("13", "15", "18") and len(person.mobile) == 11
        two_levels = Person.objects.filter(memberships__organisation__level=Level.CITY).filter(
            memberships__organisation__level=Level.COUNTY
        )
        assert two_levels.count() == 30
        cpc = Person.objects.filter(party="cpc").count() / Person.objects.count()
        assert 0.3 <= cpc <= 0.45
        # Sector and party agree where the sector is a party's.
        assert not Membership.objects.filter(sector__name="中共界").exclude(person__party="cpc").exists()
        assert not Membership.objects.filter(sector__name="民盟界").exclude(person__party="cdl").exists()

    def test_built_through_the_actions(self, demo: str, db: None) -> None:
        assert AuditEntry.objects.filter(action="member.create").count() == Membership.objects.count()
        assert AuditEntry.objects.filter(action="organisation.create").count() == 5
        assert AuditEntry.objects.filter(action="handling_unit.create").count() == HandlingUnit.objects.count()
        assert set(AuditEntry.objects.values_list("source", flat=True)) == {"command:seed_demo"}
        dcx_member = AuditEntry.objects.filter(action="member.create", organisation_id__isnull=False).first()
        assert dcx_member is not None and dcx_member.actor is not None and dcx_member.actor.role == Role.OFFICE

    def test_assistance_demo(self, demo: str, db: None) -> None:
        """Per county a register, two campaigns, a year of ledger, needs, a site; 001's symposium."""
        from lvzhi.assistance.figures import Filters, assistance_figures, live_figures
        from lvzhi.assistance.models import Campaign, DemoSite, Entry, EntryStatus, Need, Pairing
        from lvzhi.assistance.report import paragraph
        from lvzhi.households.models import Household

        for code in COUNTY_CODES:
            county = Organisation.objects.get(code=code)
            assert Household.objects.filter(organisation=county).count() > 2000
            assert Household.objects.filter(organisation=county, problem_count__gt=0).exists()
            assert Pairing.objects.filter(organisation=county).count() > 50
            # The demo member has households of their own to open on a phone.
            member = User.objects.get(username=f"{code}_member")
            assert member.person_id is not None
            assert Pairing.objects.filter(organisation=county, person_id=member.person_id).count() >= 2
            assert Need.objects.filter(organisation=county).exists()
            assert DemoSite.objects.filter(organisation=county).exists()
            names = set(Campaign.objects.filter(entries__organisation=county).values_list("name", flat=True))
            assert names == {"三送三帮", "百日会战"}
            assert Entry.objects.filter(organisation=county, status=EntryStatus.PENDING).exists()
        symposium = Entry.objects.filter(source="symposium")
        assert symposium.count() == 50 and symposium.values("household").distinct().count() == 50
        assert symposium.values("persons").distinct().count() == 27
        assert sum(e.money for e in symposium) == 1_100_000
        f = Filters(Organisation.objects.get(code="sys"))
        figures = assistance_figures(f)
        assert figures == live_figures(f)
        assert figures["participation_rate"] > 0.9 and figures["money_yuan"] > 1_000_000
        assert "共捐资" in paragraph(figures, f) and "委员参与率达" in paragraph(figures, f)

    def test_deterministic(self, demo: str, db: None) -> None:
        first, again = plan_demo(DEFAULT_SEED), plan_demo(DEFAULT_SEED)
        names = [s.person.name for c in first.committees for s in c.seats]
        assert names == [s.person.name for c in again.committees for s in c.seats]
        assert [s.person.id_number for c in first.committees for s in c.seats] == [
            s.person.id_number for c in again.committees for s in c.seats
        ]
        assert names != [s.person.name for c in plan_demo(DEFAULT_SEED + 1).committees for s in c.seats]
        # The database holds exactly the plan.
        for c in first.committees:
            in_db = list(
                Membership.objects.filter(organisation__code=c.spec.code)
                .order_by("code")
                .values_list("person__name", flat=True)
            )
            assert in_db == [s.person.name for s in sorted(c.seats, key=lambda s: s.code)]

    def test_one_login_per_role_per_committee(self, demo: str, db: None) -> None:
        for code in ("sys", *COUNTY_CODES):
            for suffix, role in (
                ("office", Role.OFFICE),
                ("leader", Role.LEADER),
                ("member", Role.MEMBER),
                ("unit", Role.UNIT),
            ):
                user = User.objects.get(username=f"{code}_{suffix}")
                assert user.role == role
                assert user.organisation is not None and user.organisation.code == code
            office = User.objects.get(username=f"{code}_office")
            assert office.can_view_personal_data
            member = User.objects.get(username=f"{code}_member")
            assert member.person is not None and member.person.memberships.filter(organisation__code=code).exists()
            unit = User.objects.get(username=f"{code}_unit")
            assert unit.handling_unit is not None and unit.handling_unit.organisation.code == code
        assert User.objects.filter(role__in=[Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR]).count() == 3

    def test_demo_logins_json_and_every_login_works(self, demo: str, db: None) -> None:
        logins = json.loads(_run("demo_logins", "--json"))
        assert len(logins) == 3 + 5 * 4
        assert {lg["role"] for lg in logins} == {r.value for r in Role if r.value}
        admins = [lg for lg in logins if lg["role"] in ("sysadmin", "secadmin", "auditor")]
        assert [lg["organisation"] for lg in admins] == [None, None, None]
        assert {lg["organisation"] for lg in logins} - {None} == {"sys", *COUNTY_CODES}
        for lg in logins:
            client = Client()
            assert client.login(username=lg["username"], password=lg["password"]), lg["username"]
            response = client.get("/")
            assert response.status_code == 200, lg["username"]
            assert User.objects.get(username=lg["username"]).display_name in response.content.decode()
        table = _run("demo_logins")
        assert "用户名" in table and "dcx_office" in table and "Lvzhi@2026" in table

    def test_readme_shows_the_real_logins(self, demo: str, db: None) -> None:
        readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
        assert _run("demo_logins", "--markdown").strip() in readme

    def test_if_empty_skips_and_plain_run_refuses(self, demo: str, db: None) -> None:
        assert "跳过" in _run("seed_demo", "--if-empty")
        with pytest.raises(CommandError, match="已有政协组织"):
            _run("seed_demo")
        assert Organisation.objects.count() == 5


def test_demo_logins_on_an_empty_database(db: None) -> None:
    assert json.loads(_run("demo_logins", "--json")) == []
    assert "seed_demo" in _run("demo_logins")
