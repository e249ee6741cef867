"""`send_reminders`: deadline reminders to unit clerks and rating reminders to proposers,
each sent once a day however often the command runs."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lvzhi.notifications.models import Notification
from lvzhi.proposals import actions
from lvzhi.proposals.models import Assignment, Proposal, ProposalSettings
from lvzhi.proposals.testing import ProposalWorld, assigned, build_proposal_world, replied
from lvzhi.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def run(capture: Any, *args: str) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def due_in(pw: ProposalWorld, days: int, title: str, accept: bool = True) -> Assignment:
    a = assigned(pw, title=title).assignments.get()
    if accept:
        actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    Assignment.objects.filter(pk=a.pk).update(deadline=timezone.localdate() + dt.timedelta(days=days))
    return a


def test_deadline_reminders_go_to_the_unit_once_a_day(
    pw: ProposalWorld, django_capture_on_commit_callbacks: Any
) -> None:
    w = pw.world
    soon = due_in(pw, 10, "关于临期事项的建议")
    late = due_in(pw, -2, "关于超期事项的建议", accept=False)
    due_in(pw, 40, "关于宽裕事项的建议")
    answered = due_in(pw, 3, "关于已答复事项的建议")
    actions.submit_reply(actor=w.unit_user, assignment=answered, reply_class="A", content="已办")

    out = run(django_capture_on_commit_callbacks)
    assert "已发送提醒 2 条" in out and "办理到期提醒 2 条" in out
    mine = Notification.objects.filter(user=w.unit_user, key__startswith="remind-deadline:")
    assert mine.count() == 2
    assert mine.get(title__contains="超期").title == f"提案办理已超期2天：{late.proposal.number}"
    reminder = mine.get(title__contains="还剩")
    assert reminder.title == f"提案办理还剩10天到期：{soon.proposal.number}" and reminder.url == f"/handling/{soon.pk}/"
    assert not Notification.objects.filter(user=pw.edu_user, key__startswith="remind-").exists()

    out = run(django_capture_on_commit_callbacks)  # twice the same day: nothing new
    assert "已发送提醒 0 条" in out and mine.count() == 2

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    out = run(django_capture_on_commit_callbacks, "--today", tomorrow)
    assert "办理到期提醒 2 条" in out and mine.count() == 4
    run(django_capture_on_commit_callbacks, "--today", tomorrow)
    assert mine.count() == 4


def test_the_reminder_window_is_configurable(pw: ProposalWorld, django_capture_on_commit_callbacks: Any) -> None:
    due_in(pw, 20, "关于二十天后到期事项的建议")
    assert "已发送提醒 0 条" in run(django_capture_on_commit_callbacks)
    ProposalSettings.objects.filter(organisation=pw.world.county).update(deadline_reminder_days=30)
    assert "办理到期提醒 1 条" in run(django_capture_on_commit_callbacks)


def test_rating_reminders_go_to_proposers_who_have_not_rated(
    pw: ProposalWorld, django_capture_on_commit_callbacks: Any
) -> None:
    w = pw.world
    p = replied(pw)
    assert "测评提醒 0 条" in run(django_capture_on_commit_callbacks)  # just replied
    Proposal.objects.filter(pk=p.pk).update(replied_at=timezone.now() - dt.timedelta(days=16))
    out = run(django_capture_on_commit_callbacks)
    assert "测评提醒 1 条" in out
    reminder = Notification.objects.get(user=w.member_user, key__startswith="remind-rating:")
    assert reminder.title == f"请对提案答复进行测评：{p.number}" and reminder.url == f"/proposals/{p.pk}/"
    assert "测评提醒 0 条" in run(django_capture_on_commit_callbacks)  # once a day
    in_a_week = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert "测评提醒 1 条" in run(django_capture_on_commit_callbacks, "--today", in_a_week)
    actions.rate(actor=w.member_user, proposal=p, process="satisfied", result="satisfied")
    in_two_weeks = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    assert "测评提醒 0 条" in run(django_capture_on_commit_callbacks, "--today", in_two_weeks)


def test_a_bad_date_is_refused_in_chinese() -> None:
    with pytest.raises(CommandError, match="无法识别的日期"):
        call_command("send_reminders", "--today", "明天")
