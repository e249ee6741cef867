"""The public page (no login): published proposals and their approved replies.

Only what a committee publishes: number, title, proposers' names, category, handling units,
the approved replies of the latest round and the publication date. Never contact data, ID
numbers, addresses, health data, unapproved replies or confidential items; any mobile,
landline or ID number typed into a published text is masked as well."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.db.models import Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lvzhi.organisations.models import Organisation
from lvzhi.proposals.actions import settings_for
from lvzhi.proposals.models import AssignmentState, Proposal, Reply, ReplyState, State

PUBLIC_STATES = (State.ASSIGNED, State.REPLIED, State.CLOSED)

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)")


def redact(text: str) -> str:
    """Mask ID numbers and phone numbers that somebody typed into a text being published."""
    text = _ID_NUMBER.sub("******************", text)
    text = _MOBILE.sub("***********", text)
    return _LANDLINE.sub("********", text)


def published() -> QuerySet[Proposal]:
    """What the public may see: published, not confidential, filed and handled."""
    return Proposal.objects.filter(is_published=True, is_confidential=False, state__in=PUBLIC_STATES)


def public_list(request: HttpRequest) -> HttpResponse:
    """公开的提案 per committee and year, with search over number and title."""
    qs = published().select_related("organisation")
    organisations = Organisation.objects.filter(pk__in=published().values("organisation_id").distinct()).order_by(
        "path"
    )
    code = request.GET.get("organisation", "").strip()
    if code:
        qs = qs.filter(organisation__code=code)
    years = sorted(set(qs.values_list("year", flat=True)), reverse=True)
    year = request.GET.get("year", "").strip()
    if year.isdigit():
        qs = qs.filter(year=int(year))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(category=q))
    qs = qs.order_by("-published_at", "-id").prefetch_related("signers__person")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [{"p": p, "title": redact(p.title), "proposers": p.proposer_names} for p in page]
    return render(
        request,
        "proposals/public_list.html",
        {
            "page": page,
            "rows": rows,
            "organisations": organisations,
            "years": years,
            "f": {"organisation": code, "year": year, "q": q},
        },
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = published().select_related("organisation").filter(pk=pk).first()
    if proposal is None:
        raise Http404(_("提案不存在或未公开"))
    conf = settings_for(proposal.organisation)
    approved = Reply.objects.filter(proposal=proposal, state=ReplyState.APPROVED)
    latest_round = approved.aggregate(m=Max("round"))["m"]
    replies = [
        {
            "unit": r.assignment.unit.name,
            "role": r.assignment.get_role_display(),
            "class_label": conf.class_label(r.reply_class),
            "content": redact(r.content),
        }
        for r in approved.filter(round=latest_round).select_related("assignment__unit").order_by("assignment_id")
    ]
    units = proposal.assignments.exclude(state=AssignmentState.CANCELLED).select_related("unit").order_by("id")
    return render(
        request,
        "proposals/public_detail.html",
        {
            "p": proposal,
            "title": redact(proposal.title),
            "proposers": proposal.proposer_names,
            "units": units,
            "replies": replies,
        },
    )
