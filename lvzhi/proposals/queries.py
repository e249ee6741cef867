"""Reads of proposals: one filter function shared by the list page, its xlsx export and the
API, so an export holds exactly the rows the user is looking at; and the office's inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from lvzhi.core.text import clean
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    ExtensionRequest,
    ExtensionState,
    Proposal,
    ProposalQuerySet,
    ProposalSigner,
    Rating,
    Reply,
    ReplyState,
    SignerStatus,
    State,
)

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

FILTER_KEYS = (
    "organisation",
    "year",
    "state",
    "category",
    "kind",
    "unit",
    "key",
    "overdue",
    "excellent",
    "supervised",
    "q",
)
# An assignment still open: no approved reply (or opinion) yet.
OPEN_ASSIGNMENT_STATES = (
    AssignmentState.PENDING,
    AssignmentState.ACCEPTED,
    AssignmentState.OBJECTED,
    AssignmentState.REPLIED,
)


def overdue_assignments(today: dt.date | None = None) -> QuerySet[Assignment]:
    """Assignments past their deadline without an approved reply, on proposals in handling."""
    today = today or timezone.localdate()
    return Assignment.objects.filter(
        deadline__lt=today, state__in=OPEN_ASSIGNMENT_STATES, proposal__state=State.ASSIGNED
    )


def proposal_list(user: User, params: Mapping[str, str]) -> ProposalQuerySet:
    """Proposals in the user's scope, filtered by ``params`` (see FILTER_KEYS)."""
    qs = Proposal.objects.visible_to(user).select_related("organisation", "supervisor")
    if org := clean(params.get("organisation")):
        qs = qs.filter(organisation__code=org)
    year = clean(params.get("year"))
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if state := clean(params.get("state")):
        qs = qs.filter(state=state)
    if category := clean(params.get("category")):
        qs = qs.filter(category=category)
    if kind := clean(params.get("kind")):
        qs = qs.filter(kind=kind)
    unit = clean(params.get("unit"))
    if unit.isdigit():
        qs = qs.filter(
            pk__in=Assignment.objects.filter(unit_id=int(unit))
            .exclude(state=AssignmentState.CANCELLED)
            .values("proposal_id")
        )
    if clean(params.get("key")) == "1":
        qs = qs.filter(is_key=True)
    if clean(params.get("excellent")) == "1":
        qs = qs.filter(is_excellent=True)
    if clean(params.get("supervised")) == "1":
        qs = qs.filter(supervisor_id=user.pk)
    if clean(params.get("overdue")) == "1":
        qs = qs.filter(pk__in=overdue_assignments().values("proposal_id"))
    if q := clean(params.get("q")):
        signed = ProposalSigner.objects.filter(person__name__contains=q).filter(
            Q(is_first=True) | Q(status=SignerStatus.CONFIRMED)
        )
        qs = qs.filter(
            Q(title__contains=q)
            | Q(number__contains=q)
            | Q(body_name__contains=q)
            | Q(pk__in=signed.values("proposal_id"))
        )
    return qs.prefetch_related(
        Prefetch("signers", queryset=ProposalSigner.objects.select_related("person")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
        Prefetch("replies", queryset=Reply.objects.filter(state=ReplyState.APPROVED)),
    )


# ---------------------------------------------------------------------------------------
# inboxes

OFFICE_TABS = ("submitted", "filed", "objected", "replies", "extensions", "overdue")


def office_inbox(organisation_id: int) -> dict[str, QuerySet]:  # type: ignore[type-arg]
    """What awaits the proposals office of one committee, tab by tab."""
    proposals = Proposal.objects.filter(organisation_id=organisation_id)
    return {
        "submitted": proposals.filter(state=State.SUBMITTED).order_by("submitted_at", "id"),
        "filed": proposals.filter(state=State.FILED).order_by("seq", "id"),
        "objected": Assignment.objects.filter(proposal__organisation_id=organisation_id, state=AssignmentState.OBJECTED)
        .select_related("proposal", "unit")
        .order_by("id"),
        "replies": Reply.objects.filter(proposal__organisation_id=organisation_id, state=ReplyState.PENDING)
        .select_related("proposal", "assignment__unit")
        .order_by("submitted_at", "id"),
        "extensions": ExtensionRequest.objects.filter(
            assignment__proposal__organisation_id=organisation_id, state=ExtensionState.PENDING
        )
        .select_related("assignment__proposal", "assignment__unit")
        .order_by("requested_at", "id"),
        "overdue": overdue_assignments()
        .filter(proposal__organisation_id=organisation_id)
        .select_related("proposal", "unit")
        .order_by("deadline", "id"),
    }


def awaiting_rating(user: User) -> list[Proposal]:
    """Replied proposals this member is a proposer of (merged ones included) and has not
    rated in the current round."""
    if not user.person_id:
        return []
    counts = Q(is_first=True) | Q(status=SignerStatus.CONFIRMED)
    mine = ProposalSigner.objects.filter(counts, person_id=user.person_id)
    candidates = Proposal.objects.filter(state=State.REPLIED).filter(
        Q(pk__in=mine.values("proposal_id")) | Q(merged__in=Proposal.objects.filter(pk__in=mine.values("proposal_id")))
    )
    rated = set(Rating.objects.filter(person_id=user.person_id).values_list("proposal_id", "round"))
    return [p for p in candidates.distinct().order_by("replied_at", "id") if (p.pk, p.round) not in rated]
