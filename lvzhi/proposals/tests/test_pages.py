"""The proposal pages of members and the proposals office through Django's test client:
every action, its refusals in Chinese, conflicts, scoping (404) and the list export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.members.models import Person
from lvzhi.opinions.models import PublicOpinion
from lvzhi.proposals import actions
from lvzhi.proposals.exports import HEADERS
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    ExtensionRequest,
    Proposal,
    Reply,
    SignerStatus,
    State,
    UnitRole,
)
from lvzhi.proposals.testing import DRAFT, ProposalWorld, assigned, build_proposal_world, filed, replied, submitted
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def act(c: Client, p: Proposal, action: str, **data: Any) -> Any:
    p.refresh_from_db()
    data.setdefault("version", p.version)
    return c.post(f"/proposals/{p.pk}/act/{action}/", data)


def text(response: Any) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------------------
# member: draft, similar, co-signers, submit, withdraw, rate


def test_the_member_drafts_and_submits_through_the_form(pw: ProposalWorld) -> None:
    c = client_for("member")
    page = text(c.get("/proposals/new/"))
    assert "案由" in page and "生态文明" in page and 'hx-get="/proposals/similar/"' in page
    assert 'hx-trigger="keyup changed delay:500ms"' in page
    response = c.post("/proposals/new/", {**DRAFT, "then": "submit"})
    p = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/"
    assert p.state == State.SUBMITTED and p.proposer_names == "王建国"
    detail = text(c.get(f"/proposals/{p.pk}/"))
    assert 'data-testid="timeline"' in detail and "起草" in detail and "草稿 → 待审查" in detail


def test_an_empty_title_is_refused_and_nothing_is_saved(pw: ProposalWorld) -> None:
    c = client_for("member")
    response = c.post("/proposals/new/", {**DRAFT, "title": "  ", "then": "save"})
    assert response.status_code == 400 and "案由不能为空" in text(response)
    assert not Proposal.objects.exists()
    response = c.post("/proposals/new/", {**DRAFT, "category": "体育"})
    assert response.status_code == 400 and not Proposal.objects.exists()


def test_the_office_drafts_a_body_proposal(pw: ProposalWorld) -> None:
    c = client_for("alice")
    page = text(c.get("/proposals/new/"))
    assert 'name="body_name"' in page
    response = c.post("/proposals/new/", {**DRAFT, "body_type": "party", "body_name": "", "then": "save"})
    assert response.status_code == 400 and "集体提案须写明提案集体" in text(response)
    response = c.post("/proposals/new/", {**DRAFT, "body_type": "party", "body_name": "民盟东城县委", "then": "submit"})
    p = Proposal.objects.get()
    assert response.status_code == 302 and p.state == State.SUBMITTED and p.proposer_names == "民盟东城县委"
    assert client_for("leader").get("/proposals/new/").status_code == 404


def test_submitting_an_incomplete_draft_keeps_it_and_says_what_is_missing(pw: ProposalWorld) -> None:
    c = client_for("member")
    response = c.post("/proposals/new/", {"title": "关于某事的建议", "kind": "routine", "then": "submit"}, follow=True)
    p = Proposal.objects.get()
    assert p.state == State.DRAFT
    assert "提交前请填写：情况分析、具体建议、类别" in text(response)
    response = act(c, p, "submit")
    assert response.status_code == 400 and "提交前请填写" in text(response)


def test_the_member_edits_a_draft_and_a_stale_edit_is_a_conflict(pw: ProposalWorld) -> None:
    c = client_for("member")
    p = actions.create_draft(actor=pw.world.member_user, organisation=pw.world.county, data=DRAFT)
    stale = p.version
    response = c.post(f"/proposals/{p.pk}/edit/", {**DRAFT, "title": "关于新标题的建议", "version": stale})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.title == "关于新标题的建议"
    response = c.post(f"/proposals/{p.pk}/edit/", {**DRAFT, "title": "旧页面的标题", "version": stale})
    assert response.status_code == 409 and "已被他人处理" in text(response)
    p.refresh_from_db()
    assert p.title == "关于新标题的建议"


def test_the_similar_panel_shows_a_near_duplicate_with_its_score(pw: ProposalWorld) -> None:
    existing = submitted(pw, "关于加快农村饮水安全工程建设的建议", author=pw.ding)
    c = client_for("member")
    response = c.get("/proposals/similar/", {"title": "关于农村饮水安全工程建设的建议", "organisation": "dcx"})
    page = text(response)
    assert response.status_code == 200 and existing.title in page and "%" in page
    assert 'data-testid="similar-close"' in page
    assert text(c.get("/proposals/similar/", {"title": "关于发展乡村旅游的建议", "organisation": "dcx"})).strip() == ""
    # charlie's committee is another one: nothing of 东城县 in his panel, and dcx is out of his scope
    charlie = client_for("charlie")
    assert charlie.get("/proposals/similar/", {"title": existing.title, "organisation": "dcx"}).status_code == 404


def test_the_member_invites_a_co_signer_found_by_pinyin_initials(pw: ProposalWorld) -> None:
    c = client_for("member")
    p = actions.create_draft(actor=pw.world.member_user, organisation=pw.world.county, data=DRAFT)
    found = text(c.get(f"/proposals/{p.pk}/cosigners/", {"q": "dy"}))
    assert "丁一" in found and "中共界" in found
    assert "13800001234" not in found and "530325" not in found
    assert "丁一" in text(c.get(f"/proposals/{p.pk}/cosigners/", {"q": "丁"}))
    assert "王建国" not in text(c.get(f"/proposals/{p.pk}/cosigners/", {"q": "wjg"}))  # already a signer
    ding = Person.objects.get(name="丁一")
    assert act(c, p, "invite").status_code == 400
    response = act(c, p, "invite", persons=[ding.pk])
    assert response.status_code == 302
    signer = p.signers.get(person=ding)
    assert signer.status == SignerStatus.INVITED
    # the invitee sees the invitation in the inbox and confirms
    d = client_for("ding")
    inbox = text(d.get("/proposals/mine/"))
    assert "联名邀请" in inbox and p.title in inbox
    assert p.title not in inbox.split('data-testid="my-proposals"')[1]  # not his until he confirms
    response = d.post(f"/proposals/{p.pk}/act/confirm/", {"next": "/proposals/mine/"})
    assert response.status_code == 302 and response["Location"] == "/proposals/mine/"
    signer.refresh_from_db()
    assert signer.status == SignerStatus.CONFIRMED
    assert p.title in text(d.get("/proposals/mine/")).split('data-testid="my-proposals"')[1]
    assert "丁一" in text(c.get(f"/proposals/{p.pk}/"))
    # a non-author cannot search co-signers
    assert d.get(f"/proposals/{p.pk}/cosigners/", {"q": "w"}).status_code == 404


def test_invited_co_signers_are_shown_to_the_first_proposer_only(pw: ProposalWorld) -> None:
    p = actions.create_draft(actor=pw.world.member_user, organisation=pw.world.county, data=DRAFT)
    ding_person = pw.ding.person
    assert ding_person is not None
    actions.invite_cosigners(actor=pw.world.member_user, proposal=p, persons=[ding_person])
    p = actions.submit(actor=pw.world.member_user, proposal=p, version=Proposal.objects.get(pk=p.pk).version)
    first = text(client_for("member").get(f"/proposals/{p.pk}/"))
    assert "丁一" in first and "待确认" in first
    office = text(client_for("alice").get(f"/proposals/{p.pk}/"))
    signers = office.split('data-testid="signers"')[1].split("</ul>")[0]
    assert "丁一" not in signers and "王建国" in signers


def test_the_member_withdraws_before_review(pw: ProposalWorld) -> None:
    p = submitted(pw)
    c = client_for("member")
    assert "撤案" in text(c.get(f"/proposals/{p.pk}/"))
    assert act(c, p, "withdraw").status_code == 302
    p.refresh_from_db()
    assert p.state == State.WITHDRAWN
    response = act(c, p, "withdraw")
    assert response.status_code == 400 and "不能撤案" in text(response)


def test_the_member_inbox_lists_own_proposals_and_ratings_due(pw: ProposalWorld) -> None:
    p = replied(pw)
    draft = actions.create_draft(
        actor=pw.world.member_user, organisation=pw.world.county, data={**DRAFT, "title": "另一件草稿"}
    )
    page = text(client_for("member").get("/proposals/mine/"))
    assert p.number in page and "已答复待测评" in page and draft.title in page and "草稿" in page
    assert "待测评的答复" in page and f"/proposals/{p.pk}/#rating" in page
    assert "提交 0 天" in page


def test_the_member_rates_and_an_unsatisfied_rating_needs_a_comment(pw: ProposalWorld) -> None:
    p = replied(pw)
    c = client_for("member")
    page = text(c.get(f"/proposals/{p.pk}/"))
    assert 'data-testid="rating-form"' in page and "A类（已经解决或基本解决（采纳））" in page
    response = c.post(f"/proposals/{p.pk}/act/rate/", {"process": "satisfied", "result": "unsatisfied"})
    assert response.status_code == 400 and "选择不满意时请写明意见" in text(response)
    response = c.post(f"/proposals/{p.pk}/act/rate/", {"process": "satisfied", "result": "basic", "comment": "好"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == State.CLOSED
    page = text(c.get(f"/proposals/{p.pk}/"))
    assert 'data-testid="rating-form"' not in page and "基本满意" in page


def test_unsatisfied_sends_it_back_for_a_second_round(pw: ProposalWorld) -> None:
    p = replied(pw)
    c = client_for("member")
    response = c.post(
        f"/proposals/{p.pk}/act/rate/", {"process": "basic", "result": "unsatisfied", "comment": "没有落实"}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == State.ASSIGNED and p.round == 2
    assert "第2轮办理" in text(c.get(f"/proposals/{p.pk}/"))


# ---------------------------------------------------------------------------------------
# office: review, assignment, replies, extensions, key, publish


def test_the_office_inbox_counts_each_tab(pw: ProposalWorld) -> None:
    submitted(pw, "关于甲的建议")
    submitted(pw, "关于乙的建议")
    filed(pw, "关于丙的建议")
    c = client_for("alice")
    page = text(c.get("/proposals/office/"))
    assert 'data-testid="tab-submitted"' in page
    tabs = page.split('data-testid="inbox-tabs"')[1].split("</ul>")[0]
    assert '待审查 <span class="badge text-bg-danger">2</span>' in tabs
    assert '待交办 <span class="badge text-bg-danger">1</span>' in tabs
    assert "关于甲的建议" in page
    assert "关于丙的建议" in text(c.get("/proposals/office/?tab=filed"))
    assert client_for("member").get("/proposals/office/").status_code == 404


def test_the_office_files_with_a_category_correction(pw: ProposalWorld) -> None:
    p = submitted(pw)
    c = client_for("alice")
    page = text(c.get(f"/proposals/{p.pk}/"))
    assert 'data-testid="office-actions"' in page and 'name="version"' in page
    response = act(c, p, "file", category="经济")
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == State.FILED and p.category == "经济" and p.number == "第16届第1次会议第0001号"
    p2 = submitted(pw, "关于乙的建议")
    response = act(c, p2, "file", category="体育")
    assert response.status_code == 400 and "类别应为" in text(response)


def test_not_filed_needs_a_standard_reason_and_converts_to_public_opinion(pw: ProposalWorld) -> None:
    p = submitted(pw)
    c = client_for("alice")
    response = act(c, p, "not_file", reason="我不喜欢", convert_to="public_opinion")
    assert response.status_code == 400 and "请选择不予立案的理由" in text(response)
    p.refresh_from_db()
    assert p.state == State.SUBMITTED
    response = act(c, p, "not_file", reason="内容空泛，无具体建议", convert_to="public_opinion")
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == State.NOT_FILED and PublicOpinion.objects.filter(source_proposal=p).exists()
    assert "内容空泛，无具体建议" in text(c.get(f"/proposals/{p.pk}/"))


def test_merge_by_search_within_the_committee(pw: ProposalWorld) -> None:
    main = filed(pw, "关于改善农村饮水安全的建议")
    other = submitted(pw, "关于农村饮水安全工程的建议", author=pw.ding)
    c = client_for("alice")
    page = text(c.get(f"/proposals/{other.pk}/"))
    assert 'data-testid="merge-form"' in page and main.title in page  # suggested as similar
    found = text(c.get(f"/proposals/{other.pk}/merge-targets/", {"q": main.number}))
    assert main.title in found and f'value="{main.pk}"' in found
    response = act(c, other, "merge")
    assert response.status_code == 400 and "请选择要并入的提案" in text(response)
    assert act(c, other, "merge", into=main.pk).status_code == 302
    other.refresh_from_db()
    assert other.state == State.MERGED and other.merged_into == main
    # the merged proposal's proposer can open the target (he will rate its reply)
    assert client_for("ding").get(f"/proposals/{main.pk}/").status_code == 200


def test_return_for_revision_needs_a_note(pw: ProposalWorld) -> None:
    p = submitted(pw)
    c = client_for("alice")
    response = act(c, p, "return", note="")
    assert response.status_code == 400 and "请写明退回修改的意见" in text(response)
    assert act(c, p, "return", note="请补充数据").status_code == 302
    p.refresh_from_db()
    assert p.state == State.RETURNED
    member = client_for("member")
    assert 'data-testid="edit"' in text(member.get(f"/proposals/{p.pk}/"))
    assert member.get(f"/proposals/{p.pk}/edit/").status_code == 200


def test_assignment_refuses_bad_input_and_assigns(pw: ProposalWorld) -> None:
    p = filed(pw)
    c = client_for("alice")
    response = act(c, p, "assign", mode="single")
    assert response.status_code == 400 and "请选择承办单位" in text(response)
    response = act(c, p, "assign", mode="joint", units=[pw.world.unit.pk, pw.edu.pk])
    assert response.status_code == 400 and "会办须从所选单位中指定一个主办单位" in text(response)
    response = act(c, p, "assign", mode="single", units=[pw.world.unit.pk, pw.edu.pk])
    assert response.status_code == 400 and "单办只能交给一个承办单位" in text(response)
    response = act(c, p, "assign", mode="single", units=[pw.world.unit.pk], deadline="2001-01-01")
    assert response.status_code == 400 and "办理期限应晚于今天" in text(response)
    p.refresh_from_db()
    assert p.state == State.FILED and not p.assignments.exists()
    response = act(c, p, "assign", mode="joint", units=[pw.world.unit.pk, pw.edu.pk], lead=pw.edu.pk)
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == State.ASSIGNED
    assert p.assignments.get(role=UnitRole.LEAD).unit == pw.edu
    page = text(c.get(f"/proposals/{p.pk}/"))
    assert "东城县教育局" in page and "剩 " in page


def test_a_unit_of_another_committee_cannot_be_assigned(pw: ProposalWorld) -> None:
    p = filed(pw)
    foreign = pw.world.other_county.handling_units.get()
    response = act(client_for("alice"), p, "assign", mode="single", units=[foreign.pk])
    assert response.status_code == 400 and "不是本级政协的承办单位" in text(response)


def test_the_office_reassigns_an_objected_assignment(pw: ProposalWorld) -> None:
    p = assigned(pw)
    a = p.assignments.get()
    actions.object_assignment(actor=pw.world.unit_user, assignment=a, reason="不属于本单位职责")
    c = client_for("alice")
    page = text(c.get("/proposals/office/?tab=objected"))
    assert "不属于本单位职责" in page
    response = act(c, p, "reassign", cancel=[a.pk], add=[pw.edu.pk], mode="single")
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == AssignmentState.CANCELLED
    assert p.assignments.exclude(state=AssignmentState.CANCELLED).get().unit == pw.edu
    response = act(c, p, "reassign", mode="single")
    assert response.status_code == 400 and "请选择要取消或新增的承办单位" in text(response)


def test_reply_review_approves_with_a_class_correction_or_returns(
    pw: ProposalWorld, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    p = assigned(pw)
    a = p.assignments.get()
    actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    letter = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    reply = actions.submit_reply(actor=pw.world.unit_user, assignment=a, reply_class="A", content="已办", letter=letter)
    c = client_for("alice")
    assert "1 件答复待审核" in text(c.get(f"/proposals/{p.pk}/"))
    assert "东城县发展和改革局" in text(c.get("/proposals/office/?tab=replies"))
    response = act(c, p, "review_reply", reply=reply.pk, decision="return", note="")
    assert response.status_code == 400 and "退回答复须写明理由" in text(response)
    # the letter is served through a scoped view
    response = c.get(f"/proposals/letters/{reply.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 letter"  # type: ignore[attr-defined]
    assert client_for("member").get(f"/proposals/letters/{reply.pk}/").status_code == 404  # not approved yet
    assert act(c, p, "review_reply", reply=reply.pk, decision="approve", reply_class="B").status_code == 302
    reply.refresh_from_db()
    p.refresh_from_db()
    assert reply.reply_class == "B" and p.state == State.REPLIED
    page = text(client_for("member").get(f"/proposals/{p.pk}/"))
    assert "B类（正在解决或列入计划逐步解决）" in page and f"/proposals/letters/{reply.pk}/" in page
    assert client_for("member").get(f"/proposals/letters/{reply.pk}/").status_code == 200
    assert client_for("charlie").get(f"/proposals/letters/{reply.pk}/").status_code == 404


def test_a_returned_reply_goes_back_to_the_unit(pw: ProposalWorld) -> None:
    p = assigned(pw)
    a = p.assignments.get()
    actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    reply = actions.submit_reply(actor=pw.world.unit_user, assignment=a, reply_class="C", content="留作参考")
    assert "留作参考" not in text(client_for("member").get(f"/proposals/{p.pk}/"))  # not reviewed yet
    response = act(client_for("alice"), p, "review_reply", reply=reply.pk, decision="return", note="请补充措施")
    assert response.status_code == 302
    reply.refresh_from_db()
    a.refresh_from_db()
    assert reply.state == "returned" and a.state == AssignmentState.ACCEPTED


def test_the_office_decides_an_extension(pw: ProposalWorld) -> None:
    p = assigned(pw)
    a = p.assignments.get()
    new_deadline = a.deadline + dt.timedelta(days=30)
    ext = actions.request_extension(actor=pw.world.unit_user, assignment=a, new_deadline=new_deadline, reason="需调研")
    c = client_for("alice")
    assert "需调研" in text(c.get("/proposals/office/?tab=extensions"))
    assert act(c, p, "extension", extension=ext.pk, decision="approve").status_code == 302
    a.refresh_from_db()
    ext.refresh_from_db()
    assert a.deadline == new_deadline and ext.state == "approved"
    response = act(c, p, "extension", extension=ext.pk, decision="approve")
    assert response.status_code == 400 and "该延期申请已审批" in text(response)


def test_overdue_assignments_are_in_the_office_inbox_and_list(pw: ProposalWorld) -> None:
    p = assigned(pw)
    Assignment.objects.filter(proposal=p).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    c = client_for("alice")
    page = text(c.get("/proposals/office/?tab=overdue"))
    assert p.title in page and "3 天" in page
    assert p.title in text(c.get("/proposals/list/?overdue=1"))
    assert "逾期 3 天" in text(c.get(f"/proposals/{p.pk}/"))
    fresh = assigned(pw, title="关于乙的建议")
    assert fresh.title not in text(c.get("/proposals/list/?overdue=1"))


def test_key_excellent_and_publish(pw: ProposalWorld) -> None:
    p = filed(pw)
    c = client_for("alice")
    response = act(c, p, "key", is_key="1", supervisor="")
    assert response.status_code == 400 and "请选择本级政协的督办领导" in text(response)
    assert act(c, p, "key", is_key="1", supervisor=pw.world.leader.pk).status_code == 302
    p.refresh_from_db()
    assert p.is_key and p.supervisor == pw.world.leader
    assert act(c, p, "excellent", is_excellent="1").status_code == 302
    p.refresh_from_db()
    assert p.is_excellent
    # the leader sees it among the proposals he supervises, read-only
    leader = client_for("leader")
    assert p.title in text(leader.get("/proposals/list/")).split('data-testid="supervised"')[1]
    assert 'data-testid="office-actions"' not in text(leader.get(f"/proposals/{p.pk}/"))
    assert act(leader, p, "excellent", is_excellent="0").status_code == 403
    r = replied(pw, title="关于公开的建议")
    response = act(c, r, "publish")
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.is_published


def test_a_stale_page_gets_the_conflict_message_and_nothing_changes(pw: ProposalWorld) -> None:
    p = submitted(pw)
    c = client_for("alice")
    stale = p.version
    assert act(c, p, "file").status_code == 302
    response = c.post(
        f"/proposals/{p.pk}/act/not_file/", {"version": stale, "reason": "属于学术讨论", "convert_to": "letter"}
    )
    assert response.status_code == 409
    page = text(response)
    assert "已被他人处理" in page and 'data-testid="conflict"' in page
    p.refresh_from_db()
    assert p.state == State.FILED and p.not_filed_reason == ""
    assert not PublicOpinion.objects.exists()
    # actions that take no version refuse a stale page all the same
    p = assigned(pw, title="关于乙的建议")
    a = p.assignments.get()
    actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    reply = actions.submit_reply(actor=pw.world.unit_user, assignment=a, reply_class="A", content="已办")
    response = c.post(f"/proposals/{p.pk}/act/review_reply/", {"version": 1, "reply": reply.pk, "decision": "approve"})
    assert response.status_code == 409
    assert Reply.objects.get(pk=reply.pk).state == "pending"


# ---------------------------------------------------------------------------------------
# scoping, list, export, print


def test_charlie_sees_nothing_of_dongcheng(pw: ProposalWorld, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    p = assigned(pw)
    a = p.assignments.get()
    actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    ext = actions.request_extension(
        actor=pw.world.unit_user, assignment=a, new_deadline=a.deadline + dt.timedelta(days=9), reason="x"
    )
    reply = actions.submit_reply(
        actor=pw.world.unit_user,
        assignment=a,
        reply_class="A",
        content="已办",
        letter=SimpleUploadedFile("l.pdf", b"x", content_type="application/pdf"),
    )
    c = client_for("charlie")
    for url in (
        f"/proposals/{p.pk}/",
        f"/proposals/{p.pk}/print/",
        f"/proposals/{p.pk}/edit/",
        f"/proposals/{p.pk}/cosigners/?q=d",
        f"/proposals/{p.pk}/merge-targets/?q=1",
        f"/proposals/letters/{reply.pk}/",
    ):
        assert c.get(url).status_code == 404, url
    for action, data in (
        ("file", {}),
        ("publish", {}),
        ("review_reply", {"reply": reply.pk, "decision": "approve"}),
        ("extension", {"extension": ext.pk, "decision": "approve"}),
        ("withdraw", {}),
        ("rate", {"process": "satisfied", "result": "satisfied"}),
    ):
        assert act(c, p, action, **data).status_code == 404, action
    listing = text(c.get("/proposals/list/"))
    assert p.title not in listing and "共 0 条" in listing
    rows = list(load_workbook(BytesIO(c.get("/proposals/export/").content)).active.iter_rows(values_only=True))
    assert len(rows) == 1
    assert Reply.objects.get(pk=reply.pk).state == "pending"
    assert ExtensionRequest.objects.get(pk=ext.pk).state == "pending"


def test_drafts_are_the_members_own(pw: ProposalWorld) -> None:
    p = actions.create_draft(actor=pw.world.member_user, organisation=pw.world.county, data=DRAFT)
    assert client_for("alice").get(f"/proposals/{p.pk}/").status_code == 404
    assert client_for("ding").get(f"/proposals/{p.pk}/").status_code == 404
    assert client_for("ding").get(f"/proposals/{p.pk}/edit/").status_code == 404


def test_the_list_filters_and_exports_exactly_the_filtered_rows(pw: ProposalWorld) -> None:
    a = assigned(pw, title="关于农村饮水安全的建议")
    b = filed(pw, "关于发展乡村旅游的建议")
    submitted(pw, "关于改善城区交通的建议")
    actions.mark_key(actor=pw.world.alice, proposal=b, is_key=True, supervisor=pw.world.leader, version=b.version)
    c = client_for("alice")
    page = text(c.get("/proposals/list/"))
    assert "共 3 条" in page and 'data-testid="export"' in page
    assert "共 1 条" in text(c.get("/proposals/list/", {"state": "filed"}))
    assert "共 1 条" in text(c.get("/proposals/list/", {"key": "1"}))
    assert "共 1 条" in text(c.get("/proposals/list/", {"unit": pw.world.unit.pk}))
    assert "共 3 条" in text(c.get("/proposals/list/", {"q": "王建国"}))
    assert "共 1 条" in text(c.get("/proposals/list/", {"q": a.number}))
    htmx = c.get("/proposals/list/", {"q": "旅游"}, HTTP_HX_REQUEST="true")
    assert "<html" not in text(htmx) and b.title in text(htmx) and a.title not in text(htmx)
    rows = list(
        load_workbook(BytesIO(c.get("/proposals/export/", {"q": "农村"}).content)).active.iter_rows(values_only=True)
    )
    assert list(rows[0]) == HEADERS
    assert len(rows) == 2
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert row["编号"] == a.number and row["案由"] == a.title and row["提案人"] == "王建国"
    assert row["类别"] == "社会" and row["状态"] == "办理中" and row["承办单位"] == "东城县发展和改革局（单办）"
    everything = list(load_workbook(BytesIO(c.get("/proposals/export/").content)).active.iter_rows(values_only=True))
    assert len(everything) == 4
    # the city sees the county's proposals read-only; the member has no list
    assert "共 3 条" in text(client_for("carol").get("/proposals/list/"))
    assert client_for("member").get("/proposals/export/").status_code == 404


def test_the_export_carries_reply_classes(pw: ProposalWorld) -> None:
    p = replied(pw, reply_class="B")
    rows = list(
        load_workbook(BytesIO(client_for("alice").get("/proposals/export/").content)).active.iter_rows(values_only=True)
    )
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert row["编号"] == p.number and row["答复类别"] == "B" and row["答复时间"]


def test_the_print_page_is_a_paper_form_without_contact_data(pw: ProposalWorld) -> None:
    p = filed(pw)
    response = client_for("alice").get(f"/proposals/{p.pk}/print/")
    page = text(response)
    assert response.status_code == 200
    assert "政协东城县委员会提案" in page and "@page { size: A4; margin: 2cm }" in page
    for label in ("案由", "提案人", "类别", "情况分析", "具体建议", "建议承办单位", "审查意见"):
        assert f"<th>{label}</th>" in page
    assert "王建国" in page and p.number in page
    assert "13800001234" not in page and "1380000" not in page and "530325" not in page
    assert "<nav" not in page
    assert client_for("member").get(f"/proposals/{p.pk}/print/").status_code == 200


def test_menus_point_each_role_to_its_proposal_page(pw: ProposalWorld) -> None:
    assert 'href="/proposals/office/"' in text(client_for("alice").get("/"))
    assert 'href="/proposals/mine/"' in text(client_for("member").get("/"))
    assert 'href="/proposals/list/"' in text(client_for("leader").get("/"))
    assert client_for("member").get("/proposals/")["Location"] == "/proposals/mine/"
