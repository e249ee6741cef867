"""A handling unit's clerk on a phone: accept an assignment, record 面商, reply with the signed
letter; the office approves; the member sees the reply and rates it 不满意, which sends it
back to the unit for a second round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import login, screenshot
from lvzhi.proposals import actions
from lvzhi.proposals.models import AssignmentState, Proposal, Reply, State
from lvzhi.proposals.testing import assigned, build_proposal_world
from lvzhi.testing import World

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_unit_clerk_handles_a_proposal_on_a_phone(
    phone_page: Any, browser_world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    pw = build_proposal_world(browser_world)
    w = pw.world
    p = assigned(pw)
    a = p.assignments.get()
    page = phone_page

    login(page, "unit")
    page.goto(page.base_url + "/handling/")
    pending = page.locator("[data-testid=section-pending]")
    assert p.title in pending.inner_text() and "单办" in pending.inner_text()
    page.click(f"[data-testid=assignment-{a.pk}]")
    page.wait_for_url(f"**/handling/{a.pk}/")
    assert "王建国" in page.locator("[data-testid=proposers]").inner_text()

    page.click("[data-testid=accept]")
    page.wait_for_selector("text=已签收")
    assert page.locator("[data-testid=assignment-state]").inner_text() == "办理中"

    form = page.locator("[data-testid=form-f2f]")
    form.locator("select[name=mode]").select_option("phone")
    form.locator("input[name=participants]").fill("王建国、李办")
    form.locator("textarea[name=note]").fill("电话沟通办理思路")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已记录面商情况")
    assert "电话沟通办理思路" in page.locator("[data-testid=consultations]").inner_text()

    letter = tmp_path / "答复函.pdf"
    letter.write_bytes(PDF)
    reply_form = page.locator("[data-testid=form-reply]")
    reply_form.locator("select[name=reply_class]").select_option("B")
    reply_form.locator("textarea[name=content]").fill("已将农村饮水安全工程列入明年计划，分两批实施。")
    page.set_input_files("#reply-letter", str(letter))
    screenshot(page, "unit-reply-phone")
    page.click("[data-testid=submit-reply]")
    page.wait_for_selector("text=答复已提交，等待提案委员会审核")
    reply = Reply.objects.get(assignment=a)
    assert reply.reply_class == "B" and reply.letter.name.endswith(".pdf")
    with reply.letter.open("rb") as f:
        assert f.read() == PDF

    # The office approves the reply (its own page is another's test).
    actions.review_reply(actor=w.alice, reply=reply, approve=True)
    p.refresh_from_db()
    assert p.state == State.REPLIED

    # The member is notified, opens the proposal, sees the reply and rates it 不满意.
    page.context.clear_cookies()
    login(page, "member")
    assert int(page.locator("[data-testid=notification-count]").inner_text()) >= 1
    page.goto(page.base_url + "/notifications/")
    page.locator("[data-testid=notification-unread]", has_text="请测评").locator("button").click()
    page.wait_for_url(f"**/proposals/{p.pk}/")
    assert "已将农村饮水安全工程列入明年计划" in page.content()
    rating = page.locator("[data-testid=rating-form]")
    rating.locator("input[name=process][value=basic]").check()
    rating.locator("input[name=result][value=unsatisfied]").check()
    rating.locator("textarea[name=comment]").fill("只有计划，没有资金安排")
    screenshot(page, "member-rating-phone")
    rating.locator("[data-testid=rate]").click()
    page.wait_for_load_state()
    p = Proposal.objects.get(pk=p.pk)
    assert p.state == State.ASSIGNED and p.round == 2
    assert p.assignments.get().state == AssignmentState.ACCEPTED

    # Back to the unit: the proposal is in 办理中 again, in its second round.
    page.context.clear_cookies()
    login(page, "unit")
    page.goto(page.base_url + "/handling/")
    accepted = page.locator("[data-testid=section-accepted]").inner_text()
    screenshot(page, "unit-inbox-phone")
    assert p.title in accepted and "第2轮" in accepted
    page.click(f"[data-testid=assignment-{a.pk}]")
    assert "只有计划，没有资金安排" in page.locator("[data-testid=previous-ratings]").inner_text()
    assert page.locator("[data-testid=form-reply]").is_visible()
    screenshot(page, "unit-second-round-phone")
