"""贫困户档案 pages: the register (filters, search, HTMX table, .xlsx export of exactly the
filtered list), a household's file, the completeness report (档案完整性) per township and
village with its drill-down and the sheet for townships to fix, and the background import
(upload, job page polled by HTMX, "仅导入有效行", the error rows as .xlsx).

Every read is scoped by `Household.objects.visible_to(user)`; imports by the importer's own
`authorise`. Anything out of scope answers 404 like a missing object. The people's names, ID
numbers, phones and health are shown as `lvzhi.core.masking.HouseholdPrivacy` decides (in
full only with the personal-data right over the household's committee), on every page and
export alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import managed_organisation_ids, organisation_ids_in_scope
from lvzhi.core.errors import Conflict, Invalid
from lvzhi.core.excel import ACCEPTED_EXTENSIONS, UNREADABLE, write_sheet
from lvzhi.core.http import action_errors, attachment, is_htmx
from lvzhi.core.masking import HIDDEN, HouseholdPrivacy
from lvzhi.households import jobs
from lvzhi.households.completeness import CHECKS, age_on, incomplete_households, township_report
from lvzhi.households.loading import FIELDS, HouseholdImporter
from lvzhi.households.models import (
    MONITORED,
    Cause,
    Health,
    Household,
    HouseholdMember,
    ImportJob,
    Labour,
    MigrantWork,
    Relation,
    Schooling,
    Status,
    Township,
    Village,
)
from lvzhi.organisations.models import Level, Organisation

PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a county's register, one row per person
STAFF = (Role.OFFICE, Role.LEADER)
MONITORED_FILTER = "monitored"
FILTER_KEYS = ("organisation", "township", "village", "status", "cause", "incomplete", "q")
MEMBER_CHOICES: dict[str, type[models.TextChoices]] = {
    "relation": Relation,
    "schooling": Schooling,
    "health": Health,
    "labour": Labour,
    "migrant_work": MigrantWork,
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_staff(user: User) -> None:
    if user.role not in STAFF:
        raise Http404()


def _yes_no(value: bool | None) -> str:
    if value is None:
        return _("未填")
    return _("是") if value else _("否")


def _causes(codes: str) -> str:
    labels = dict(Cause.choices)
    return "、".join(str(labels.get(code, code)) for code in codes.split(",") if code)


# -- the filtered register ---------------------------------------------------------------------


@dataclass
class Register:
    """What the list shows, the export writes and the completeness report counts."""

    f: dict[str, str]
    base: QuerySet[Household]  # in scope, of the chosen committee
    households: QuerySet[Household]  # with every filter
    orgs: list[Organisation] = field(default_factory=list)
    townships: list[Township] = field(default_factory=list)
    villages: list[Village] = field(default_factory=list)
    township: Township | None = None
    village: Village | None = None
    many_orgs: bool = False  # households of several committees: show which one

    def query(self, **extra: str) -> str:
        return urlencode({k: v for k, v in {**self.f, **extra}.items() if v})


def register_for(user: User, params: Mapping[str, str], privacy: HouseholdPrivacy) -> Register:
    """The households in scope filtered by committee, township, village, status, cause,
    completeness and 户编号/户主. A committee outside scope answers 404; a township or village
    that is not in the chosen committee is ignored. The head's name is searched only where the
    user may see it: a masked name must not be found by guessing it."""
    if user.role not in (*STAFF, Role.MEMBER):
        raise Http404()
    f = {k: str(params.get(k, "")).strip() for k in FILTER_KEYS}
    base = Household.objects.visible_to(user)
    scope_ids = organisation_ids_in_scope(user)
    orgs = list(Organisation.objects.filter(pk__in=scope_ids).order_by("path")) if user.role in STAFF else []
    if f["organisation"]:
        org = next((o for o in orgs if o.code == f["organisation"]), None)
        if org is None:
            raise Http404()
        base = base.filter(organisation__path__startswith=org.path)
        scope_ids = [o.pk for o in orgs if o.path.startswith(org.path)]
    reg = Register(f=f, base=base, households=base, orgs=orgs, many_orgs=len(scope_ids) > 1)
    reg.townships = list(Township.objects.filter(organisation_id__in=scope_ids).select_related("organisation"))
    reg.township = next((t for t in reg.townships if str(t.pk) == f["township"]), None)
    if reg.township is None:
        f["township"] = f["village"] = ""
    else:
        reg.villages = list(reg.township.villages.all())
        reg.village = next((v for v in reg.villages if str(v.pk) == f["village"]), None)
        f["village"] = f["village"] if reg.village else ""
    qs = base
    if reg.village is not None:
        qs = qs.filter(village=reg.village)
    elif reg.township is not None:
        qs = qs.filter(township=reg.township)
    if f["status"] == MONITORED_FILTER:
        qs = qs.filter(status__in=MONITORED)
    elif f["status"] in Status.values:
        qs = qs.filter(status=f["status"])
    if f["cause"] in Cause.values:
        qs = qs.filter(main_cause=f["cause"])
    if f["incomplete"]:
        f["incomplete"] = "1"
        qs = qs.filter(problem_count__gt=0)
    if f["q"]:
        qs = qs.filter(privacy.search(f["q"]))
    reg.households = qs
    return reg


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """贫困户档案: filters, search, 50 a page; HTMX requests get the table (and the place
    selects, out of band, since the villages follow the township)."""
    user = _user(request)
    privacy = HouseholdPrivacy.for_request(request)
    reg = register_for(user, request.GET, privacy)
    households = reg.households.select_related("organisation", "township", "village")
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _shown(privacy, page.object_list)
    htmx = is_htmx(request)
    context = {
        "reg": reg,
        "f": reg.f,
        "page": page,
        "oob": htmx,
        "statuses": [*Status.choices, (MONITORED_FILTER, _("监测户（不稳定、边缘、突发）"))],
        "causes": Cause.choices,
        "can_import": user.role == Role.OFFICE and bool(managed_organisation_ids(user)),
        "is_staff": user.role in STAFF,
        "names_searchable": bool(privacy.committees),
    }
    return render(request, "households/_table.html" if htmx else "households/list.html", context)


def _names(household: Household) -> list[str]:
    """The names the household's texts may quote: the head's and the family members'."""
    return [household.head_name, *(m.name for m in household.members.all())]


def _shown(privacy: HouseholdPrivacy, households: Iterable[Household]) -> list[Household]:
    """A page of households with what the user may see of them: ``head_shown``,
    ``phone_shown``, ``problems_shown`` and ``problems_text`` (the problems quote family
    members by name). The members' names are read (one query) only when some are masked."""
    rows = list(households)
    if any(not privacy.shows(h) for h in rows):
        members = HouseholdMember.objects.only("household_id", "name")
        models.prefetch_related_objects(rows, Prefetch("members", queryset=members))
    for h in rows:
        names = _names(h) if not privacy.shows(h) else []
        h.head_shown = privacy.head(h)  # type: ignore[attr-defined]
        h.phone_shown = privacy.phone(h, h.phone)  # type: ignore[attr-defined]
        h.problems_shown = [privacy.text(h, p, names) for p in h.problem_list]  # type: ignore[attr-defined]
        h.problems_text = "\n".join(h.problems_shown)  # type: ignore[attr-defined]
    return rows


def _export_rows(households: QuerySet[Household], privacy: HouseholdPrivacy) -> Iterator[list[Any]]:
    """One row per person, the household's columns repeated, in the import template's
    columns (so a file exported by a user with the right can be corrected and re-imported)."""
    labels = {key: dict(choices.choices) for key, choices in MEMBER_CHOICES.items()}
    statuses = dict(Status.choices)
    for h in households.iterator(chunk_size=2000):
        show = privacy.shows(h)
        house: dict[str, Any] = {
            "number": h.number,
            "township": h.township.name,
            "township_code": h.township.code,
            "village": h.village.name,
            "village_code": h.village.code,
            "group": h.group,
            "head_name": privacy.head(h),
            "phone": privacy.phone(h, h.phone),
            "main_cause": _causes(h.main_cause),
            "other_causes": _causes(h.other_causes),
            "income_wages": h.income_wages,
            "income_business": h.income_business,
            "income_transfer": h.income_transfer,
            "income_property": h.income_property,
            "income_total": h.income_total,
            "per_capita_income": h.per_capita_income,
            **{key: _yes_no(getattr(h, key)) for key, _label in CHECKS},
            "status": str(statuses.get(h.status, h.status)),
            "exit_year": h.exit_year,
            "helper_name": h.helper_name,
            "helper_phone": privacy.phone(h, h.helper_phone),
        }
        people: list[HouseholdMember | None] = list(h.members.all()) or [None]
        for m in people:
            person: dict[str, Any] = {}
            if m is not None:
                person = {
                    "name": privacy.name(h, m.name),
                    "id_number": privacy.id_number(h, m.id_number),
                    "sex": {"M": "男", "F": "女"}.get(m.sex, ""),
                    "birth_date": m.birth_date if show else None,
                    "ethnicity": m.ethnicity,
                    "education": m.education,
                    "migrant_months": m.migrant_months,
                    **{key: str(table.get(getattr(m, key), "")) for key, table in labels.items()},
                }
                if not show:
                    person["health"] = HIDDEN
            values = house | person
            yield [h.organisation.short_name, *(values.get(f.key, "") for f in FIELDS)]


@login_required
def household_export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered register (all pages), masked unless the user has the right."""
    user = _user(request)
    _require_staff(user)
    privacy = HouseholdPrivacy.for_request(request)
    reg = register_for(user, request.GET, privacy)
    households = reg.households.select_related("organisation", "township", "village").prefetch_related(
        Prefetch("members", queryset=HouseholdMember.objects.order_by("sort_order", "pk"))
    )
    header = [_("所属县区"), *(str(f.label) for f in FIELDS)]
    content = write_sheet(_("贫困户档案"), header, _export_rows(households, privacy))
    return attachment(content, f"贫困户档案{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = (
        Household.objects.visible_to(user).select_related("organisation", "township", "village").filter(pk=pk).first()
    )
    if household is None:
        raise Http404()
    privacy = HouseholdPrivacy.for_request(request)
    show = privacy.shows(household)
    today = timezone.localdate()
    people = list(household.members.order_by("sort_order", "pk"))
    names = [household.head_name, *(m.name for m in people)]
    members = [
        {
            "m": m,
            "name": privacy.name(household, m.name),
            "id_number": privacy.id_number(household, m.id_number),
            "health": privacy.health(household, m.get_health_display()),
            "age": age_on(m.birth_date, today),
        }
        for m in people
    ]
    incomes = [
        (getattr(Household._meta.get_field(name), "verbose_name", name), getattr(household, name))
        for name in ("income_wages", "income_business", "income_transfer", "income_property", "income_total")
    ]
    context = {
        "h": household,
        "head": privacy.head(household),
        "problems": [privacy.text(household, p, names) for p in household.problem_list],
        "members": members,
        "show_personal": show,
        "phone": privacy.phone(household, household.phone),
        "helper_phone": privacy.phone(household, household.helper_phone),
        "other_causes": _causes(household.other_causes),
        "checks": [(label, _yes_no(getattr(household, key))) for key, label in CHECKS],
        "incomes": incomes,
        "can_manage": household.organisation_id in managed_organisation_ids(user),
        "is_staff": user.role in STAFF,
        "pairings": household.pairings.filter(ended_on__isnull=True).select_related("person").order_by("started_on"),
    }
    if context["can_manage"]:
        context["candidates"] = _pairing_candidates(household)
        context["today"] = today
    return render(request, "households/detail.html", context)


def _pairing_candidates(household: Household) -> list[tuple[int, str]]:
    """Members who may pair with the household: seats in its county or the committees above."""
    from lvzhi.members.models import Membership

    seats = (
        Membership.objects.filter(is_active=True, organisation__path__in=household.organisation.chain_paths())
        .select_related("person", "organisation")
        .order_by("person__stroke_key", "person_id", "-organisation__path")
    )
    seen: dict[int, str] = {}
    for seat in seats:
        seen.setdefault(seat.person_id, f"{seat.person.name}（{seat.organisation.short_name}）")
    return list(seen.items())


@login_required
@require_POST
@action_errors
def household_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """结对: the office pairs a member with the household, or ends a pairing."""
    from lvzhi.assistance import actions as assistance_actions
    from lvzhi.assistance.models import Pairing
    from lvzhi.core.dates import DateError, parse_date
    from lvzhi.members.models import Person

    user = _user(request)
    household = Household.objects.visible_to(user).select_related("organisation").filter(pk=pk).first()
    if household is None:
        raise Http404()
    ending = request.POST.get("end")
    try:
        if ending:
            pairing = Pairing.objects.filter(pk=ending if ending.isdigit() else 0, household=household).first()
            if pairing is None:
                raise Http404()
            assistance_actions.end_pairing(actor=user, item=pairing)
            messages.success(request, _("已结束与%(name)s的结对") % {"name": pairing.person.name})
        else:
            person_id = request.POST.get("person", "")
            if person_id not in {str(p) for p, _label in _pairing_candidates(household)}:
                raise Invalid({"person": _("请选择结对委员")})
            try:
                started = parse_date(request.POST.get("started_on")) or timezone.localdate()
            except DateError as exc:
                raise Invalid({"started_on": str(exc)}) from None
            if started > timezone.localdate():
                raise Invalid({"started_on": _("结对日期不能晚于今天")})
            person = Person.objects.get(pk=int(person_id))
            assistance_actions.pair(
                actor=user, organisation=household.organisation, person=person, household=household, started_on=started
            )
            messages.success(request, _("%(name)s已与本户结对") % {"name": person.name})
    except Invalid as exc:
        messages.error(request, str(exc))
    return redirect("households:detail", pk=household.pk)


# -- completeness (档案完整性) -----------------------------------------------------------------


def _rate(households: int, incomplete: int) -> str:
    return f"{(households - incomplete) * 100 / households:.1f}%" if households else "—"


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    """Per township (with its villages): households, incomplete files, completeness rate;
    choosing a township or village lists its incomplete households with their problems."""
    user = _user(request)
    _require_staff(user)
    reg = register_for(user, request.GET, HouseholdPrivacy.for_request(request))
    townships: dict[tuple[str, int], dict[str, Any]] = {}
    totals = {"households": 0, "incomplete": 0}
    for row in township_report(reg.base):
        row["rate_text"] = _rate(row["households"], row["incomplete"])
        group = townships.setdefault(
            (row["county"], row["township_id"]),
            {"county": row["county"], "id": row["township_id"], "name": row["township"], "households": 0,
             "incomplete": 0, "villages": []},
        )  # fmt: skip
        group["villages"].append(row)
        for key in totals:
            group[key] += row[key]
            totals[key] += row[key]
    for group in townships.values():
        group["rate_text"] = _rate(group["households"], group["incomplete"])
    context: dict[str, Any] = {
        "reg": reg,
        "f": reg.f,
        "townships": list(townships.values()),
        "totals": totals | {"rate_text": _rate(totals["households"], totals["incomplete"])},
        "place_query": reg.query(township="", village="", page=""),
    }
    if reg.township is not None:
        drill = incomplete_households(
            reg.base, reg.township.pk, reg.village.pk if reg.village is not None else None
        ).select_related("organisation")
        page = Paginator(drill, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = _shown(HouseholdPrivacy.for_request(request), page.object_list)
        context["drill"] = page
    return render(request, "households/completeness.html", context)


@login_required
def completeness_export(request: HttpRequest) -> HttpResponse:
    """The incomplete households (of the chosen committee, township or village) with their
    problems one per line: the sheet handed to townships to fix their files."""
    user = _user(request)
    _require_staff(user)
    privacy = HouseholdPrivacy.for_request(request)
    reg = register_for(user, request.GET, privacy)
    households = incomplete_households(
        reg.base,
        reg.township.pk if reg.township is not None else None,
        reg.village.pk if reg.village is not None else None,
    ).select_related("organisation")
    if not privacy.committees:  # the right covers the user's whole scope, or nothing
        # The problems quote family members by name: their names are masked too.
        members = HouseholdMember.objects.only("household_id", "name")
        households = households.prefetch_related(Prefetch("members", queryset=members))
    county = [_("县区")] if reg.many_orgs else []  # several counties: say which one
    header = [*county, _("乡镇"), _("村"), _("户编号"), _("户主"), _("问题")]
    rows = (
        [*([h.organisation.short_name] if county else []), h.township.name, h.village.name, h.number,
         privacy.head(h), privacy.text(h, "\n".join(h.problem_list), [] if privacy.shows(h) else _names(h))]
        for h in households.iterator(chunk_size=2000)
    )  # fmt: skip
    content = write_sheet(_("档案问题"), header, rows, wrap=len(header) - 1)
    return attachment(content, f"贫困户档案问题清单{timezone.localdate():%Y%m%d}.xlsx")


# -- import (导入贫困户) ------------------------------------------------------------------------


def _importable(user: User) -> QuerySet[Organisation]:
    """Committees the user may import into: the counties they manage (registers are kept by county)."""
    return Organisation.objects.filter(pk__in=managed_organisation_ids(user), level=Level.COUNTY).order_by("path")


def _upload_error(upload: Any) -> str:
    if upload is None:
        return _("请选择要上传的文件")
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        return _("文件超过%(max_mb)sMB，请按乡镇拆分成几个文件分批导入") % {"max_mb": MAX_UPLOAD_BYTES // 2**20}
    if Path(upload.name or "").suffix.lower() not in ACCEPTED_EXTENSIONS:
        return UNREADABLE
    return ""


@login_required
@action_errors
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a register; the import runs in the background and the job page shows its progress."""
    user = _user(request)
    orgs = _importable(user)
    if not orgs:
        raise Http404()
    code = request.POST.get("organisation") or request.GET.get("organisation") or ""
    org = orgs.filter(code=code).first() if code else orgs.first()
    if org is None:
        raise Http404()
    context: dict[str, Any] = {
        "orgs": orgs,
        "org": org,
        "max_mb": MAX_UPLOAD_BYTES // 2**20,
        "recent": ImportJob.objects.filter(organisation__in=orgs).select_related("organisation", "created_by")[:10],
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        error = _upload_error(upload)
        if not error:
            try:
                job = jobs.start_import(actor=user, organisation=org, upload=upload)  # type: ignore[arg-type]
            except Invalid as exc:
                error = str(exc)
            else:
                return redirect("households:job", pk=job.pk)
        context["upload_error"] = error
        return render(request, "households/import.html", context, status=400)
    return render(request, "households/import.html", context)


@login_required
@action_errors
def import_template(request: HttpRequest) -> HttpResponse:
    if not _importable(_user(request)):
        raise Http404()
    return attachment(HouseholdImporter.template(), HouseholdImporter.template_name)


@login_required
@action_errors
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress (polled every second by HTMX while it runs), then its report."""
    job = jobs.visible_job(_user(request), pk)
    context = {"job": job, "report": job.report}
    template = "households/_job.html" if is_htmx(request) else "households/job.html"
    return render(request, template, context)


@login_required
@action_errors
@require_POST
def job_valid_only(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    job = jobs.visible_job(user, pk)
    try:
        new = jobs.import_valid_rows(actor=user, job=job)
    except (Conflict, Invalid) as exc:
        messages.error(request, str(exc) if isinstance(exc, Invalid) else exc.message)
        return redirect("households:job", pk=job.pk)
    return redirect("households:job", pk=new.pk)


@login_required
@action_errors
def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    job = jobs.visible_job(user, pk)
    if not job.report.get("errors"):
        raise Http404()
    return attachment(jobs.error_rows_workbook(job, actor=user), f"{Path(job.filename).stem}-错误行.xlsx")
