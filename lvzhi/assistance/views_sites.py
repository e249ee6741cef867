"""助推示范点 pages, mounted at /assistance/sites/: the sites an office clerk or leader may
see (led by, or run jointly with, a committee in scope), each with its projects and the
members and money behind it; the office's forms to set up a site and to add or update a
project. Writes go through lvzhi.assistance.sites; a site out of sight answers 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lvzhi.accounts.models import User
from lvzhi.accounts.scoping import managed_organisation_ids
from lvzhi.assistance import sites
from lvzhi.assistance.models import DemoSite, EntryMember, ProjectKind, SiteProject, Target
from lvzhi.assistance.views_figures import require_office
from lvzhi.core.errors import Invalid
from lvzhi.core.http import action_errors
from lvzhi.households.models import Village
from lvzhi.members.models import Person
from lvzhi.organisations.models import Organisation


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class SiteForm(forms.Form):
    """Parses only; `sites.create_site` validates (the same rules for every caller)."""

    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=gettext_lazy("牵头政协"))
    name = forms.CharField(label=gettext_lazy("示范点名称"), required=False)
    village = forms.ModelChoiceField(Village.objects.none(), label=gettext_lazy("所在村（社区）"), required=False)
    partners = forms.ModelMultipleChoiceField(
        Organisation.objects.none(),
        label=gettext_lazy("联动政协"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    started_on = forms.DateField(
        label=gettext_lazy("设立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(label=gettext_lazy("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managed = managed_organisation_ids(user)
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=managed)  # type: ignore[attr-defined]
        self.fields["village"].queryset = Village.objects.filter(  # type: ignore[attr-defined]
            organisation_id__in=managed
        ).select_related("township")
        self.fields["partners"].queryset = sites.partner_choices(user)  # type: ignore[attr-defined]
        _styled(self)


class ProjectForm(forms.Form):
    """Parses only; `sites.save_project` validates (progress 0–100, budget in 元…)."""

    kind = forms.CharField(
        label=gettext_lazy("项目类别"), required=False, widget=forms.Select(choices=[("", "—"), *ProjectKind.choices])
    )
    name = forms.CharField(label=gettext_lazy("项目名称"), required=False)
    budget = forms.CharField(label=gettext_lazy("计划投入（元）"), required=False)
    progress = forms.CharField(
        label=gettext_lazy("进度（%）"), required=False, widget=forms.NumberInput(attrs={"min": 0, "max": 100})
    )
    note = forms.CharField(label=gettext_lazy("进展情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


def _site(user: User, pk: int) -> DemoSite:
    require_office(user)
    site = sites.visible_sites(user).select_related("organisation", "village__township").filter(pk=pk).first()
    if site is None:
        raise Http404()
    return site


def _may_manage(user: User, site: DemoSite) -> bool:
    return site.organisation_id in managed_organisation_ids(user)


def _form_errors(form: forms.Form, exc: Invalid) -> None:
    for name, message in exc.errors.items():
        form.add_error(name if name in form.fields else None, message)
    if not exc.errors:
        form.add_error(None, exc.message)


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_office(user)
    qs = (
        sites.visible_sites(user)
        .select_related("organisation", "village__township")
        .prefetch_related("partners", "projects")
        .order_by("organisation__path", "name")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    support = sites.site_support(s.pk for s in page.object_list)
    for site in page.object_list:
        site.support = support[site.pk]
    return render(
        request, "assistance/sites/list.html", {"page": page, "can_create": bool(managed_organisation_ids(user))}
    )


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    site = _site(user, pk)
    members = Person.objects.filter(
        pk__in=EntryMember.objects.filter(entry__site=site, entry__target=Target.SITE, counted=True).values("person_id")
    ).order_by("stroke_key")
    return render(
        request,
        "assistance/sites/detail.html",
        {
            "site": site,
            "partners": site.partners.order_by("path"),
            "projects": site.projects.all(),
            "support": sites.site_support([site.pk])[site.pk],
            "members": members,
            "can_manage": _may_manage(user, site),
        },
    )


@login_required
@action_errors
def site_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_office(user)
    if not managed_organisation_ids(user):
        raise PermissionDenied(_("只有政协机关工作人员可以设立示范点"))
    form = SiteForm(request.POST or None, user=user, initial={"organisation": user.organisation})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = sites.create_site(
                actor=user,
                organisation=data["organisation"],
                name=data["name"],
                village=data["village"],
                partners=data["partners"],
                started_on=data["started_on"],
                description=data["description"],
            )
        except Invalid as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("示范点已设立"))
            return redirect("sites:detail", pk=site.pk)
    return render(request, "assistance/sites/form.html", {"form": form, "title": _("设立助推示范点")})


@login_required
@action_errors
def project_form(request: HttpRequest, pk: int, project_id: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    site = _site(user, pk)
    if not _may_manage(user, site):
        raise PermissionDenied(_("只有牵头政协机关工作人员可以维护示范点项目"))
    project = None
    if project_id is not None:
        project = SiteProject.objects.filter(site=site, pk=project_id).first()
        if project is None:
            raise Http404()
    initial = {}
    if project is not None:
        initial = {k: getattr(project, k) for k in ("kind", "name", "budget", "progress", "note")}
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sites.save_project(actor=user, site=site, project=project, data=form.cleaned_data)
        except Invalid as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("项目已保存"))
            return redirect("sites:detail", pk=site.pk)
    title = _("修改项目") if project else _("新增项目")
    return render(request, "assistance/sites/form.html", {"form": form, "title": title, "site": site})
