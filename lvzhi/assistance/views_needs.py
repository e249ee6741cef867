"""Pages of needs and matching (群众所需、政协可为、委员所能). Every write goes through
lvzhi.assistance.needs / matching; every read is scoped by `need_filter` (out of scope answers
404, exactly like a missing need). HTMX requests of the list get the table fragment only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import managed_organisation_ids, organisation_ids_in_scope
from lvzhi.assistance import needs as actions
from lvzhi.assistance.matching import match_all, suggest
from lvzhi.assistance.models import Need, NeedKind, NeedStatus, Urgency
from lvzhi.core.errors import ActionError, Conflict, Invalid
from lvzhi.core.excel import write_sheet
from lvzhi.core.http import action_errors, attachment, is_htmx
from lvzhi.core.masking import HouseholdPrivacy
from lvzhi.organisations.models import Organisation

FILTER_KEYS = ("status", "kind", "urgency", "township", "village", "q")


class NeedForm(forms.Form):
    household_number = forms.CharField(label="户编号", max_length=30)
    organisation = forms.ChoiceField(label="所属县区", required=False)
    kind = forms.ChoiceField(label="需求类别", choices=[("", "请选择"), *NeedKind.choices])
    urgency = forms.TypedChoiceField(label="紧急程度", choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL)
    description = forms.CharField(label="需求描述", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "按户编号查找"), *((o.code, o.short_name) for o in organisations)]
        self.fields["organisation"].choices = choices  # type: ignore[attr-defined]
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control")


class EditForm(forms.Form):
    kind = forms.ChoiceField(label="需求类别", choices=NeedKind.choices)
    urgency = forms.TypedChoiceField(label="紧急程度", choices=Urgency.choices, coerce=int)
    description = forms.CharField(label="需求描述", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_office(user: User) -> None:
    if user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404()


def _error_text(exc: ActionError) -> str:
    return str(exc) if isinstance(exc, Invalid) else exc.message


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _filters(request: HttpRequest) -> tuple[dict[str, str], actions.NeedFilters]:
    """The page's filters (户编号 is ``q``) as typed, and as the shared list reads them; a
    value the selects cannot send is left out."""
    f = {k: request.GET.get(k, "").strip() for k in FILTER_KEYS}
    parsed, errors = actions.parse_filters({**f, "household": f["q"]})
    for key in errors:
        f[key] = ""
    return f, parsed


@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    """需求列表 for the office: filters by status, kind, urgency, township and 户编号."""
    user = _user(request)
    if user.role == Role.MEMBER:
        return redirect("needs:mine")
    _require_office(user)
    f, parsed = _filters(request)
    qs = actions.filtered_needs(user, parsed)
    from lvzhi.households.models import Township

    townships = sorted(
        set(Township.objects.filter(organisation_id__in=organisation_ids_in_scope(user)).values_list("name", flat=True))
    )
    context = {
        "page": Paginator(qs, 50).get_page(request.GET.get("page")),
        "f": f,
        "export_query": urlencode({k: v for k, v in f.items() if v}),
        "statuses": NeedStatus.choices,
        "kinds": NeedKind.choices,
        "urgencies": Urgency.choices,
        "townships": townships,
        "can_manage": bool(managed_organisation_ids(user)),
    }
    template = "assistance/needs/_table.html" if is_htmx(request) else "assistance/needs/list.html"
    return render(request, template, context)


EXPORT_HEADERS = [
    "序号",
    "所属县区",
    "户编号",
    "户主",
    "联系电话",
    "乡镇",
    "村",
    "需求类别",
    "紧急程度",
    "需求描述",
    "状态",
    "登记日期",
    "对接委员",
    "对接日期",
    "匹配得分",
    "办结日期",
    "办理结果",
]


def export_rows(needs: Any, privacy: HouseholdPrivacy) -> Iterator[list[Any]]:
    """The list's rows for the workbook; the head's name and phone masked unless the user
    has the personal-data right over the household's committee."""
    for i, n in enumerate(needs.iterator(chunk_size=2000), start=1):
        household = n.household
        yield [
            i,
            household.organisation.short_name,
            household.number,
            privacy.head(household),
            privacy.phone(household, household.phone),
            household.township.name,
            household.village.name,
            n.get_kind_display(),
            n.get_urgency_display(),
            n.description,
            n.get_status_display(),
            n.recorded_on,
            n.person.name if n.person else "",
            n.assigned_on,
            None if n.match_score is None else round(n.match_score),
            n.closed_on,
            n.result,
        ]


@login_required
def need_export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered list (all pages) as .xlsx, for the office and leaders."""
    user = _user(request)
    _require_office(user)
    _f, parsed = _filters(request)
    rows = export_rows(actions.filtered_needs(user, parsed), HouseholdPrivacy.for_request(request))
    return attachment(write_sheet("帮扶需求", EXPORT_HEADERS, rows), f"帮扶需求{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@action_errors
def need_create(request: HttpRequest) -> HttpResponse:
    """登记需求: the household is chosen by its 户编号."""
    from lvzhi.households.models import Household

    user = _user(request)
    managed = list(Organisation.objects.filter(pk__in=managed_organisation_ids(user)))
    if not managed:
        raise Http404()
    initial = {"household_number": request.GET.get("household", "")[:30]}  # from the household's page
    form = NeedForm(request.POST or None, organisations=managed, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        households = Household.objects.visible_to(user).filter(number=data["household_number"].strip())
        if data["organisation"]:
            households = households.filter(organisation__code=data["organisation"])
        found = list(households.select_related("organisation")[:2])
        if not found:
            form.add_error("household_number", "未找到该户编号的贫困户")
        elif len(found) > 1:
            form.add_error("organisation", "多个县区有该户编号，请选择所属县区")
        else:
            try:
                need = actions.record_need(
                    actor=user,
                    household=found[0],
                    kind=data["kind"],
                    urgency=data["urgency"],
                    description=data["description"],
                )
            except Invalid as exc:
                for key, message in exc.errors.items():
                    form.add_error(key if key in form.fields else None, message)
            else:
                messages.success(request, "已登记帮扶需求")
                return redirect("needs:detail", need.pk)
    return render(request, "assistance/needs/form.html", {"form": form, "creating": True})


@login_required
@action_errors
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """需求详情 with the ranked suggestions (score and reasons) and one-click 对接."""
    user = _user(request)
    need = actions.get_need_for(user, pk)
    can_manage = need.organisation_id in managed_organisation_ids(user)
    can_assign = can_manage and need.status in actions.TRANSITIONS["assign"]
    candidates = suggest(need) if can_assign else []
    own = user.role == Role.MEMBER and user.person_id == need.person_id
    return render(
        request,
        "assistance/needs/detail.html",
        {
            "need": need,
            "candidates": candidates,
            "can_manage": can_manage,
            "can_assign": can_assign,
            "can_met": (can_manage or own) and need.status in actions.TRANSITIONS["met"],
            "can_close": can_manage and need.status in actions.TRANSITIONS["close"],
            "can_reopen": can_manage and need.status in actions.TRANSITIONS["reopen"],
            "can_edit": can_manage and need.status in actions.TRANSITIONS["update"],
            "phone_shown": HouseholdPrivacy.for_request(request).phone(need.household, need.household.phone),
            "reasons": [r for r in need.match_reasons.split("；") if r],
        },
    )


@login_required
@action_errors
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    need = actions.get_need_for(user, pk)
    actions.require_manage_needs(user, need.organisation)
    initial = {"kind": need.kind, "urgency": need.urgency, "description": need.description, "version": need.version}
    form = EditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_need(actor=user, need=need, data=form.cleaned_data, version=form.cleaned_data["version"])
        except Conflict as exc:
            form.add_error(None, exc.message)
        except Invalid as exc:
            for key, message in (exc.errors or {"": exc.message}).items():
                form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, "已保存")
            return redirect("needs:detail", need.pk)
    return render(request, "assistance/needs/form.html", {"form": form, "need": need, "creating": False})


@login_required
@require_POST
@action_errors
def need_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """对接 one candidate: POST person and the version the page was drawn from."""
    from lvzhi.members.models import Person

    user = _user(request)
    need = actions.get_need_for(user, pk)
    person_id = request.POST.get("person", "")
    person = Person.objects.filter(pk=int(person_id)).first() if person_id.isdigit() else None
    if person is None:
        messages.error(request, "请选择对接委员")
        return redirect("needs:detail", need.pk)
    try:
        actions.assign_need(actor=user, need=need, person=person, version=_version(request))
    except (Conflict, Invalid) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已将该需求对接给{person.name}委员")
    return redirect("needs:detail", need.pk)


def _finish(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    need = actions.get_need_for(user, pk)
    version = _version(request)
    try:
        if action == "met":
            actions.mark_met(actor=user, need=need, version=version, result=request.POST.get("result", ""))
            done = "已标记为已解决"
        elif action == "close":
            actions.close_need(actor=user, need=need, version=version, reason=request.POST.get("reason", ""))
            done = "已关闭该需求"
        else:
            actions.reopen_need(actor=user, need=need, version=version)
            done = "已重新打开该需求"
    except (Conflict, Invalid) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done)
    if user.role == Role.MEMBER:
        return redirect("needs:mine")
    return redirect("needs:detail", need.pk)


@login_required
@require_POST
@action_errors
def need_met(request: HttpRequest, pk: int) -> HttpResponse:
    return _finish(request, pk, "met")


@login_required
@require_POST
@action_errors
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _finish(request, pk, "close")


@login_required
@require_POST
@action_errors
def need_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _finish(request, pk, "reopen")


@login_required
@action_errors
def match_all_view(request: HttpRequest) -> HttpResponse:
    """一键匹配全部待对接需求 of a committee's subtree, then the result."""
    user = _user(request)
    managed = list(Organisation.objects.filter(pk__in=managed_organisation_ids(user)))
    if not managed:
        raise Http404()
    code = request.POST.get("organisation") or request.GET.get("organisation") or ""
    org = next((o for o in managed if o.code == code), None)
    if org is None:
        org = next((o for o in managed if o.pk == user.organisation_id), managed[0])
    open_count = Need.objects.filter(organisation__path__startswith=org.path, status=NeedStatus.OPEN).count()
    result = None
    if request.method == "POST":
        result = match_all(org, user)
        messages.success(request, f"已对接{len(result.assigned)}条需求，{len(result.unmatched)}条未能匹配")
        open_count = len(result.unmatched)
    return render(
        request,
        "assistance/needs/match_all.html",
        {"managed": managed, "org": org, "open_count": open_count, "result": result},
    )


@login_required
def my_needs(request: HttpRequest) -> HttpResponse:
    """我的帮扶需求: the needs assigned to the member, open ones first."""
    user = _user(request)
    if user.role != Role.MEMBER or not user.person_id:
        if user.role in (Role.OFFICE, Role.LEADER):
            return redirect("needs:list")
        raise Http404()
    qs = (
        actions.visible_needs(user)
        .select_related("organisation", "household__township", "household__village")
        .order_by("status", "-urgency", "assigned_on", "pk")
    )
    items = list(qs)
    items.sort(key=lambda n: n.status != NeedStatus.MATCHED)
    return render(request, "assistance/needs/mine.html", {"needs": items})
