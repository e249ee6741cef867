"""Historic proposals: records of earlier years that never passed through the live workflow
(they come from spreadsheets kept by the proposals office). `import_historic_proposal` is the
one action that writes them: it creates the proposal and its records directly, in one
transaction, in a state consistent with what the record says, and writes the timeline
(ProposalEvent "import") and the audit log like every other action.

How a record maps to a state:
- 不立案 -> NOT_FILED (with the reason); 并案 -> MERGED into the named proposal;
- 立案 without units -> FILED; with units but no reply -> ASSIGNED (accepted, deadline from
  the assignment date and the committee's 办理期限);
- with a reply (class and date) -> REPLIED, every replying unit's reply approved;
- with a rating as well -> CLOSED. A historic 不满意 is imported as it was recorded and the
  proposal as closed: any re-handling was not recorded, so it is not invented (round stays 1).
Missing times are not invented either: the assignment time defaults to the reply date, and
the deadline of an already-replied assignment to its reply date (counted as on time).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from lvzhi.audit.log import record
from lvzhi.core.dates import add_months
from lvzhi.core.errors import Invalid
from lvzhi.organisations.models import Organisation
from lvzhi.proposals import actions
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    FaceToFace,
    Proposal,
    ProposalEvent,
    ProposalSettings,
    ProposalSigner,
    ProposerType,
    Rating,
    Reply,
    ReplyState,
    SignerStatus,
    State,
    UnitRole,
)
from lvzhi.proposals.similarity import index_title

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

IMPORT_NOTE = "历史数据导入"
REPLY_PLACEHOLDER = "（历史数据导入：答复全文未录入）"


def _at(day: dt.date | None) -> dt.datetime | None:
    """Noon local time of a day: a date-only record placed safely inside that day."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _state(row: dict[str, Any]) -> str:
    review = row["review"]
    if review == "not_filed":
        return State.NOT_FILED
    if review == "merged":
        return State.MERGED
    if not row.get("units"):
        return State.FILED
    if not row.get("reply_date"):
        return State.ASSIGNED
    return State.CLOSED if row.get("result") else State.REPLIED


@transaction.atomic
def import_historic_proposal(actor: User, organisation: Organisation, row_data: dict[str, Any]) -> Proposal:
    """Create one historic proposal with its proposers, assignments, replies, 面商 and rating.

    ``row_data`` is a validated row (see lvzhi.proposals.imports): persons (first proposer
    first), units as (HandlingUnit, role) pairs, reply classes per replying unit, dates."""
    actions.require_office(actor, organisation)
    row = row_data
    number = row.get("number") or ""
    if number and Proposal.objects.filter(organisation=organisation, number=number).exists():
        raise Invalid({"number": f"编号“{number}”已存在"})
    merged_into = None
    if row["review"] == "merged":
        merged_into = (
            Proposal.objects.select_for_update()
            .filter(organisation=organisation, number=row["merged_into"])
            .exclude(state=State.MERGED)
            .first()
        )
        if merged_into is None:
            raise Invalid({"merged_into": f"并入编号“{row['merged_into']}”的提案不存在"})
    persons = row["persons"]
    units: list[tuple[Any, str]] = row.get("units") or []
    state = _state(row)
    reply_at = _at(row.get("reply_date"))
    assigned_day = row.get("assigned_date") or row.get("reply_date")
    assigned_at = _at(assigned_day)
    conf = ProposalSettings.objects.filter(organisation=organisation).first()
    deadline_months = conf.deadline_months if conf else 3
    objection_days = conf.objection_days if conf else 7

    proposal = Proposal.objects.create(
        organisation=organisation,
        year=row["year"],
        term=row.get("term"),
        session=row.get("session"),
        kind=row.get("kind") or "routine",
        proposer_type=ProposerType.JOINT if len(persons) > 1 else ProposerType.MEMBER,
        title=row["title"],
        category=row.get("category") or "",
        state=state,
        number=number,
        seq=row.get("seq"),
        not_filed_reason=row.get("not_filed_reason") or "",
        merged_into=merged_into,
        handling_mode=(row.get("mode") or "") if units else "",
        created_by=actor,
        submitted_at=_at(row.get("submitted_date")),
        assigned_at=assigned_at if units else None,
        replied_at=reply_at if state in (State.REPLIED, State.CLOSED) else None,
        closed_at=reply_at if state == State.CLOSED else None,
    )
    for order, person in enumerate(persons, start=1):
        ProposalSigner.objects.create(
            proposal=proposal, person=person, order=order, is_first=order == 1, status=SignerStatus.CONFIRMED
        )

    replied = state in (State.REPLIED, State.CLOSED)
    classes = list(row.get("reply_classes") or [])
    replying: list[Assignment] = []
    made: list[Assignment] = []
    for unit, role in units:
        assert assigned_day is not None and assigned_at is not None  # validated: an assignment or reply date
        if row.get("assigned_date") or not replied:
            deadline = add_months(assigned_day, deadline_months)
        else:  # replied, the assignment date unknown: the reply date stands in for the deadline
            deadline = row["reply_date"]
        a = Assignment.objects.create(
            proposal=proposal,
            unit=unit,
            role=role,
            state=AssignmentState.DONE if replied else AssignmentState.ACCEPTED,
            assigned_at=assigned_at,
            deadline=deadline,
            objection_deadline=assigned_day + dt.timedelta(days=objection_days),
            accepted_at=assigned_at,
            done_at=reply_at if replied else None,
        )
        made.append(a)
        if role != UnitRole.ASSIST:
            replying.append(a)
    if replied:
        assert reply_at is not None
        for index, a in enumerate(replying):
            Reply.objects.create(
                proposal=proposal, assignment=a, round=1, reply_class=classes[min(index, len(classes) - 1)],
                content=REPLY_PLACEHOLDER, state=ReplyState.APPROVED, review_note=IMPORT_NOTE, submitted_by=actor,
                submitted_at=reply_at, reviewed_by=actor, reviewed_at=reply_at,
            )  # fmt: skip
    if row.get("f2f_mode") and made:
        FaceToFace.objects.create(
            proposal=proposal, assignment=(replying or made)[0], mode=row["f2f_mode"], date=row["f2f_date"],
            participants="、".join(p.name for p in persons), note=IMPORT_NOTE, round=1, created_by=actor,
        )  # fmt: skip
    if row.get("result") and replied:
        Rating.objects.create(
            proposal=proposal, person=persons[0], round=1, process=row.get("process") or row["result"],
            result=row["result"], comment=IMPORT_NOTE,
        )  # fmt: skip
    index_title(proposal)
    note = f"{IMPORT_NOTE}：{number or proposal.title}"
    ProposalEvent.objects.create(
        proposal=proposal, actor=actor, actor_name=actor.display_name, action="import", from_state="",
        to_state=state, note=note,
    )  # fmt: skip
    record(
        actor=actor,
        action="proposal.import",
        obj=proposal,
        organisation_id=organisation.pk,
        changes={"to": state, "number": number, "units": [u.name for u, _ in units]},
    )
    return proposal
