from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lvzhi.accounts.models import User
from lvzhi.organisations.models import Body, BodyKind, HandlingUnit, Organisation, UnitKind


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """The committees the user may see, as a tree, with counts of bodies and members."""
    user: User = request.user  # type: ignore[assignment]
    orgs = list(
        Organisation.objects.visible_to(user).annotate(
            member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
            unit_count=Count("handling_units", distinct=True),
        )
    )
    by_parent: dict[int | None, list[Organisation]] = {}
    ids = {o.pk for o in orgs}
    for org in orgs:
        parent = org.parent_id if org.parent_id in ids else None
        by_parent.setdefault(parent, []).append(org)
    for children in by_parent.values():
        children.sort(key=lambda o: (o.sort_order, o.code))

    def build(parent: int | None) -> list[dict[str, object]]:
        return [{"org": o, "children": build(o.pk)} for o in by_parent.get(parent, [])]

    return render(request, "organisations/tree.html", {"nodes": build(None)})


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    org = Organisation.objects.visible_to(user).filter(code=code).select_related("parent").first()
    if org is None:
        raise Http404("政协组织不存在")
    bodies = Body.objects.filter(organisation=org).annotate(
        n=Count("sector_members", distinct=True)
        + Count("group_members", distinct=True)
        + Count("committee_members", distinct=True)
    )
    grouped = [(label, [b for b in bodies if b.kind == kind]) for kind, label in BodyKind.choices]
    children = Organisation.objects.visible_to(user).filter(parent=org)
    return render(
        request,
        "organisations/detail.html",
        {
            "org": org,
            "grouped": grouped,
            "terms": org.terms.all(),
            "children": children,
            "unit_count": HandlingUnit.objects.visible_to(user).filter(organisation=org).count(),
        },
    )


@login_required
def units(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    qs = HandlingUnit.objects.visible_to(user).select_related("organisation").annotate(clerk_count=Count("clerks"))
    org_code = request.GET.get("organisation", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if org_code:
        qs = qs.filter(organisation__code=org_code)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q)
    page = Paginator(qs.order_by("organisation__path", "kind", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/units.html",
        {
            "page": page,
            "orgs": Organisation.objects.visible_to(user),
            "kinds": UnitKind.choices,
            "f": {"organisation": org_code, "kind": kind, "q": q},
        },
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    unit = HandlingUnit.objects.visible_to(user).select_related("organisation").filter(pk=pk).first()
    if unit is None:
        raise Http404("承办单位不存在")
    return render(request, "organisations/unit_detail.html", {"unit": unit, "clerks": unit.clerks.all()})
