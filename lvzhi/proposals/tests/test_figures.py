"""Proposal figures against a small set built through the actions and counted by hand.

东城县 (dcx), this year, all by 王建国 unless said otherwise:
- P1 submitted, awaiting review;                  - P2 submitted, then withdrawn;
- P3 not filed;                                   - P4 (by 丁一) merged into F1;
- F1 filed, not assigned, key proposal;
- F2 assigned to 发改局, accepted, its deadline moved into the past -> overdue;
- F3 assigned, 面商, replied A, rated 满意 -> closed; excellent;
- F4 assigned, no 面商, replied C, rated 不满意 -> re-handling (round 2, not overdue);
- plus a draft and a draft withdrawn before submission (neither is received).
西山县 (xsx): 1 proposal filed by 马六. The city (sys): 1 proposal submitted by 王建国.

By hand for dcx: received 8, pending_review 1, withdrawn 1, not_filed 1, merged 1, filed 4,
assigned 3, replied 2 (F3, F4), reply_rate 2/4, solved_or_solving 1 (F3: A; F4's current
answer is round 1's C), rate 1/2, face_to_face 1 of 3 assigned, ratings 2 (满意, 不满意) ->
satisfaction 1/2, overdue 1 (F2), rehandled 1 (F4), key 1, excellent 1.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.accounts.models import Role
from lvzhi.core.figures import Period, summary_lines
from lvzhi.members.models import Membership
from lvzhi.proposals import actions
from lvzhi.proposals.figures import COUNT_KEYS, DEFINITIONS, breakdown, proposal_figures, unit_evaluation
from lvzhi.proposals.models import State, UnitRole
from lvzhi.proposals.testing import (
    DRAFT,
    ProposalWorld,
    build_proposal_world,
    filed,
    make_overdue,
    replied,
    submitted,
)
from lvzhi.testing import PASSWORD, World, make_account

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def build_set(pw: ProposalWorld) -> dict[str, Any]:
    w = pw.world
    member = w.member_user
    # Not received: a draft, and a draft withdrawn before it was ever submitted.
    actions.create_draft(actor=member, organisation=w.county, data={**DRAFT, "title": "草稿一"})
    d = actions.create_draft(actor=member, organisation=w.county, data={**DRAFT, "title": "草稿二"})
    actions.withdraw(actor=member, proposal=d, version=d.version)

    p1 = submitted(pw, "关于P1待审查的建议")
    p2 = submitted(pw, "关于P2撤案的建议")
    actions.withdraw(actor=member, proposal=p2, version=p2.version)
    p3 = submitted(pw, "关于P3不立案的建议")
    actions.not_file(actor=w.alice, proposal=p3, reason="属于学术讨论", version=p3.version)

    f1 = filed(pw, "关于F1立案待交办的建议")
    p4 = submitted(pw, "关于P4并案的建议", author=pw.ding)
    actions.merge(actor=w.alice, proposal=p4, into=f1, version=p4.version)
    f1.refresh_from_db()
    actions.mark_key(actor=w.alice, proposal=f1, is_key=True, supervisor=w.leader, version=f1.version)

    f2 = filed(pw, "关于F2逾期的建议")
    f2 = actions.assign(actor=w.alice, proposal=f2, mode="single", units=[(w.unit, UnitRole.SOLE)], version=f2.version)
    a2 = f2.assignments.get()
    actions.accept_assignment(actor=w.unit_user, assignment=a2)
    make_overdue(a2)

    f3 = replied(pw, "A", title="关于F3已办结的建议", face_to_face=True)
    actions.rate(actor=member, proposal=f3, process="satisfied", result="satisfied")
    f3.refresh_from_db()
    actions.mark_excellent(actor=w.alice, proposal=f3, is_excellent=True, version=f3.version)

    f4 = replied(pw, "C", title="关于F4重办的建议", face_to_face=False)
    actions.rate(actor=member, proposal=f4, process="basic", result="unsatisfied", comment="没有实质措施")

    # 西山县: 马六 (who gets a login for this) has one proposal filed.
    ma = Membership.objects.get(organisation=w.other_county, person__name="马六").person
    ma_user = make_account(w.sysadmin, w.secadmin, "maliu", "马六", Role.MEMBER, person=ma)
    x = actions.create_draft(actor=ma_user, organisation=w.other_county, data={**DRAFT, "title": "西山县的提案"})
    x = actions.submit(actor=ma_user, proposal=x, version=x.version)
    actions.file_proposal(actor=w.charlie, proposal=x, version=x.version)
    # The city itself: one proposal awaiting review.
    c = actions.create_draft(actor=member, organisation=w.city, data={**DRAFT, "title": "市本级的提案"})
    actions.submit(actor=member, proposal=c, version=c.version)
    for p in (f1, f2, f3, f4):
        p.refresh_from_db()
    assert (p1.state, f2.state, f3.state, f4.state) == (State.SUBMITTED, State.ASSIGNED, State.CLOSED, State.ASSIGNED)
    assert f4.round == 2
    return {"f1": f1, "f2": f2, "f3": f3, "f4": f4}


EXPECTED_DCX = {
    "received": 8,
    "pending_review": 1,
    "withdrawn": 1,
    "filed": 4,
    "not_filed": 1,
    "merged": 1,
    "assigned": 3,
    "replied": 2,
    "reply_rate": 0.5,
    "solved_or_solving": 1,
    "solved_or_solving_rate": 0.5,
    "face_to_face": 1,
    "face_to_face_rate": 0.3333,
    "ratings": 2,
    "satisfied": 1,
    "satisfaction_rate": 0.5,
    "process_satisfaction_rate": 1.0,
    "overdue": 1,
    "rehandled": 1,
    "key": 1,
    "excellent": 1,
}


def test_every_figure_equals_the_hand_count(pw: ProposalWorld, django_assert_max_num_queries: Any) -> None:
    build_set(pw)
    with django_assert_max_num_queries(6):  # a handful of aggregate queries, whatever the size
        fig = proposal_figures(pw.world.county, year=YEAR)
    assert {k: fig[k] for k in EXPECTED_DCX} == EXPECTED_DCX
    assert fig["by_category"] == [{"name": "社会", "count": 8, "filed": 4}]
    for key in EXPECTED_DCX:
        assert key in fig["definitions"], key
    assert "已办复提案数 / 立案提案数" in DEFINITIONS["reply_rate"]
    # Another year has nothing; rates with a zero denominator are None.
    empty = proposal_figures(pw.world.county, year=YEAR - 30)
    assert empty["received"] == 0 and empty["reply_rate"] is None and empty["satisfaction_rate"] is None


def test_filters_by_category_unit_and_session(pw: ProposalWorld) -> None:
    build_set(pw)
    w = pw.world
    by_unit = proposal_figures(w.county, year=YEAR, unit=w.unit)
    assert (by_unit["received"], by_unit["assigned"], by_unit["replied"]) == (3, 3, 2)
    assert proposal_figures(w.county, year=YEAR, unit=pw.edu)["received"] == 0
    assert proposal_figures(w.county, year=YEAR, category="经济")["received"] == 0
    assert proposal_figures(w.county, year=YEAR, category="社会")["filed"] == 4
    assert proposal_figures(w.county, year=YEAR, session=1)["filed"] == 4
    assert proposal_figures(w.county, year=YEAR, session=2)["received"] == 0
    today = timezone.localdate()
    assert proposal_figures(w.county, period=Period(today, today))["received"] == 8
    assert proposal_figures(w.county, period=Period(None, today.replace(year=today.year - 1)))["received"] == 0


def test_the_city_figure_is_its_own_plus_its_counties(pw: ProposalWorld) -> None:
    build_set(pw)
    w = pw.world
    city = proposal_figures(w.city, year=YEAR)
    dcx = proposal_figures(w.county, year=YEAR)
    xsx = proposal_figures(w.other_county, year=YEAR)
    own = proposal_figures(w.city, year=YEAR, subtree=False)
    assert (xsx["received"], xsx["filed"], own["received"], own["pending_review"]) == (1, 1, 1, 1)
    for key in COUNT_KEYS:
        assert city[key] == dcx[key] + xsx[key] + own[key], key
    rows = breakdown(w.city, year=YEAR)
    assert [r["code"] for r in rows] == ["sys", "dcx", "xsx"]
    for key in COUNT_KEYS:
        assert sum(r[key] for r in rows) == city[key], key
    assert breakdown(w.county, year=YEAR) == []


def test_unit_evaluation_rows(pw: ProposalWorld) -> None:
    build_set(pw)
    w = pw.world
    ev = unit_evaluation(w.county, year=YEAR)
    rows = {r["name"]: r for r in ev["rows"]}
    assert set(rows) == {"东城县发展和改革局", "东城县教育局", "东城县交通运输局"}
    fgj = rows["东城县发展和改革局"]
    assert {k: fgj[k] for k in (
        "assigned", "assisted", "replied", "on_time", "overdue", "on_time_rate", "face_to_face", "face_to_face_rate",
        "ratings", "satisfied", "satisfaction_rate", "solved", "solved_rate",
    )} == {
        "assigned": 3, "assisted": 0, "replied": 2, "on_time": 2, "overdue": 1, "on_time_rate": 0.6667,
        "face_to_face": 1, "face_to_face_rate": 0.3333, "ratings": 2, "satisfied": 1, "satisfaction_rate": 0.5,
        "solved": 1, "solved_rate": 0.5,
    }  # fmt: skip
    assert rows["东城县教育局"]["assigned"] == 0 and rows["东城县教育局"]["on_time_rate"] is None
    assert set(ev["definitions"]) >= {"on_time_rate", "face_to_face_rate", "satisfaction_rate", "solved_rate"}
    # The city sees its counties' units; 西山县教育局 had nothing assigned.
    city_rows = {r["name"]: r for r in unit_evaluation(w.city, year=YEAR)["rows"]}
    assert city_rows["东城县发展和改革局"]["assigned"] == 3 and city_rows["西山县教育局"]["assigned"] == 0


def test_a_split_proposal_counts_the_best_class_and_an_assisting_unit_is_apart(pw: ProposalWorld) -> None:
    from lvzhi.proposals.testing import approve_all, assigned

    w = pw.world
    split = assigned(pw, mode="split", title="分办的提案")
    first, second = split.assignments.order_by("id")
    for a, user, cls in ((first, w.unit_user, "C"), (second, pw.edu_user, "B")):
        actions.accept_assignment(actor=user, assignment=a)
        actions.submit_reply(actor=user, assignment=a, reply_class=cls, content="答复")
    approve_all(pw, split)
    joint = assigned(pw, mode="joint", title="会办的提案")
    assert joint.assignments.get(role=UnitRole.ASSIST).unit == pw.edu
    fig = proposal_figures(w.county, year=YEAR)
    assert (fig["replied"], fig["solved_or_solving"]) == (1, 1)
    rows = {r["name"]: r for r in unit_evaluation(w.county, year=YEAR)["rows"]}
    assert (rows["东城县教育局"]["assigned"], rows["东城县教育局"]["assisted"], rows["东城县教育局"]["solved"]) == (
        1,
        1,
        1,
    )
    assert rows["东城县发展和改革局"]["solved"] == 0 and rows["东城县发展和改革局"]["assigned"] == 2


def command(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("figures", "proposals", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_figures_command(pw: ProposalWorld) -> None:
    build_set(pw)
    data = command("--organisation", "dcx", "--year", str(YEAR))
    for key in (
        "received",
        "filed",
        "not_filed",
        "merged",
        "assigned",
        "replied",
        "reply_rate",
        "solved_or_solving",
        "solved_or_solving_rate",
        "face_to_face_rate",
        "satisfaction_rate",
        "overdue",
        "rehandled",
    ):
        assert data[key] == EXPECTED_DCX[key], key
    assert data["period"] == {"from": None, "to": None, "year": YEAR}
    assert set(data["definitions"]) >= set(EXPECTED_DCX)
    assert command("--organisation", "dcx", "--year", str(YEAR - 30))["received"] == 0
    assert command("--organisation", "sys")["received"] == 10
    # The members area still works, and takes --year as at the year's end.
    out = io.StringIO()
    call_command("figures", "members", "--organisation", "dcx", "--year", str(YEAR), "--json", stdout=out)
    assert json.loads(out.getvalue())["total"] == 2
    text = io.StringIO()
    call_command("figures", "proposals", "--organisation", "dcx", "--year", str(YEAR), stdout=text)
    assert "办复率：50.0%" in text.getvalue() and f"{YEAR}年度" in text.getvalue()


def test_summary_shows_a_missing_rate_as_a_dash(pw: ProposalWorld) -> None:
    fig = proposal_figures(pw.world.county, year=YEAR)
    lines = summary_lines("proposals", fig, "东城县政协")
    assert "办复率：—（分母为0）" in lines


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_figures_page(pw: ProposalWorld) -> None:
    build_set(pw)
    response = login("carol").get("/proposals/figures/", {"organisation": "sys", "year": str(YEAR)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html
    assert DEFINITIONS["reply_rate"] in html and "东城县政协" in html and "西山县政协" in html  # county breakdown
    assert "东城县发展和改革局" in html
    alice = login("alice")
    page = alice.get("/proposals/figures/", {"year": str(YEAR)}).content.decode()
    assert 'data-testid="fig-reply_rate">50.0%' in page
    # charlie (西山县) asking for 东城县 gets a 404, on the page and on the export.
    charlie = login("charlie")
    assert charlie.get("/proposals/figures/", {"organisation": "dcx"}).status_code == 404
    assert charlie.get("/proposals/figures/export/", {"organisation": "dcx"}).status_code == 404
    assert login("member").get("/proposals/figures/").status_code == 404
    assert alice.get("/proposals/figures/", {"organisation": "dcx", "year": "abc"}).status_code == 200


def test_the_evaluation_export(pw: ProposalWorld) -> None:
    build_set(pw)
    response = login("alice").get("/proposals/figures/export/", {"organisation": "dcx", "year": str(YEAR)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["承办单位测评"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["序号", "承办单位", "所属政协"]
    fgj = next(r for r in rows if r[1] == "东城县发展和改革局")
    assert fgj[header.index("交办件数")] == 3 and fgj[header.index("按期答复率")] == pytest.approx(0.6667)
    figures = {r[0]: r[1] for r in wb["提案统计"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert figures["办复率"] == 0.5 and figures["立案提案数"] == 4


def docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)


def test_the_compilation_docx(pw: ProposalWorld) -> None:
    made = build_set(pw)
    w = pw.world
    # A member who wrote a phone and an ID number into the suggestions: masked in the abstract.
    d = actions.create_draft(
        actor=w.member_user, organisation=w.county,
        data={**DRAFT, "title": "关于F5电话号码的建议", "suggestions": "请联系13812345678，身份证" + w.member.person.id_number},
    )  # fmt: skip
    d = actions.submit(actor=w.member_user, proposal=d, version=d.version)
    f5 = actions.file_proposal(actor=w.alice, proposal=d, version=d.version)
    response = login("alice").get("/proposals/figures/compilation/", {"organisation": "dcx", "session": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = docx_text(response.content)
    assert "政协东城县第十六届委员会第一次会议提案汇编" in text and "目　　录" in text
    filed_in_order = [made["f1"], made["f2"], made["f3"], made["f4"], f5]
    contents = text.split("目　　录", 1)[1]
    positions = [contents.index(f"{p.number}　{p.title}") for p in filed_in_order]
    assert positions == sorted(positions)
    # Each proposal's own page: its number alone on a line, then its title, in number order.
    lines = text.split("\n")
    numbers = {p.number for p in filed_in_order}
    pages = [(line, lines[i + 1]) for i, line in enumerate(lines) if line in numbers]
    assert pages == [(p.number, p.title) for p in filed_in_order]
    for word in ("关于P1待审查的建议", "关于P3不立案的建议", "西山县的提案", "市本级的提案"):
        assert word not in text  # not filed, or another committee
    assert "关于P4并案的建议（丁一）" in text  # merged into F1
    assert "王建国" in text and "东城县发展和改革局" in text and "一是加大投入" in text
    assert "13812345678" not in text and "138****5678" in text
    assert w.member.person.id_number not in text and "13800001234" not in text
    # Only what the user may see: 丁一 signed only P4, merged into F1, so he sees F1 alone.
    ding = Client()
    assert ding.login(username="ding", password=PASSWORD)
    ding_text = docx_text(ding.get("/proposals/figures/compilation/", {"organisation": "dcx"}).content)
    assert made["f1"].title in ding_text and made["f2"].title not in ding_text
    assert login("charlie").get("/proposals/figures/compilation/", {"organisation": "dcx"}).status_code == 404
