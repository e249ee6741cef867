"""Proposal pages for members (phone-first), the proposals office (desk-first) and read-only
views for leaders and the city. Every write goes through lvzhi.proposals.actions; every
read is scoped (out of scope answers 404). Unit pages live in views_handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import ActionError, Conflict, Forbidden, Invalid, NotFound
from lvzhi.core.http import action_errors, is_htmx
from lvzhi.core.text import clean
from lvzhi.members.models import Membership, Person
from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.proposals import actions
from lvzhi.proposals.exports import proposal_workbook
from lvzhi.proposals.forms import DraftForm, add_action_errors
from lvzhi.proposals.models import (
    FILED_STATES,
    AssignmentState,
    BodyType,
    ExtensionRequest,
    ExtensionState,
    HandlingMode,
    Proposal,
    ProposalKind,
    ProposerType,
    Rating,
    Reply,
    ReplyState,
    Satisfaction,
    SignerStatus,
    State,
    UnitRole,
)
from lvzhi.proposals.queries import (
    FILTER_KEYS,
    OFFICE_TABS,
    OPEN_ASSIGNMENT_STATES,
    awaiting_rating,
    office_inbox,
    proposal_list,
)
from lvzhi.proposals.similarity import similar_proposals

MERGE_TARGET_STATES = (State.SUBMITTED, State.FILED, State.ASSIGNED)
TAB_LABELS = {
    "submitted": gettext_lazy("待审查"),
    "filed": gettext_lazy("待交办"),
    "objected": gettext_lazy("调整申请"),
    "replies": gettext_lazy("答复待审核"),
    "extensions": gettext_lazy("延期申请"),
    "overdue": gettext_lazy("逾期"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _office_of(user: User, proposal: Proposal) -> bool:
    return user.role == Role.OFFICE and user.organisation_id == proposal.organisation_id


def _state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


# ---------------------------------------------------------------------------------------
# inboxes and lists


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """提案: each role's starting page."""
    user = _user(request)
    if user.role == Role.MEMBER:
        return redirect("proposals:mine")
    if user.role == Role.OFFICE:
        return redirect("proposals:inbox")
    if user.role in (Role.LEADER, Role.UNIT):
        return redirect("proposals:list")
    raise Http404()


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的提案 (member, phone-first): own proposals, invitations to co-sign, ratings due."""
    user = _user(request)
    if user.role != Role.MEMBER or not user.person_id:
        raise Http404()
    own = (
        Proposal.objects.filter(
            Q(signers__is_first=True) | Q(signers__status=SignerStatus.CONFIRMED), signers__person_id=user.person_id
        )
        .select_related("organisation")
        .distinct()
        .order_by("-created_at", "-id")
    )
    today = timezone.localdate()
    rows = []
    for p in own:
        days = (today - timezone.localdate(p.submitted_at)).days if p.submitted_at else None
        rows.append({"p": p, "days": days})
    invitations = (
        Proposal.objects.filter(
            signers__person_id=user.person_id,
            signers__status=SignerStatus.INVITED,
            signers__is_first=False,
            state__in=(State.DRAFT, State.RETURNED, State.SUBMITTED),
        )
        .select_related("organisation")
        .prefetch_related("signers__person")
        .distinct()
    )
    return render(
        request,
        "proposals/mine.html",
        {"rows": rows, "invitations": invitations, "to_rate": awaiting_rating(user)},
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """提案工作 inbox of the office: tabs with counts."""
    user = _user(request)
    if user.role != Role.OFFICE or not user.organisation_id:
        raise Http404()
    tabs = office_inbox(user.organisation_id)
    tab = request.GET.get("tab") or "submitted"
    if tab not in OFFICE_TABS:
        tab = "submitted"
    today = timezone.localdate()
    items = list(tabs[tab][:200])
    if tab == "overdue":
        for a in items:
            a.days_over = (today - a.deadline).days
    return render(
        request,
        "proposals/inbox.html",
        {
            "tabs": [(key, TAB_LABELS[key], tabs[key].count()) for key in OFFICE_TABS],
            "tab": tab,
            "tab_label": TAB_LABELS[tab],
            "items": items,
            "today": today,
        },
    )


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "") for k in FILTER_KEYS}


def _filter_context(user: User, params: dict[str, str]) -> dict[str, object]:
    orgs = Organisation.objects.visible_to(user)
    units = HandlingUnit.objects.visible_to(user).select_related("organisation")
    categories: list[str] = []
    for o in orgs:
        for c in actions.settings_for(o).categories:
            if c not in categories:
                categories.append(c)
    if params.get("organisation"):
        units = units.filter(organisation__code=params["organisation"])
    years = sorted(set(Proposal.objects.visible_to(user).values_list("year", flat=True)), reverse=True)
    return {
        "orgs": orgs,
        "units": units,
        "categories": categories,
        "years": years,
        "states": State.choices,
        "kinds": ProposalKind.choices,
        "f": params,
    }


@login_required
def list_view(request: HttpRequest) -> HttpResponse:
    """All proposals in scope, filtered; HTMX swaps the table."""
    user = _user(request)
    if user.role == Role.MEMBER:
        return redirect("proposals:mine")
    if user.role not in (Role.OFFICE, Role.LEADER, Role.UNIT):
        raise Http404()
    params = _params(request)
    page = Paginator(proposal_list(user, params), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "export_query": request.GET.urlencode(),
        "can_export": user.role in (Role.OFFICE, Role.LEADER),
        "supervised": (
            Proposal.objects.filter(supervisor=user, is_key=True).select_related("organisation")
            if user.role == Role.LEADER
            else []
        ),
        **_filter_context(user, params),
    }
    template = "proposals/_table.html" if is_htmx(request) else "proposals/list.html"
    return render(request, template, context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered list (all pages) as .xlsx."""
    user = _user(request)
    if user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404()
    content = proposal_workbook(proposal_list(user, _params(request)))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('提案列表.xlsx')}"
    return response


# ---------------------------------------------------------------------------------------
# drafting (member, or the office for a body)


def _draft_organisations(user: User) -> list[Organisation]:
    if user.role == Role.MEMBER and user.person_id:
        orgs = Organisation.objects.filter(memberships__person_id=user.person_id, memberships__is_active=True)
        # The most local committee first (a county member who also sits on the city's).
        return sorted(orgs, key=lambda o: (-o.depth, o.path))
    if user.role == Role.OFFICE and user.organisation is not None:
        return [user.organisation]
    return []


def _draft_form(
    request: HttpRequest, orgs: list[Organisation], org: Organisation, initial: dict[str, object] | None = None
) -> DraftForm:
    categories = actions.settings_for(org).categories
    data = request.POST if request.method == "POST" else None
    return DraftForm(data, organisations=orgs, categories=categories, initial=initial or {"organisation": org.code})


def _render_form(
    request: HttpRequest, form: DraftForm, org: Organisation, proposal: Proposal | None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    context = {
        "form": form,
        "org": org,
        "p": proposal,
        "body_types": BodyType.choices,
        "is_body": user.role == Role.OFFICE,
        "body_type": request.POST.get("body_type", ""),
        "body_name": request.POST.get("body_name", ""),
    }
    return render(request, "proposals/form.html", context, status=status)


@login_required
@action_errors
def new(request: HttpRequest) -> HttpResponse:
    """起草提案."""
    user = _user(request)
    orgs = _draft_organisations(user)
    if not orgs:
        raise Http404()
    code = request.POST.get("organisation") or request.GET.get("organisation") or orgs[0].code
    org = next((o for o in orgs if o.code == code), orgs[0])
    form = _draft_form(request, orgs, org)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = actions.create_draft(
                actor=user,
                organisation=org,
                data=form.action_data,
                body_type=request.POST.get("body_type", ""),
                body_name=request.POST.get("body_name", ""),
            )
        except (NotFound, Forbidden):
            raise
        except ActionError as exc:
            add_action_errors(form, exc)
            return _render_form(request, form, org, None, status=400)
        if request.POST.get("then") == "submit":
            return _submit_after_save(request, proposal, form, org)
        messages.success(request, _("草稿已保存，可以邀请联名或提交"))
        return redirect("proposals:detail", proposal.pk)
    return _render_form(request, form, org, None, status=400 if request.method == "POST" else 200)


def _submit_after_save(request: HttpRequest, proposal: Proposal, form: DraftForm, org: Organisation) -> HttpResponse:
    try:
        actions.submit(actor=_user(request), proposal=proposal, version=proposal.version)
    except (NotFound, Forbidden):
        raise
    except ActionError as exc:
        messages.error(request, _("草稿已保存，但未能提交：") + str(exc))
        return redirect("proposals:edit", proposal.pk)
    messages.success(request, _("提案已提交，等待提案委员会审查"))
    return redirect("proposals:detail", proposal.pk)


@login_required
@action_errors
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改草稿 (or a proposal returned for revision)."""
    user = _user(request)
    proposal = actions.get_proposal_for(user, pk)
    if not _is_author(user, proposal) or proposal.state not in (State.DRAFT, State.RETURNED):
        raise Http404()
    org = proposal.organisation
    initial: dict[str, object] = {
        key: getattr(proposal, key)
        for key in ("title", "analysis", "suggestions", "suggested_units", "category", "kind")
    }
    initial["version"] = proposal.version
    form = _draft_form(request, [org], org, initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = actions.update_draft(
                actor=user, proposal=proposal, data=form.action_data, version=form.cleaned_data.get("version")
            )
        except (NotFound, Forbidden):
            raise
        except ActionError as exc:
            add_action_errors(form, exc)
            return _render_form(request, form, org, proposal, status=409 if isinstance(exc, Conflict) else 400)
        if request.POST.get("then") == "submit":
            return _submit_after_save(request, proposal, form, org)
        messages.success(request, _("已保存"))
        return redirect("proposals:detail", proposal.pk)
    return _render_form(request, form, org, proposal, status=400 if request.method == "POST" else 200)


def _is_author(user: User, proposal: Proposal) -> bool:
    """The first proposer, or the office clerk who drafted a body's proposal."""
    if user.role == Role.MEMBER and user.person_id:
        return proposal.signers.filter(person_id=user.person_id, is_first=True).exists()
    return (
        proposal.proposer_type == ProposerType.BODY and _office_of(user, proposal) and proposal.created_by_id == user.pk
    )


@login_required
def similar(request: HttpRequest) -> HttpResponse:
    """HTMX panel while typing a title: similar proposals of the committee, this year and
    last, with the score. Advisory only, never blocking."""
    user = _user(request)
    in_scope = organisation_ids_in_scope(user)
    code = clean(request.GET.get("organisation"))
    if code:
        org = Organisation.objects.filter(pk__in=in_scope, code=code).first()
    else:
        orgs = _draft_organisations(user)
        org = orgs[0] if orgs else None
    if org is None or org.pk not in in_scope:
        raise Http404()
    exclude = clean(request.GET.get("exclude"))
    title = clean(request.GET.get("title"))
    found = similar_proposals(
        org.pk, timezone.localdate().year, title, exclude_id=int(exclude) if exclude.isdigit() else None
    )
    rows = [{"p": s.proposal, "percent": round(s.score * 100)} for s in found]
    return render(request, "proposals/_similar.html", {"rows": rows, "title": title})


@login_required
@action_errors
def cosigner_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of the proposal's committee by name or pinyin initials: name and sector only."""
    user = _user(request)
    proposal = actions.get_proposal_for(user, pk)
    if user.role != Role.MEMBER or not _is_author(user, proposal):
        raise Http404()
    q = clean(request.GET.get("q"))
    results: list[Membership] = []
    if q:
        lowered = q.lower().replace(" ", "")
        cond = Q(person__name__contains=q)
        if lowered.isascii() and lowered.isalpha():
            cond |= Q(person__name_initials__startswith=lowered) | Q(person__name_pinyin__startswith=lowered)
        results = list(
            Membership.objects.filter(organisation_id=proposal.organisation_id, is_active=True)
            .filter(cond)
            .exclude(person__in=proposal.signers.values("person_id"))
            .select_related("person", "sector")
            .only("person__id", "person__name", "sector__name")
            .order_by("person__stroke_key", "person_id")[:20]
        )
    return render(request, "proposals/_cosigners.html", {"results": results, "q": q})


@login_required
@action_errors
def merge_targets(request: HttpRequest, pk: int) -> HttpResponse:
    """并案: other proposals of the same committee by number or title."""
    user = _user(request)
    proposal = actions.get_proposal_for(user, pk)
    if not _office_of(user, proposal):
        raise Http404()
    q = clean(request.GET.get("q"))
    targets = _merge_candidates(proposal).filter(Q(number__contains=q) | Q(title__contains=q))[:20] if q else []
    return render(request, "proposals/_merge_targets.html", {"targets": targets, "q": q})


def _merge_candidates(proposal: Proposal) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(
            organisation_id=proposal.organisation_id, state__in=MERGE_TARGET_STATES, merged_into__isnull=True
        )
        .exclude(pk=proposal.pk)
        .order_by("-year", "seq", "id")
    )


# ---------------------------------------------------------------------------------------
# detail, print, letters


def _detail_context(user: User, p: Proposal) -> dict[str, object]:
    conf = actions.settings_for(p.organisation)
    today = timezone.localdate()
    is_office = _office_of(user, p)
    signers = list(p.signers.select_related("person"))
    my_signer = (
        next((s for s in signers if s.person_id == user.person_id), None)
        if user.role == Role.MEMBER and user.person_id
        else None
    )
    is_author = _is_author(user, p)
    shown_signers = signers if is_author else [s for s in signers if s.counts]
    assignments: list[Any] = list(p.assignments.select_related("unit").order_by("state", "role", "id"))
    for a in assignments:
        a.open = a.state in OPEN_ASSIGNMENT_STATES and p.state == State.ASSIGNED
        a.days_left = (a.deadline - today).days if a.open else None
        a.days_over = -a.days_left if a.days_left is not None and a.days_left < 0 else 0
    replies: list[Any] = list(p.replies.select_related("assignment__unit").order_by("round", "submitted_at", "id"))
    if user.role == Role.MEMBER:
        replies = [r for r in replies if r.state == ReplyState.APPROVED]
    for r in replies:
        r.class_label = conf.class_label(r.reply_class)
    events: list[Any] = list(p.events.all())
    for e in events:
        e.label = actions.ACTION_LABELS.get(e.action, e.action)
        e.from_label = _state_label(e.from_state) if e.from_state else ""
        e.to_label = _state_label(e.to_state) if e.to_state and e.to_state != e.from_state else ""
    extensions = list(
        ExtensionRequest.objects.filter(assignment__proposal=p)
        .select_related("assignment__unit")
        .order_by("-requested_at")
    )
    can_rate = False
    if user.role == Role.MEMBER and user.person_id and p.state == State.REPLIED:
        is_proposer = any(x.pk == user.person_id for x in actions.proposer_persons(p))
        already = Rating.objects.filter(proposal=p, person_id=user.person_id, round=p.round).exists()
        can_rate = is_proposer and not already
    context: dict[str, object] = {
        "p": p,
        "conf": conf,
        "signers": shown_signers,
        "my_signer": my_signer,
        "is_author": is_author,
        "is_office": is_office,
        "assignments": assignments,
        "consultations": p.consultations.select_related("assignment__unit"),
        "replies": replies,
        "ratings": p.ratings.select_related("person").order_by("round", "id"),
        "events": events,
        "merged_from": p.merged.all(),
        "can_edit": is_author and p.state in (State.DRAFT, State.RETURNED),
        "can_withdraw": is_author and p.state in (State.DRAFT, State.SUBMITTED, State.RETURNED),
        "invitation": my_signer is not None
        and not my_signer.is_first
        and my_signer.status == SignerStatus.INVITED
        and p.state in (State.DRAFT, State.RETURNED, State.SUBMITTED),
        "can_rate": can_rate,
        "satisfaction": Satisfaction.choices,
        "show_extensions": user.role != Role.MEMBER,
        "extensions": extensions,
        "merged_into_visible": bool(p.merged_into_id)
        and Proposal.objects.visible_to(user).filter(pk=p.merged_into_id or 0).exists(),
    }
    if is_office:
        candidates = similar_proposals(p.organisation_id, p.year, p.title, exclude_id=p.pk)
        context.update(
            {
                "categories": conf.categories,
                "reasons": conf.not_filed_reasons,
                "reply_classes": conf.reply_classes,
                "leaders": User.objects.filter(role=Role.LEADER, organisation_id=p.organisation_id, is_active=True),
                "units": HandlingUnit.objects.filter(organisation_id=p.organisation_id, is_active=True),
                "modes": HandlingMode.choices,
                "merge_suggestions": [
                    s for s in candidates if s.proposal.state in MERGE_TARGET_STATES and not s.proposal.merged_into_id
                ][:5],
                "pending_replies": [r for r in replies if r.state == ReplyState.PENDING],
                "pending_extensions": [
                    x
                    for x in extensions
                    if x.state == ExtensionState.PENDING  # type: ignore[attr-defined]
                ],
                "active_assignments": [a for a in assignments if a.state != AssignmentState.CANCELLED],
                "can_review": p.state == State.SUBMITTED,
                "can_merge": p.state in (State.SUBMITTED, State.FILED),
                "can_mark": p.state in FILED_STATES,
                "can_assign": p.state == State.FILED,
                "can_reassign": p.state == State.ASSIGNED,
                "can_publish": p.state in (State.REPLIED, State.CLOSED)
                and not p.is_confidential
                and not p.is_published,
            }
        )
    return context


@login_required
@action_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = actions.get_proposal_for(user, pk)
    return render(request, "proposals/detail.html", _detail_context(user, proposal))


@login_required
@action_errors
def print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A4, laid out like the paper proposal form; names only, no contact data."""
    user = _user(request)
    p = actions.get_proposal_for(user, pk)
    signers = [s for s in p.signers.select_related("person") if s.counts]
    return render(request, "proposals/print.html", {"p": p, "signers": signers})


@login_required
def reply_letter(request: HttpRequest, pk: int) -> FileResponse:
    """The signed reply letter, served only to those who may see the proposal (never via
    MEDIA_URL); members only once the office approved the reply."""
    user = _user(request)
    reply = Reply.objects.filter(pk=pk).first()
    if reply is None or not reply.letter:
        raise Http404()
    try:
        actions.get_proposal_for(user, reply.proposal_id)
    except NotFound:
        raise Http404() from None
    if user.role == Role.MEMBER and reply.state != ReplyState.APPROVED:
        raise Http404()
    if user.role == Role.UNIT and reply.assignment.unit_id != user.handling_unit_id:
        raise Http404()
    name = reply.letter.name.rsplit("/", 1)[-1]
    return FileResponse(reply.letter.open("rb"), as_attachment=False, filename=name)


# ---------------------------------------------------------------------------------------
# actions: one POST endpoint per step, all through lvzhi.proposals.actions

Handler = Callable[[User, Proposal, QueryDict], str]


def _version(post: QueryDict) -> int | None:
    value = clean(post.get("version"))
    return int(value) if value.isdigit() else None


def _check_version(proposal: Proposal, post: QueryDict) -> None:
    """For the actions that take no version: refuse a stale page all the same."""
    version = _version(post)
    if version is not None and version != proposal.version:
        raise Conflict(_("该提案已被他人处理或修改，请刷新页面后重试"))


def _submit(user: User, p: Proposal, post: QueryDict) -> str:
    actions.submit(actor=user, proposal=p, version=_version(post))
    return _("提案已提交，等待提案委员会审查")


def _withdraw(user: User, p: Proposal, post: QueryDict) -> str:
    actions.withdraw(actor=user, proposal=p, version=_version(post), note=clean(post.get("note")))
    return _("提案已撤回")


def _invite(user: User, p: Proposal, post: QueryDict) -> str:
    ids = [int(x) for x in post.getlist("persons") if x.isdigit()]
    if not ids:
        raise Invalid({"cosigners": _("请选择要邀请的委员")})
    persons = list(Person.objects.filter(pk__in=ids))
    if len(persons) != len(set(ids)):
        raise Invalid({"cosigners": _("所选委员不存在")})
    actions.invite_cosigners(actor=user, proposal=p, persons=persons)
    return _("已邀请联名，对方确认后计入提案人")


def _respond(accept: bool) -> Handler:
    def handler(user: User, p: Proposal, post: QueryDict) -> str:
        actions.respond_invitation(actor=user, proposal=p, accept=accept)
        return _("已确认联名") if accept else _("已谢绝联名")

    return handler


def _rate(user: User, p: Proposal, post: QueryDict) -> str:
    actions.rate(
        actor=user,
        proposal=p,
        process=clean(post.get("process")),
        result=clean(post.get("result")),
        comment=post.get("comment", ""),
    )
    return _("测评已提交，谢谢")


def _return(user: User, p: Proposal, post: QueryDict) -> str:
    actions.return_for_revision(actor=user, proposal=p, note=post.get("note", ""), version=_version(post))
    return _("已退回提案人修改")


def _file(user: User, p: Proposal, post: QueryDict) -> str:
    p = actions.file_proposal(
        actor=user, proposal=p, version=_version(post), category=clean(post.get("category")), note=""
    )
    return _("已立案：%(number)s") % {"number": p.number}


def _not_file(user: User, p: Proposal, post: QueryDict) -> str:
    actions.not_file(
        actor=user,
        proposal=p,
        reason=clean(post.get("reason")),
        convert_to=clean(post.get("convert_to")),
        version=_version(post),
        note=clean(post.get("note")),
    )
    return _("已决定不予立案")


def _merge(user: User, p: Proposal, post: QueryDict) -> str:
    into = clean(post.get("into"))
    target = None
    if into.isdigit():
        target = Proposal.objects.filter(pk=int(into), organisation_id=p.organisation_id).first()
    elif into:
        target = Proposal.objects.filter(number=into, organisation_id=p.organisation_id).first()
    if target is None:
        raise Invalid({"into": _("请选择要并入的提案")})
    actions.merge(actor=user, proposal=p, into=target, version=_version(post))
    return _("已并入：%(target)s") % {"target": str(target)}


def _key(user: User, p: Proposal, post: QueryDict) -> str:
    is_key = post.get("is_key") == "1"
    supervisor = None
    sup = clean(post.get("supervisor"))
    if is_key and sup.isdigit():
        supervisor = User.objects.filter(pk=int(sup), role=Role.LEADER, organisation_id=p.organisation_id).first()
    actions.mark_key(actor=user, proposal=p, is_key=is_key, supervisor=supervisor, version=_version(post))
    return _("已确定为重点提案") if is_key else _("已取消重点提案")


def _excellent(user: User, p: Proposal, post: QueryDict) -> str:
    value = post.get("is_excellent") == "1"
    actions.mark_excellent(actor=user, proposal=p, is_excellent=value, version=_version(post))
    return _("已评为优秀提案") if value else _("已取消优秀提案")


def _units(p: Proposal, post: QueryDict, field: str = "units") -> list[HandlingUnit]:
    ids = [int(x) for x in post.getlist(field) if x.isdigit()]
    units = list(HandlingUnit.objects.filter(pk__in=ids, organisation_id=p.organisation_id, is_active=True))
    if len(units) != len(set(ids)):
        raise Invalid({"units": _("所选承办单位不是本级政协的承办单位")})
    return sorted(units, key=lambda u: ids.index(u.pk))


def _lead(mode: str, units: list[HandlingUnit], post: QueryDict, *, required: bool = True) -> HandlingUnit | None:
    if mode != HandlingMode.JOINT:
        return None
    lead_id = clean(post.get("lead"))
    lead = next((u for u in units if str(u.pk) == lead_id), None)
    if lead is None and required:
        raise Invalid({"lead": _("会办须从所选单位中指定一个主办单位")})
    return lead


def _assign(user: User, p: Proposal, post: QueryDict) -> str:
    mode = clean(post.get("mode"))
    units = _units(p, post)
    lead = _lead(mode, units, post) if units else None
    try:
        deadline = parse_date(clean(post.get("deadline")))
    except DateError as exc:
        raise Invalid({"deadline": str(exc)}) from None
    actions.assign(
        actor=user,
        proposal=p,
        mode=mode,
        units=actions.roles_for(mode, units, lead),
        version=_version(post),
        deadline=deadline,
    )
    return _("已交办")


def _reassign(user: User, p: Proposal, post: QueryDict) -> str:
    cancel_ids = [int(x) for x in post.getlist("cancel") if x.isdigit()]
    cancel = list(p.assignments.filter(pk__in=cancel_ids))
    add = _units(p, post, "add")
    mode = clean(post.get("mode")) or p.handling_mode
    roles: list[tuple[HandlingUnit, str]]
    if mode == HandlingMode.SINGLE:
        roles = [(u, UnitRole.SOLE) for u in add]
    elif mode == HandlingMode.SPLIT:
        roles = [(u, UnitRole.SPLIT) for u in add]
    else:
        lead = _lead(mode, add, post, required=False)
        roles = [(u, UnitRole.LEAD if u == lead else UnitRole.ASSIST) for u in add]
    if not cancel and not add:
        raise Invalid({"add": _("请选择要取消或新增的承办单位")})
    actions.reassign(actor=user, proposal=p, cancel=cancel, add=roles, version=_version(post), mode=mode)
    return _("已改派")


def _review_reply(user: User, p: Proposal, post: QueryDict) -> str:
    actions.require_office(user, p)
    _check_version(p, post)
    reply_id = clean(post.get("reply"))
    reply = p.replies.filter(pk=int(reply_id)).first() if reply_id.isdigit() else None
    if reply is None:
        raise NotFound(_("答复不存在"))
    approve = post.get("decision") == "approve"
    actions.review_reply(
        actor=user, reply=reply, approve=approve, note=post.get("note", ""), reply_class=clean(post.get("reply_class"))
    )
    return _("答复已审核通过") if approve else _("答复已退回承办单位")


def _extension(user: User, p: Proposal, post: QueryDict) -> str:
    actions.require_office(user, p)
    _check_version(p, post)
    ext_id = clean(post.get("extension"))
    ext = ExtensionRequest.objects.filter(pk=int(ext_id), assignment__proposal=p).first() if ext_id.isdigit() else None
    if ext is None:
        raise NotFound(_("延期申请不存在"))
    approve = post.get("decision") == "approve"
    actions.decide_extension(actor=user, extension=ext, approve=approve)
    return _("已同意延期") if approve else _("已不同意延期")


def _publish(user: User, p: Proposal, post: QueryDict) -> str:
    actions.publish(actor=user, proposal=p, version=_version(post))
    return _("已公开")


HANDLERS: dict[str, Handler] = {
    "submit": _submit,
    "withdraw": _withdraw,
    "invite": _invite,
    "confirm": _respond(True),
    "decline": _respond(False),
    "rate": _rate,
    "return": _return,
    "file": _file,
    "not_file": _not_file,
    "merge": _merge,
    "key": _key,
    "excellent": _excellent,
    "assign": _assign,
    "reassign": _reassign,
    "review_reply": _review_reply,
    "extension": _extension,
    "publish": _publish,
}


@login_required
@require_POST
@action_errors
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a proposal. On an error the detail page comes back with the Chinese
    message: per field for bad input, on top for a conflict (nothing was changed)."""
    user = _user(request)
    proposal = actions.get_proposal_for(user, pk)
    handler = HANDLERS.get(action)
    if handler is None:
        raise Http404()
    try:
        message = handler(user, proposal, request.POST)
    except (NotFound, Forbidden):
        raise
    except ActionError as exc:
        proposal = actions.get_proposal_for(user, pk)
        context = _detail_context(user, proposal)
        conflict = isinstance(exc, Conflict)
        context.update(
            {
                "error_action": action,
                "errors": {action: exc.errors},
                "error_message": str(exc) if isinstance(exc, Invalid) else exc.message,
                "conflict": conflict,
                "posted": request.POST,
            }
        )
        return render(request, "proposals/detail.html", context, status=409 if conflict else 400)
    messages.success(request, message)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("proposals:detail", proposal.pk)
