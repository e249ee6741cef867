"""结对 on the household page: the office pairs a member and ends the pairing; the figures
follow; another county's clerk cannot; bad input changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Pairing
from lvzhi.assistance.testing import make_household
from lvzhi.households.tests.test_pages import client_for
from lvzhi.testing import World

pytestmark = pytest.mark.django_db


def test_office_pairs_and_ends_a_pairing(world: World) -> None:
    h = make_household(world.county, "P001", size=4)
    alice = client_for(world.alice)
    page = alice.get(reverse("households:detail", args=[h.pk])).content.decode()
    assert "王建国（东城县）" in page and "尚无委员结对" in page
    url = reverse("households:pair", args=[h.pk])
    response = alice.post(url, {"person": world.member.person_id, "started_on": "2018-03-01"}, follow=True)
    assert "王建国已与本户结对" in response.content.decode()
    assert assistance_figures(Filters(world.county))["households_paired"] == 1
    assert assistance_figures(Filters(world.county))["people_paired"] == 4

    again = alice.post(url, {"person": world.member.person_id}, follow=True).content.decode()
    assert "已与该户结对" in again and Pairing.objects.count() == 1
    future = alice.post(url, {"person": world.member.person_id, "started_on": "2999-01-01"}, follow=True)
    assert "不能晚于今天" in future.content.decode()
    stranger = alice.post(url, {"person": "999999"}, follow=True).content.decode()
    assert "请选择结对委员" in stranger and Pairing.objects.count() == 1

    pairing = Pairing.objects.get()
    assert client_for(world.charlie).post(url, {"end": pairing.pk}).status_code == 404
    alice.post(url, {"end": pairing.pk})
    pairing.refresh_from_db()
    assert pairing.ended_on is not None
    assert assistance_figures(Filters(world.county))["households_paired"] == 0
