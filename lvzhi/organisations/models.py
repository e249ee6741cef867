"""The committee tree (四级政协) and what hangs off each committee: terms (届), bodies
(专委会, 界别, 工作组, 联络办, 委员之家) and handling units (承办单位)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from lvzhi.accounts.models import User


class Level(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


def chain_paths(path: str) -> list[str]:
    """'city/county/' -> ['city/', 'city/county/']: a committee's path and those above it."""
    return [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: User) -> OrganisationQuerySet:
        from lvzhi.accounts.scoping import organisation_ids_in_scope

        return self.filter(pk__in=organisation_ids_in_scope(user))


class Organisation(models.Model):
    """政协组织: one committee (市政协, 县政协) in the tree of committees."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=40)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级政协"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("sys/dcx/"): a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    division_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("政协组织")
        verbose_name_plural = _("政协组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = (self.parent.path if self.parent else "") + self.code + "/"
        super().save(*args, **kwargs)

    def reach(self, field: str = "organisation") -> models.Q:
        """Rows whose committee is this one, below it or above it: the seats of members who
        may act here (a city member helps in a county; a county member in its city)."""
        return models.Q(**{f"{field}__path__startswith": self.path}) | models.Q(
            **{f"{field}__path__in": self.chain_paths()}
        )

    def chain_paths(self) -> list[str]:
        """The paths of this committee and of every committee above it."""
        return chain_paths(self.path)

    def subtree(self) -> OrganisationQuerySet:
        return Organisation.objects.filter(path__startswith=self.path)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def current_term(self) -> Term | None:
        return self.terms.filter(is_current=True).first()


class Term(models.Model):
    """届: a five-year term of a committee, e.g. 第十六届."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("届次"))
    name = models.CharField(_("名称"), max_length=20)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    is_current = models.BooleanField(_("本届"), default=False)

    class Meta:
        verbose_name = _("届")
        verbose_name_plural = _("届")
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="term_unique_number"),
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(is_current=True), name="term_one_current"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BodyKind(models.TextChoices):
    SPECIAL_COMMITTEE = "special_committee", _("专门委员会")
    SECTOR = "sector", _("界别")
    WORKING_GROUP = "working_group", _("工作组")
    LIAISON_OFFICE = "liaison_office", _("联络办")
    MEMBER_HOME = "member_home", _("委员之家")


class Body(models.Model):
    """机构: a special committee, sector, working group, township liaison office or member
    home of one committee."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField(_("类别"), max_length=20, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    township = models.CharField(_("所在乡镇（街道）"), max_length=50, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["organisation", "kind", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "name"], name="body_unique_name")]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    TOWNSHIP = "township", _("乡镇（街道）")
    JUDICIAL = "judicial", _("法院、检察院")
    PARTY = "party", _("党委部门")
    ORGANISATION = "organisation", _("人民团体")
    ENTERPRISE = "enterprise", _("企事业单位")
    OTHER = "other", _("其他")


class HandlingUnitQuerySet(models.QuerySet["HandlingUnit"]):
    def visible_to(self, user: User) -> HandlingUnitQuerySet:
        from lvzhi.accounts.scoping import handling_unit_filter

        return self.filter(handling_unit_filter(user))


class HandlingUnit(models.Model):
    """承办单位: a government department, township, court… that handles proposals and
    rectification items assigned by one committee."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handling_units")
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类别"), max_length=20, choices=UnitKind.choices, default=UnitKind.GOVERNMENT)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = HandlingUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["organisation", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name
