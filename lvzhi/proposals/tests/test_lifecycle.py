"""The whole lifecycle through the actions: draft to rating, and every refusal on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lvzhi.audit.models import AuditEntry
from lvzhi.core.errors import ActionError, Conflict, Forbidden, Invalid, NotFound
from lvzhi.members.models import Person
from lvzhi.notifications.models import Notification
from lvzhi.opinions.models import PublicOpinion
from lvzhi.proposals import actions
from lvzhi.proposals.models import AssignmentState, Proposal, State, UnitRole
from lvzhi.proposals.testing import DRAFT, ProposalWorld, assigned, build_proposal_world, filed, replied, submitted
from lvzhi.testing import World

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def test_it_walks_a_single_proposal_from_draft_to_closed(pw: ProposalWorld, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    w = pw.world
    with django_capture_on_commit_callbacks(execute=True):
        p = actions.create_draft(actor=w.member_user, organisation=w.county, data=DRAFT)
        assert p.state == State.DRAFT and p.proposer_names == "王建国"
        p = actions.submit(actor=w.member_user, proposal=p, version=p.version)
        p = actions.file_proposal(actor=w.alice, proposal=p, version=p.version)
        assert p.number == "第16届第1次会议第0001号"
        p = actions.assign(actor=w.alice, proposal=p, mode="single", units=[(w.unit, UnitRole.SOLE)], version=p.version)
        a = p.assignments.get()
        assert a.deadline > timezone.localdate() + dt.timedelta(days=85)
        actions.accept_assignment(actor=w.unit_user, assignment=a)
        actions.record_face_to_face(
            actor=w.unit_user, assignment=a, mode="phone", date=timezone.localdate(), participants="王建国"
        )
        reply = actions.submit_reply(actor=w.unit_user, assignment=a, reply_class="B", content="列入明年计划")
        actions.review_reply(actor=w.alice, reply=reply, approve=True)
        p.refresh_from_db()
        assert p.state == State.REPLIED
        actions.rate(actor=w.member_user, proposal=p, process="satisfied", result="basic")
        p.refresh_from_db()
    assert p.state == State.CLOSED and p.round == 1
    assert [e.action for e in p.events.all()] == [
        "create",
        "submit",
        "file",
        "assign",
        "accept",
        "face_to_face",
        "reply",
        "approve_reply",
        "complete_reply",
        "rate",
        "close",
    ]
    assert AuditEntry.objects.filter(action__startswith="proposal.", object_id=str(p.pk)).count() == 11
    assert Notification.objects.filter(user=w.alice, title__contains="待审查").exists()
    assert Notification.objects.filter(user=w.unit_user, title__contains="新交办").exists()
    assert Notification.objects.filter(user=w.member_user, title__contains="请测评").exists()


def test_it_refuses_wrong_start_states_in_chinese(pw: ProposalWorld) -> None:
    w = pw.world
    p = actions.create_draft(actor=w.member_user, organisation=w.county, data=DRAFT)
    with pytest.raises(ActionError, match="当前状态为“草稿”，不能立案"):
        actions.file_proposal(actor=w.alice, proposal=p, version=None)
    p = actions.submit(actor=w.member_user, proposal=p, version=p.version)
    with pytest.raises(ActionError, match="不能交办"):
        actions.assign(actor=w.alice, proposal=p, mode="single", units=[(w.unit, UnitRole.SOLE)], version=None)
    p = actions.file_proposal(actor=w.alice, proposal=p, version=p.version)
    with pytest.raises(ActionError, match="不能撤案"):
        actions.withdraw(actor=w.member_user, proposal=p, version=None)


def test_it_lets_only_one_of_two_clerks_win(pw: ProposalWorld) -> None:
    w = pw.world
    p = submitted(pw)
    seen = p.version  # both clerks opened the same page
    actions.file_proposal(actor=w.alice, proposal=p, version=seen)
    with pytest.raises(Conflict, match="已被他人处理"):
        actions.not_file(actor=w.alice, proposal=p, reason="属于学术讨论", version=seen)
    p.refresh_from_db()
    assert p.state == State.FILED and p.not_filed_reason == ""


def test_it_turns_an_unfiled_proposal_into_a_public_opinion_item(pw: ProposalWorld) -> None:
    w = pw.world
    p = submitted(pw)
    with pytest.raises(Invalid):
        actions.not_file(actor=w.alice, proposal=p, reason="随便写的理由", version=p.version)
    p = actions.not_file(
        actor=w.alice, proposal=p, reason="内容空泛，无具体建议", convert_to="public_opinion", version=p.version
    )
    opinion = PublicOpinion.objects.get(source_proposal=p)
    assert p.state == State.NOT_FILED and opinion.title == DRAFT["title"]
    assert opinion.content == DRAFT["analysis"] and list(opinion.authors.all()) == [w.member.person]


def test_it_merges_and_every_proposer_still_gets_the_reply(
    pw: ProposalWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    w = pw.world
    main = filed(pw, "关于改善农村饮水安全的建议")
    other = submitted(pw, "关于农村饮水安全工程的建议", author=pw.ding)
    actions.merge(actor=w.alice, proposal=other, into=main, version=other.version)
    other.refresh_from_db()
    assert other.state == State.MERGED and other.merged_into == main
    assert {p.name for p in actions.proposer_persons(main)} == {"王建国", "丁一"}
    main = actions.assign(
        actor=w.alice, proposal=main, mode="single", units=[(w.unit, UnitRole.SOLE)], version=main.version
    )
    a = main.assignments.get()
    actions.accept_assignment(actor=w.unit_user, assignment=a)
    reply = actions.submit_reply(actor=w.unit_user, assignment=a, reply_class="A", content="已解决")
    with django_capture_on_commit_callbacks(execute=True):
        actions.review_reply(actor=w.alice, reply=reply, approve=True)
    assert Notification.objects.filter(user=pw.ding, title__contains="请测评").exists()
    actions.rate(actor=w.member_user, proposal=main, process="satisfied", result="satisfied")
    main.refresh_from_db()
    assert main.state == State.REPLIED  # 丁一 has not rated yet
    actions.rate(actor=pw.ding, proposal=main, process="satisfied", result="satisfied")
    main.refresh_from_db()
    assert main.state == State.CLOSED


def test_it_handles_joint_assignment_with_lead_and_assisting_units(pw: ProposalWorld) -> None:
    w = pw.world
    p = assigned(pw, mode="joint")
    lead = p.assignments.get(role=UnitRole.LEAD)
    assist = p.assignments.get(role=UnitRole.ASSIST)
    actions.accept_assignment(actor=w.unit_user, assignment=lead)
    actions.accept_assignment(actor=pw.edu_user, assignment=assist)
    with pytest.raises(ActionError, match="协办单位不直接答复"):
        actions.submit_reply(actor=pw.edu_user, assignment=assist, reply_class="A", content="x")
    actions.send_assist_opinion(actor=pw.edu_user, assignment=assist, text="同意主办单位意见，配合做好学校用水保障。")
    reply = actions.submit_reply(actor=w.unit_user, assignment=lead, reply_class="A", content="会同教育局办理")
    actions.review_reply(actor=w.alice, reply=reply, approve=True)
    p.refresh_from_db()
    assert p.state == State.REPLIED


def test_it_needs_every_split_unit_to_reply(pw: ProposalWorld) -> None:
    w = pw.world
    p = assigned(pw, mode="split")
    first, second = p.assignments.order_by("id")
    for a, user in ((first, w.unit_user), (second, pw.edu_user)):
        actions.accept_assignment(actor=user, assignment=a)
    r1 = actions.submit_reply(actor=w.unit_user, assignment=first, reply_class="A", content="第一部分")
    actions.review_reply(actor=w.alice, reply=r1, approve=True)
    p.refresh_from_db()
    assert p.state == State.ASSIGNED
    r2 = actions.submit_reply(actor=pw.edu_user, assignment=second, reply_class="C", content="第二部分")
    with pytest.raises(Invalid):
        actions.review_reply(actor=w.alice, reply=r2, approve=False, note="")
    actions.review_reply(actor=w.alice, reply=r2, approve=False, note="请补充具体措施")
    second.refresh_from_db()
    assert second.state == AssignmentState.ACCEPTED
    r3 = actions.submit_reply(actor=pw.edu_user, assignment=second, reply_class="B", content="补充了措施")
    actions.review_reply(actor=w.alice, reply=r3, approve=True)
    p.refresh_from_db()
    assert p.state == State.REPLIED


def test_it_sends_an_unsatisfied_proposal_back_for_a_second_round(pw: ProposalWorld) -> None:
    w = pw.world
    p = replied(pw, "C")
    with pytest.raises(Invalid, match="不满意"):
        actions.rate(actor=w.member_user, proposal=p, process="basic", result="unsatisfied")
    actions.rate(actor=w.member_user, proposal=p, process="basic", result="unsatisfied", comment="没有实质措施")
    p.refresh_from_db()
    a = p.assignments.get()
    assert p.state == State.ASSIGNED and p.round == 2 and a.state == AssignmentState.ACCEPTED
    reply = actions.submit_reply(actor=w.unit_user, assignment=a, reply_class="B", content="第二轮：已安排资金")
    assert reply.round == 2
    actions.review_reply(actor=w.alice, reply=reply, approve=True)
    actions.rate(actor=w.member_user, proposal=p, process="satisfied", result="satisfied")
    p.refresh_from_db()
    assert p.state == State.CLOSED and p.round == 2


def test_it_lets_a_unit_object_only_within_the_period_and_the_office_reassign(pw: ProposalWorld) -> None:
    w = pw.world
    p = assigned(pw)
    a = p.assignments.get()
    with pytest.raises(NotFound):  # another unit cannot touch it
        actions.accept_assignment(actor=pw.edu_user, assignment=a)
    with pytest.raises(Invalid):
        actions.object_assignment(actor=w.unit_user, assignment=a, reason=" ")
    actions.object_assignment(actor=w.unit_user, assignment=a, reason="不属于本单位职责，建议交县水务局")
    p.refresh_from_db()
    actions.reassign(actor=w.alice, proposal=p, cancel=[a], add=[(pw.transport, UnitRole.SOLE)], version=p.version)
    a.refresh_from_db()
    assert a.state == AssignmentState.CANCELLED
    new = p.assignments.exclude(pk=a.pk).get()
    assert new.unit == pw.transport and new.state == AssignmentState.PENDING
    # The original unit no longer sees it.
    assert not Proposal.objects.visible_to(w.unit_user).filter(pk=p.pk).exists()
    assert Proposal.objects.visible_to(pw.transport_user).filter(pk=p.pk).exists()
    # Past the objection period a unit can no longer object.
    new.objection_deadline = timezone.localdate() - dt.timedelta(days=1)
    new.save(update_fields=["objection_deadline"])
    with pytest.raises(ActionError, match="期限"):
        actions.object_assignment(actor=pw.transport_user, assignment=new, reason="也不归我们")


def test_it_extends_a_deadline_on_request(pw: ProposalWorld) -> None:
    w = pw.world
    p = assigned(pw)
    a = p.assignments.get()
    with pytest.raises(Invalid):
        actions.request_extension(actor=w.unit_user, assignment=a, new_deadline=a.deadline, reason="x")
    ext = actions.request_extension(
        actor=w.unit_user, assignment=a, new_deadline=a.deadline + dt.timedelta(days=30), reason="需要调研"
    )
    actions.decide_extension(actor=w.alice, extension=ext, approve=True)
    a.refresh_from_db()
    assert a.deadline == ext.new_deadline


def test_it_marks_key_proposals_with_a_supervising_leader(pw: ProposalWorld) -> None:
    w = pw.world
    p = filed(pw)
    with pytest.raises(Invalid):
        actions.mark_key(actor=w.alice, proposal=p, is_key=True, supervisor=w.alice, version=p.version)
    p = actions.mark_key(actor=w.alice, proposal=p, is_key=True, supervisor=w.leader, version=p.version)
    assert p.is_key and p.supervisor == w.leader


def test_it_scopes_proposals(pw: ProposalWorld) -> None:
    w = pw.world
    draft = actions.create_draft(actor=w.member_user, organisation=w.county, data=DRAFT)
    p = assigned(pw)
    assert not Proposal.objects.visible_to(w.alice).filter(pk=draft.pk).exists()  # drafts are the member's own
    assert Proposal.objects.visible_to(w.alice).filter(pk=p.pk).exists()
    assert Proposal.objects.visible_to(w.carol).filter(pk=p.pk).exists()  # the city sees its counties
    assert not Proposal.objects.visible_to(w.charlie).exists()
    assert not Proposal.objects.visible_to(pw.ding).filter(pk=p.pk).exists()  # not ding's proposal
    assert Proposal.objects.visible_to(w.unit_user).filter(pk=p.pk).exists()
    assert not Proposal.objects.visible_to(pw.edu_user).exists()
    for actor in (w.charlie, w.carol):  # the city sees but does not act for the county
        with pytest.raises((NotFound, Forbidden)):
            actions.file_proposal(actor=actor, proposal=submitted(pw, "另一件"), version=None)
    with pytest.raises(NotFound):
        actions.create_draft(actor=w.member_user, organisation=w.other_county, data=DRAFT)


def test_it_invites_cosigners_who_count_once_they_confirm(pw: ProposalWorld) -> None:
    w = pw.world
    p = actions.create_draft(actor=w.member_user, organisation=w.county, data=DRAFT)
    stranger = Person.objects.get(name="马六")  # a member of 西山县, not of 东城县
    with pytest.raises(Invalid, match="不是本级政协委员"):
        actions.invite_cosigners(actor=w.member_user, proposal=p, persons=[stranger])
    actions.invite_cosigners(actor=w.member_user, proposal=p, persons=[pw.ding.person])  # type: ignore[list-item]
    p.refresh_from_db()
    assert p.proposer_type == "joint" and p.proposer_names == "王建国"
    actions.respond_invitation(actor=pw.ding, proposal=p, accept=True)
    assert p.proposer_names == "王建国、丁一"


def test_it_publishes_replied_proposals_only(pw: ProposalWorld) -> None:
    w = pw.world
    p = filed(pw)
    with pytest.raises(ActionError, match="已答复"):
        actions.publish(actor=w.alice, proposal=p, version=p.version)
    p = replied(pw, title="关于改善县城停车难的建议")
    p = actions.publish(actor=w.alice, proposal=p, version=p.version)
    assert Proposal.objects.visible_to(pw.ding).filter(pk=p.pk).exists()  # published: every member sees it


def test_it_shows_the_merged_into_proposal_to_every_proposer(pw: ProposalWorld) -> None:
    w = pw.world
    main = filed(pw, "关于改善农村饮水安全的建议")
    other = submitted(pw, "关于农村饮水安全工程的建议", author=pw.ding)
    actions.merge(actor=w.alice, proposal=other, into=main, version=other.version)
    assert actions.get_proposal_for(pw.ding, main.pk) == main
    assert Proposal.objects.visible_to(pw.ding).filter(pk=main.pk).count() == 1


def test_it_lets_the_office_see_its_own_body_draft_only(pw: ProposalWorld) -> None:
    w = pw.world
    draft = actions.create_draft(
        actor=w.alice, organisation=w.county, data=DRAFT, body_type="party", body_name="民盟东城县委"
    )
    assert Proposal.objects.visible_to(w.alice).filter(pk=draft.pk).exists()
    assert not Proposal.objects.visible_to(w.leader).filter(pk=draft.pk).exists()
    assert not Proposal.objects.visible_to(w.carol).filter(pk=draft.pk).exists()


def test_it_never_guesses_the_lead_unit_of_a_joint_assignment(pw: ProposalWorld) -> None:
    with pytest.raises(Invalid, match="主办单位"):
        actions.roles_for("joint", [pw.world.unit, pw.edu])
    assert actions.roles_for("joint", [pw.world.unit, pw.edu], pw.edu) == [
        (pw.world.unit, UnitRole.ASSIST),
        (pw.edu, UnitRole.LEAD),
    ]
