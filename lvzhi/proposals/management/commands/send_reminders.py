"""`manage.py send_reminders [--today DATE]`: the daily reminders of the proposals work and
the assistance action's working rhythm (lvzhi.assistance.rhythm).

- Deadline reminders to the clerks of handling units whose assignment (not yet replied) is
  due within ProposalSettings.deadline_reminder_days, or overdue.
- Rating reminders to proposers who have not rated a replied proposal rating_reminder_days
  after it was replied.

Each reminder carries a key with the day, so running the command twice a day sends each
reminder once (notify skips a key the user already got today)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts.models import Role, User
from lvzhi.assistance.rhythm import rhythm_reminders
from lvzhi.audit.context import command_context
from lvzhi.core.dates import DateError, parse_date
from lvzhi.notifications.models import Notification
from lvzhi.notifications.services import notify
from lvzhi.proposals.actions import proposer_persons, settings_for
from lvzhi.proposals.models import Assignment, AssignmentState, Proposal, ProposalSettings, Rating, State


def _send(users: Iterable[User], title: str, body: str, url: str, key: str) -> int:
    """Notify those who have not had this reminder today; return how many will get it."""
    today = timezone.localdate()
    fresh = [
        u
        for u in users
        if u.is_active and not Notification.objects.filter(user=u, key=key, created_at__date=today).exists()
    ]
    if fresh:
        notify(fresh, title, body, url, key=key)
    return len(fresh)


def deadline_reminders(today: dt.date) -> int:
    conf: dict[int, ProposalSettings] = {}
    sent = 0
    horizon = max([*ProposalSettings.objects.values_list("deadline_reminder_days", flat=True), 14])
    due = (
        Assignment.objects.filter(
            state__in=(AssignmentState.PENDING, AssignmentState.ACCEPTED),
            proposal__state=State.ASSIGNED,
            deadline__lte=today + dt.timedelta(days=horizon),
        )
        .select_related("proposal__organisation", "unit")
        .order_by("deadline", "id")
    )
    clerks: dict[int, list[User]] = {}
    for a in due:
        org = a.proposal.organisation
        if org.pk not in conf:
            conf[org.pk] = settings_for(org)
        days = (a.deadline - today).days
        if days > conf[org.pk].deadline_reminder_days:
            continue
        if a.unit_id not in clerks:
            clerks[a.unit_id] = list(User.objects.filter(role=Role.UNIT, handling_unit_id=a.unit_id, is_active=True))
        number = a.proposal.number or a.proposal.title
        if days < 0:
            title = f"提案办理已超期{-days}天：{number}"
        elif days == 0:
            title = f"提案办理今天到期：{number}"
        else:
            title = f"提案办理还剩{days}天到期：{number}"
        body = f"{a.proposal.title}（办理期限{a.deadline:%Y年%m月%d日}）"
        url = reverse("handling:assignment", args=[a.pk])
        sent += _send(clerks[a.unit_id], title, body, url, key=f"remind-deadline:{a.pk}:{today:%Y%m%d}")
    return sent


def rating_reminders(today: dt.date) -> int:
    sent = 0
    replied = (
        Proposal.objects.filter(state=State.REPLIED, replied_at__isnull=False)
        .select_related("organisation")
        .order_by("replied_at", "id")
    )
    conf: dict[int, ProposalSettings] = {}
    for p in replied:
        if p.organisation_id not in conf:
            conf[p.organisation_id] = settings_for(p.organisation)
        assert p.replied_at is not None
        if (today - timezone.localdate(p.replied_at)).days < conf[p.organisation_id].rating_reminder_days:
            continue
        rated = set(Rating.objects.filter(proposal=p, round=p.round).values_list("person_id", flat=True))
        for person in proposer_persons(p):
            if person.pk in rated:
                continue
            users = User.objects.filter(role=Role.MEMBER, person_id=person.pk, is_active=True)
            sent += _send(
                users,
                f"请对提案答复进行测评：{p.number}",
                p.title,
                reverse("proposals:detail", args=[p.pk]),
                key=f"remind-rating:{p.pk}:{person.pk}:{today:%Y%m%d}",
            )
    return sent


class Command(BaseCommand):
    help = "发送提案办理到期提醒和测评提醒（同一天重复运行不会重复发送）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按哪一天计算（默认今天），如 2026-03-01 或 2026年3月1日")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = parse_date(options.get("today")) or timezone.localdate()
        except DateError as exc:
            raise CommandError(f"--today：{exc}") from None
        with command_context("send_reminders"):
            deadlines = deadline_reminders(today)
            ratings = rating_reminders(today)
            rhythm = rhythm_reminders(today, _send)
        self.stdout.write(
            f"已发送提醒 {deadlines + ratings + rhythm} 条（办理到期提醒 {deadlines} 条，测评提醒 {ratings} 条，"
            f"助推行动工作节奏提醒 {rhythm} 条）"
        )
