"""The public page: published proposals and approved replies, without login and without
contact data; unpublished and confidential proposals are 404."""

from __future__ import annotations

import pytest
from django.test import Client

from lvzhi.proposals import actions
from lvzhi.proposals.models import Proposal
from lvzhi.proposals.testing import ProposalWorld, assigned, build_proposal_world, replied
from lvzhi.proposals.views_public import redact
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

MOBILE = "13800001234"


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def published(pw: ProposalWorld, title: str = "关于改善县城停车难的建议", reply_class: str = "B") -> Proposal:
    p = replied(pw, reply_class, title=title)
    return actions.publish(actor=pw.world.alice, proposal=p, version=p.version)


def test_the_public_detail_shows_the_reply_and_names_only(pw: ProposalWorld, client: Client) -> None:
    p = published(pw)
    person = pw.world.member.person
    assert person.mobile == MOBILE
    response = client.get(f"/public/proposals/{p.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        p.title,
        p.number,
        "王建国",
        "社会",
        "东城县发展和改革局",
        "已列入计划。",
        "B类（正在解决或列入计划逐步解决）",
    ):
        assert text in html, text
    assert p.published_at is not None and f"{p.published_at:%Y}" in html
    assert MOBILE not in html and person.id_number not in html and person.id_number[:6] not in html
    # No logged-in navigation on the public page.
    assert 'data-testid="whoami"' not in html and "退出" not in html and "/accounts/logout/" not in html
    # A logged-in visitor sees the same public page, still without the navigation.
    member = Client()
    assert member.login(username="member", password=PASSWORD)
    html = member.get(f"/public/proposals/{p.pk}/").content.decode()
    assert "已列入计划。" in html and 'data-testid="whoami"' not in html and "notification-count" not in html


def test_unpublished_and_confidential_proposals_are_404(pw: ProposalWorld, client: Client) -> None:
    not_yet = replied(pw, title="关于尚未公开事项的建议")
    in_handling = assigned(pw, title="关于办理中事项的建议")
    secret = published(pw, title="关于涉密事项的建议")
    Proposal.objects.filter(pk=secret.pk).update(is_confidential=True)
    for p in (not_yet, in_handling, secret):
        assert client.get(f"/public/proposals/{p.pk}/").status_code == 404
    assert client.get("/public/proposals/999999/").status_code == 404
    html = client.get("/public/").content.decode()
    assert "关于尚未公开事项的建议" not in html and "关于涉密事项的建议" not in html


def test_only_approved_replies_of_the_latest_round_are_public(pw: ProposalWorld, client: Client) -> None:
    w = pw.world
    p = published(pw, reply_class="C")
    actions.rate(actor=w.member_user, proposal=p, process="basic", result="unsatisfied", comment="没有措施")
    a = p.assignments.get()
    second = actions.submit_reply(
        actor=w.unit_user, assignment=a, reply_class="A", content="第二轮答复：已安排资金，联系电话13912345678"
    )
    html = client.get(f"/public/proposals/{p.pk}/").content.decode()
    assert "已列入计划。" in html and "第二轮答复" not in html  # the second reply is not yet approved
    actions.review_reply(actor=w.alice, reply=second, approve=True)
    html = client.get(f"/public/proposals/{p.pk}/").content.decode()
    assert "第二轮答复：已安排资金" in html and "已列入计划。" not in html
    assert "13912345678" not in html and "A类（已经解决或基本解决（采纳））" in html


def test_the_public_list_filters_by_committee_year_and_search(pw: ProposalWorld, client: Client) -> None:
    first = published(pw, title="关于改善县城停车难的建议")
    second = published(pw, title="关于加强校园周边交通安全的建议")
    replied(pw, title="关于尚未公开事项的建议")
    html = client.get("/public/").content.decode()
    assert first.title in html and second.title in html and "关于尚未公开事项的建议" not in html
    assert "东城县政协" in html and MOBILE not in html and 'data-testid="whoami"' not in html
    html = client.get("/public/", {"q": "停车"}).content.decode()
    assert first.title in html and second.title not in html
    html = client.get("/public/", {"q": second.number}).content.decode()
    assert second.title in html and first.title not in html
    html = client.get("/public/", {"organisation": "dcx", "year": str(first.year)}).content.decode()
    assert first.title in html and second.title in html
    html = client.get("/public/", {"organisation": "xsx"}).content.decode()
    assert first.title not in html and "暂无公开的提案" in html
    html = client.get("/public/", {"year": str(first.year - 1)}).content.decode()
    assert first.title not in html


def test_redact_masks_phone_and_id_numbers() -> None:
    text = "联系人张三，手机138 0000 1234，座机0871-6123456，身份证530325197001010019。共3000万元，2026年完成。"
    masked = redact(text)
    for secret in ("138 0000 1234", "0871-6123456", "530325197001010019"):
        assert secret not in masked
    assert "共3000万元，2026年完成。" in masked and "联系人张三" in masked
