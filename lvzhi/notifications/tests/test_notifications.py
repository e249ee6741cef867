"""The notifications page and the bell: notifications arrive after actions, newest first,
unread highlighted; opening one marks it read; each user sees only their own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lvzhi.notifications.models import Notification
from lvzhi.notifications.services import notify
from lvzhi.proposals import actions
from lvzhi.proposals.testing import ProposalWorld, build_proposal_world, submitted
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def bell(html: str) -> str:
    match = re.search(r'data-testid="notification-count">(\d+)<', html)
    assert match, "no bell"
    return match.group(1)


def test_notifications_follow_actions_and_are_marked_read(
    pw: ProposalWorld, django_capture_on_commit_callbacks: Any
) -> None:
    w = pw.world
    with django_capture_on_commit_callbacks(execute=True):
        p = submitted(pw, "关于第一件事的建议")
        p = actions.file_proposal(actor=w.alice, proposal=p, version=p.version)
        q = submitted(pw, "关于第二件事的建议")
        actions.file_proposal(actor=w.alice, proposal=q, version=q.version)
    mine = Notification.objects.filter(user=w.member_user)
    assert mine.count() == 2 and all("提案已立案" in n.title for n in mine)
    c = client_for("member")
    html = c.get("/notifications/").content.decode()
    assert bell(html) == "2"
    assert html.index("第0002号") < html.index("第0001号")  # newest first
    assert html.count('data-testid="notification-unread"') == 2 and "list-group-item-warning" in html
    assert "全部标为已读" in html

    first = mine.get(title__contains="第0001号")
    response = c.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == first.url == f"/proposals/{p.pk}/"
    first.refresh_from_db()
    assert first.read_at is not None
    html = c.get("/notifications/").content.decode()
    assert bell(html) == "1"
    assert html.count('data-testid="notification-unread"') == 1 and 'data-testid="notification-read"' in html

    response = c.post("/notifications/read-all/", follow=True)
    html = response.content.decode()
    assert "已将全部通知标为已读" in html and bell(html) == "0" and 'data-testid="notification-unread"' not in html
    assert not mine.filter(read_at__isnull=True).exists()


def test_the_office_bell_counts_new_proposals(pw: ProposalWorld, django_capture_on_commit_callbacks: Any) -> None:
    c = client_for("alice")
    assert bell(c.get("/").content.decode()) == "0"
    with django_capture_on_commit_callbacks(execute=True):
        submitted(pw)
    html = c.get("/").content.decode()
    assert bell(html) == "1"
    assert "新提案待审查" in c.get("/notifications/").content.decode()


def test_each_user_sees_only_their_own(
    pw: ProposalWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    w = pw.world
    with django_capture_on_commit_callbacks(execute=True):
        notify([w.member_user], "给王建国的通知", url="/proposals/")
    n = Notification.objects.get()
    other = client_for("charlie")
    assert "给王建国的通知" not in other.get("/notifications/").content.decode()
    assert other.post(f"/notifications/{n.pk}/read/").status_code == 404
    other.post("/notifications/read-all/")
    n.refresh_from_db()
    assert n.read_at is None
    assert client.get("/notifications/").status_code == 302  # anonymous: to the login page
    assert client.post(f"/notifications/{n.pk}/read/").status_code == 302
    assert client_for("member").get(f"/notifications/{n.pk}/read/").status_code == 405


def test_an_outside_link_is_not_followed(pw: ProposalWorld, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify([pw.world.member_user], "可疑链接", url="https://evil.example.com/")
    n = Notification.objects.get()
    response = client_for("member").post(f"/notifications/{n.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"


def test_the_bell_costs_one_count_query_and_nothing_for_anonymous(pw: ProposalWorld, client: Client) -> None:
    c = client_for("member")
    with CaptureQueriesContext(connection) as queries:
        html = c.get("/").content.decode()
    on_notifications = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(on_notifications) == 1 and "COUNT" in on_notifications[0].upper()
    assert bell(html) == "0"
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/accounts/login/").content.decode()
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert "notification-count" not in html
