"""charlie, clerk of another county, must see nothing of 东城县: 404, never a leak."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lvzhi.members.models import Membership
from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def test_it_scopes_county_clerk_to_own_county(world: World) -> None:
    assert set(Organisation.objects.visible_to(world.alice).values_list("code", flat=True)) == {"dcx"}
    assert set(Membership.objects.visible_to(world.alice).values_list("organisation__code", flat=True)) == {"dcx"}


def test_it_gives_city_clerk_the_city_and_its_counties(world: World) -> None:
    assert set(Organisation.objects.visible_to(world.carol).values_list("code", flat=True)) == {"sys", "dcx", "xsx"}
    assert Membership.objects.visible_to(world.carol).count() == 4


def test_it_shows_a_member_only_their_own_seats(world: World) -> None:
    seats = Membership.objects.visible_to(world.member_user)
    assert {m.person_id for m in seats} == {world.member.person_id}
    assert seats.count() == 2


def test_it_shows_a_unit_clerk_only_their_unit(world: World) -> None:
    assert list(HandlingUnit.objects.visible_to(world.unit_user)) == [world.unit]
    assert Membership.objects.visible_to(world.unit_user).count() == 0


def test_it_shows_administrators_no_member_data(world: World) -> None:
    for admin in (world.sysadmin, world.secadmin, world.auditor):
        assert Membership.objects.visible_to(admin).count() == 0


@pytest.mark.parametrize(
    "url",
    ["/members/{member}/", "/members/{member}/edit/", "/organisations/dcx/", "/organisations/units/{unit}/"],
)
def test_it_answers_404_to_another_county(world: World, url: str) -> None:
    c = client_for("charlie")
    response = c.get(url.format(member=world.member.pk, unit=world.unit.pk))
    assert response.status_code == 404
    assert "王建国" not in response.content.decode()


def test_it_answers_404_for_missing_and_hidden_alike(world: World) -> None:
    c = client_for("charlie")
    hidden = c.get(f"/members/{world.member.pk}/")
    missing = c.get("/members/999999/")
    assert hidden.status_code == missing.status_code == 404
    strip = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
    assert strip.sub(b"", hidden.content) == strip.sub(b"", missing.content)


def test_it_leaves_other_county_out_of_list_and_export(world: World) -> None:
    c = client_for("charlie")
    page = c.get("/members/?organisation=dcx").content.decode()
    assert "王建国" not in page and "没有符合条件的委员" in page
    export = c.get("/members/export/?organisation=dcx")
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # header only


def test_it_leaves_other_county_out_of_figures(world: World) -> None:
    c = client_for("charlie")
    assert c.get("/members/figures/?organisation=dcx").status_code == 404
