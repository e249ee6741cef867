"""社情民意信息 and opinion letters (意见建议). For now they are created when a proposal is not
filed, so nothing the member wrote is lost; the full workflow (editing, compiling issues,
forwarding, adoption, 批示) is a later issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OpinionKind(models.TextChoices):
    PUBLIC_OPINION = "public_opinion", _("社情民意信息")
    LETTER = "letter", _("意见建议")


class OpinionState(models.TextChoices):
    RECEIVED = "received", _("已收到")
    EDITING = "editing", _("编辑中")
    FORWARDED = "forwarded", _("已报送")
    ADOPTED = "adopted", _("已采用")
    ARCHIVED = "archived", _("已存档")


class OpinionQuerySet(models.QuerySet["PublicOpinion"]):
    def visible_to(self, user: object) -> OpinionQuerySet:
        from lvzhi.accounts.scoping import opinion_filter

        return self.filter(opinion_filter(user))  # type: ignore[arg-type]


class PublicOpinion(models.Model):
    """社情民意: an item of public opinion (or an opinion letter) collected by members and
    handled by the office."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="opinions")
    kind = models.CharField(_("类别"), max_length=20, choices=OpinionKind.choices, default=OpinionKind.PUBLIC_OPINION)
    state = models.CharField(_("状态"), max_length=20, choices=OpinionState.choices, default=OpinionState.RECEIVED)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    suggestions = models.TextField(_("建议"), blank=True)
    authors = models.ManyToManyField("members.Person", related_name="opinions", verbose_name=_("反映人"))
    source_proposal = models.OneToOneField(
        "proposals.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="converted_opinion",
        verbose_name=_("来源提案"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("社情民意")
        verbose_name_plural = _("社情民意")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
