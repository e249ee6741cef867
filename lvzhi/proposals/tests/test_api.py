"""Proposals over the API (real HTTP, bearer tokens from POST /api/v1/auth/token): the whole
lifecycle walked by each persona, 不立案 → 社情民意, 并案, conflicts, scoping, Chinese errors
and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from lvzhi.opinions.models import PublicOpinion
from lvzhi.proposals import actions
from lvzhi.proposals.models import Assignment, Proposal, State
from lvzhi.proposals.testing import DRAFT, ProposalWorld, assigned, build_proposal_world, filed, replied, submitted
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
PROPOSALS = f"{BASE}/proposals"
ASSIGNMENTS = f"{BASE}/assignments"


class Api:
    """One persona's script: a bearer token from the token endpoint, no cookies, CSRF
    enforced as in production."""

    def __init__(self, username: str) -> None:
        response = Client().post(
            f"{BASE}/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        self.client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {response.json()['token']}"})

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, params or {})

    def post(self, url: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(url, data or {}, content_type="application/json")

    def patch(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.patch(url, data, content_type="application/json")

    def multipart(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data)


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def chinese_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    return body  # type: ignore[no-any-return]


def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


# -- the whole lifecycle -------------------------------------------------------------------


def test_it_walks_a_joint_proposal_through_two_rounds_by_api_only(
    pw: ProposalWorld, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    member, office, lead, assist = Api("member"), Api("alice"), Api("unit"), Api("edu")
    w = pw.world

    # The member drafts, edits and submits.
    p = ok(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx", "category": ""}), 201)
    assert p["state"] == "draft" and p["proposers"] == "王建国" and p["signers"][0]["name"] == "王建国"
    pid = p["id"]
    p = ok(member.patch(f"{PROPOSALS}/{pid}", {"category": "社会", "version": p["version"]}))
    assert p["category"] == "社会" and p["title"] == DRAFT["title"]
    assert office.get(f"{PROPOSALS}/{pid}").status_code == 404  # a draft is the member's own
    p = ok(member.post(f"{PROPOSALS}/{pid}/submit", {"version": p["version"]}))
    assert p["state"] == "submitted"

    # The office files and assigns it jointly (会办): 发改局 leads, 教育局 assists.
    p = ok(office.post(f"{PROPOSALS}/{pid}/file", {"version": p["version"]}))
    assert p["state"] == "filed" and p["number"] == "第16届第1次会议第0001号"
    deadline = timezone.localdate() + dt.timedelta(days=60)
    p = ok(
        office.post(
            f"{PROPOSALS}/{pid}/assign",
            {
                "version": p["version"],
                "mode": "会办",
                "unit_ids": [w.unit.pk, pw.edu.pk],
                "lead": w.unit.pk,
                "deadline": cn_date(deadline),
            },
        )
    )
    assert p["state"] == "assigned" and p["handling_mode"] == "joint"
    roles = {a["unit"]: (a["role"], a["deadline"]) for a in p["assignments"]}
    assert roles == {
        "东城县发展和改革局": ("lead", deadline.isoformat()),
        "东城县教育局": ("assist", deadline.isoformat()),
    }

    # Each unit sees only its own assignment.
    lead_items = ok(lead.get(ASSIGNMENTS))["items"]
    assist_items = ok(assist.get(ASSIGNMENTS))["items"]
    assert [a["unit"] for a in lead_items] == ["东城县发展和改革局"] and lead_items[0]["days_left"] == 60
    assert [a["unit"] for a in assist_items] == ["东城县教育局"]
    lead_id, assist_id = lead_items[0]["id"], assist_items[0]["id"]
    assert lead.get(f"{ASSIGNMENTS}/{assist_id}").status_code == 404

    # Units accept; the assisting unit sends its opinion; the lead consults and replies.
    assert ok(lead.post(f"{ASSIGNMENTS}/{lead_id}/accept"))["state"] == "accepted"
    ok(assist.post(f"{ASSIGNMENTS}/{assist_id}/accept"))
    chinese_error(assist.multipart(f"{ASSIGNMENTS}/{assist_id}/reply", {"reply_class": "A", "content": "x"}), 400)
    done = ok(
        assist.post(f"{ASSIGNMENTS}/{assist_id}/assist-opinion", {"text": "同意主办单位意见，配合保障学校用水。"})
    )
    assert done["state"] == "done"
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    a = ok(
        lead.post(
            f"{ASSIGNMENTS}/{lead_id}/face-to-face",
            {"mode": "面谈", "date": yesterday.strftime("%Y/%m/%d"), "participants": "王建国、李办"},
        )
    )
    assert a["consultations"][0]["mode"] == "meeting" and a["consultations"][0]["date"] == yesterday.isoformat()
    assert a["assist_opinions"] == [{"unit": "东城县教育局", "opinion": "同意主办单位意见，配合保障学校用水。"}]
    letter = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 signed letter", content_type="application/pdf")
    a = ok(
        lead.multipart(
            f"{ASSIGNMENTS}/{lead_id}/reply", {"reply_class": "C", "content": "因财力所限留作参考。", "letter": letter}
        )
    )
    assert a["state"] == "replied" and a["replies"][0]["state"] == "pending" and a["replies"][0]["has_letter"]
    reply_id = a["replies"][0]["id"]

    # The member does not see the reply until the office approves it; the office does.
    seen = ok(member.get(f"{PROPOSALS}/{pid}"))
    assert seen["replies"] == [] and "reply" not in [e["action"] for e in seen["events"]]
    assert seen["assignments"][0]["opinion"] is None
    assert member.get(f"{BASE}/replies/{reply_id}/letter").status_code == 404
    assert [r["state"] for r in ok(office.get(f"{PROPOSALS}/{pid}"))["replies"]] == ["pending"]
    p = ok(office.post(f"{BASE}/replies/{reply_id}/review", {"approve": True}))
    assert p["state"] == "replied"
    seen = ok(member.get(f"{PROPOSALS}/{pid}"))
    assert [(r["reply_class"], r["content"]) for r in seen["replies"]] == [("C", "因财力所限留作参考。")]
    download = member.get(f"{BASE}/replies/{reply_id}/letter")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 signed letter"

    # 不满意 sends it back for a second round.
    chinese_error(member.post(f"{PROPOSALS}/{pid}/rate", {"process": "基本满意", "result": "不满意"}), 400)
    p = ok(
        member.post(f"{PROPOSALS}/{pid}/rate", {"process": "基本满意", "result": "不满意", "comment": "没有实质措施"})
    )
    assert p["state"] == "assigned" and p["round"] == 2
    assert [(r["name"], r["result"]) for r in p["ratings"]] == [("王建国", "unsatisfied")]
    a = ok(lead.get(f"{ASSIGNMENTS}/{lead_id}"))
    assert a["state"] == "accepted" and a["proposal"]["round"] == 2
    a = ok(lead.multipart(f"{ASSIGNMENTS}/{lead_id}/reply", {"reply_class": "B", "content": "第二轮：已安排资金。"}))
    second = next(r for r in a["replies"] if r["round"] == 2)
    p = ok(office.post(f"{BASE}/replies/{second['id']}/review", {"approve": True, "reply_class": "A"}))
    assert p["state"] == "replied"
    p = ok(member.post(f"{PROPOSALS}/{pid}/rate", {"process": "satisfied", "result": "满意"}))
    assert p["state"] == "closed" and p["round"] == 2
    assert [r["reply_class"] for r in p["replies"]] == ["C", "A"]
    assert [e["action"] for e in ok(office.get(f"{PROPOSALS}/{pid}"))["events"]] == [
        "create",
        "update",
        "submit",
        "file",
        "assign",
        "accept",
        "accept",
        "assist_opinion",
        "face_to_face",
        "reply",
        "approve_reply",
        "complete_reply",
        "rate",
        "rehandle",
        "reply",
        "approve_reply",
        "complete_reply",
        "rate",
        "close",
    ]

    # Published: every member of the committee sees it, with approved replies only.
    p = ok(office.post(f"{PROPOSALS}/{pid}/publish", {"version": p["version"]}))
    assert p["is_published"]
    ding = ok(Api("ding").get(f"{PROPOSALS}/{pid}"))
    assert len(ding["replies"]) == 2 and ding["ratings"] == []


def test_it_turns_an_unfiled_proposal_into_a_public_opinion_item(pw: ProposalWorld) -> None:
    p = submitted(pw)
    office = Api("alice")
    body = chinese_error(
        office.post(f"{PROPOSALS}/{p.pk}/not-file", {"version": p.version, "reason": "随便写的理由"}), 400
    )
    assert "reason" in body["errors"]
    detail = ok(
        office.post(
            f"{PROPOSALS}/{p.pk}/not-file",
            {"version": p.version, "reason": "内容空泛，无具体建议", "convert_to": "社情民意信息"},
        )
    )
    assert detail["state"] == "not_filed" and detail["not_filed_reason"] == "内容空泛，无具体建议"
    opinion = PublicOpinion.objects.get(source_proposal_id=p.pk)
    assert detail["converted_to"] == {"id": opinion.pk, "kind": "public_opinion", "kind_display": "社情民意信息"}
    assert opinion.title == DRAFT["title"] and list(opinion.authors.all()) == [pw.world.member.person]
    assert ok(Api("member").get(f"{PROPOSALS}/{p.pk}"))["state"] == "not_filed"


def test_it_merges_and_both_proposers_rate_the_reply(pw: ProposalWorld) -> None:
    w = pw.world
    main = filed(pw, "关于改善农村饮水安全的建议")
    other = submitted(pw, "关于农村饮水安全工程的建议", author=pw.ding)
    office, ding = Api("alice"), Api("ding")
    chinese_error(office.post(f"{PROPOSALS}/{other.pk}/merge", {"version": other.version, "into": other.pk}), 400)
    merged = ok(office.post(f"{PROPOSALS}/{other.pk}/merge", {"version": other.version, "into": main.pk}))
    assert merged["state"] == "merged" and merged["merged_into"]["id"] == main.pk
    main_detail = ok(office.get(f"{PROPOSALS}/{main.pk}"))
    assert [m["id"] for m in main_detail["merged"]] == [other.pk]
    main_detail = ok(
        office.post(
            f"{PROPOSALS}/{main.pk}/assign",
            {"version": main_detail["version"], "mode": "single", "units": [{"unit_id": w.unit.pk, "role": "单办"}]},
        )
    )
    a = Assignment.objects.get(proposal=main)
    actions.accept_assignment(actor=w.unit_user, assignment=a)
    reply = actions.submit_reply(actor=w.unit_user, assignment=a, reply_class="A", content="已解决")
    ok(office.post(f"{BASE}/replies/{reply.pk}/review", {"approve": True}))
    # 丁一's proposal was merged into 王建国's: he sees the reply and rates it too.
    seen = ok(ding.get(f"{PROPOSALS}/{main.pk}"))
    assert [r["content"] for r in seen["replies"]] == ["已解决"]
    assert (
        ok(Api("member").post(f"{PROPOSALS}/{main.pk}/rate", {"process": "满意", "result": "满意"}))["state"]
        == "replied"
    )
    assert ok(ding.post(f"{PROPOSALS}/{main.pk}/rate", {"process": "满意", "result": "基本满意"}))["state"] == "closed"


def test_it_handles_cosigners_withdrawal_and_return_for_revision(pw: ProposalWorld) -> None:
    member, ding, office = Api("member"), Api("ding"), Api("alice")
    p = ok(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx"}), 201)
    body = chinese_error(member.post(f"{PROPOSALS}/{p['id']}/cosigners", {"codes": ["NO-SUCH"]}), 400)
    assert "NO-SUCH" in body["errors"]["cosigners"]
    p = ok(member.post(f"{PROPOSALS}/{p['id']}/cosigners", {"persons": [pw.ding.person_id]}))
    assert p["proposer_type"] == "joint" and p["proposers"] == "王建国"
    assert [(s["name"], s["status"]) for s in p["signers"]] == [("王建国", "confirmed"), ("丁一", "invited")]
    assert [i["id"] for i in ok(ding.get(PROPOSALS))["items"]] == [p["id"]]  # invited: ding sees it
    chinese_error(ding.post(f"{PROPOSALS}/{p['id']}/submit", {"version": p["version"]}), 403)
    chinese_error(ding.post(f"{PROPOSALS}/{p['id']}/cosigners", {"codes": ["NO-SUCH"]}), 403)
    ok(ding.post(f"{PROPOSALS}/{p['id']}/invitation", {"accept": True}))
    p = ok(member.get(f"{PROPOSALS}/{p['id']}"))
    assert p["proposers"] == "王建国、丁一"
    p = ok(member.post(f"{PROPOSALS}/{p['id']}/submit", {"version": p["version"]}))
    chinese_error(office.post(f"{PROPOSALS}/{p['id']}/return", {"version": p["version"]}), 400)
    p = ok(office.post(f"{PROPOSALS}/{p['id']}/return", {"version": p["version"], "note": "请补充具体建议"}))
    assert p["state"] == "returned"
    p = ok(member.post(f"{PROPOSALS}/{p['id']}/withdraw", {"version": p["version"], "note": "再调研"}))
    assert p["state"] == "withdrawn"


def test_it_lets_the_office_draft_a_body_proposal(pw: ProposalWorld) -> None:
    office = Api("alice")
    body = chinese_error(office.post(PROPOSALS, {**DRAFT, "organisation": "dcx"}), 400)
    assert "body_name" in body["errors"]
    p = ok(
        office.post(PROPOSALS, {**DRAFT, "organisation": "dcx", "body_type": "民主党派", "body_name": "民盟东城县委"}),
        201,
    )
    assert p["proposer_type"] == "body" and p["proposers"] == "民盟东城县委" and p["body_type"] == "party"
    p = ok(office.post(f"{PROPOSALS}/{p['id']}/submit", {"version": p["version"]}))
    assert p["state"] == "submitted"


# -- key, excellent, objections, re-assignment, extensions ----------------------------------


def test_it_marks_key_and_excellent_proposals(pw: ProposalWorld) -> None:
    w = pw.world
    p = filed(pw)
    office = Api("alice")
    chinese_error(office.post(f"{PROPOSALS}/{p.pk}/key", {"version": p.version, "supervisor": w.alice.pk}), 400)
    d = ok(office.post(f"{PROPOSALS}/{p.pk}/key", {"version": p.version, "supervisor": w.leader.pk}))
    assert d["is_key"] and d["supervisor"] == "孙主席"
    d = ok(office.post(f"{PROPOSALS}/{p.pk}/excellent", {"version": d["version"]}))
    assert d["is_excellent"]
    assert [i["id"] for i in ok(office.get(PROPOSALS, {"is_key": "1"}))["items"]] == [p.pk]
    assert ok(office.get(PROPOSALS, {"is_key": "0"}))["count"] == 0
    # A leader sees the proposal but cannot act as the office.
    leader = Api("leader")
    assert ok(leader.get(f"{PROPOSALS}/{p.pk}"))["is_key"]
    chinese_error(leader.post(f"{PROPOSALS}/{p.pk}/excellent", {"version": d["version"], "is_excellent": False}), 403)


def test_it_lets_a_unit_object_and_the_office_reassign(pw: ProposalWorld) -> None:
    p = assigned(pw)
    a = p.assignments.get()
    unit, office, transport = Api("unit"), Api("alice"), Api("transport")
    chinese_error(unit.post(f"{ASSIGNMENTS}/{a.pk}/object", {"reason": " "}), 400)
    d = ok(unit.post(f"{ASSIGNMENTS}/{a.pk}/object", {"reason": "不属于本单位职责"}))
    assert d["state"] == "objected" and d["objection_reason"] == "不属于本单位职责"
    listed = ok(office.get(ASSIGNMENTS, {"state": "申请调整"}))["items"]
    assert [i["id"] for i in listed] == [a.pk]
    version = ok(office.get(f"{PROPOSALS}/{p.pk}"))["version"]
    chinese_error(
        office.post(
            f"{PROPOSALS}/{p.pk}/reassign", {"version": version, "cancel": [a.pk + 999], "unit_ids": [pw.transport.pk]}
        ),
        400,
    )
    d = ok(
        office.post(
            f"{PROPOSALS}/{p.pk}/reassign", {"version": version, "cancel": [a.pk], "unit_ids": [pw.transport.pk]}
        )
    )
    assert {(x["unit"], x["state"]) for x in d["assignments"]} == {
        ("东城县发展和改革局", "cancelled"),
        ("东城县交通运输局", "pending"),
    }
    assert unit.get(f"{PROPOSALS}/{p.pk}").status_code == 404
    assert unit.get(f"{ASSIGNMENTS}/{a.pk}").status_code == 404
    assert ok(unit.get(ASSIGNMENTS))["count"] == 0
    new_id = ok(transport.get(ASSIGNMENTS))["items"][0]["id"]
    member_view = ok(Api("member").get(f"{PROPOSALS}/{p.pk}"))
    assert [x["unit"] for x in member_view["assignments"]] == ["东城县交通运输局"]
    assert member_view["assignments"][0]["objection_reason"] is None
    assert "object" not in [e["action"] for e in member_view["events"]]
    assert new_id != a.pk


def test_it_extends_a_deadline_on_request(pw: ProposalWorld) -> None:
    p = assigned(pw)
    a = p.assignments.get()
    unit, office = Api("unit"), Api("alice")
    body = chinese_error(
        unit.post(f"{ASSIGNMENTS}/{a.pk}/extension", {"new_deadline": "2026-02-30", "reason": "x"}), 422
    )
    assert body["errors"][0]["loc"][-1] == "new_deadline" and body["errors"][0]["msg"] == "日期格式有误"
    new = a.deadline + dt.timedelta(days=30)
    d = ok(unit.post(f"{ASSIGNMENTS}/{a.pk}/extension", {"new_deadline": cn_date(new), "reason": "需要调研"}))
    ext = d["extensions"][0]
    assert ext["state"] == "pending" and ext["new_deadline"] == new.isoformat()
    assert Api("edu").post(f"{BASE}/extensions/{ext['id']}/decide", {"approve": True}).status_code == 404
    chinese_error(unit.post(f"{BASE}/extensions/{ext['id']}/decide", {"approve": True}), 403)
    d = ok(office.post(f"{BASE}/extensions/{ext['id']}/decide", {"approve": True}))
    assert d["assignments"][0]["deadline"] == new.isoformat()
    assert d["assignments"][0]["extensions"][0]["state"] == "approved"
    assert ok(Api("member").get(f"{PROPOSALS}/{p.pk}"))["assignments"][0]["extensions"] is None


def test_it_lists_overdue_items_for_the_office_and_the_unit(pw: ProposalWorld) -> None:
    late = assigned(pw, title="关于整治县城占道经营的建议")
    assigned(pw, title="关于建设城东公园的建议")
    Assignment.objects.filter(proposal=late).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    office, unit = Api("alice"), Api("unit")
    assert [i["id"] for i in ok(office.get(PROPOSALS, {"overdue": "1"}))["items"]] == [late.pk]
    assert ok(office.get(PROPOSALS, {"overdue": "0"}))["count"] == 1
    items = ok(unit.get(ASSIGNMENTS, {"overdue": "1"}))["items"]
    assert [(i["proposal"]["id"], i["overdue"], i["days_left"]) for i in items] == [(late.pk, True, -3)]
    detail = ok(office.get(f"{PROPOSALS}/{late.pk}"))
    assert detail["overdue"] and detail["assignments"][0]["overdue"]


# -- conflicts, wrong states, scoping ------------------------------------------------------


def test_it_lets_only_one_of_two_concurrent_edits_win(pw: ProposalWorld) -> None:
    member = Api("member")
    p = ok(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx"}), 201)
    seen = p["version"]
    ok(member.patch(f"{PROPOSALS}/{p['id']}", {"title": "关于农村饮水的建议（第一稿）", "version": seen}))
    body = chinese_error(member.patch(f"{PROPOSALS}/{p['id']}", {"title": "第二个窗口的标题", "version": seen}), 409)
    assert "已被他人" in body["detail"]
    assert Proposal.objects.get(pk=p["id"]).title == "关于农村饮水的建议（第一稿）"

    q = submitted(pw, "关于规范校外培训的建议")
    office, other_clerk = Api("alice"), Api("alice")
    ok(office.post(f"{PROPOSALS}/{q.pk}/file", {"version": q.version}))
    chinese_error(
        other_clerk.post(f"{PROPOSALS}/{q.pk}/not-file", {"version": q.version, "reason": "属于学术讨论"}), 409
    )
    chinese_error(other_clerk.post(f"{PROPOSALS}/{q.pk}/file", {"version": q.version}), 409)
    q.refresh_from_db()
    assert q.state == State.FILED and q.not_filed_reason == "" and q.number.endswith("第0001号")


def test_it_refuses_a_wrong_start_state_with_the_actions_message(pw: ProposalWorld) -> None:
    p = filed(pw)
    office = Api("alice")
    body = chinese_error(office.post(f"{PROPOSALS}/{p.pk}/file", {"version": p.version}), 400)
    assert body["detail"] == "提案当前状态为“已立案待交办”，不能立案"
    body = chinese_error(Api("member").post(f"{PROPOSALS}/{p.pk}/withdraw", {"version": p.version}), 400)
    assert "不能撤案" in body["detail"]
    body = chinese_error(office.post(f"{PROPOSALS}/{p.pk}/publish", {"version": p.version}), 400)
    assert body["detail"] == "只有已答复的提案可以公开"
    # Wrong roles: the leader and the city clerk see it but may not file; a member may not assign.
    q = submitted(pw, "关于另一件事的建议")
    chinese_error(Api("leader").post(f"{PROPOSALS}/{q.pk}/file", {"version": q.version}), 403)
    chinese_error(Api("carol").post(f"{PROPOSALS}/{q.pk}/file", {"version": q.version}), 403)
    r = Api("member").post(f"{PROPOSALS}/{p.pk}/assign", {"version": p.version, "mode": "single", "unit_ids": [1]})
    assert r.status_code in (403, 404)


def test_it_shows_another_county_nothing(pw: ProposalWorld) -> None:
    w = pw.world
    p = replied(pw)
    s = submitted(pw, "关于规范校外培训的建议")
    a = p.assignments.get()
    reply = p.replies.get()
    charlie = Api("charlie")
    assert ok(charlie.get(PROPOSALS)) == {"items": [], "count": 0}
    assert ok(charlie.get(ASSIGNMENTS)) == {"items": [], "count": 0}
    assert ok(charlie.get(PROPOSALS, {"organisation": "dcx"}))["count"] == 0
    for url in (f"{PROPOSALS}/{p.pk}", f"{ASSIGNMENTS}/{a.pk}", f"{BASE}/replies/{reply.pk}/letter"):
        assert charlie.get(url).status_code == 404, url
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"{PROPOSALS}/{s.pk}/file", {"version": s.version}),
        (f"{PROPOSALS}/{s.pk}/not-file", {"version": s.version, "reason": "属于学术讨论"}),
        (f"{PROPOSALS}/{s.pk}/merge", {"version": s.version, "into": p.pk}),
        (f"{PROPOSALS}/{p.pk}/publish", {"version": p.version}),
        (f"{PROPOSALS}/{p.pk}/key", {"version": p.version, "supervisor": w.leader.pk}),
        (f"{PROPOSALS}/{p.pk}/rate", {"process": "满意", "result": "满意"}),
        (f"{ASSIGNMENTS}/{a.pk}/accept", {}),
        (f"{ASSIGNMENTS}/{a.pk}/extension", {"new_deadline": "2099-01-01", "reason": "x"}),
        (f"{BASE}/replies/{reply.pk}/review", {"approve": True}),
    ]
    for url, data in posts:
        response = charlie.post(url, data)
        assert response.status_code == 404, (url, response.content)
        assert response.json()["detail"] in ("提案不存在", "交办事项不存在", "答复不存在"), url
    assert charlie.patch(f"{PROPOSALS}/{s.pk}", {"title": "x", "version": s.version}).status_code == 404
    assert charlie.post(PROPOSALS, {**DRAFT, "organisation": "dcx"}).status_code == 404
    assert charlie.get(f"{PROPOSALS}/similar", {"organisation": "dcx", "title": DRAFT["title"]}).status_code == 404
    s.refresh_from_db()
    assert s.state == State.SUBMITTED


def test_it_scopes_lists_by_role(pw: ProposalWorld) -> None:
    w = pw.world
    mine = assigned(pw, title="关于整治县城占道经营的建议")
    dings = submitted(pw, "关于建设城东公园的建议", author=pw.ding)
    draft = actions.create_draft(actor=w.member_user, organisation=w.county, data=DRAFT)
    ids = lambda r: {i["id"] for i in ok(r)["items"]}  # noqa: E731
    assert ids(Api("alice").get(PROPOSALS)) == {mine.pk, dings.pk}
    assert ids(Api("carol").get(PROPOSALS)) == {mine.pk, dings.pk}
    assert ids(Api("member").get(PROPOSALS)) == {mine.pk, draft.pk}
    assert ids(Api("ding").get(PROPOSALS)) == {dings.pk}
    assert ids(Api("unit").get(PROPOSALS)) == {mine.pk}
    assert ids(Api("edu").get(PROPOSALS)) == set()
    assert ok(Api("edu").get(ASSIGNMENTS))["count"] == 0
    assert ok(Api("member").get(ASSIGNMENTS))["count"] == 0
    assert Api("ding").get(f"{PROPOSALS}/{mine.pk}").status_code == 404
    office = Api("alice")
    assert ids(office.get(PROPOSALS, {"state": "办理中"})) == {mine.pk}
    assert ids(office.get(PROPOSALS, {"state": "submitted", "q": "丁一"})) == {dings.pk}
    assert ids(office.get(PROPOSALS, {"unit": str(w.unit.pk)})) == {mine.pk}
    assert ids(office.get(PROPOSALS, {"q": "占道"})) == {mine.pk}
    assert ids(
        office.get(PROPOSALS, {"year": str(timezone.localdate().year), "category": "社会", "kind": "平时提案"})
    ) == {mine.pk, dings.pk}
    assert ids(office.get(PROPOSALS, {"organisation": "xsx"})) == set()
    chinese_error(office.get(PROPOSALS, {"year": "今年"}), 400)


def test_it_finds_similar_proposals_without_showing_what_the_user_may_not_see(pw: ProposalWorld) -> None:
    dings = submitted(pw, "关于加强农村饮水安全工程管护的建议", author=pw.ding)
    mine = submitted(pw, "关于农村饮水安全工程建设的建议")
    submitted(pw, "关于建设城东公园的建议")
    member = Api("member")
    found = ok(member.get(f"{PROPOSALS}/similar", {"organisation": "dcx", "title": "农村饮水安全工程"}))
    by_title = {f["title"]: f for f in found}
    assert set(by_title) == {dings.title, mine.title}
    assert by_title[mine.title]["id"] == mine.pk and by_title[mine.title]["state"] == "submitted"
    assert by_title[dings.title]["id"] is None and by_title[dings.title]["number"] is None
    assert all(0 < f["score"] <= 1 for f in found)
    office = ok(Api("alice").get(f"{PROPOSALS}/similar", {"organisation": "dcx", "title": "农村饮水安全工程"}))
    assert {f["id"] for f in office} == {dings.pk, mine.pk}
    # 王建国 sits on the city committee too, but not on 西山县.
    assert member.get(f"{PROPOSALS}/similar", {"organisation": "xsx", "title": "农村饮水"}).status_code == 404


# -- input errors --------------------------------------------------------------------------


def test_it_answers_bad_input_with_chinese_errors(pw: ProposalWorld) -> None:
    w = pw.world
    member, office = Api("member"), Api("alice")
    body = chinese_error(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx", "title": "  "}), 400)
    assert body["errors"] == {"title": "案由不能为空"}
    body = chinese_error(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx", "category": "体育"}), 400)
    assert body["errors"]["category"].startswith("类别应为")
    body = chinese_error(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx", "colour": "红"}), 422)
    assert body["errors"][0]["msg"] == "不支持的字段"
    chinese_error(member.post(PROPOSALS, {**DRAFT, "organisation": "nowhere"}), 404)
    p = ok(member.post(PROPOSALS, {**DRAFT, "organisation": "dcx", "category": ""}), 201)
    body = chinese_error(member.post(f"{PROPOSALS}/{p['id']}/submit", {"version": p["version"]}), 400)
    assert "类别" in body["errors"]["__all__"]
    chinese_error(member.post(f"{PROPOSALS}/{p['id']}/submit", {}), 422)

    f = filed(pw, "关于规范校外培训的建议")
    url = f"{PROPOSALS}/{f.pk}/assign"
    body = chinese_error(
        office.post(url, {"version": f.version, "mode": "single", "unit_ids": [w.unit.pk], "deadline": "下个月"}), 422
    )
    assert body["errors"] == [{"loc": ["body", "payload", "deadline"], "type": "date_parsing", "msg": "日期格式有误"}]
    body = chinese_error(office.post(url, {"version": f.version, "mode": "single", "unit_ids": [999999]}), 400)
    assert body["errors"]["units"] == "承办单位不存在：999999"
    xsx_unit = w.other_county.handling_units.get()
    body = chinese_error(office.post(url, {"version": f.version, "mode": "single", "unit_ids": [xsx_unit.pk]}), 400)
    assert "西山县" not in body["errors"]["units"]
    body = chinese_error(
        office.post(url, {"version": f.version, "mode": "joint", "unit_ids": [w.unit.pk, pw.edu.pk]}), 400
    )
    assert body["errors"] == {"lead": "会办须指定主办单位"}
    body = chinese_error(
        office.post(
            url,
            {
                "version": f.version,
                "mode": "joint",
                "units": [{"unit_id": w.unit.pk, "role": "assist"}, {"unit_id": pw.edu.pk, "role": "assist"}],
            },
        ),
        400,
    )
    assert "主办单位" in body["errors"]["units"]
    body = chinese_error(office.post(url, {"version": f.version, "mode": "together", "unit_ids": [w.unit.pk]}), 400)
    assert "办理方式" in body["errors"]["mode"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    body = chinese_error(
        office.post(url, {"version": f.version, "mode": "single", "unit_ids": [w.unit.pk], "deadline": str(yesterday)}),
        400,
    )
    assert body["errors"] == {"deadline": "办理期限应晚于今天"}
    f.refresh_from_db()
    assert f.state == State.FILED and not f.assignments.exists()


# -- documentation and cost ----------------------------------------------------------------


def test_it_documents_every_endpoint_in_openapi(pw: ProposalWorld) -> None:
    schema = ok(Client().get(f"{BASE}/openapi.json"))
    paths = schema["paths"]
    expected = {
        ("get", "/api/v1/proposals"),
        ("post", "/api/v1/proposals"),
        ("get", "/api/v1/proposals/similar"),
        ("get", "/api/v1/proposals/{proposal_id}"),
        ("patch", "/api/v1/proposals/{proposal_id}"),
        ("get", "/api/v1/assignments"),
        ("get", "/api/v1/assignments/{assignment_id}"),
        ("post", "/api/v1/replies/{reply_id}/review"),
        ("post", "/api/v1/extensions/{extension_id}/decide"),
    }
    for step in (
        "cosigners",
        "invitation",
        "submit",
        "withdraw",
        "return",
        "file",
        "not-file",
        "merge",
        "key",
        "excellent",
        "assign",
        "reassign",
        "publish",
        "rate",
    ):
        expected.add(("post", f"/api/v1/proposals/{{proposal_id}}/{step}"))
    for step in ("accept", "object", "face-to-face", "assist-opinion", "reply", "extension"):
        expected.add(("post", f"/api/v1/assignments/{{assignment_id}}/{step}"))
    for method, path in expected:
        operation = paths[path][method]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in operation["summary"]), (method, path)
        assert operation.get("description"), (method, path)
        assert operation["tags"][0] in ("提案", "提案办理")
    reply_body = paths["/api/v1/assignments/{assignment_id}/reply"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in reply_body


def test_it_lists_proposals_in_a_bounded_number_of_queries(
    pw: ProposalWorld, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        assigned(pw, title=f"关于第{i}件事情的建议")
    for i in range(6):
        submitted(pw, title=f"关于另外第{i}件事情的建议", author=pw.ding if i % 2 else None)
    office, member, unit = Api("alice"), Api("member"), Api("unit")
    with django_assert_max_num_queries(8):
        body = ok(office.get(PROPOSALS))
    assert body["count"] == 12 and all(item["proposers"] for item in body["items"])
    with django_assert_max_num_queries(8):
        assert ok(member.get(PROPOSALS))["count"] == 9
    with django_assert_max_num_queries(8):
        assert ok(unit.get(ASSIGNMENTS))["count"] == 6
