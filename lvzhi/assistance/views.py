"""Pages of the ledger (助推台账), campaigns (助推活动) and pledges (认领): members log on a
phone, the office reviews, records, exports and enters a symposium in one sitting. Every
write goes through lvzhi.assistance.actions, every read is scoped by `visible_to` (out of
scope answers 404, exactly like a missing object). HTMX requests get small fragments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import managed_organisation_ids, organisation_ids_in_scope
from lvzhi.assistance import actions
from lvzhi.assistance.forms import CampaignForm, EntryForm, LedgerFilterForm, today_initial
from lvzhi.assistance.models import (
    QUANTITIES,
    ActionKind,
    Campaign,
    DemoSite,
    Entry,
    EntryPhoto,
    EntryQuerySet,
    EntryStatus,
    Pledge,
    Source,
    Target,
)
from lvzhi.assistance.validation import (
    MONEY_FIELDS,
    SEPARATORS,
    MemberLookup,
    PlaceLookup,
    parse_count,
    parse_money,
    validate_entry,
)
from lvzhi.audit.models import AuditEntry
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import ActionError, Conflict, Forbidden, Invalid, NotFound
from lvzhi.core.excel import write_sheet
from lvzhi.core.http import action_errors, attachment, is_htmx
from lvzhi.core.masking import HouseholdPrivacy
from lvzhi.core.templatetags.lvzhi import yuan
from lvzhi.core.text import clean, clean_compact
from lvzhi.households.models import Household, Village
from lvzhi.members.models import Membership, Person
from lvzhi.organisations.models import Organisation

QUANTITY_KEYS = tuple(key for key, _label, _unit in QUANTITIES)
TIMELINE_LABELS = {
    "assistance.entry.create": "填报",
    "assistance.entry.update": "修改",
    "assistance.entry.confirm": "确认",
    "assistance.entry.reject": "退回",
}
GENERAL_WORDS = ("", "面上", "面上帮扶")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _is_member(user: User) -> bool:
    return user.role == Role.MEMBER and bool(user.person_id)


def _person_id(user: User) -> int:
    """The user's own member record (0: none, matches nothing)."""
    return user.person_id or 0


def _require(user: User, *roles: str) -> None:
    """Pages of other roles answer 404, as if they did not exist."""
    if user.role not in roles or (user.role == Role.MEMBER and not user.person_id):
        raise Http404()


def _version(post: QueryDict) -> int:
    value = clean(post.get("version"))
    return int(value) if value.isdigit() else -1


def _error_text(exc: ActionError) -> str:
    return str(exc) if isinstance(exc, Invalid) else exc.message


def _entries(user: User) -> EntryQuerySet:
    return (
        Entry.objects.visible_to(user)
        .select_related(
            "organisation", "campaign", "action_kind", "household__village__township", "village__township", "site"
        )
        .prefetch_related("persons")
    )


def _entry(user: User, pk: int) -> Entry:
    entry = _entries(user).filter(pk=pk).first()
    if entry is None:
        raise Http404()
    return entry


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """助推: each role's starting page."""
    user = _user(request)
    if _is_member(user):
        return redirect("assistance:mine")
    if user.role == Role.OFFICE:
        return redirect("assistance:review")
    if user.role == Role.LEADER:
        return redirect("assistance:ledger")
    raise Http404()


# ---------------------------------------------------------------------------------------
# the member's page


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的助推 (phone-first): my entries with their state, my pledges, 填报台账."""
    user = _user(request)
    _require(user, Role.MEMBER)
    page = Paginator(_entries(user).order_by("-date", "-pk"), 20).get_page(request.GET.get("page"))
    pledges = Pledge.objects.filter(person_id=_person_id(user)).select_related("campaign", "action_kind")
    return render(request, "assistance/mine.html", {"page": page, "pledges": pledges.order_by("-pledged_on", "-pk")})


# ---------------------------------------------------------------------------------------
# the entry form: a member's own (待确认) or the office's (confirmed at once)


def _entry_organisations(user: User) -> list[Organisation]:
    """Where the user may log: a member's seats, the most local first; an office its subtree."""
    if _is_member(user):
        orgs = Organisation.objects.filter(memberships__person_id=_person_id(user), memberships__is_active=True)
        return sorted(set(orgs), key=lambda o: (-o.depth, o.path))
    if user.role == Role.OFFICE:
        return list(Organisation.objects.filter(pk__in=managed_organisation_ids(user)).order_by("path"))
    return []


def _pick(orgs: Sequence[Organisation], code: str | None) -> Organisation:
    return next((o for o in orgs if o.code == code), orgs[0])


def _campaigns_for(user: User, organisation: Organisation, keep: Campaign | None = None) -> list[Campaign]:
    """Running campaigns that reach the committee (and the entry's own, if it has ended)."""
    found = [
        c
        for c in Campaign.objects.visible_to(user).filter(is_active=True).prefetch_related("targets")
        if actions.campaign_applies_to(c, organisation)
    ]
    if keep is not None and keep not in found:
        found.append(keep)
    return found


def find_household(user: User, organisation: Organisation, number: str) -> Household:
    """A 户编号: among the households the user sees (a member's paired ones), else within the
    committee's county. ValueError with the reason in Chinese."""
    for qs in (
        Household.objects.visible_to(user),
        Household.objects.filter(organisation__path__startswith=organisation.path),
    ):
        found = list(qs.filter(number=number).select_related("organisation")[:2])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(_("有多户户编号为“%(n)s”，请在贫困户所在区县政协填报") % {"n": number})
    raise ValueError(_("%(org)s没有户编号为“%(n)s”的贫困户") % {"org": organisation.short_name, "n": number})


@dataclass
class Places:
    """The villages and sites a ledger entry of a committee may name: the villages of the
    committee and those below it (the import's lookup), the sites it runs or co-runs (what
    `validate_entry` accepts)."""

    villages: list[Village]
    sites: list[DemoSite]

    @classmethod
    def of(cls, organisation: Organisation) -> Places:
        lookup = PlaceLookup(organisation)  # the same places as the import and the API
        villages = lookup.villages().order_by("township__name", "name", "pk")
        return cls(list(villages), list(lookup.sites().order_by("name", "pk")))

    def village(self, value: str) -> Village | None:
        return next((v for v in self.villages if str(v.pk) == value), None)

    def site(self, value: str) -> DemoSite | None:
        return next((s for s in self.sites if str(s.pk) == value), None)


def _resolve_place(raw: dict[str, Any], form: EntryForm, organisation: Organisation, places: Places) -> dict[str, str]:
    """The chosen village or site (for those targets), or why it cannot be chosen."""
    errors: dict[str, str] = {}
    village_id, site_id = clean(form.data.get("village")), clean(form.data.get("site"))
    raw["village"] = places.village(village_id) if raw["target"] == Target.VILLAGE and village_id else None
    raw["site"] = places.site(site_id) if raw["target"] == Target.SITE and site_id else None
    if raw["target"] == Target.VILLAGE and village_id and raw["village"] is None:
        errors["village"] = _("该村（社区）不在%(org)s所辖范围内") % {"org": organisation.short_name}
    if raw["target"] == Target.SITE and site_id and raw["site"] is None:
        errors["site"] = _("该示范点不属于%(org)s") % {"org": organisation.short_name}
    return errors


def _resolve_entry(
    user: User, organisation: Organisation, form: EntryForm, campaigns: Sequence[Campaign], places: Places
) -> Any:
    """The posted entry as validated data, or the errors by field."""
    raw = form.raw()
    errors = _resolve_place(raw, form, organisation, places)
    campaign_id = clean(form.data.get("campaign"))
    campaign = next((c for c in campaigns if str(c.pk) == campaign_id), None)
    if campaign_id and campaign is None:
        errors["campaign"] = _("请选择在本政协开展的助推活动")
    raw["campaign"] = campaign
    kind_id = clean(form.data.get("action_kind"))
    kind = None
    if kind_id:
        if campaign is not None and kind_id.isdigit():
            kind = ActionKind.objects.filter(pk=int(kind_id), campaign=campaign).first()
        if kind is None:
            errors["action_kind"] = _("行动类别不属于所选助推活动")
    raw["action_kind"] = kind
    number = clean_compact(form.data.get("household"))
    raw["household"] = None
    if raw["target"] in ("", Target.HOUSEHOLD) and number:
        try:
            raw["household"] = find_household(user, organisation, number)
        except ValueError as exc:
            errors["household"] = str(exc)
    data, found = validate_entry(raw, organisation)
    return data, {**found, **errors}


def _posted_persons(request: HttpRequest, user: User) -> list[int]:
    ids = list(dict.fromkeys(int(x) for x in request.POST.getlist("persons") if x.isdigit()))
    if _is_member(user) and user.person_id not in ids:
        ids.insert(0, _person_id(user))
    return ids


def _entry_initial(entry: Entry) -> dict[str, Any]:
    initial: dict[str, Any] = {key: getattr(entry, key) for key in ("summary", "note", "target", *QUANTITY_KEYS)}
    for key in QUANTITY_KEYS:
        initial[key] = "" if not initial[key] else initial[key]
    initial.update(
        date=entry.date.isoformat(),
        campaign=entry.campaign_id or "",
        action_kind=entry.action_kind_id or "",
        household=entry.household.number if entry.household else "",
        village=entry.village_id or "",
        site=entry.site_id or "",
        version=entry.version,
    )
    return initial


def _entry_form(
    request: HttpRequest, orgs: Sequence[Organisation], org: Organisation, entry: Entry | None
) -> HttpResponse:
    user = _user(request)
    posted = request.method == "POST"
    campaigns = _campaigns_for(user, org, entry.campaign if entry else None)
    if posted:
        campaign_id = clean(request.POST.get("campaign"))
    else:
        campaign_id = str(entry.campaign_id or "") if entry else ""
    kinds = list(ActionKind.objects.filter(campaign_id__in=[c.pk for c in campaigns if str(c.pk) == campaign_id]))
    places = Places.of(org)
    form = EntryForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=_entry_initial(entry) if entry else {**today_initial(), "organisation": org.code},
        organisations=orgs,
        campaigns=campaigns,
        kinds=kinds,
        villages=places.villages,
        sites=places.sites,
        with_photos=entry is None,
    )
    if posted:
        person_ids = _posted_persons(request, user)
    elif entry is not None:
        person_ids = [p.pk for p in entry.persons.all()]
    else:
        person_ids = [_person_id(user)] if _is_member(user) else []
    status = 200
    if posted:
        form.is_valid()
        data, errors = _resolve_entry(user, org, form, campaigns, places)
        if errors:
            form.add_errors(errors)
            status = 400
        else:
            try:
                if entry is None:
                    photos = request.FILES.getlist("photos")
                    entry = actions.log_entry(
                        actor=user, organisation=org, data=data, person_ids=person_ids, photos=photos
                    )
                else:
                    version = _version(request.POST)
                    entry = actions.update_entry(
                        actor=user, entry=entry, data=data, person_ids=person_ids, version=version
                    )
            except (NotFound, Forbidden):
                raise
            except ActionError as exc:
                form.add_errors(exc.errors or {"__all__": exc.message})
                status = 409 if isinstance(exc, Conflict) else 400
            else:
                if entry.status == EntryStatus.PENDING:
                    messages.success(request, _("台账已提交，待政协机关确认"))
                    return redirect("assistance:mine")
                messages.success(request, _("台账已保存"))
                return redirect("assistance:entry", entry.pk)
    chosen = Person.objects.filter(pk__in=person_ids).exclude(pk=_person_id(user)).order_by("stroke_key")
    context = {"form": form, "org": org, "entry": entry, "chosen": chosen, "is_member": _is_member(user)}
    return render(request, "assistance/entry_form.html", context, status=status)


@login_required
@action_errors
def entry_new(request: HttpRequest) -> HttpResponse:
    """填报台账 (member) / 录入台账 (office: several members, confirmed at once)."""
    orgs = _entry_organisations(_user(request))
    if not orgs:
        raise Http404()
    org = _pick(orgs, request.POST.get("organisation") or request.GET.get("organisation"))
    return _entry_form(request, orgs, org, None)


def _may_edit(user: User, entry: Entry) -> bool:
    if _is_member(user):
        return entry.status != EntryStatus.CONFIRMED
    return entry.organisation_id in managed_organisation_ids(user)


@login_required
@action_errors
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改: a member's pending or returned entry; the office's any in its subtree."""
    user = _user(request)
    entry = _entry(user, pk)
    if not _may_edit(user, entry):
        if user.role != Role.MEMBER:
            raise Http404()
        messages.error(request, _("已确认的台账不能由委员修改，如需更正请联系政协机关"))
        return redirect("assistance:entry", entry.pk)
    return _entry_form(request, [entry.organisation], entry.organisation, entry)


@login_required
@require_POST
@action_errors
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    entry = _entry(user, pk)
    if _is_member(user) and entry.status != EntryStatus.PENDING:
        raise Http404()
    try:
        actions.delete_entry(actor=user, entry=entry, version=_version(request.POST))
    except (NotFound, Forbidden):
        raise
    except ActionError as exc:
        messages.error(request, _error_text(exc))
        return redirect("assistance:entry", entry.pk)
    messages.success(request, _("台账已删除"))
    return redirect("assistance:mine" if _is_member(user) else "assistance:ledger")


@login_required
def kinds(request: HttpRequest) -> HttpResponse:
    """HTMX: the <option>s of a campaign's action kinds."""
    campaign_id = clean(request.GET.get("campaign"))
    items: list[ActionKind] = []
    if campaign_id.isdigit():
        campaign = Campaign.objects.visible_to(_user(request)).filter(pk=int(campaign_id)).first()
        items = list(campaign.action_kinds.all()) if campaign else []
    blank = _("全部") if request.GET.get("filter") else _("请选择")
    return render(request, "assistance/_kind_options.html", {"kinds": items, "blank": blank})


def _search_organisation(request: HttpRequest) -> Organisation:
    orgs = _entry_organisations(_user(request))
    if not orgs:
        raise Http404()
    return _pick(orgs, request.GET.get("organisation"))


@login_required
def households(request: HttpRequest) -> HttpResponse:
    """HTMX: <option>s of the households the user sees matching a 户编号 or a head's name
    (the name only where the user may see it, and shown as they may see it)."""
    user = _user(request)
    org = _search_organisation(request)
    q = clean_compact(request.GET.get("household") or request.GET.get("q"))
    privacy = HouseholdPrivacy.for_request(request)
    found: list[Household] = []
    if q:
        found = list(
            Household.objects.visible_to(user)
            .filter(organisation__path__startswith=org.path)
            .filter(privacy.search(q))
            .select_related("village")
            .order_by("number")[:20]
        )
    for h in found:
        h.head_shown = privacy.head(h)  # type: ignore[attr-defined]
    return render(request, "assistance/_household_options.html", {"households": found})


@login_required
def persons(request: HttpRequest) -> HttpResponse:
    """HTMX: members of the committee, the committees below and above it, by name or pinyin
    initials: name and committee only."""
    user = _user(request)
    org = _search_organisation(request)
    q = clean(request.GET.get("q"))
    found: list[Membership] = []
    if q:
        lowered = q.lower().replace(" ", "")
        cond = Q(person__name__contains=q)
        if lowered.isascii() and lowered.isalpha():
            cond |= Q(person__name_initials__startswith=lowered) | Q(person__name_pinyin__startswith=lowered)
        seats = Membership.objects.filter(is_active=True).filter(org.reach())
        found = list(
            seats.filter(cond)
            .exclude(person_id=_person_id(user))
            .select_related("person", "organisation")
            .order_by("person__stroke_key", "person_id", "-organisation__depth")[:40]
        )
        unique = {m.person_id: m for m in reversed(found)}  # one line per person, the most local seat
        found = sorted(unique.values(), key=lambda m: m.person.stroke_key)[:20]
    return render(request, "assistance/_person_results.html", {"seats": found})


# ---------------------------------------------------------------------------------------
# detail, confirm and return


def _timeline(entry: Entry) -> list[dict[str, Any]]:
    rows = AuditEntry.objects.filter(object_type="assistance.entry", object_id=str(entry.pk)).select_related("actor")
    return [
        {
            "at": a.created_at,
            "label": TIMELINE_LABELS.get(a.action, a.action),
            "who": a.actor.display_name if a.actor else a.actor_name,
        }
        for a in rows.order_by("created_at", "id")
    ]


def _household_url(entry: Entry) -> str:
    if entry.household_id is None:
        return ""
    try:
        return reverse("households:detail", args=[entry.household_id])
    except NoReverseMatch:  # the register's pages are optional here
        return ""


def _detail(request: HttpRequest, entry: Entry, error: str = "", status: int = 200) -> HttpResponse:
    user = _user(request)
    managed = entry.organisation_id in managed_organisation_ids(user)
    context = {
        "entry": entry,
        "timeline": _timeline(entry),
        "quantities": [
            (k, label, yuan(getattr(entry, k)) if k in MONEY_FIELDS else getattr(entry, k), unit)
            for k, label, unit in QUANTITIES
            if getattr(entry, k)
        ],
        "household_url": _household_url(entry),
        "household_head": HouseholdPrivacy.for_request(request).head(entry.household) if entry.household else "",
        "photos": entry.photos.all(),
        "can_edit": _may_edit(user, entry),
        "can_delete": (entry.status == EntryStatus.PENDING) if _is_member(user) else managed,
        "can_review": managed and entry.status == EntryStatus.PENDING,
        "error": error,
        "conflict": status == 409,
    }
    return render(request, "assistance/entry_detail.html", context, status=status)


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _entry(_user(request), pk))


def _decide(request: HttpRequest, pk: int, confirm: bool) -> HttpResponse:
    """确认 / 退回 one entry: the inbox swaps its row (HTMX), the detail page reloads."""
    user = _user(request)
    entry = _entry(user, pk)
    error, status = "", 200
    try:
        if confirm:
            actions.confirm_entry(actor=user, entry=entry, version=_version(request.POST))
        else:
            reason = request.POST.get("reason", "")
            actions.reject_entry(actor=user, entry=entry, version=_version(request.POST), reason=reason)
    except (NotFound, Forbidden):
        raise
    except ActionError as exc:
        error, status = _error_text(exc), 409 if isinstance(exc, Conflict) else 400
    entry = _entry(user, pk)
    if is_htmx(request):  # HTMX swaps 2xx only: the row carries the error itself
        return render(request, "assistance/_review_row.html", {"e": entry, "error": error})
    if error:
        return _detail(request, entry, error, status)
    messages.success(request, _("已确认，计入统计") if confirm else _("已退回委员修改"))
    return redirect("assistance:entry", entry.pk)


@login_required
@require_POST
@action_errors
def entry_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=True)


@login_required
@require_POST
@action_errors
def entry_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=False)


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo, served only to those who see its entry (never via MEDIA_URL)."""
    item = EntryPhoto.objects.filter(pk=pk).first()
    if item is None or not Entry.objects.visible_to(_user(request)).filter(pk=item.entry_id).exists():
        raise Http404()
    return FileResponse(item.image.open("rb"), filename=item.image.name.rsplit("/", 1)[-1])


# ---------------------------------------------------------------------------------------
# the office: review inbox, ledger, export


@login_required
@action_errors
def review(request: HttpRequest) -> HttpResponse:
    """台账审核: pending entries of the subtree; batch confirm of the ticked rows."""
    user = _user(request)
    _require(user, Role.OFFICE)
    if request.method == "POST":
        versions: dict[int, int] = {}
        for value in request.POST.getlist("entry"):
            pk, _sep, version = value.partition(":")
            if pk.isdigit() and version.isdigit():
                versions[int(pk)] = int(version)
        entries = list(Entry.objects.visible_to(user).filter(pk__in=versions).select_related("organisation"))
        try:
            if not entries:
                raise Invalid({"entry": _("请勾选要确认的台账")})
            # The version the clerk saw: a stale one is refused.
            done = actions.confirm_entries(actor=user, entries=[(e, versions[e.pk]) for e in entries])
        except (NotFound, Forbidden):
            raise
        except ActionError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已确认 %(n)d 条台账") % {"n": done})
        return redirect("assistance:review")
    pending = _entries(user).filter(status=EntryStatus.PENDING).order_by("date", "pk")
    page = Paginator(pending, 50).get_page(request.GET.get("page"))
    return render(request, "assistance/review.html", {"page": page})


def _ledger(user: User, form: LedgerFilterForm) -> EntryQuerySet:
    qs = _entries(user)
    form.is_valid()  # an invalid filter is shown with its message and left out
    f = getattr(form, "cleaned_data", {})
    for key, lookup in (("campaign", "campaign_id"), ("action_kind", "action_kind_id")):
        if str(f.get(key) or "").isdigit():
            qs = qs.filter(**{lookup: int(f[key])})
    for key in ("status", "source"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("date_from"):
        qs = qs.filter(date__gte=f["date_from"])
    if f.get("date_to"):
        qs = qs.filter(date__lte=f["date_to"])
    if f.get("member"):
        qs = qs.filter(entry_members__person__name__contains=clean(f["member"])).distinct()
    if f.get("household"):
        qs = qs.filter(household__number=clean_compact(f["household"]))
    return qs.order_by("-date", "-pk")


def _ledger_form(request: HttpRequest) -> LedgerFilterForm:
    user = _user(request)
    _require(user, Role.OFFICE, Role.LEADER)
    campaigns = list(Campaign.objects.visible_to(user))
    chosen = clean(request.GET.get("campaign"))
    if chosen and chosen not in {str(c.pk) for c in campaigns}:
        raise Http404()  # another committee's campaign: as if it did not exist
    kinds = ActionKind.objects.filter(campaign_id=int(chosen)) if chosen.isdigit() else ActionKind.objects.none()
    return LedgerFilterForm(request.GET, campaigns=campaigns, kinds=list(kinds.filter(campaign__in=campaigns)))


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """助推台账: every entry in scope, filtered and paginated; HTMX swaps the table."""
    form = _ledger_form(request)
    qs = _ledger(_user(request), form)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    totals = qs.aggregate(money=Sum("money"), students=Sum("students"), jobs=Sum("jobs"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "totals": totals, "export_query": query.urlencode()}
    template = "assistance/_ledger_table.html" if is_htmx(request) else "assistance/ledger.html"
    return render(request, template, context)


EXPORT_HEADERS = [
    "序号",
    "日期",
    "所属政协",
    "助推活动",
    "行动类别",
    "委员",
    "帮扶对象",
    "户编号",
    "村",
    "事项",
    *(f"{label}（{unit}）" for _key, label, unit in QUANTITIES),
    "状态",
    "来源",
    "批次",
    "说明",
]


def _ledger_rows(entries: EntryQuerySet) -> Any:
    for i, e in enumerate(entries, start=1):
        household = e.household
        yield [
            i,
            e.date,
            e.organisation.short_name,
            e.campaign.name if e.campaign else "",
            e.action_kind.name if e.action_kind else "",
            "、".join(p.name for p in e.persons.all()),
            f"{e.get_target_display()}：{e.site.name}" if e.site else e.get_target_display(),
            household.number if household else "",
            str(household.village) if household else (str(e.village) if e.village else ""),
            e.summary,
            *(getattr(e, key) for key in QUANTITY_KEYS),
            e.get_status_display(),
            e.get_source_display(),
            e.batch,
            e.note,
        ]


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered ledger (all pages) as .xlsx; names of members, no personal data."""
    entries = _ledger(_user(request), _ledger_form(request))
    return attachment(write_sheet("助推台账", EXPORT_HEADERS, _ledger_rows(entries)), "助推台账.xlsx")


# ---------------------------------------------------------------------------------------
# the symposium (座谈会现场认捐): many rows in one sitting, all or nothing

SYMPOSIUM_COLUMNS = ("members", "households", "money", "jobs", "industry_households", "note")
SPLIT_KEYS = ("money", "jobs", "industry_households")


def _grid(post: QueryDict) -> list[dict[str, str]]:
    columns = {key: post.getlist(key) for key in SYMPOSIUM_COLUMNS}
    size = max((len(v) for v in columns.values()), default=0)
    return [{key: (values[i] if i < len(values) else "") for key, values in columns.items()} for i in range(size)]


def _split_words(text: object) -> list[str]:
    value = clean(text)
    for sep in SEPARATORS[1:]:
        value = value.replace(sep, SEPARATORS[0])
    return [w for w in value.split(SEPARATORS[0]) if w]


def _shares(row: dict[str, str], parts: int) -> list[dict[str, Any]]:
    """A row naming several households becomes one entry per household; its amounts are
    shared evenly (the remainder on the first) so that the totals stay exact."""
    money = int(parse_money(row["money"]) * 100)
    counts = {key: parse_count(row[key]) for key in SPLIT_KEYS if key != "money"}
    shares = []
    for i in range(parts):
        first = i == 0
        share: dict[str, Any] = {"money": Decimal(money // parts + (money % parts if first else 0)) / 100}
        for key, total in counts.items():
            share[key] = total // parts + (total % parts if first else 0)
        shares.append(share)
    return shares


def _symposium_rows(
    organisation: Organisation, campaign: Campaign, date: Any, title: str, grid: list[dict[str, str]]
) -> tuple[list[tuple[dict[str, Any], list[int]]], list[int], dict[int, list[str]]]:
    """(rows for `record_symposium`, the grid line of each, errors by grid line)."""
    lookup = MemberLookup(organisation)
    rows: list[tuple[dict[str, Any], list[int]]] = []
    lines: list[int] = []
    errors: dict[int, list[str]] = {}
    for line, cells in enumerate(grid, start=1):
        if not any(clean(v) for v in cells.values()):
            continue  # an empty line of the grid
        problems: list[str] = []
        person_ids: list[int] = []
        try:
            person_ids = lookup.resolve_many(cells["members"])
        except ValueError as exc:
            problems.append(str(exc))
        numbers = [] if clean(cells["households"]) in GENERAL_WORDS else _split_words(cells["households"])
        targets: list[Household | None] = []
        for number in numbers:
            found = list(Household.objects.filter(number=number, organisation__path__startswith=organisation.path)[:2])
            if len(found) != 1:
                problems.append(_("没有户编号为“%(n)s”的贫困户") % {"n": number} if not found else _("户编号重复"))
            else:
                targets.append(found[0])
        targets = targets or [None]
        try:
            shares = _shares(cells, len(targets))
        except ValueError as exc:
            problems.append(str(exc))
            shares = [{} for _t in targets]
        for household, share in zip(targets, shares, strict=True):
            raw = {
                **share,
                "date": date,
                "campaign": campaign,
                "target": Target.HOUSEHOLD if household else Target.GENERAL,
                "household": household,
                "summary": _("%(title)s现场认捐") % {"title": title},
                "note": cells["note"],
            }
            data, found_errors = validate_entry(raw, organisation)
            problems.extend(m for m in found_errors.values() if m not in problems)
            rows.append((data, person_ids))
            lines.append(line)
        if problems:
            errors[line] = problems
    return rows, lines, errors


@login_required
@action_errors
def symposium(request: HttpRequest) -> HttpResponse:
    """座谈会认捐: the office enters a sitting's pledges row by row; saved all at once."""
    user = _user(request)
    _require(user, Role.OFFICE)
    org = user.organisation
    if org is None:
        raise Http404()
    campaigns = _campaigns_for(user, org)
    post = request.POST if request.method == "POST" else QueryDict()
    grid = _grid(post) or [dict.fromkeys(SYMPOSIUM_COLUMNS, "") for _i in range(5)]
    head: dict[str, str] = {}
    row_errors: dict[int, list[str]] = {}
    if request.method == "POST":
        campaign = next((c for c in campaigns if str(c.pk) == post.get("campaign")), None)
        title = clean(post.get("title"))[:40]
        date = None
        try:
            date = parse_date(post.get("date"))
        except DateError as exc:
            head["date"] = str(exc)
        if campaign is None:
            head["campaign"] = _("请选择助推活动")
        if not title:
            head["title"] = _("请填写座谈会名称")
        if date is None:
            head.setdefault("date", _("请填写日期"))
        if not head and campaign is not None and date is not None:
            rows, lines, row_errors = _symposium_rows(org, campaign, date, title, grid)
            if not rows:
                head["rows"] = _("请至少填写一行")
            elif not row_errors:
                try:
                    entries = actions.record_symposium(
                        actor=user,
                        organisation=org,
                        campaign=campaign,
                        date=date,
                        title=title,
                        rows=rows,  # type: ignore[arg-type]
                    )
                except (NotFound, Forbidden):
                    raise
                except Invalid as exc:
                    for key, message in exc.errors.items():
                        index = key.partition(".")[0]
                        line = lines[int(index) - 1] if index.isdigit() else 0
                        row_errors.setdefault(line, []).append(message)
                else:
                    total = sum((e.money for e in entries), Decimal(0))
                    people = len({p for _d, ids in rows for p in ids})
                    messages.success(
                        request,
                        _("已保存 %(n)d 条台账：%(p)d 名委员，合计 %(m)s 元")
                        % {"n": len(entries), "p": people, "m": f"{total:,.2f}"},
                    )
                    return redirect(reverse("assistance:ledger") + f"?source={Source.SYMPOSIUM}")
    lines_view = [{"n": i, "cells": cells, "errors": row_errors.get(i, [])} for i, cells in enumerate(grid, start=1)]
    context = {
        "campaigns": campaigns,
        "post": post,
        "head": head,
        "lines": lines_view,
        "has_errors": bool(head or row_errors),
        "today": today_initial()["date"],
    }
    return render(request, "assistance/symposium.html", context, status=400 if head or row_errors else 200)


# ---------------------------------------------------------------------------------------
# campaigns and pledges


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    """助推活动 visible to the user."""
    user = _user(request)
    _require(user, Role.OFFICE, Role.LEADER, Role.MEMBER)
    found = (
        Campaign.objects.visible_to(user)
        .select_related("organisation")
        .prefetch_related("targets")
        .annotate(kind_count=Count("action_kinds", distinct=True))
    )
    items = list(filter(_reaches(user), found))
    return render(request, "assistance/campaigns.html", {"campaigns": items, "can_create": user.role == Role.OFFICE})


@login_required
@action_errors
def campaign_new(request: HttpRequest) -> HttpResponse:
    """发起助推活动 from a template, for the committee and the committees below it."""
    user = _user(request)
    _require(user, Role.OFFICE)
    org = user.organisation
    if org is None:
        raise Http404()
    below = list(Organisation.objects.filter(path__startswith=org.path).exclude(pk=org.pk).order_by("path"))
    form = CampaignForm(request.POST or None, below=below)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                campaign = actions.create_campaign(
                    actor=user,
                    organisation=org,
                    template=d["template"],
                    start_date=d["start_date"],
                    end_date=d["end_date"],
                    name=clean(d["name"]),
                    targets=[o for o in below if o.code in d.get("targets", [])],
                )
            except (NotFound, Forbidden):
                raise
            except ActionError as exc:
                errors = exc.errors or {"__all__": exc.message}
                for key, message in errors.items():
                    form.add_error(key if key in form.fields else None, message)
            else:
                messages.success(request, _("助推活动已发起"))
                return redirect("assistance:campaign", campaign.pk)
    return render(request, "assistance/campaign_form.html", {"form": form, "org": org}, status=status)


def _reaches(user: User) -> Callable[[Campaign], bool]:
    """`visible_to` lets a county see every campaign of the city above it; the pages show
    only those launched in the user's subtree or targeting one of the user's committees."""
    subtree = set(organisation_ids_in_scope(user)) if user.role in (Role.OFFICE, Role.LEADER) else set()
    orgs = _entry_organisations(user) if _is_member(user) else [o for o in [user.organisation] if o is not None]

    def test(campaign: Campaign) -> bool:
        return campaign.organisation_id in subtree or any(actions.campaign_applies_to(campaign, o) for o in orgs)

    return test


def _campaign(user: User, pk: int) -> Campaign:
    campaign = Campaign.objects.visible_to(user).select_related("organisation").filter(pk=pk).first()
    if campaign is None or not _reaches(user)(campaign):
        raise Http404()
    return campaign


def _pledges(user: User, campaign: Campaign) -> Any:
    """The pledges a user may list: a member their own; the office and leaders their subtree's."""
    qs = Pledge.objects.filter(campaign=campaign).select_related("person", "organisation", "action_kind")
    if _is_member(user):
        return qs.filter(person_id=_person_id(user))
    return qs.filter(organisation_id__in=organisation_ids_in_scope(user))


def _campaign_page(
    request: HttpRequest, campaign: Campaign, errors: dict[str, str] | None = None, message: str = "", status: int = 200
) -> HttpResponse:
    user = _user(request)
    counts = dict(
        Pledge.objects.filter(campaign=campaign, organisation_id__in=organisation_ids_in_scope(user))
        .values_list("action_kind_id")
        .annotate(n=Count("pk"))
    )
    kinds = list(campaign.action_kinds.all())
    for kind in kinds:
        kind.pledge_count = counts.get(kind.pk, 0)  # type: ignore[attr-defined]
    pledges = list(_pledges(user, campaign).order_by("action_kind__sort_order", "person__stroke_key"))
    mine = {p.action_kind_id for p in pledges if p.person_id == user.person_id}
    context = {
        "campaign": campaign,
        "kinds": kinds,
        "pledges": pledges,
        "mine": mine,
        "is_member": _is_member(user),
        "can_record": user.role == Role.OFFICE
        and user.organisation is not None
        and actions.campaign_applies_to(campaign, user.organisation),
        "errors": errors or {},
        "error_message": message,
        "posted": request.POST,
    }
    return render(request, "assistance/campaign_detail.html", context, status=status)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_page(request, _campaign(_user(request), pk))


def _member_organisation(user: User, campaign: Campaign) -> Organisation:
    """The member's most local seat where the campaign runs."""
    for org in _entry_organisations(user):
        if actions.campaign_applies_to(campaign, org):
            return org
    raise Invalid({"campaign": _("“%(name)s”不在您所在的政协开展") % {"name": campaign.name}})


@login_required
@require_POST
@action_errors
def pledge(request: HttpRequest, pk: int) -> HttpResponse:
    """认领: a member for themself; the office for a member, named as on the sign-up sheet."""
    user = _user(request)
    campaign = _campaign(user, pk)
    _require(user, Role.OFFICE, Role.MEMBER)
    post = request.POST
    try:
        kind_id = clean(post.get("action_kind"))
        kind = campaign.action_kinds.filter(pk=int(kind_id)).first() if kind_id.isdigit() else None
        if kind_id and kind is None:
            raise Invalid({"action_kind": _("行动类别不属于该活动")})
        capacity = clean_compact(post.get("capacity")) or "1"
        if not capacity.isdigit():
            raise Invalid({"capacity": _("可帮扶户数应在1至50之间")})
        if _is_member(user):
            person = Person.objects.get(pk=_person_id(user))
            org, source = _member_organisation(user, campaign), Source.MEMBER
        else:
            if user.organisation is None:
                raise Http404()
            org, source = user.organisation, Source.OFFICE
            try:
                person = Person.objects.get(pk=MemberLookup(org).resolve(post.get("person")))
            except ValueError as exc:
                raise Invalid({"person": str(exc)}) from None
        actions.pledge(
            actor=user,
            campaign=campaign,
            person=person,
            organisation=org,
            action_kind=kind,
            capacity=int(capacity),
            money=post.get("money", ""),
            note=clean(post.get("note")),
            source=source,
        )
    except (NotFound, Forbidden):
        raise
    except ActionError as exc:
        return _campaign_page(request, campaign, exc.errors, _error_text(exc), status=400)
    messages.success(request, _("认领成功"))
    return redirect("assistance:campaign", campaign.pk)


@login_required
@require_POST
@action_errors
def pledge_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = Pledge.objects.filter(pk=pk).select_related("campaign", "organisation").first()
    if item is None or not _pledges(user, item.campaign).filter(pk=pk).exists():
        raise Http404()
    actions.withdraw_pledge(actor=user, item=item)
    messages.success(request, _("已撤回认领"))
    return redirect("assistance:campaign", item.campaign_id)
