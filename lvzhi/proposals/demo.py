"""Demo proposals for `seed_demo`: about 200 per county, in every state of the lifecycle,
walked through the real actions (drafts, co-signing, review, assignment, 面商, replies,
review of replies, ratings with re-handling, key and excellent proposals, publication).

The actions stamp everything "now"; afterwards the demo's clock is wound back so the
session looks like a year of work (submission dates spread over the year, a few items
overdue). That last step writes dates only, never states."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts import actions as account_actions
from lvzhi.accounts.models import Role, User
from lvzhi.core.errors import ActionError
from lvzhi.members.models import Membership
from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.proposals import actions
from lvzhi.proposals.models import Assignment, HandlingMode, Proposal, Reply, UnitRole
from lvzhi.testing import PASSWORD

TOPICS = [
    "农村饮水安全", "城乡道路硬化", "农村危房改造", "易地扶贫搬迁后续扶持", "义务教育均衡发展", "乡村医生队伍",
    "农产品冷链物流", "县城停车难", "老旧小区改造", "生活垃圾分类处理", "中小企业融资", "民营经济发展",
    "职业技能培训", "居家养老服务", "农村留守儿童关爱", "河道综合治理", "森林防火", "乡村旅游",
    "电子商务进农村", "特色产业发展", "非物质文化遗产保护", "城乡居民医保报销", "基层公共卫生应急",
    "食品安全监管", "城市供水管网", "农村电网改造", "高标准农田建设", "茶叶品牌建设", "中药材种植",
    "烤烟产业转型", "煤矿安全生产", "工业园区建设", "县域物流体系", "农村客运", "学前教育", "乡镇卫生院",
    "残疾人就业", "农民工工资保障", "小城镇建设", "历史文化街区保护",
]  # fmt: skip
VERBS = ["加快", "加强", "推进", "完善", "规范", "支持", "优化", "提升", "解决", "保障"]
PLACES = ["", "我县", "山区", "城区", "乡镇", "边远村组", "城乡结合部"]
EXTRA = ["工作", "机制", "建设", "管理", "问题", "能力", "水平", "体系"]
CATEGORY_OF = {"经济": 0.35, "社会": 0.3, "文化": 0.1, "生态文明": 0.12, "政治": 0.08, "其他": 0.05}


def demo_title(rng: random.Random) -> str:
    return f"关于{rng.choice(VERBS)}{rng.choice(PLACES)}{rng.choice(TOPICS)}{rng.choice(EXTRA)}的建议"


def _text(rng: random.Random, title: str) -> tuple[str, str]:
    topic = title.removeprefix("关于").removesuffix("的建议")
    analysis = (
        f"近年来，我县在{topic}方面做了大量工作，取得一定成效，但仍存在投入不足、"
        f"统筹不够、群众反映较多等问题，与群众期盼还有差距。"
    )
    suggestions = (
        f"一是加强统筹，将{topic}纳入年度重点工作；二是加大投入，争取上级项目资金支持；"
        f"三是健全长效机制，明确部门责任，定期督查通报。"
    )
    return analysis, suggestions


# How the ~200 proposals of a county end up (state plan -> count).
PLAN = [
    ("draft", 6),
    ("withdrawn", 5),
    ("returned", 5),
    ("submitted", 14),
    ("not_filed", 10),
    ("filed", 16),
    ("merged", 8),
    ("assigned_pending", 14),
    ("assigned_accepted", 22),
    ("reply_pending", 10),
    ("replied", 38),
    ("closed", 46),
    ("rehandled_closed", 4),
    ("rehandling", 2),
]


@dataclass
class ProposalDemoResult:
    organisation: str
    proposals: int
    accounts: int


def _proposer_accounts(org: Organisation, secadmin: User, sysadmin: User, rng: random.Random, count: int) -> list[User]:
    """Member logins for the proposers (the demo's own `{code}_member` plus more)."""
    users = list(User.objects.filter(role=Role.MEMBER, organisation=org))
    seats = list(
        Membership.objects.filter(organisation=org, is_active=True, person__user__isnull=True)
        .select_related("person")
        .order_by("person__stroke_key", "id")
    )
    rng.shuffle(seats)
    for i, seat in enumerate(seats[: max(0, count - len(users))], start=1):
        user = account_actions.create_account(
            actor=sysadmin, username=f"{org.code}_m{i:02d}", full_name=seat.person.name, password=PASSWORD
        )
        users.append(
            account_actions.grant_role(
                actor=secadmin, user=user, role=Role.MEMBER, organisation=org, person=seat.person
            )
        )
    return users


def _units(org: Organisation) -> dict[int, User]:
    clerks: dict[int, User] = {}
    for user in User.objects.filter(role=Role.UNIT, handling_unit__organisation=org).select_related("handling_unit"):
        assert user.handling_unit is not None
        clerks[user.handling_unit.pk] = user
    return clerks


def _unit_clerks(org: Organisation, units: list[HandlingUnit], sysadmin: User, secadmin: User) -> dict[int, User]:
    """One clerk per handling unit that gets proposals (the demo's `{code}_unit` is one)."""
    clerks = _units(org)
    for i, unit in enumerate(units, start=1):
        if unit.pk in clerks:
            continue
        user = account_actions.create_account(
            actor=sysadmin,
            username=f"{org.code}_u{i:02d}",
            full_name=unit.contact_name or f"{unit.name}联络员",
            password=PASSWORD,
        )
        clerks[unit.pk] = account_actions.grant_role(actor=secadmin, user=user, role=Role.UNIT, handling_unit=unit)
    return clerks


def build_county_proposals(
    org: Organisation, *, seed: int, sysadmin: User, secadmin: User, tick: Callable[[], None] = lambda: None
) -> ProposalDemoResult:
    rng = random.Random(f"{seed}-{org.code}-proposals")
    office = User.objects.get(username=f"{org.code}_office")
    leader = User.objects.get(username=f"{org.code}_leader")
    proposers = _proposer_accounts(org, secadmin, sysadmin, rng, 12)
    # Proposals go to the government departments (the demo's unit login is the first).
    units = list(HandlingUnit.objects.filter(organisation=org, kind="government").order_by("id"))[:10]
    clerks = _unit_clerks(org, units, sysadmin, secadmin)
    categories = list(CATEGORY_OF)
    weights = list(CATEGORY_OF.values())
    made: list[Proposal] = []
    targets: list[Proposal] = []

    def draft(author: User) -> Proposal:
        title = demo_title(rng)
        analysis, suggestions = _text(rng, title)
        data = {
            "title": title, "analysis": analysis, "suggestions": suggestions,
            "suggested_units": rng.choice(units).name, "category": rng.choices(categories, weights)[0],
            "kind": "plenary" if rng.random() < 0.6 else "routine",
        }  # fmt: skip
        p = actions.create_draft(actor=author, organisation=org, data=data)
        if rng.random() < 0.25:  # a joint proposal: co-signers invited, most confirm
            others = [u for u in proposers if u.pk != author.pk]
            invited = rng.sample(others, k=min(len(others), rng.choice((1, 2, 3))))
            p = actions.invite_cosigners(actor=author, proposal=p, persons=[u.person for u in invited if u.person])
            for u in invited:
                if rng.random() < 0.85:
                    actions.respond_invitation(actor=u, proposal=p, accept=True)
            p.refresh_from_db()
        return p

    def submitted(author: User) -> Proposal:
        p = draft(author)
        return actions.submit(actor=author, proposal=p, version=p.version)

    def filed(author: User) -> Proposal:
        p = submitted(author)
        return actions.file_proposal(actor=office, proposal=p, version=p.version)

    def assigned(author: User) -> Proposal:
        p = filed(author)
        roll = rng.random()
        if roll < 0.7:
            mode, chosen = HandlingMode.SINGLE, [(rng.choice(units), UnitRole.SOLE)]
        elif roll < 0.85:
            pair = rng.sample(units, 2)
            mode, chosen = HandlingMode.SPLIT, [(u, UnitRole.SPLIT) for u in pair]
        else:
            pair = rng.sample(units, 2)
            mode, chosen = HandlingMode.JOINT, [(pair[0], UnitRole.LEAD), (pair[1], UnitRole.ASSIST)]
        return actions.assign(actor=office, proposal=p, mode=mode, units=chosen, version=p.version)

    def accept_all(p: Proposal, face_to_face: bool = True) -> None:
        for a in p.assignments.exclude(state="cancelled"):
            actions.accept_assignment(actor=clerks[a.unit_id], assignment=a)
            if a.role == UnitRole.ASSIST:
                actions.send_assist_opinion(
                    actor=clerks[a.unit_id], assignment=a, text="同意主办单位意见，积极配合办理。"
                )
            elif face_to_face:
                mode = rng.choice(["meeting", "meeting", "symposium", "phone"])
                actions.record_face_to_face(
                    actor=clerks[a.unit_id],
                    assignment=a,
                    mode=mode,
                    date=timezone.localdate(),
                    participants=f"{p.proposer_names}、{a.unit.name}分管领导",
                )

    def reply_all(p: Proposal, approve: bool = True) -> None:
        for a in p.assignments.exclude(state__in=["cancelled", "done"]).exclude(role=UnitRole.ASSIST):
            reply_class = rng.choices(["A", "B", "C"], [0.45, 0.45, 0.1])[0]
            reply = actions.submit_reply(
                actor=clerks[a.unit_id],
                assignment=a,
                reply_class=reply_class,
                content=f"关于《{p.title}》的答复：我单位高度重视，经认真研究，现答复如下……",
            )
            if approve:
                actions.review_reply(actor=office, reply=reply, approve=True)

    def rate_all(p: Proposal, unsatisfied: bool = False) -> None:
        persons = {person.pk for person in actions.proposer_persons(p)}
        for u in User.objects.filter(role=Role.MEMBER, person_id__in=persons):
            bad = unsatisfied and u.person_id == p.signers.get(is_first=True).person_id
            result = "unsatisfied" if bad else rng.choices(["satisfied", "basic"], [0.8, 0.2])[0]
            actions.rate(
                actor=u,
                proposal=p,
                process="satisfied" if result != "unsatisfied" else "basic",
                result=result,
                comment="措施不够具体，希望进一步落实" if bad else "",
            )

    for state, count in PLAN:
        for _ in range(count):
            author = rng.choice(proposers)
            if state == "draft":
                p = draft(author)
            elif state == "withdrawn":
                p = submitted(author)
                p = actions.withdraw(actor=author, proposal=p, version=p.version, note="拟与其他委员联名提交")
            elif state == "returned":
                p = submitted(author)
                p = actions.return_for_revision(
                    actor=office, proposal=p, note="请补充具体建议和数据", version=p.version
                )
            elif state == "submitted":
                p = submitted(author)
            elif state == "not_filed":
                p = submitted(author)
                reason = rng.choice(["内容空泛，无具体建议", "属于个人或家庭事务", "涉及诉讼或仲裁", "属于学术讨论"])
                p = actions.not_file(
                    actor=office,
                    proposal=p,
                    reason=reason,
                    version=p.version,
                    convert_to=rng.choice(["public_opinion", "letter", ""]),
                )
            elif state == "merged":
                p = submitted(author)
                if targets:
                    into = rng.choice(targets)
                    into.refresh_from_db()
                    p = actions.merge(actor=office, proposal=p, into=into, version=p.version)
            elif state == "filed":
                p = filed(author)
                targets.append(p)
            elif state == "assigned_pending":
                p = assigned(author)
            elif state == "assigned_accepted":
                p = assigned(author)
                accept_all(p, face_to_face=rng.random() < 0.7)
            elif state == "reply_pending":
                p = assigned(author)
                accept_all(p)
                reply_all(p, approve=False)
            elif state == "replied":
                p = assigned(author)
                accept_all(p, face_to_face=rng.random() < 0.9)
                reply_all(p)
            elif state in ("closed", "rehandled_closed", "rehandling"):
                p = assigned(author)
                accept_all(p)
                reply_all(p)
                p.refresh_from_db()
                if p.state == "replied":
                    rate_all(p, unsatisfied=state != "closed")
                    p.refresh_from_db()
                    if state == "rehandled_closed" and p.state == "assigned":
                        reply_all(p)
                        p.refresh_from_db()
                        rate_all(p)
            p.refresh_from_db()
            made.append(p)
            tick()
    _decorate(org, made, office, leader, rng)
    _wind_back_clock(made, rng)
    return ProposalDemoResult(org.name, len(made), len(proposers) + len(clerks))


def _decorate(org: Organisation, made: list[Proposal], office: User, leader: User, rng: random.Random) -> None:
    """Key proposals with their supervising leader, excellent ones, publication, one objection
    and one extension request."""
    handled = [p for p in made if p.state in ("assigned", "replied", "closed")]
    for p in rng.sample(handled, k=min(5, len(handled))):
        p.refresh_from_db()
        actions.mark_key(actor=office, proposal=p, is_key=True, supervisor=leader, version=p.version)
    closed = [p for p in made if p.state == "closed"]
    for p in rng.sample(closed, k=min(3, len(closed))):
        p.refresh_from_db()
        actions.mark_excellent(actor=office, proposal=p, is_excellent=True, version=p.version)
    for p in [p for p in made if p.state in ("replied", "closed")][:24]:
        p.refresh_from_db()
        actions.publish(actor=office, proposal=p, version=p.version)
    pending = Assignment.objects.filter(proposal__in=made, state="pending").select_related("unit").first()
    if pending is not None:
        clerk = User.objects.filter(role=Role.UNIT, handling_unit_id=pending.unit_id).first()
        if clerk is not None:
            actions.object_assignment(
                actor=clerk, assignment=pending, reason="该事项不属于本单位职责，建议交由相关部门办理"
            )
    accepted = Assignment.objects.filter(proposal__in=made, state="accepted").exclude(role=UnitRole.ASSIST).first()
    if accepted is not None:
        clerk = User.objects.filter(role=Role.UNIT, handling_unit_id=accepted.unit_id).first()
        if clerk is not None:
            try:
                actions.request_extension(
                    actor=clerk,
                    assignment=accepted,
                    new_deadline=accepted.deadline + dt.timedelta(days=30),
                    reason="涉及跨部门协调，需延期一个月",
                )
            except ActionError:
                pass


def _wind_back_clock(made: list[Proposal], rng: random.Random) -> None:
    """Spread the session over the months before today: finished work months ago, work in
    hand weeks ago, fresh submissions days ago; then make a handful of assignments overdue."""
    now = timezone.now()
    today = timezone.localdate()
    for p in made:
        pending = p.assignments.filter(state="pending").exists()
        if p.state in ("closed", "replied", "not_filed", "merged", "withdrawn"):
            days = rng.randint(100, 300)
        elif pending:
            days = rng.randint(1, 5)
        elif p.state == "assigned":
            days = rng.randint(10, 80)
        else:
            days = rng.randint(1, 30)
        shift = dt.timedelta(days=days)
        updates = {
            f: getattr(p, f) - shift
            for f in (
                "created_at",
                "submitted_at",
                "filed_at",
                "assigned_at",
                "replied_at",
                "closed_at",
                "published_at",
            )
            if getattr(p, f)
        }
        Proposal.objects.filter(pk=p.pk).update(**updates)
        for a in Assignment.objects.filter(proposal=p):
            Assignment.objects.filter(pk=a.pk).update(
                assigned_at=a.assigned_at - shift,
                deadline=a.deadline - shift,
                objection_deadline=a.objection_deadline - shift,
            )
        Reply.objects.filter(proposal=p).update(submitted_at=now - shift + dt.timedelta(days=min(days - 1, 60)))
        p.events.update(at=now - shift)
    open_ = list(Assignment.objects.filter(proposal__in=made, state="accepted").exclude(role=UnitRole.ASSIST))
    for a in rng.sample(open_, k=min(4, len(open_))):
        Assignment.objects.filter(pk=a.pk).update(deadline=today - dt.timedelta(days=rng.randint(3, 25)))


def build_proposal_demo(
    seed: int, *, echo: Callable[[str], None] = lambda _t: None, progress: bool = False
) -> list[ProposalDemoResult]:
    from tqdm import tqdm

    sysadmin = User.objects.get(username="sysadmin")
    secadmin = User.objects.get(username="secadmin")
    results = []
    counties = list(Organisation.objects.filter(level="county").order_by("sort_order", "code"))
    total = sum(n for _, n in PLAN) * len(counties)
    with tqdm(total=total, desc="提案", unit="件", disable=None if progress else True) as bar:
        for org in counties:
            with transaction.atomic():
                result = build_county_proposals(
                    org, seed=seed, sysadmin=sysadmin, secadmin=secadmin, tick=lambda: bar.update(1)
                )
            results.append(result)
            echo(f"{org.name}：提案{result.proposals}件")
    return results
