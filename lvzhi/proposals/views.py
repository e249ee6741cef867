from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lvzhi.accounts.models import User
from lvzhi.core.http import action_errors
from lvzhi.proposals import actions


@login_required
@action_errors
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    proposal = actions.get_proposal_for(user, pk)
    return render(
        request,
        "proposals/detail.html",
        {"p": proposal, "events": proposal.events.all(), "signers": proposal.signers.select_related("person")},
    )
