"""Proposal personas and states for tests, reached through the real actions only.

On top of lvzhi.testing's world: a second 东城县 member with a login (ding: 丁一), two more
handling units with clerks (东城县教育局 edu_user, 东城县交通运输局 transport_user), and a
leader who supervises key proposals (world.leader)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from lvzhi.accounts.models import Role, User
from lvzhi.members.models import Membership
from lvzhi.organisations import actions as org_actions
from lvzhi.organisations.models import HandlingUnit
from lvzhi.proposals import actions
from lvzhi.proposals.models import Assignment, HandlingMode, Proposal, Reply, UnitRole
from lvzhi.testing import World, make_account

DRAFT = {
    "title": "关于加快农村饮水安全工程建设的建议",
    "analysis": "部分村组饮水工程老化，旱季供水不足。",
    "suggestions": "一是加大投入；二是落实管护责任。",
    "suggested_units": "县水务局",
    "category": "社会",
    "kind": "routine",
}


@dataclass
class ProposalWorld:
    world: World
    ding: User
    edu: HandlingUnit
    transport: HandlingUnit
    edu_user: User
    transport_user: User


def build_proposal_world(world: World) -> ProposalWorld:
    ding_seat = Membership.objects.get(organisation=world.county, person__name="丁一")
    ding = make_account(world.sysadmin, world.secadmin, "ding", "丁一", Role.MEMBER, person=ding_seat.person)
    edu = org_actions.create_handling_unit(
        actor=world.alice, organisation=world.county, name="东城县教育局", kind="government"
    )
    transport = org_actions.create_handling_unit(
        actor=world.alice, organisation=world.county, name="东城县交通运输局", kind="government"
    )
    edu_user = make_account(world.sysadmin, world.secadmin, "edu", "钱教", Role.UNIT, handling_unit=edu)
    transport_user = make_account(
        world.sysadmin, world.secadmin, "transport", "孙交", Role.UNIT, handling_unit=transport
    )
    return ProposalWorld(world, ding, edu, transport, edu_user, transport_user)


def submitted(pw: ProposalWorld, title: str = DRAFT["title"], author: User | None = None) -> Proposal:
    author = author or pw.world.member_user
    p = actions.create_draft(actor=author, organisation=pw.world.county, data={**DRAFT, "title": title})
    return actions.submit(actor=author, proposal=p, version=p.version)


def filed(pw: ProposalWorld, title: str = DRAFT["title"], author: User | None = None) -> Proposal:
    p = submitted(pw, title, author)
    return actions.file_proposal(actor=pw.world.alice, proposal=p, version=p.version)


def assigned(pw: ProposalWorld, mode: str = HandlingMode.SINGLE, title: str = DRAFT["title"]) -> Proposal:
    p = filed(pw, title)
    if mode == HandlingMode.SINGLE:
        units = [(pw.world.unit, UnitRole.SOLE)]
    elif mode == HandlingMode.SPLIT:
        units = [(pw.world.unit, UnitRole.SPLIT), (pw.edu, UnitRole.SPLIT)]
    else:
        units = [(pw.world.unit, UnitRole.LEAD), (pw.edu, UnitRole.ASSIST)]
    return actions.assign(actor=pw.world.alice, proposal=p, mode=mode, units=units, version=p.version)


def clerk_of(pw: ProposalWorld, unit: HandlingUnit) -> User:
    return {pw.world.unit.pk: pw.world.unit_user, pw.edu.pk: pw.edu_user, pw.transport.pk: pw.transport_user}[unit.pk]


def replied(
    pw: ProposalWorld, reply_class: str = "A", title: str = DRAFT["title"], face_to_face: bool = True
) -> Proposal:
    """A single-unit proposal whose reply the office approved (awaiting rating)."""
    p = assigned(pw, title=title)
    a = p.assignments.get()
    actions.accept_assignment(actor=pw.world.unit_user, assignment=a)
    if face_to_face:
        actions.record_face_to_face(
            actor=pw.world.unit_user,
            assignment=a,
            mode="meeting",
            date=timezone.localdate() - dt.timedelta(days=1),
            participants="王建国、李办",
        )
    reply = actions.submit_reply(
        actor=pw.world.unit_user, assignment=a, reply_class=reply_class, content="已列入计划。"
    )
    actions.review_reply(actor=pw.world.alice, reply=reply, approve=True)
    p.refresh_from_db()
    return p


def approve_all(pw: ProposalWorld, proposal: Proposal) -> None:
    for reply in Reply.objects.filter(proposal=proposal, state="pending"):
        actions.review_reply(actor=pw.world.alice, reply=reply, approve=True)


def make_overdue(assignment: Assignment, days: int = 1) -> Assignment:
    """Move an assignment's deadline into the past. Only the clock is faked here (through the
    ORM, as no action sets a past deadline): everything else was reached through actions."""
    Assignment.objects.filter(pk=assignment.pk).update(deadline=timezone.localdate() - dt.timedelta(days=days))
    assignment.refresh_from_db()
    return assignment
