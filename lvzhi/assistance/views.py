"""Pages of the assistance action. Every write goes through lvzhi.assistance.actions, every
read is scoped (out of scope answers 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lvzhi.assistance.models import Entry


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = (
        Entry.objects.visible_to(request.user)  # type: ignore[arg-type]
        .select_related("organisation", "campaign", "action_kind", "household", "village", "site")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    return render(request, "assistance/entry_detail.html", {"entry": entry})
