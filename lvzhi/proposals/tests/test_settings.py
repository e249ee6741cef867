"""提案工作设置: configurable per committee, by its own office only, validated and audited."""

from __future__ import annotations

import pytest
from django.test import Client

from lvzhi.audit.models import AuditEntry
from lvzhi.proposals import actions
from lvzhi.proposals.testing import ProposalWorld, build_proposal_world, filed
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def form(**changes: str) -> dict[str, str]:
    data = {
        "number_format": "{year}年第{seq:03d}号",
        "current_session": "2",
        "deadline_months": "2",
        "objection_days": "5",
        "rating_reminder_days": "10",
        "deadline_reminder_days": "7",
        "categories": "经济\n社会\n其他",
        "not_filed_reasons": "内容空泛，无具体建议\n属于个人或家庭事务",
        "reply_classes": "甲|已解决|是\n乙|正在解决|是\n丙|留作参考|否",
    }
    data.update(changes)
    return data


def test_it_applies_the_committee_settings_to_the_next_proposal(pw: ProposalWorld) -> None:
    c = client_for("alice")
    assert "第{term}届" in c.get("/proposals/settings/").content.decode()
    assert c.post("/proposals/settings/", form()).status_code == 302
    p = filed(pw)
    assert p.number.endswith("年第001号") and p.session == 2
    conf = actions.settings_for(pw.world.county)
    assert conf.class_label("甲") == "甲类（已解决）" and conf.solved_codes() == {"甲", "乙"}
    entry = AuditEntry.objects.get(action="proposal_settings.update")
    assert entry.actor_name == "alice" and entry.changes["after"]["objection_days"] == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number_format", "第{term}届", "须包含{seq}"),
        ("number_format", "第{nope}号{seq}", "须包含{seq}"),
        ("deadline_months", "0", "1到12"),
        ("objection_days", "七", "1到30"),
        ("categories", "经济\n经济", "不能为空或重复"),
        ("reply_classes", "A|已解决", "代码|说明"),
        ("reply_classes", "A|已解决|是\nA|又一个|否", "代码不能重复"),
    ],
)
def test_it_refuses_bad_settings_and_saves_nothing(pw: ProposalWorld, field: str, value: str, message: str) -> None:
    response = client_for("alice").post("/proposals/settings/", form(**{field: value}))
    assert response.status_code == 400 and message in response.content.decode()
    assert actions.settings_for(pw.world.county).deadline_months == 3


def test_it_lets_only_the_committees_own_office_change_them(pw: ProposalWorld) -> None:
    assert client_for("leader").post("/proposals/settings/", form()).status_code == 403
    assert client_for("member").get("/proposals/settings/").status_code == 403  # sees the committee, may not edit
    assert client_for("unit").get("/proposals/settings/").status_code == 403
    # charlie edits 西山县's settings, never 东城县's.
    assert client_for("charlie").post("/proposals/settings/", form(objection_days="9")).status_code == 302
    assert actions.settings_for(pw.world.county).objection_days == 7
    assert actions.settings_for(pw.world.other_county).objection_days == 9
