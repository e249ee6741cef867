"""The register of poor households (建档立卡贫困户) of a county: the household with its
address down to the village, cause of poverty, income by kind, the "两不愁三保障" and
drinking-water checks, its status, and its members (one row per person, as the counties'
own sheets have it).

Storage is chosen for a province: millions of household members are loaded with bulk
inserts (`lvzhi.households.loading`), the completeness check is stored on the household
(`problem_count`, `problems`) so the report per township and village is one indexed query,
and every member row carries its county so counting never joins through the household."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from lvzhi.accounts.models import User


class Township(models.Model):
    """乡镇（街道） of a county, with its statistical division code (9 digits)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="townships", verbose_name=_("所属县区")
    )
    code = models.CharField(_("乡镇代码"), max_length=12, blank=True)
    name = models.CharField(_("乡镇（街道）"), max_length=50)

    class Meta:
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")
        ordering = ["code", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="township_unique_name")]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    """行政村（社区） with its 12-digit statistical division code."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="villages")
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("乡镇"))
    code = models.CharField(_("村代码"), max_length=12, blank=True)
    name = models.CharField(_("行政村（社区）"), max_length=50)

    class Meta:
        verbose_name = _("行政村（社区）")
        verbose_name_plural = _("行政村（社区）")
        ordering = ["code", "name"]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="village_unique_name")]

    def __str__(self) -> str:
        return f"{self.township.name}{self.name}"


class Status(models.TextChoices):
    POOR = "poor", _("未脱贫")
    OUT = "out", _("已脱贫")
    UNSTABLE = "unstable", _("脱贫不稳定户")
    EDGE = "edge", _("边缘易致贫户")
    SUDDEN = "sudden", _("突发严重困难户")


MONITORED = (Status.UNSTABLE, Status.EDGE, Status.SUDDEN)  # 监测户


class Cause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LABOUR = "labour", _("缺劳力")
    SKILLS = "skills", _("缺技术")
    CAPITAL = "capital", _("缺资金")
    LAND = "land", _("缺土地")
    WATER = "water", _("缺水")
    TRANSPORT = "transport", _("交通落后")
    MOTIVATION = "motivation", _("自身发展动力不足")


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        from lvzhi.accounts.scoping import household_filter

        return self.filter(household_filter(user))


class Household(models.Model):
    # On PostgreSQL the references of households and members (to committee, township,
    # village; member to household) are checked per statement by triggers, not by foreign
    # key constraints (migration 0004, which says why). A migration that alters one of
    # these fields there must drop and re-create those triggers.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("所属县区"),
        db_index=False,  # the unique (organisation, number) index serves it
    )
    number = models.CharField(_("户编号"), max_length=30)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("乡镇"),
        db_index=False,  # the (organisation, township, village) index serves it
    )
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("村"))
    group = models.CharField(_("村民小组"), max_length=50, blank=True)
    head_name = models.CharField(_("户主姓名"), max_length=30, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    main_cause = models.CharField(_("主要致贫原因"), max_length=20, choices=Cause.choices, blank=True)
    other_causes = models.CharField(_("其他致贫原因"), max_length=200, blank=True)  # codes, comma-separated
    income_wages = models.DecimalField(_("工资性收入"), max_digits=12, decimal_places=2, default=0)
    income_business = models.DecimalField(_("生产经营性收入"), max_digits=12, decimal_places=2, default=0)
    income_transfer = models.DecimalField(_("转移性收入"), max_digits=12, decimal_places=2, default=0)
    income_property = models.DecimalField(_("财产性收入"), max_digits=12, decimal_places=2, default=0)
    income_total = models.DecimalField(_("家庭年纯收入"), max_digits=12, decimal_places=2, default=0)
    per_capita_income = models.DecimalField(_("人均纯收入"), max_digits=12, decimal_places=2, null=True, blank=True)
    size = models.PositiveSmallIntegerField(_("家庭人口"), default=0)
    # 两不愁三保障 and drinking water: True met, False not met, None not filled in.
    food_ok = models.BooleanField(_("不愁吃"), null=True)
    clothing_ok = models.BooleanField(_("不愁穿"), null=True)
    education_ok = models.BooleanField(_("义务教育有保障"), null=True)
    medical_ok = models.BooleanField(_("基本医疗有保障"), null=True)
    housing_ok = models.BooleanField(_("住房安全有保障"), null=True)
    water_ok = models.BooleanField(_("饮水安全有保障"), null=True)
    status = models.CharField(_("贫困户状态"), max_length=10, choices=Status.choices, default=Status.POOR)
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    helper_name = models.CharField(_("帮扶责任人"), max_length=30, blank=True)
    helper_phone = models.CharField(_("帮扶责任人电话"), max_length=20, blank=True)
    # File completeness (档案完整性), recomputed whenever the household is saved or imported.
    problem_count = models.PositiveSmallIntegerField(_("问题数"), default=0)
    problems = models.TextField(_("档案问题"), blank=True)  # one problem per line
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        ordering = ["organisation", "number"]
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="household_unique_number")]
        indexes = [
            models.Index(fields=["organisation", "township", "village"]),
            models.Index(fields=["organisation", "problem_count"]),
            models.Index(fields=["organisation", "status"]),
        ]

    def __str__(self) -> str:
        # The number only: this text is stored in the audit log and shown to whoever reads
        # it, and the head's name is personal data (see lvzhi.core.masking).
        return f"户编号{self.number}"

    @property
    def problem_list(self) -> list[str]:
        return [p for p in self.problems.splitlines() if p]


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    GRANDCHILD = "grandchild", _("孙子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("大病")
    DISABLED = "disabled", _("残疾")


class Labour(models.TextChoices):
    NORMAL = "normal", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class Schooling(models.TextChoices):
    """在校生状况."""

    NONE = "none", _("非在校生")
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("高职高专")
    UNIVERSITY = "university", _("本科及以上")


class MigrantWork(models.TextChoices):
    NONE = "", _("未务工")
    COUNTY = "county", _("县内务工")
    PROVINCE = "province", _("省内县外务工")
    OUTSIDE = "outside", _("省外务工")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    # Denormalised from the household for scoping, kept equal to it by the import and the
    # actions. Neither indexed nor a database constraint: each is paid on every one of
    # millions of imported rows (PostgreSQL checks a foreign key per row), and members are
    # reached through their household, whose own key is checked.
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    name = models.CharField(_("姓名"), max_length=30)
    # Unique through a constraint, not `unique=True`: on PostgreSQL the field would also get
    # a second index (varchar_pattern_ops, for LIKE), which nothing queries and every
    # imported person paid for (0.4-0.6 s of the server's time per 200,000).
    id_number = models.CharField(_("身份证号码"), max_length=18)
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    sex = models.CharField(_("性别"), max_length=1)  # M / F, as members.Gender
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    education = models.CharField(_("文化程度"), max_length=20, blank=True)
    schooling = models.CharField(_("在校生状况"), max_length=20, choices=Schooling.choices, default=Schooling.NONE)
    health = models.CharField(_("健康状况"), max_length=10, choices=Health.choices, default=Health.HEALTHY)
    labour = models.CharField(_("劳动技能"), max_length=10, choices=Labour.choices, default=Labour.NORMAL)
    migrant_work = models.CharField(_("务工状况"), max_length=10, choices=MigrantWork.choices, blank=True)
    migrant_months = models.PositiveSmallIntegerField(_("务工时间（月）"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("贫困户成员")
        verbose_name_plural = _("贫困户成员")
        ordering = ["household", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                name="householdmember_unique_id_number",
                violation_error_message=_("该身份证号码已登记为贫困户成员"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导入")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """An upload of the register run in the background (导入任务): the stored file, the
    progress the page polls (done of total rows) and, once finished, the import report.
    The states only move forward: queued -> running -> done or failed."""

    kind = models.CharField(_("导入类型"), max_length=30, default="households")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("导入到")
    )
    file_path = models.CharField(_("文件位置"), max_length=300)  # relative to settings.UPLOAD_DIR
    filename = models.CharField(_("文件名"), max_length=255)
    mode = models.CharField(_("导入方式"), max_length=20, default="all")  # lvzhi.core.importing.Mode
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("已处理行数"), default=0)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    report = models.JSONField(_("导入报告"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    source_job = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("原导入任务")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
