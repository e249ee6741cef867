"""001's working rhythm as reminders: due beats reach the clerks of committees running a
campaign, once, and the weekly showcase reminder stops once the office has picked one."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from lvzhi.assistance import actions
from lvzhi.assistance.testing import campaign
from lvzhi.notifications.models import Notification
from lvzhi.testing import World

pytestmark = pytest.mark.django_db


def run(capture: Any, day: str) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("send_reminders", "--today", day, stdout=out)
    return out.getvalue()


def titles(user: Any) -> list[str]:
    return sorted(Notification.objects.filter(user=user, key__startswith="rhythm:").values_list("title", flat=True))


def test_due_beats_reach_the_running_committee_once(world: World, django_capture_on_commit_callbacks: Any) -> None:
    campaign(world.alice, world.county, start="2018-01-01")
    out = run(django_capture_on_commit_callbacks, "2018-10-01")  # a Monday, the first of a quarter
    assert "助推行动工作节奏提醒 3 条" in out
    assert titles(world.alice) == ["季度帮扶情况通报", "研究布置助推工作（每月一次）", "选定本周助推典型"]
    assert titles(world.charlie) == [] and titles(world.carol) == []
    run(django_capture_on_commit_callbacks, "2018-10-01")
    assert len(titles(world.alice)) == 3  # not twice

    # Two weeks after a fortnightly study day: study is due again; the showcase is picked.
    actions.pick_showcase(
        actor=world.alice,
        organisation=world.county,
        week=dt.date(2018, 10, 15),
        person=world.member.person,
        story="事迹",
    )
    out = run(django_capture_on_commit_callbacks, "2018-10-15")  # 287 days after the start: 14 x 20.5 → no
    assert "助推行动工作节奏提醒 0 条" in out
    out = run(django_capture_on_commit_callbacks, "2018-10-08")  # 280 = 14 x 20: study; Monday without a pick
    assert "助推行动工作节奏提醒 2 条" in out


def test_city_campaign_reaches_its_counties(world: World, django_capture_on_commit_callbacks: Any) -> None:
    campaign(world.carol, world.city, template="bairi-huizhan", start="2018-06-01")
    out = run(django_capture_on_commit_callbacks, "2018-07-01")  # Sunday: month, quarter, half-year
    assert "助推行动工作节奏提醒 9 条" in out  # city, dcx and xsx clerks: three beats each
    assert titles(world.charlie) == ["半年推进会", "季度帮扶情况通报", "研究布置助推工作（每月一次）"]
    out = run(django_capture_on_commit_callbacks, "2018-10-01")  # after the 100 days
    assert "助推行动工作节奏提醒 0 条" in out
