"""The handling unit's pages: the inbox and every action on an assignment, through the pages,
with bad input answered in Chinese (nothing saved) and other units kept out (404)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from lvzhi.notifications.models import Notification
from lvzhi.proposals import actions, views_handling
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    ExtensionRequest,
    FaceToFace,
    Proposal,
    Reply,
    ReplyState,
    UnitRole,
)
from lvzhi.proposals.testing import ProposalWorld, assigned, build_proposal_world, replied
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def page_of(c: Client, url: str) -> str:
    response = c.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def only_assignment(p: Proposal) -> Assignment:
    return p.assignments.get()


def url(a: Assignment, action: str = "") -> str:
    return f"/handling/{a.pk}/" + (f"{action}/" if action else "")


def test_the_inbox_groups_the_units_assignments(pw: ProposalWorld) -> None:
    w = pw.world
    pending = only_assignment(assigned(pw, title="关于待签收事项的建议"))
    accepted = only_assignment(assigned(pw, title="关于办理中事项的建议"))
    actions.accept_assignment(actor=w.unit_user, assignment=accepted)
    waiting = only_assignment(assigned(pw, title="关于答复待审核事项的建议"))
    actions.accept_assignment(actor=w.unit_user, assignment=waiting)
    actions.submit_reply(actor=w.unit_user, assignment=waiting, reply_class="A", content="已办")
    done = only_assignment(replied(pw, title="关于已答复事项的建议"))
    joint = assigned(pw, mode="joint", title="关于会办事项的建议")
    edu_only = only_assignment(assigned(pw, title="关于另一单位事项的建议"))
    actions.object_assignment(actor=w.unit_user, assignment=edu_only, reason="不属于本单位")
    p = edu_only.proposal
    p.refresh_from_db()
    actions.reassign(actor=w.alice, proposal=p, cancel=[edu_only], add=[(pw.edu, UnitRole.SOLE)], version=p.version)

    c = client_for("unit")
    html = page_of(c, "/handling/")
    assert "本单位承办的提案" in html and "东城县发展和改革局" in html
    sections = {
        key: html.split(f'data-testid="section-{key}"')[1].split("</section>")[0]
        for key in ("pending", "accepted", "replied", "done")
    }
    assert "关于待签收事项的建议" in sections["pending"] and pending.proposal.number in sections["pending"]
    assert "申请调整截止" in sections["pending"] and "单办" in sections["pending"]
    assert "关于会办事项的建议" in sections["pending"] and "主办" in sections["pending"]
    assert "关于办理中事项的建议" in sections["accepted"]
    assert "关于答复待审核事项的建议" in sections["replied"]
    assert "关于已答复事项的建议" in sections["done"] and f"/handling/{done.pk}/" in sections["done"]
    assert "关于另一单位事项的建议" not in html  # re-assigned away
    assert 'data-testid="count-pending">2<' in html
    # The assisting unit sees its part as 协办.
    assert "协办" in page_of(client_for("edu"), "/handling/")
    assert joint.assignments.filter(unit=pw.edu).exists()
    # The unit's menu has the entry.
    assert ">承办提案</a>" in page_of(c, "/")


def test_the_inbox_marks_overdue_and_due_soon_items(pw: ProposalWorld) -> None:
    w = pw.world
    today = timezone.localdate()
    items = {}
    for title, days in (("关于超期事项的建议", -3), ("关于临期事项的建议", 10), ("关于宽裕事项的建议", 60)):
        a = only_assignment(assigned(pw, title=title))
        actions.accept_assignment(actor=w.unit_user, assignment=a)
        Assignment.objects.filter(pk=a.pk).update(deadline=today + dt.timedelta(days=days))
        items[days] = a
    html = page_of(client_for("unit"), "/handling/")

    def row(a: Assignment) -> str:
        return html.split(f'data-testid="assignment-{a.pk}"')[1].split("</a>")[0]

    assert "lz-overdue" in row(items[-3]) and "已超期 3 天" in row(items[-3]) and "list-group-item-danger" in html
    assert "lz-due-soon" in row(items[10]) and "剩 10 天" in row(items[10])
    assert "剩 60 天" in row(items[60]) and "lz-due-soon" not in row(items[60]) and "lz-overdue" not in row(items[60])
    assert 'data-testid="overdue-count">1 件已超期' in html
    detail = page_of(client_for("unit"), url(items[-3]))
    assert "已超期 3 天" in detail


def test_the_assignment_page_shows_the_proposal_without_personal_data(pw: ProposalWorld) -> None:
    a = only_assignment(assigned(pw))
    html = page_of(client_for("unit"), url(a))
    person = pw.world.member.person
    for text in (a.proposal.title, a.proposal.number, "部分村组饮水工程老化", "一是加大投入", "王建国", "签收"):
        assert text in html, text
    assert person.mobile not in html and person.id_number not in html and "13800001234" not in html


def test_a_unit_accepts_an_assignment(pw: ProposalWorld) -> None:
    a = only_assignment(assigned(pw))
    c = client_for("unit")
    response = c.post(url(a, "accept"), follow=True)
    a.refresh_from_db()
    assert a.state == AssignmentState.ACCEPTED
    html = response.content.decode()
    assert "已签收" in html and 'data-testid="form-reply"' in html and 'data-testid="form-accept"' not in html
    # Accepting twice is refused with a message, nothing changes.
    response = c.post(url(a, "accept"), follow=True)
    assert "不能签收" in response.content.decode()


def test_a_unit_objects_with_a_reason_only_before_the_deadline(
    pw: ProposalWorld, django_capture_on_commit_callbacks: Any
) -> None:
    w = pw.world
    a = only_assignment(assigned(pw))
    c = client_for("unit")
    response = c.post(url(a, "object"), {"reason": "  "})
    assert response.status_code == 400
    assert "请写明申请调整的理由" in response.content.decode()
    a.refresh_from_db()
    assert a.state == AssignmentState.PENDING and a.objection_reason == ""
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(url(a, "object"), {"reason": "不属于本单位职责，建议交县水务局"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == AssignmentState.OBJECTED and a.objection_reason == "不属于本单位职责，建议交县水务局"
    assert Notification.objects.filter(user=w.alice, title__contains="申请调整").exists()
    assert "已申请调整" in page_of(c, url(a))

    late = only_assignment(assigned(pw, title="关于过期申请调整的建议"))
    Assignment.objects.filter(pk=late.pk).update(objection_deadline=timezone.localdate() - dt.timedelta(days=1))
    html = page_of(c, url(late))
    assert 'data-testid="form-object"' not in html and 'data-testid="form-accept"' in html
    response = c.post(url(late, "object"), {"reason": "也不归我们"}, follow=True)
    assert "申请调整的期限" in response.content.decode() and "已过" in response.content.decode()
    late.refresh_from_db()
    assert late.state == AssignmentState.PENDING


def test_a_unit_records_face_to_face_consultation(pw: ProposalWorld) -> None:
    a = only_assignment(assigned(pw))
    c = client_for("unit")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for data, message in (
        ({"mode": "meeting", "date": tomorrow.isoformat(), "participants": "王建国"}, "面商日期不能晚于今天"),
        ({"mode": "meeting", "date": "上周三", "participants": "王建国"}, "无法识别的日期"),
        ({"mode": "meeting", "date": "", "participants": "王建国"}, "请填写面商日期"),
        ({"mode": "meeting", "date": "2026-01-01", "participants": " "}, "请填写参加人员"),
        ({"mode": "visit", "date": "2026-01-01", "participants": "王建国"}, "面商方式应为面谈、座谈会、电话或其他"),
    ):
        response = c.post(url(a, "face-to-face"), data)
        html = response.content.decode()
        assert response.status_code == 400 and message in html, message
        assert f'value="{data["participants"]}"' in html  # what was typed stays in the form
    assert not FaceToFace.objects.exists()
    day = timezone.localdate() - dt.timedelta(days=2)
    typed = f"{day.year}年{day.month}月{day.day}日"
    response = c.post(
        url(a, "face-to-face"), {"mode": "symposium", "date": typed, "participants": "王建国、李办", "note": "现场察看"}
    )
    assert response.status_code == 302
    f2f = FaceToFace.objects.get()
    assert f2f.date == day and f2f.mode == "symposium" and f2f.assignment == a and f2f.participants == "王建国、李办"
    html = page_of(c, url(a))
    assert "座谈会" in html and "现场察看" in html


def test_a_unit_submits_a_reply_with_its_letter(pw: ProposalWorld, django_capture_on_commit_callbacks: Any) -> None:
    w = pw.world
    a = only_assignment(assigned(pw))
    actions.accept_assignment(actor=w.unit_user, assignment=a)
    c = client_for("unit")
    html = page_of(c, url(a))
    assert "已经解决或基本解决（采纳）" in html and 'enctype="multipart/form-data"' in html

    def post(**data: Any) -> Any:
        return c.post(url(a, "reply"), {"reply_class": "B", "content": "已列入明年计划。", **data})

    response = post(reply_class="")
    assert response.status_code == 400 and "请选择答复类别" in response.content.decode()
    assert "已列入明年计划。" in response.content.decode()
    response = post(content="  ")
    assert "答复内容不能为空" in response.content.decode()
    response = post(letter=SimpleUploadedFile("答复函.exe", b"MZ\x90\x00", content_type="application/octet-stream"))
    assert response.status_code == 400 and "答复函只能是PDF、JPG、PNG、DOC或DOCX文件" in response.content.decode()
    response = post(letter=SimpleUploadedFile("答复函.pdf", b"just text", content_type="application/pdf"))
    assert "文件内容与扩展名不符" in response.content.decode()
    response = post(letter=SimpleUploadedFile("答复函.pdf", b"", content_type="application/pdf"))
    assert "答复函文件是空的" in response.content.decode()
    assert not Reply.objects.exists()
    a.refresh_from_db()
    assert a.state == AssignmentState.ACCEPTED

    with django_capture_on_commit_callbacks(execute=True):
        response = post(letter=SimpleUploadedFile("答复函.pdf", PDF, content_type="application/pdf"))
    assert response.status_code == 302
    reply = Reply.objects.get()
    assert reply.reply_class == "B" and reply.state == ReplyState.PENDING and reply.letter.name.endswith(".pdf")
    with reply.letter.open("rb") as f:
        assert f.read() == PDF
    a.refresh_from_db()
    assert a.state == AssignmentState.REPLIED
    assert Notification.objects.filter(user=w.alice, title__contains="答复待审核").exists()
    html = page_of(c, url(a))
    assert "答复已提交，等待提案委员会审核" in html and 'data-testid="form-reply"' not in html
    # The unit can download its letter; another unit cannot.
    download = c.get(f"/handling/{a.pk}/letters/{reply.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert client_for("edu").get(f"/handling/{a.pk}/letters/{reply.pk}/").status_code == 404


def test_a_letter_over_20mb_is_refused(pw: ProposalWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    a = only_assignment(assigned(pw))
    actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    monkeypatch.setattr(views_handling, "LETTER_MAX_BYTES", 10)
    big = SimpleUploadedFile("答复函.pdf", PDF, content_type="application/pdf")
    response = client_for("unit").post(url(a, "reply"), {"reply_class": "A", "content": "x", "letter": big})
    assert response.status_code == 400 and "答复函文件不能超过20MB" in response.content.decode()
    assert not Reply.objects.exists()


def test_the_office_return_note_is_shown_and_the_unit_replies_again(pw: ProposalWorld) -> None:
    w = pw.world
    a = only_assignment(assigned(pw))
    actions.accept_assignment(actor=w.unit_user, assignment=a)
    reply = actions.submit_reply(actor=w.unit_user, assignment=a, reply_class="C", content="留作参考")
    actions.review_reply(actor=w.alice, reply=reply, approve=False, note="请补充具体措施和时间表")
    c = client_for("unit")
    html = page_of(c, url(a))
    assert 'data-testid="returned-note"' in html and "请补充具体措施和时间表" in html
    assert 'data-testid="form-reply"' in html
    response = c.post(url(a, "reply"), {"reply_class": "B", "content": "补充了措施：明年3月完成"})
    assert response.status_code == 302
    html = page_of(c, url(a))
    assert 'data-testid="returned-note"' not in html
    assert Reply.objects.filter(assignment=a).count() == 2


def test_joint_handling_assisting_opinion_reaches_the_lead_unit(pw: ProposalWorld) -> None:
    w = pw.world
    p = assigned(pw, mode="joint")
    lead = p.assignments.get(role=UnitRole.LEAD)
    assist = p.assignments.get(role=UnitRole.ASSIST)
    edu = client_for("edu")
    html = page_of(edu, url(assist))
    assert 'data-testid="form-reply"' not in html and 'data-testid="form-opinion"' not in html  # accept first
    edu.post(url(assist, "accept"))
    html = page_of(edu, url(assist))
    assert 'data-testid="form-opinion"' in html and 'data-testid="form-reply"' not in html
    response = edu.post(url(assist, "opinion"), {"text": " "})
    assert response.status_code == 400 and "协办意见不能为空" in response.content.decode()
    response = edu.post(url(assist, "opinion"), {"text": "同意主办单位意见，配合做好学校用水保障。"})
    assert response.status_code == 302
    assist.refresh_from_db()
    assert assist.state == AssignmentState.DONE
    unit = client_for("unit")
    html = page_of(unit, url(lead))
    opinions = html.split('data-testid="assist-opinions"')[1].split("</section>")[0]
    assert "东城县教育局" in opinions and "同意主办单位意见，配合做好学校用水保障。" in opinions
    actions.accept_assignment(actor=w.unit_user, assignment=lead)
    assert 'data-testid="form-reply"' in page_of(unit, url(lead))


def test_a_unit_requests_an_extension(pw: ProposalWorld) -> None:
    a = only_assignment(assigned(pw))
    c = client_for("unit")
    later = a.deadline + dt.timedelta(days=30)
    response = c.post(url(a, "extension"), {"new_deadline": later.isoformat(), "reason": ""})
    assert response.status_code == 400 and "请写明延期理由" in response.content.decode()
    response = c.post(url(a, "extension"), {"new_deadline": a.deadline.isoformat(), "reason": "需要调研"})
    assert "延期后的期限应晚于原期限" in response.content.decode()
    response = c.post(url(a, "extension"), {"new_deadline": "明年", "reason": "需要调研"})
    assert "无法识别的日期" in response.content.decode()
    assert not ExtensionRequest.objects.exists()
    typed = f"{later.year}年{later.month}月{later.day}日"
    response = c.post(url(a, "extension"), {"new_deadline": typed, "reason": "需要开展专题调研"})
    assert response.status_code == 302
    ext = ExtensionRequest.objects.get()
    assert ext.new_deadline == later and ext.reason == "需要开展专题调研"
    html = page_of(c, url(a))
    assert 'data-testid="pending-extension"' in html and 'data-testid="form-extension"' not in html


def test_other_units_charlie_and_the_office_get_404(pw: ProposalWorld, client: Client) -> None:
    a = only_assignment(assigned(pw))
    posts = {
        "accept": {},
        "object": {"reason": "不归我们"},
        "face-to-face": {"mode": "meeting", "date": "2026-01-01", "participants": "某人"},
        "opinion": {"text": "意见"},
        "reply": {"reply_class": "A", "content": "答复"},
        "extension": {"new_deadline": "2099-01-01", "reason": "理由"},
    }
    for username in ("edu", "charlie", "alice", "member"):
        c = client_for(username)
        assert c.get(url(a)).status_code == 404, username
        for action, data in posts.items():
            assert c.post(url(a, action), data).status_code == 404, (username, action)
    assert client_for("edu").get("/handling/").status_code == 200
    assert client_for("charlie").get("/handling/").status_code == 404
    assert client_for("unit").get("/handling/999999/").status_code == 404
    assert client.get(url(a)).status_code == 302  # anonymous: to the login page
    a.refresh_from_db()
    assert a.state == AssignmentState.PENDING and not FaceToFace.objects.exists() and not Reply.objects.exists()
    assert not ExtensionRequest.objects.exists()
    # GET on an action is not allowed.
    assert client_for("unit").get(url(a, "accept")).status_code == 405


def test_a_reassigned_unit_loses_the_page(pw: ProposalWorld) -> None:
    w = pw.world
    a = only_assignment(assigned(pw))
    actions.object_assignment(actor=w.unit_user, assignment=a, reason="不属于本单位")
    p = a.proposal
    p.refresh_from_db()
    actions.reassign(actor=w.alice, proposal=p, cancel=[a], add=[(pw.transport, UnitRole.SOLE)], version=p.version)
    assert client_for("unit").get(url(a)).status_code == 404
    new = p.assignments.get(unit=pw.transport)
    assert client_for("transport").get(url(new)).status_code == 200


def test_a_second_round_shows_the_proposers_comment(pw: ProposalWorld) -> None:
    w = pw.world
    p = replied(pw, "C")
    actions.rate(actor=w.member_user, proposal=p, process="basic", result="unsatisfied", comment="没有实质措施")
    a = only_assignment(p)
    c = client_for("unit")
    html = page_of(c, "/handling/")
    accepted = html.split('data-testid="section-accepted"')[1].split("</section>")[0]
    assert p.title in accepted and "第2轮" in accepted
    html = page_of(c, url(a))
    assert "第2轮办理" in html and "没有实质措施" in html and 'data-testid="form-reply"' in html
