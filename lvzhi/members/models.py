"""Members (委员): a natural person (Person) holds seats (Membership) on one or more
committees, possibly at several levels at once (四级政协委员)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from lvzhi.core.text import pinyin_full, pinyin_initials, stroke_key
from lvzhi.organisations.models import Body, Organisation, Term

if TYPE_CHECKING:
    from lvzhi.accounts.models import User


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Party(models.TextChoices):
    """政治面貌."""

    CPC = "cpc", _("中共党员")
    RCCK = "rcck", _("民革")
    CDL = "cdl", _("民盟")
    CNDCA = "cndca", _("民建")
    CAPD = "capd", _("民进")
    CPWDP = "cpwdp", _("农工党")
    CZGP = "czgp", _("致公党")
    JS = "js", _("九三学社")
    TDSGL = "tdsgl", _("台盟")
    NONPARTY = "nonparty", _("无党派人士")
    MASSES = "masses", _("群众")


class MemberRole(models.TextChoices):
    """A member's position on the committee, in the customary order of precedence."""

    CHAIRMAN = "chairman", _("主席")
    VICE_CHAIRMAN = "vice_chairman", _("副主席")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    STANDING = "standing", _("常委")
    MEMBER = "member", _("委员")


ROLE_RANK = {role.value: rank for rank, role in enumerate(MemberRole)}


class Person(models.Model):
    """人员: one natural person, identified by the resident ID number."""

    name = models.CharField(_("姓名"), max_length=30)
    name_initials = models.CharField(max_length=30, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=120, editable=False)
    stroke_key = models.CharField(max_length=255, db_index=True, editable=False)
    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    party = models.CharField(_("政治面貌"), max_length=10, choices=Party.choices, default=Party.NONPARTY)
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True)
    education = models.CharField(_("学历"), max_length=20, blank=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    job_title = models.CharField(_("职务职称"), max_length=100, blank=True)
    expertise = models.CharField(_("专长"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_initials = pinyin_initials(self.name)
        self.name_pinyin = pinyin_full(self.name)
        self.stroke_key = stroke_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials", "name_pinyin", "stroke_key"}
        super().save(*args, **kwargs)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, user: User) -> MembershipQuerySet:
        from lvzhi.accounts.scoping import membership_filter

        return self.filter(membership_filter(user))

    def in_stroke_order(self) -> MembershipQuerySet:
        """按姓氏笔画为序."""
        return self.order_by("person__stroke_key", "person__id_number", "organisation__path")


class Membership(models.Model):
    """委员: a person's seat on one committee (in its current term)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("人员"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("所属政协")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("届次"))
    code = models.CharField(_("委员编号"), max_length=20, blank=True)
    role = models.CharField(_("职务"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    sector = models.ForeignKey(
        Body, on_delete=models.PROTECT, null=True, blank=True, related_name="sector_members", verbose_name=_("界别")
    )
    working_group = models.ForeignKey(
        Body, on_delete=models.PROTECT, null=True, blank=True, related_name="group_members", verbose_name=_("工作组")
    )
    special_committee = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_members",
        verbose_name=_("专门委员会"),
    )
    is_active = models.BooleanField(_("在任"), default=True)
    # Optimistic concurrency: an edit carries the version it started from; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("委员")
        verbose_name_plural = _("委员")
        constraints = [models.UniqueConstraint(fields=["person", "organisation"], name="membership_unique_seat")]
        indexes = [models.Index(fields=["organisation", "role"]), models.Index(fields=["organisation", "sector"])]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.organisation.short_name}）"
