"""助推统计 pages, mounted at /assistance/figures/: the figures page (every headline number
with its definition and a drill-down to what stands behind it, the ready paragraph, the
per-county table, charts, the .xlsx export, the quarterly bulletin and the year-end award
candidates), a member's record (委员助推档案), a household's help (帮扶情况) and the weekly
typical member (每周助推典型).

Office clerks and leaders choose among the committees in their scope; a member sees only
their own record. Anything else answers 404, exactly like a missing object. The page reads
the rollups, so it makes a bounded number of queries whatever the size of the ledger."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import managed_organisation_ids, organisation_ids_in_scope
from lvzhi.assistance import actions, report
from lvzhi.assistance.figures import (
    DEFINITIONS,
    DRILL_KEYS,
    FIGURE_FIELDS,
    Filters,
    assistance_figures,
    award_candidates,
    by_committee,
    drill_entries,
    drill_households,
    drill_persons,
)
from lvzhi.assistance.models import (
    QUANTITIES,
    Campaign,
    DailyTotal,
    Entry,
    EntryMember,
    EntryStatus,
    Need,
    Pairing,
    Pledge,
    Showcase,
)
from lvzhi.assistance.validation import MONEY_FIELDS
from lvzhi.core.errors import Conflict, Invalid
from lvzhi.core.excel import write_sheet
from lvzhi.core.http import action_errors, attachment, is_htmx
from lvzhi.core.masking import HouseholdPrivacy
from lvzhi.core.templatetags.lvzhi import yuan
from lvzhi.households.models import Household
from lvzhi.members.models import Membership, Person
from lvzhi.organisations.models import Body, BodyKind, Organisation

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_SIZE = 50

RATE, MONEY, COUNT = "rate", "money", "count"
# The headline figures in the order the speeches quote them: (key, label, shown as, the
# drill-down key whose list stands behind the number).
CARDS: list[tuple[str, str, str, str]] = [
    ("mobilisation_rate", "动员面", RATE, "members_mobilised"),
    ("participation_rate", "参与率", RATE, "members_participating"),
    ("members_total", "委员总数", COUNT, "members_total"),
    ("members_mobilised", "动员委员", COUNT, "members_mobilised"),
    ("members_participating", "参与委员", COUNT, "members_participating"),
    ("members_paired", "结对委员", COUNT, "members_paired"),
    ("households_reached", "帮扶户数", COUNT, "households_reached"),
    ("people_reached", "帮扶人数", COUNT, "households_reached"),
    ("households_paired", "结对户数", COUNT, "households_paired"),
    ("people_paired", "结对人数", COUNT, "households_paired"),
    ("entries", "台账条数", COUNT, "entries"),
    ("money_yuan", "捐资（万元）", MONEY, "money_yuan"),
    ("goods_count", "捐物（件次）", COUNT, "goods_count"),
    ("goods_value_yuan", "折币（万元）", MONEY, "goods_value_yuan"),
    ("industry_households", "产业户（户）", COUNT, "industry_households"),
    ("students_funded", "学生（名）", COUNT, "students_funded"),
    ("jobs_provided", "岗位（个）", COUNT, "jobs_provided"),
    ("info_items", "信息（条）", COUNT, "info_items"),
    ("materials", "资料（份）", COUNT, "materials"),
    ("key_matters", "关键小事（件）", COUNT, "key_matters"),
]
LABELS = {key: label for key, label, _shown, _drill in CARDS}
SHOWN = {key: shown for key, _label, shown, _drill in CARDS}
COUNTY_KEYS = [
    "members_total",
    "members_participating",
    "participation_rate",
    "mobilisation_rate",
    "money_yuan",
    "goods_count",
    "goods_value_yuan",
    "industry_households",
    "students_funded",
    "jobs_provided",
    "info_items",
    "materials",
    "households_reached",
]


def display(key: str, value: Any) -> str:
    if SHOWN.get(key) == RATE:
        return report.rate_text(value)
    if SHOWN.get(key) == MONEY:
        return report.wan(value)
    return str(value)


def quantities_text(values: Any) -> str:
    """'捐资1,200.50元、资助学生1名' from an entry or a dict of sums (zeros left out); amounts
    in 元 as the ledger shows them, whatever the database returned for a sum."""
    get = values.get if isinstance(values, dict) else lambda key: getattr(values, key)
    return "、".join(
        f"{label}{yuan(get(field)) if unit == '元' else get(field)}{unit}"
        for field, label, unit in QUANTITIES
        if get(field)
    )


# -- the selection: committee, campaign, sector or working group, from, cut-off -------------


@dataclass
class Selection:
    orgs: QuerySet[Organisation]
    campaigns: list[Campaign]
    bodies: list[Body]
    filters: Filters

    @property
    def query(self) -> str:
        """The filters as a query string, for drill-downs, export and bulletin links."""
        f = self.filters
        params = {
            "organisation": f.organisation.code,
            "campaign": f.campaign.code if f.campaign else "",
            "body": f.body.pk if f.body else "",
            "from": f.start.isoformat() if f.start else "",
            "to": f.as_of.isoformat(),
        }
        return urlencode({k: v for k, v in params.items() if v})


def require_office(user: User) -> None:
    """The figures and sites pages are for office clerks and leaders; anyone else gets 404."""
    if user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404()


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()) if (raw or "").strip() else None
    except ValueError:
        return None


def selection(request: HttpRequest) -> Selection:
    """The filters from the query string; a committee, campaign or body out of sight is 404."""
    user: User = request.user  # type: ignore[assignment]
    require_office(user)
    orgs = Organisation.objects.filter(pk__in=organisation_ids_in_scope(user)).order_by("path")
    code = request.GET.get("organisation") or (user.organisation.code if user.organisation else "")
    org = next((o for o in orgs if o.code == code), None)
    if org is None:
        raise Http404()
    campaigns = list(Campaign.objects.visible_to(user).order_by("-start_date", "code"))
    campaign = None
    if request.GET.get("campaign"):
        campaign = next((c for c in campaigns if c.code == request.GET["campaign"]), None)
        if campaign is None:
            raise Http404()
    bodies = list(
        Body.objects.filter(organisation=org, kind__in=[BodyKind.SECTOR, BodyKind.WORKING_GROUP]).order_by(
            "kind", "sort_order", "pk"
        )
    )
    body = None
    if request.GET.get("body"):
        body = next((b for b in bodies if str(b.pk) == request.GET["body"]), None)
        if body is None:
            raise Http404()
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start and end and start > end:
        start = None
    return Selection(orgs, campaigns, bodies, Filters(org, campaign, start, end, body))


# -- the figures page -----------------------------------------------------------------------


def _money_by_month(f: Filters) -> dict[str, list[Any]]:
    """From the rollup of the scope and campaign: one grouped query."""
    days = DailyTotal.objects.filter(scope=f.organisation, campaign_key=f.campaign_key, day__lte=f.as_of)
    if f.start is not None:
        days = days.filter(day__gte=f.start)
    rows = (
        days.annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(money=Sum("money_fen"), goods=Sum("goods_value_fen"))
        .order_by("month")
    )
    return {
        "labels": [f"{r['month']:%Y-%m}" for r in rows],
        "money": [round((r["money"] or 0) / 1_000_000, 2) for r in rows],  # fen -> 万元
        "goods": [round((r["goods"] or 0) / 1_000_000, 2) for r in rows],
    }


def _results(sel: Selection) -> dict[str, Any]:
    f = sel.filters
    fig = assistance_figures(f)
    # by_committee counts each county over all its members: not offered for one body.
    rows = [] if f.body is not None else by_committee(f)
    return {
        "sel": sel,
        "f": f,
        "fig": fig,
        "cards": [
            {
                "key": key,
                "label": label,
                "value": display(key, fig[key]),
                "definition": DEFINITIONS[key],
                "drill": drill,
            }
            for key, label, _shown, drill in CARDS
        ],
        "paragraph": report.paragraph(fig, f),
        "county_columns": [LABELS[k] for k in COUNTY_KEYS],
        "counties": [{"name": r["organisation"].name, "cells": [display(k, r[k]) for k in COUNTY_KEYS]} for r in rows],
        "chart": {
            "months": _money_by_month(f),
            "participation": {
                "labels": [r["organisation"].short_name for r in rows],
                "values": [
                    None if r["participation_rate"] is None else round(r["participation_rate"] * 100, 1) for r in rows
                ],
            },
        },
        "quarter": report.quarter_of(f.as_of)[0],
    }


@login_required
def candidates(request: HttpRequest) -> HttpResponse:
    """年度评先奖优候选, fetched by the page after it loads: read from the per-member rollup
    when the period covers whole years or up to the last entry, counted live otherwise, so
    kept off the page's own request."""
    f = selection(request).filters
    rows = [{**r, "money_wan": report.wan(r["money_yuan"])} for r in award_candidates(f)]
    return render(request, "assistance/figures/_candidates.html", {"candidates": rows})


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    sel = selection(request)
    context = _results(sel)
    if is_htmx(request):
        return render(request, "assistance/figures/_results.html", {**context, "htmx": True})
    return render(request, "assistance/figures/page.html", context)


# -- drill-downs ----------------------------------------------------------------------------


def drill_kind(key: str) -> str:
    if key.startswith("members_"):
        return "persons"
    if key.startswith("households_"):
        return "households"
    return "entries"


def _drill_items(sel: Selection, key: str) -> tuple[str, Any]:
    """What stands behind one figure: ("entries" | "persons" | "households", the queryset).
    The page and its export read the same rows."""
    if key not in DRILL_KEYS:
        raise Http404()
    f, kind = sel.filters, drill_kind(key)
    if kind == "persons":
        seats = Membership.objects.filter(
            organisation__path__startswith=f.organisation.path, is_active=True
        ).select_related("organisation")
        return kind, drill_persons(f, key).prefetch_related(Prefetch("memberships", queryset=seats, to_attr="seats"))
    if kind == "households":
        return kind, drill_households(f, key)
    return kind, drill_entries(f, key)


@login_required
def drill(request: HttpRequest, key: str) -> HttpResponse:
    """The entries, members or households behind one figure, with the page's filters."""
    sel = selection(request)
    kind, items = _drill_items(sel, key)
    f = sel.filters
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    field = FIGURE_FIELDS.get(key)
    privacy = HouseholdPrivacy.for_request(request)
    for item in page.object_list:
        if kind == "entries":
            value = getattr(item, field) if field else ""
            item.value = yuan(value) if field in MONEY_FIELDS else value
        elif kind == "households":
            item.head_shown = privacy.head(item)
    return render(
        request,
        "assistance/figures/drill.html",
        {
            "sel": sel,
            "f": f,
            "key": key,
            "kind": kind,
            "label": LABELS.get(key, key),
            "definition": DEFINITIONS.get(key, ""),
            "value_label": _money_unit(LABELS[key]) if field else "",  # entries hold 元
            "page": page,
        },
    )


def _drill_sheet(kind: str, items: Any, key: str, privacy: HouseholdPrivacy) -> tuple[list[str], Any]:
    """The drill-down table's columns and rows: names and committees of members, the head
    of household masked unless the user has the personal-data right, as on the page. Read in
    chunks (prefetches included): a province's drill-down never sits in memory at once."""
    items = items.iterator(chunk_size=2000)
    if kind == "persons":
        header = ["序号", "姓名", "所属政协"]
        rows = (
            [i, p.name, "、".join(s.organisation.short_name for s in p.seats)] for i, p in enumerate(items, start=1)
        )
        return header, rows
    if kind == "households":
        header = ["序号", "户编号", "乡镇", "村", "户主", "人口"]
        rows = (
            [i, h.number, h.township.name, h.village.name, privacy.head(h), h.size]
            for i, h in enumerate(items, start=1)
        )
        return header, rows
    field = FIGURE_FIELDS.get(key)
    header = ["序号", "日期", "所属政协", "助推活动", "行动类别", "事项", "委员", "户编号"]
    if field:
        header.append(_money_unit(LABELS[key]))
    rows = (
        [
            i,
            e.date,
            e.organisation.short_name,
            e.campaign.name if e.campaign else "",
            e.action_kind.name if e.action_kind else "",
            e.summary,
            "、".join(p.name for p in e.persons.all()),
            e.household.number if e.household else "",
            *([getattr(e, field)] if field else []),
        ]
        for i, e in enumerate(items, start=1)
    )
    return header, rows


def _money_unit(label: str) -> str:
    """The export keeps amounts in 元 (the page shows 万元)."""
    return label.replace("万元", "元")


@login_required
def drill_export(request: HttpRequest, key: str) -> HttpResponse:
    """The drill-down (all pages) as .xlsx: the same rows, filters and masking as the page."""
    sel = selection(request)
    kind, items = _drill_items(sel, key)
    f = sel.filters
    header, rows = _drill_sheet(kind, items, key, HouseholdPrivacy.for_request(request))
    label = _money_unit(LABELS.get(key, key))
    filename = f"{f.organisation.short_name}{label.split('（')[0]}明细（截至{f.as_of:%Y%m%d}）.xlsx"
    return attachment(write_sheet(label.split("（")[0][:31], header, rows), filename)


# -- export and bulletin --------------------------------------------------------------------


def figures_workbook(sel: Selection) -> bytes:
    """The page as a workbook: 助推统计 (figure, value, definition), 分级统计 for a city
    and 口径说明. Rates are fractions formatted as percentages, money in 元."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    f = sel.filters
    fig = assistance_figures(f)
    rows = [] if f.body is not None else by_committee(f)
    bold = Font(bold=True)

    def put(sheet: Any, values: list[Any], keys: list[str], first: int) -> None:
        sheet.append(values)
        for column, key in enumerate(keys, start=first):
            if SHOWN.get(key) == RATE:
                sheet.cell(row=sheet.max_row, column=column).number_format = "0.0%"

    def money_label(key: str) -> str:
        return LABELS[key].replace("万元", "元") if SHOWN[key] == MONEY else LABELS[key]

    wb = Workbook()
    ws = wb.active
    ws.title = "助推统计"
    ws.append(["统计项", "数值", "口径说明"])
    for key, _label, _shown, _drill in CARDS:
        put(ws, [money_label(key), fig[key], DEFINITIONS[key]], [key], 2)
    ws.append([])
    scope = "、".join(x for x in (f.campaign.name if f.campaign else "", f.body.name if f.body else "") if x)
    since = f"{report.date_text(f.start, True)}至" if f.start else "截至"
    ws.append([f"{f.organisation.name}（含下级政协）{scope} {since}{report.date_text(f.as_of, True)}"])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["C"].width = 90
    for cell in ws[1]:
        cell.font = bold
    for line in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        line[0].alignment = Alignment(wrap_text=True)
    if rows:
        sheet = wb.create_sheet("分级统计")
        sheet.append(["政协", *[money_label(k) for k in COUNTY_KEYS]])
        for r in rows:
            put(sheet, [r["organisation"].name, *[r[k] for k in COUNTY_KEYS]], COUNTY_KEYS, 2)
        for cell in sheet[1]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 20
        sheet.freeze_panes = "B2"
    notes = wb.create_sheet("口径说明")
    for key in DEFINITIONS:
        notes.append([DEFINITIONS[key]])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@login_required
def figures_export(request: HttpRequest) -> HttpResponse:
    sel = selection(request)
    f = sel.filters
    return attachment(figures_workbook(sel), f"{f.organisation.short_name}助推统计（截至{f.as_of:%Y%m%d}）.xlsx")


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    """季度通报 (.docx) for the quarter of the cut-off date."""
    sel = selection(request)
    f = sel.filters
    quarter = report.quarter_of(f.as_of)[0]
    content = report.bulletin_docx(f.organisation, f.as_of, f.campaign)
    return attachment(content, f"{f.organisation.short_name}{f.as_of.year}年第{quarter}季度助推行动通报.docx", DOCX)


# -- a member's record (委员助推档案) --------------------------------------------------------


def _member_scope(user: User, person_id: int) -> list[int] | None:
    """None: the member themself (all of their own record); else the committees in scope.
    A member asking for someone else, or a person without a seat in scope, is 404."""
    if user.role == Role.MEMBER and user.person_id == person_id:
        return None
    if user.role in (Role.OFFICE, Role.LEADER):
        ids = organisation_ids_in_scope(user)
        if Membership.objects.filter(person_id=person_id, organisation_id__in=ids).exists():
            return ids
    raise Http404()


def _within(qs: QuerySet[Any], ids: list[int] | None) -> QuerySet[Any]:
    return qs if ids is None else qs.filter(organisation_id__in=ids)


def _entry_sums(entries: QuerySet[Entry]) -> dict[str, Any]:
    fields = [field for field, _label, _unit in QUANTITIES]
    return Entry.objects.filter(pk__in=entries.values("pk")).aggregate(**{f: Sum(f) for f in fields})


def _mask(households: list[Household], privacy: HouseholdPrivacy) -> None:
    for household in households:
        household.head_shown = privacy.head(household)  # type: ignore[attr-defined]


@login_required
def member_page(request: HttpRequest, person_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ids = _member_scope(user, person_id)
    person = Person.objects.get(pk=person_id)
    entries = (
        Entry.objects.visible_to(user)
        .filter(status=EntryStatus.CONFIRMED, entry_members__person_id=person_id)
        .select_related("campaign", "household", "site", "village")
        .order_by("campaign__start_date", "campaign_id", "-date", "-pk")
    )
    entry_list = list(entries)
    for entry in entry_list:
        entry.quantities = quantities_text(entry)  # type: ignore[attr-defined]
    pairings = list(
        _within(Pairing.objects.filter(person_id=person_id), ids)
        .select_related("household__village", "organisation")
        .order_by("-started_on")
    )
    needs = list(
        _within(Need.objects.filter(person_id=person_id), ids)
        .select_related("household__village")
        .order_by("-assigned_on", "-pk")
    )
    _mask([p.household for p in pairings] + [n.household for n in needs], HouseholdPrivacy.for_request(request))
    seats = _within(Membership.objects.filter(person_id=person_id), ids).select_related("organisation")
    return render(
        request,
        "assistance/figures/member.html",
        {
            "person": person,
            "seats": seats,
            "entries": entry_list,
            "totals": quantities_text(_entry_sums(entries)),
            "pledges": _within(Pledge.objects.filter(person_id=person_id), ids)
            .select_related("campaign", "action_kind", "organisation")
            .order_by("-pledged_on"),
            "pairings": pairings,
            "needs": needs,
            "office": ids is not None,
        },
    )


# -- a household's help (帮扶情况) -----------------------------------------------------------


@login_required
def household_page(request: HttpRequest, household_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    household = Household.objects.visible_to(user).select_related("township", "village").filter(pk=household_id).first()
    if household is None:
        raise Http404()
    _mask([household], HouseholdPrivacy.for_request(request))
    entries = (
        Entry.objects.visible_to(user)
        .filter(household=household, status=EntryStatus.CONFIRMED)
        .select_related("campaign")
        .prefetch_related("persons")
        .order_by("-date", "-pk")
    )
    entry_list = list(entries)
    for entry in entry_list:
        entry.quantities = quantities_text(entry)  # type: ignore[attr-defined]
    helpers = Person.objects.filter(
        pk__in=EntryMember.objects.filter(entry__in=entries.values("pk")).values("person_id")
    ).order_by("stroke_key")
    return render(
        request,
        "assistance/figures/household.html",
        {
            "household": household,
            "pairings": Pairing.objects.filter(household=household)
            .select_related("person", "organisation")
            .order_by("ended_on", "-started_on"),
            "entries": entry_list,
            "helpers": helpers,
            "totals": quantities_text(_entry_sums(entries)),
            "office": user.role in (Role.OFFICE, Role.LEADER),
        },
    )


# -- the weekly typical member (每周助推典型) ------------------------------------------------


class ShowcaseForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=gettext_lazy("政协"))
    week = forms.DateField(
        label=gettext_lazy("周（任选当周一天）"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    person = forms.ModelChoiceField(Person.objects.none(), label=gettext_lazy("委员"))
    story = forms.CharField(label=gettext_lazy("事迹"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args: Any, managed: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = Organisation.objects.filter(pk__in=managed).order_by("path")
        self.fields["organisation"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(memberships__organisation_id__in=managed, memberships__is_active=True)
            .distinct()
            .order_by("stroke_key")
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            )


@login_required
@action_errors
def showcase(request: HttpRequest) -> HttpResponse:
    """Past picks in scope; the office picks this week's member (actions.pick_showcase)."""
    user: User = request.user  # type: ignore[assignment]
    require_office(user)
    managed = managed_organisation_ids(user)
    form = None
    if managed:
        initial = {"organisation": user.organisation, "week": timezone.localdate()}
        form = ShowcaseForm(request.POST if request.method == "POST" else None, managed=managed, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                actions.pick_showcase(
                    actor=user,
                    organisation=data["organisation"],
                    week=data["week"],
                    person=data["person"],
                    story=data["story"],
                )
            except Invalid as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("已选定本周助推典型"))
                return redirect("assistance_figures:showcase")
    elif request.method == "POST":
        raise PermissionDenied(_("只有政协机关工作人员可以选定助推典型"))
    picks = (
        Showcase.objects.filter(organisation_id__in=organisation_ids_in_scope(user))
        .select_related("person", "organisation")
        .order_by("-week", "organisation__path")
    )
    page = Paginator(picks, 30).get_page(request.GET.get("page"))
    for pick in page.object_list:
        # 修改 / 删除 on the rows the clerk may change, with the stamp of what is shown
        pick.stamp = actions.showcase_stamp(pick) if pick.organisation_id in managed else ""  # type: ignore[attr-defined]
    return render(request, "assistance/figures/showcase.html", {"form": form, "page": page})


class ShowcaseEditForm(ShowcaseForm):
    """修改 a pick: its committee stays; ``seen`` is the stamp of what the form was drawn from."""

    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["organisation"]


def _showcase_item(user: User, pk: int) -> Showcase:
    """A pick of a committee in the user's scope; any other answers 404, like a missing one."""
    require_office(user)
    item = (
        Showcase.objects.filter(pk=pk, organisation_id__in=organisation_ids_in_scope(user))
        .select_related("organisation", "person")
        .first()
    )
    if item is None:
        raise Http404()
    return item


@login_required
@action_errors
def showcase_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改助推典型 (the office of the pick's committee or the city above it)."""
    user: User = request.user  # type: ignore[assignment]
    item = _showcase_item(user, pk)
    actions.require_manage(user, item.organisation, "助推典型")  # a leader: 403 before any form
    initial = {"week": item.week, "person": item.person, "story": item.story, "seen": actions.showcase_stamp(item)}
    posted = request.method == "POST"
    form = ShowcaseEditForm(request.POST if posted else None, managed=managed_organisation_ids(user), initial=initial)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.edit_showcase(
                    actor=user,
                    item=item,
                    week=data["week"],
                    person=data["person"],
                    story=data["story"],
                    seen=data["seen"],
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except Invalid as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("已修改助推典型"))
                return redirect("assistance_figures:showcase")
    return render(request, "assistance/figures/showcase_form.html", {"form": form, "item": item}, status=status)


@login_required
@require_POST
@action_errors
def showcase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    item = _showcase_item(user, pk)
    try:
        actions.delete_showcase(actor=user, item=item, seen=request.POST.get("seen", ""))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除助推典型"))
    return redirect("assistance_figures:showcase")
