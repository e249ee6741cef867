from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import can_see_personal_data, managed_organisation_ids
from lvzhi.core.errors import ActionError, Conflict
from lvzhi.core.http import action_errors, is_htmx
from lvzhi.members import actions
from lvzhi.members.exports import member_workbook
from lvzhi.members.figures import member_figures
from lvzhi.members.forms import MemberForm
from lvzhi.members.models import Gender, MemberRole, Membership, Party
from lvzhi.members.queries import FILTER_KEYS, member_list
from lvzhi.members.validation import source_label
from lvzhi.organisations.models import Body, BodyKind, Level, Organisation


def _filter_context(user: User, params: dict[str, str]) -> dict[str, object]:
    orgs = Organisation.objects.visible_to(user)
    bodies = Body.objects.filter(organisation__in=orgs, kind__in=[BodyKind.SECTOR, BodyKind.WORKING_GROUP])
    if params.get("organisation"):
        bodies = bodies.filter(organisation__code=params["organisation"])
    return {
        "orgs": orgs,
        "sectors": sorted({b.name for b in bodies if b.kind == BodyKind.SECTOR}),
        "groups": sorted({b.name for b in bodies if b.kind == BodyKind.WORKING_GROUP}),
        "parties": Party.choices,
        "roles": MemberRole.choices,
        "levels": Level.choices,
        "f": params,
    }


@login_required
def member_list_view(request: HttpRequest) -> HttpResponse:
    """委员名单: filters, search by name or pinyin initials, 按姓氏笔画为序. HTMX swaps the table."""
    user: User = request.user  # type: ignore[assignment]
    if user.role not in (Role.OFFICE, Role.LEADER):
        if user.role == Role.MEMBER:
            return redirect("members:mine")
        raise Http404()
    params = {k: request.GET.get(k, "") for k in FILTER_KEYS}
    qs = member_list(user, params)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show_personal": can_see_personal_data(user),
        "can_create": bool(managed_organisation_ids(user)),
        "export_query": request.GET.urlencode(),
        **_filter_context(user, params),
    }
    template = "members/_table.html" if is_htmx(request) else "members/list.html"
    return render(request, template, context)


@login_required
def member_export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered list (all pages), personal data masked unless allowed."""
    user: User = request.user  # type: ignore[assignment]
    if user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404()
    params = {k: request.GET.get(k, "") for k in FILTER_KEYS}
    content = member_workbook(member_list(user, params), show_personal=can_see_personal_data(user))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('委员名单.xlsx')}"
    return response


@login_required
@action_errors
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    membership = actions.get_membership_for(user, pk)
    person = membership.person
    seats = Membership.objects.visible_to(user).filter(person=person).select_related("organisation", "sector")
    return render(
        request,
        "members/detail.html",
        {
            "m": membership,
            "p": person,
            "seats": seats,
            "show_personal": can_see_personal_data(user, person.pk),
            "can_edit": membership.organisation_id in managed_organisation_ids(user),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    first = Membership.objects.visible_to(user).filter(person_id=user.person_id).first() if user.person_id else None
    if first is None:
        raise Http404()
    return redirect("members:detail", first.pk)


def _source(choices: type[Gender | Party | MemberRole], value: str) -> str:
    """The Chinese label the form posts back, whatever the page's language."""
    try:
        return source_label(choices(value))
    except ValueError:
        return value


def _form_initial(m: Membership) -> dict[str, object]:
    p = m.person
    return {
        "name": p.name,
        "id_number": p.id_number,
        "gender": _source(Gender, p.gender),
        "ethnicity": p.ethnicity,
        "party": _source(Party, p.party),
        "mobile": p.mobile,
        "education": p.education,
        "employer": p.employer,
        "job_title": p.job_title,
        "expertise": p.expertise,
        "code": m.code,
        "role": _source(MemberRole, m.role),
        "sector": m.sector.name if m.sector else "",
        "working_group": m.working_group.name if m.working_group else "",
        "special_committee": m.special_committee.name if m.special_committee else "",
        "version": m.version,
    }


@login_required
@action_errors
def member_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    managed = Organisation.objects.filter(pk__in=managed_organisation_ids(user))
    if not managed:
        raise Http404()
    code = (
        request.POST.get("organisation")
        or request.GET.get("organisation")
        or (user.organisation.code if user.organisation else "")
    )
    org = managed.filter(code=code).first()
    if org is None:
        raise Http404()
    form = MemberForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        try:
            membership = actions.save_member(actor=user, organisation=org, data=form.member_data)
        except ActionError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已添加委员 %(name)s") % {"name": membership.person.name})
            return redirect("members:detail", membership.pk)
    return render(request, "members/form.html", {"form": form, "org": org, "managed": managed, "creating": True})


@login_required
@action_errors
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    membership = actions.get_membership_for(user, pk)
    actions.require_manage(user, membership.organisation)
    org = membership.organisation
    form = MemberForm(request.POST or None, organisation=org, initial=_form_initial(membership))
    if not can_see_personal_data(user, membership.person_id):
        form.fields["id_number"].help_text = _("出于保护个人信息，身份证号码和手机号码不可在此查看或修改")
        form.fields["id_number"].disabled = True
        form.fields["mobile"].disabled = True
        form.initial["id_number"] = membership.person.id_number  # disabled fields keep their stored value
    if request.method == "POST" and form.is_valid():
        try:
            version = int(form.cleaned_data.get("version") or 0)
            actions.update_member(actor=user, membership=membership, data=form.member_data, version=version)
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ActionError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("members:detail", membership.pk)
    return render(request, "members/form.html", {"form": form, "org": org, "m": membership, "creating": False})


def _add_errors(form: MemberForm, exc: ActionError) -> None:
    if not exc.errors:
        form.add_error(None, exc.message)
    for key, message in exc.errors.items():
        form.add_error(key if key in form.fields else None, message)


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    orgs = Organisation.objects.visible_to(user)
    if user.role not in (Role.OFFICE, Role.LEADER) or not orgs:
        raise Http404()
    code = request.GET.get("organisation") or (user.organisation.code if user.organisation else "")
    org = orgs.filter(code=code).first()
    if org is None:
        raise Http404()
    return render(request, "members/figures.html", {"fig": member_figures(org), "org": org, "orgs": orgs})
