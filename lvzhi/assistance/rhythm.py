"""The rhythm of 001 as scheduled reminders (sent by the daily `send_reminders`):

    每两周学习一次脱贫攻坚政策、每月研究布置一次“三送三帮”、每季度通报一次帮扶情况、
    每半年召开一次推进会、年终组织评先奖优；每周选播一名助推典型。

The rules are data (`RHYTHM`); each committee running an active campaign gets each reminder
on its due day, once (the notification key carries the day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from lvzhi.accounts.models import Role, User
from lvzhi.assistance.models import Campaign, Showcase
from lvzhi.organisations.models import Organisation


@dataclass(frozen=True)
class Beat:
    code: str
    title: str
    body: str
    due: Callable[[dt.date, dt.date], bool]  # (today, first campaign start) -> due today?
    url_name: str = "assistance_figures:page"


def _biweekly(today: dt.date, start: dt.date) -> bool:
    return today >= start and (today - start).days % 14 == 0


RHYTHM: tuple[Beat, ...] = (
    Beat("study", "脱贫攻坚政策学习（每两周一次）", "请组织委员学习脱贫攻坚政策。", _biweekly),
    Beat("plan", "研究布置助推工作（每月一次）", "请研究布置本月“三送三帮”等助推工作。", lambda t, s: t.day == 1),
    Beat(
        "bulletin",
        "季度帮扶情况通报",
        "上一季度已结束，请下载季度通报（Word）并通报各委员、各县（市、区）政协。",
        lambda t, s: t.day == 1 and t.month in (1, 4, 7, 10),
    ),
    Beat("meeting", "半年推进会", "请筹备召开助推行动推进会。", lambda t, s: t.day == 1 and t.month in (1, 7)),
    Beat(
        "awards",
        "年终评先奖优",
        "请根据助推统计中的委员排行确定评先奖优候选名单。",
        lambda t, s: t.month == 12 and t.day == 1,
    ),
    Beat("showcase", "选定本周助推典型", "本周尚未选定助推典型委员，请选定并撰写事迹。", lambda t, s: t.weekday() == 0),
)


def _running(org: Organisation, today: dt.date) -> list[Campaign]:
    """Active campaigns run in the committee: launched by it or above it, targeting it."""
    from lvzhi.assistance.actions import campaign_applies_to

    candidates = Campaign.objects.filter(
        organisation__path__in=org.chain_paths(), is_active=True, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    return [c for c in candidates.select_related("organisation") if campaign_applies_to(c, org)]


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def rhythm_reminders(today: dt.date, send: Callable[[list[User], str, str, str, str], int]) -> int:
    """Send the beats due today to the office clerks of each committee running a campaign;
    ``send(users, title, body, url, key)`` returns how many were notified."""
    sent = 0
    for org in Organisation.objects.order_by("path"):
        campaigns = _running(org, today)
        if not campaigns:
            continue
        clerks = list(User.objects.filter(role=Role.OFFICE, organisation=org, is_active=True))
        if not clerks:
            continue
        first_start = min(c.start_date for c in campaigns)
        names = "、".join(f"“{c.name}”" for c in campaigns)
        for beat in RHYTHM:
            if not beat.due(today, first_start):
                continue
            monday = today - dt.timedelta(days=today.weekday())
            if beat.code == "showcase" and Showcase.objects.filter(organisation=org, week=monday).exists():
                continue
            key = f"rhythm:{beat.code}:{org.pk}:{today.isoformat()}"
            sent += send(clerks, beat.title, f"{beat.body}（进行中的活动：{names}）", _url(beat.url_name), key)
    return sent
