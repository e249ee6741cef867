"""The assistance action (脱贫攻坚助推行动): campaigns and their action kinds (templates are
data, `templates.py`), pledges (认领), pairings of members with households (结对), needs
(需求) matched to members, the ledger (助推台账) and demonstration sites (助推示范点).

The ledger is built for a province (a million entries): the figures never aggregate the
entries live. The actions keep four rollups up to date (`rollups.py`):

- `DailyTotal`: the sums (money, goods, students...) per committee scope, campaign and day;
- `TouchPair`: the distinct members and households touched, stored as (day, previous day)
  pairs so that "distinct in any window [from, to]" is a sum over the window's rows;
- `Mobilisation`: the first day each member pledged or was assigned, per scope and campaign;
- `MemberTotal`: each member's confirmed entries and money per scope, campaign and year (and
  for all years), ranked by an index for the year-end awards (评先奖优).

A scope is a committee and every committee above it: an entry of a county counts for the
county and for the city, each with its own distinct counts, so a city never counts twice a
member or household that two of its counties share."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

ALL_CAMPAIGNS = 0  # campaign_key of the rollup rows that count every campaign
ALL_YEARS = 0  # year of the `MemberTotal` rows that count every year
NO_PREVIOUS = dt.date(1900, 1, 1)  # prev_day of a first touch (NULL would not be unique on PostgreSQL)


class NeedKind(models.TextChoices):
    SCHOOL = "school", _("助学")
    JOB = "job", _("就业")
    INDUSTRY = "industry", _("产业")
    MEDICAL = "medical", _("医疗救助")
    HOUSING = "housing", _("住房修缮")
    INFORMATION = "information", _("信息服务")
    TECHNOLOGY = "technology", _("技术指导")
    GOODS = "goods", _("物资")


class Measure(models.TextChoices):
    """What an action kind mainly produces: which ledger quantity it fills in first."""

    MONEY = "money", _("捐资")
    GOODS = "goods", _("捐物")
    STUDENTS = "students", _("资助学生")
    JOBS = "jobs", _("就业岗位")
    INDUSTRY = "industry", _("发展产业")
    INFO = "info", _("信息")
    MATERIALS = "materials", _("资料读物")
    KEY_MATTERS = "key_matters", _("关键小事")
    VISIT = "visit", _("走访")


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: User) -> CampaignQuerySet:
        from lvzhi.accounts.scoping import campaign_filter

        return self.filter(campaign_filter(user)).distinct()


class Campaign(models.Model):
    """A campaign (三送三帮, 百日会战...) run by a committee for its target committees."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("发起政协")
    )
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    template = models.CharField(_("模板"), max_length=40, blank=True)
    # What the campaign serves, as the reports phrase it: 委员们围绕“七个助推”，通过“三送三帮”…
    theme = models.CharField(_("围绕主题"), max_length=60, blank=True)
    description = models.TextField(_("说明"), blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    # Target committees; empty means the launching committee and its whole subtree.
    targets = models.ManyToManyField(
        "organisations.Organisation", blank=True, related_name="targeted_campaigns", verbose_name=_("参与政协")
    )
    is_active = models.BooleanField(_("进行中"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("助推活动")
        verbose_name_plural = _("助推活动")
        ordering = ["-start_date", "code"]

    def __str__(self) -> str:
        return self.name


class ActionKind(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="action_kinds")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    measure = models.CharField(_("主要成效"), max_length=20, choices=Measure.choices, default=Measure.VISIT)
    need_kind = models.CharField(_("对应需求"), max_length=20, choices=NeedKind.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("助推行动类别")
        verbose_name_plural = _("助推行动类别")
        ordering = ["campaign", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="action_kind_unique_code")]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    MEMBER = "member", _("委员填报")
    OFFICE = "office", _("机关录入")
    SYMPOSIUM = "symposium", _("座谈会现场")
    IMPORT = "import", _("历史台账导入")


class Pledge(models.Model):
    """认领: a member takes on an action of a campaign (and, at a symposium, an amount)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pledges")
    action_kind = models.ForeignKey(ActionKind, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="pledges")
    pledged_on = models.DateField(_("认领日期"))
    capacity = models.PositiveSmallIntegerField(_("可帮扶户数"), default=1)
    money = models.DecimalField(_("认捐金额（元）"), max_digits=12, decimal_places=2, default=0)
    households = models.PositiveIntegerField(_("帮扶户数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MEMBER)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("认领")
        verbose_name_plural = _("认领")
        indexes = [models.Index(fields=["person", "campaign"]), models.Index(fields=["organisation", "pledged_on"])]

    def __str__(self) -> str:
        return f"{self.person} {self.action_kind or self.campaign}"


class Pairing(models.Model):
    """结对: a member and a household; a household may have several, a member several."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="pairings")
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "household"], condition=models.Q(ended_on__isnull=True), name="pairing_one_open"
            )
        ]
        indexes = [models.Index(fields=["organisation", "started_on"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.household}"


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待对接")
    MATCHED = "matched", _("已对接")
    MET = "met", _("已解决")
    CLOSED = "closed", _("已关闭")


class Urgency(models.IntegerChoices):
    LOW = 1, _("一般")
    NORMAL = 2, _("较急")
    URGENT = 3, _("紧急")


class Need(models.Model):
    """需求: what a household needs, recorded by designated staff and matched to a member."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("需求类别"), max_length=20, choices=NeedKind.choices)
    urgency = models.PositiveSmallIntegerField(_("紧急程度"), choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.CharField(_("需求描述"), max_length=500)
    status = models.CharField(_("状态"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    recorded_on = models.DateField(_("登记日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("对接委员"),
    )
    assigned_on = models.DateField(_("对接日期"), null=True, blank=True)
    match_score = models.FloatField(_("匹配得分"), null=True, blank=True)
    match_reasons = models.CharField(_("匹配理由"), max_length=300, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    result = models.CharField(_("办理结果"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶需求")
        verbose_name_plural = _("帮扶需求")
        ordering = ["-urgency", "recorded_on", "pk"]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description[:20]}"


class DemoSite(models.Model):
    """助推示范点, run by one committee, often jointly with the committee above."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="demo_sites", verbose_name=_("牵头政协")
    )
    partners = models.ManyToManyField(
        "organisations.Organisation", blank=True, related_name="partner_sites", verbose_name=_("联动政协")
    )
    name = models.CharField(_("示范点名称"), max_length=100)
    village = models.ForeignKey("households.Village", on_delete=models.PROTECT, null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)
    started_on = models.DateField(_("设立日期"))

    class Meta:
        verbose_name = _("助推示范点")
        verbose_name_plural = _("助推示范点")
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    SUPERMARKET = "supermarket", _("爱心超市")
    FACTORY = "factory", _("扶贫工厂")
    LIBRARY = "library", _("爱心书屋")
    INDUSTRY = "industry", _("增收产业")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    OTHER = "other", _("其他")


class SiteProject(models.Model):
    site = models.ForeignKey(DemoSite, on_delete=models.CASCADE, related_name="projects")
    kind = models.CharField(_("项目类别"), max_length=20, choices=ProjectKind.choices)
    name = models.CharField(_("项目名称"), max_length=100)
    budget = models.DecimalField(_("计划投入（元）"), max_digits=12, decimal_places=2, default=0)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    note = models.CharField(_("进展情况"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("示范点项目")
        verbose_name_plural = _("示范点项目")
        ordering = ["site", "pk"]

    def __str__(self) -> str:
        return self.name


class Target(models.TextChoices):
    HOUSEHOLD = "household", _("贫困户")
    VILLAGE = "village", _("村（社区）")
    SITE = "site", _("助推示范点")
    GENERAL = "general", _("面上帮扶")


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已退回")


# The quantities of an entry, in the order the speeches list them: (field, label, unit).
QUANTITIES = (
    ("money", "捐资", "元"),
    ("goods_count", "捐物", "件（次）"),
    ("goods_value", "捐物折币", "元"),
    ("industry_households", "帮扶发展产业", "户"),
    ("students", "资助学生", "名"),
    ("jobs", "协调就业岗位", "个"),
    ("info_items", "送信息", "条"),
    ("materials", "送科技读物资料", "份"),
    ("key_matters", "办理关键小事", "件"),
)


class EntryQuerySet(models.QuerySet["Entry"]):
    def visible_to(self, user: User) -> EntryQuerySet:
        from lvzhi.accounts.scoping import entry_filter

        return self.filter(entry_filter(user))


class Entry(models.Model):
    """One line of the ledger. Only confirmed entries count (the rollups follow them)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="ledger", verbose_name=_("所属政协")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("活动")
    )
    action_kind = models.ForeignKey(
        ActionKind, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("行动类别")
    )
    date = models.DateField(_("日期"))
    target = models.CharField(_("帮扶对象"), max_length=10, choices=Target.choices, default=Target.HOUSEHOLD)
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    village = models.ForeignKey("households.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    site = models.ForeignKey(DemoSite, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    summary = models.CharField(_("事项"), max_length=200)
    money = models.DecimalField(_("捐资（元）"), max_digits=12, decimal_places=2, default=0)
    goods_count = models.PositiveIntegerField(_("捐物（件次）"), default=0)
    goods_value = models.DecimalField(_("捐物折币（元）"), max_digits=12, decimal_places=2, default=0)
    industry_households = models.PositiveIntegerField(_("帮扶发展产业（户）"), default=0)
    students = models.PositiveIntegerField(_("资助学生（名）"), default=0)
    jobs = models.PositiveIntegerField(_("就业岗位（个）"), default=0)
    info_items = models.PositiveIntegerField(_("送信息（条）"), default=0)
    materials = models.PositiveIntegerField(_("送资料读物（份）"), default=0)
    key_matters = models.PositiveIntegerField(_("关键小事（件）"), default=0)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MEMBER)
    batch = models.CharField(_("批次"), max_length=60, blank=True)  # a symposium or an import
    reject_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    persons: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "members.Person", through="EntryMember", related_name="ledger_entries"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("助推台账")
        verbose_name_plural = _("助推台账")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "date"]),
            models.Index(fields=["household", "status", "date"]),
            models.Index(fields=["campaign", "status", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.summary}"

    @property
    def counted(self) -> bool:
        return self.status == EntryStatus.CONFIRMED


class EntryMember(models.Model):
    """The members behind an entry; `counted` and `date` copy the entry's so that a
    member's touches are found from the member's own index."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="entry_members")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    counted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "person"], name="entry_member_unique")]
        indexes = [models.Index(fields=["person", "counted", "date"])]

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.person_id}"


class EntryPhoto(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="ledger/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class DailyTotal(models.Model):
    """Rollup: the confirmed entries' sums for a scope, a campaign (0 = all) and a day.
    Money is kept in fen (integers), so sums are exact on every database."""

    scope = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    campaign_key = models.BigIntegerField()
    day = models.DateField()
    entries = models.IntegerField(default=0)
    money_fen = models.BigIntegerField(default=0)
    goods_count = models.BigIntegerField(default=0)
    goods_value_fen = models.BigIntegerField(default=0)
    industry_households = models.BigIntegerField(default=0)
    students = models.BigIntegerField(default=0)
    jobs = models.BigIntegerField(default=0)
    info_items = models.BigIntegerField(default=0)
    materials = models.BigIntegerField(default=0)
    key_matters = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "campaign_key", "day"], name="daily_total_unique")]

    def __str__(self) -> str:
        return f"{self.scope_id}/{self.campaign_key}/{self.day}"


class TouchKind(models.TextChoices):
    MEMBER = "m", _("委员")
    HOUSEHOLD = "h", _("贫困户")


class TouchPair(models.Model):
    """Rollup for distinct counts. A subject (member or household) touched on days
    d1 < d2 < ... within (scope, campaign) adds one to (d1, NO_PREVIOUS), (d2, d1), ...
    The distinct subjects touched in [F, T] are the sum of `count` over rows with
    F <= day <= T and prev_day < F: each subject's first touch inside the window."""

    scope = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    campaign_key = models.BigIntegerField()
    kind = models.CharField(max_length=1, choices=TouchKind.choices)
    day = models.DateField()
    prev_day = models.DateField()
    count = models.IntegerField(default=0)
    people = models.IntegerField(default=0)  # households: their members, as at the touch

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "campaign_key", "kind", "day", "prev_day"], name="touch_pair_unique"
            )
        ]
        # "Since the start, up to T": the first touches only (prev_day = NO_PREVIOUS).
        indexes = [models.Index(fields=["scope", "campaign_key", "kind", "prev_day", "day"], name="touch_pair_first")]

    def __str__(self) -> str:
        return f"{self.scope_id}/{self.campaign_key}/{self.kind}/{self.day}<{self.prev_day}"


class Mobilisation(models.Model):
    """Rollup: the first day a member of the scope pledged or was assigned (paired with a
    household or matched to a need), per campaign (0 = any)."""

    scope = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    campaign_key = models.BigIntegerField()
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "campaign_key", "person"], name="mobilisation_unique")]
        indexes = [models.Index(fields=["scope", "campaign_key", "first_day"])]

    def __str__(self) -> str:
        return f"{self.scope_id}/{self.campaign_key}/{self.person_id}"


class MemberTotal(models.Model):
    """Rollup for the award ranking: a member's confirmed entries and money (in fen) in a
    scope, per campaign (0 = all) and calendar year (0 = all years). Every member named on
    an entry of the scope has a row, seated there or not: who counts as a member of the
    scope is decided when the ranking is read, exactly as the live query decides it, so a
    seat that ends or starts never leaves the rollup stale. The index walks the rows in
    ranking order, so the top 20 are read without sorting every member of a province."""

    scope = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    campaign_key = models.BigIntegerField()
    year = models.IntegerField()
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    entries = models.IntegerField(default=0)
    money_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "campaign_key", "year", "person"], name="member_total_unique")
        ]
        indexes = [
            models.Index(
                fields=["scope", "campaign_key", "year", "-entries", "-money_fen", "person"], name="member_total_rank"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope_id}/{self.campaign_key}/{self.year}/{self.person_id}"


class Showcase(models.Model):
    """The weekly typical member (每周一名助推典型) the office picks."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    week = models.DateField(_("周（周一）"))
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    story = models.TextField(_("事迹"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("助推典型")
        verbose_name_plural = _("助推典型")
        constraints = [models.UniqueConstraint(fields=["organisation", "week"], name="showcase_one_per_week")]

    def __str__(self) -> str:
        return f"{self.week} {self.person_id}"
