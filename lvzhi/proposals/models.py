"""Proposals (提案) and their handling: review (立案审查), assignment to handling units
(交办), face-to-face consultation (面商), replies (答复), the office's review of replies,
and the proposers' ratings (满意度). Every transition is recorded as a ProposalEvent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

DEFAULT_CATEGORIES = ["经济", "政治", "文化", "社会", "生态文明", "其他"]
DEFAULT_NOT_FILED_REASONS = [
    "涉及党和国家秘密",
    "法律法规明令禁止",
    "涉及诉讼或仲裁",
    "属于学术讨论",
    "属于个人或家庭事务",
    "宣传推介具体产品或作品",
    "属于检举控告（点名指控）",
    "内容空泛，无具体建议",
    "不属于政协提案范围",
]
DEFAULT_REPLY_CLASSES = [
    {"code": "A", "label": "已经解决或基本解决（采纳）", "solved": True},
    {"code": "B", "label": "正在解决或列入计划逐步解决", "solved": True},
    {"code": "C", "label": "因条件限制留作参考", "solved": False},
]


def _categories() -> list[str]:
    return list(DEFAULT_CATEGORIES)


def _reasons() -> list[str]:
    return list(DEFAULT_NOT_FILED_REASONS)


def _classes() -> list[dict[str, Any]]:
    return [dict(c) for c in DEFAULT_REPLY_CLASSES]


class ProposalSettings(models.Model):
    """提案工作设置: what differs from committee to committee is data, not code."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="proposal_settings"
    )
    # Placeholders: {term} 届次, {session} 次会议, {year}, {seq} sequence (format spec allowed).
    number_format = models.CharField(_("编号格式"), max_length=100, default="第{term}届第{session}次会议第{seq:04d}号")
    current_session = models.PositiveSmallIntegerField(_("当前会议次数"), default=1)
    deadline_months = models.PositiveSmallIntegerField(_("办理期限（月）"), default=3)
    objection_days = models.PositiveSmallIntegerField(_("申请调整期限（天）"), default=7)
    rating_reminder_days = models.PositiveSmallIntegerField(_("测评提醒（天）"), default=15)
    deadline_reminder_days = models.PositiveSmallIntegerField(_("到期提醒（天）"), default=14)
    categories = models.JSONField(_("提案类别"), default=_categories)
    not_filed_reasons = models.JSONField(_("不予立案理由"), default=_reasons)
    reply_classes = models.JSONField(_("答复类别"), default=_classes)

    class Meta:
        verbose_name = _("提案工作设置")
        verbose_name_plural = _("提案工作设置")

    def __str__(self) -> str:
        return f"{self.organisation}提案工作设置"

    def class_label(self, code: str) -> str:
        for c in self.reply_classes:
            if c["code"] == code:
                return f"{c['code']}类（{c['label']}）"
        return code

    def solved_codes(self) -> set[str]:
        return {c["code"] for c in self.reply_classes if c.get("solved")}


class ProposalKind(models.TextChoices):
    PLENARY = "plenary", _("大会提案")
    ROUTINE = "routine", _("平时提案")


class ProposerType(models.TextChoices):
    MEMBER = "member", _("委员个人")
    JOINT = "joint", _("委员联名")
    BODY = "body", _("集体")


class BodyType(models.TextChoices):
    PARTY = "party", _("民主党派")
    ORGANISATION = "organisation", _("人民团体")
    SPECIAL_COMMITTEE = "special_committee", _("专门委员会")
    SECTOR = "sector", _("界别")
    GROUP = "group", _("委员小组")


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审查")
    RETURNED = "returned", _("退回修改")
    WITHDRAWN = "withdrawn", _("已撤案")
    NOT_FILED = "not_filed", _("不予立案")
    MERGED = "merged", _("已并案")
    FILED = "filed", _("已立案待交办")
    ASSIGNED = "assigned", _("办理中")
    REPLIED = "replied", _("已答复待测评")
    CLOSED = "closed", _("已办结")


# The one table of allowed transitions: action -> (allowed start states, end state).
TRANSITIONS: dict[str, tuple[set[str], str | None]] = {
    "submit": ({State.DRAFT, State.RETURNED}, State.SUBMITTED),
    "withdraw": ({State.DRAFT, State.SUBMITTED, State.RETURNED}, State.WITHDRAWN),
    "return": ({State.SUBMITTED}, State.RETURNED),
    "file": ({State.SUBMITTED}, State.FILED),
    "not_file": ({State.SUBMITTED}, State.NOT_FILED),
    "merge": ({State.SUBMITTED, State.FILED}, State.MERGED),
    "assign": ({State.FILED}, State.ASSIGNED),
    "reassign": ({State.ASSIGNED}, State.ASSIGNED),
    "complete_reply": ({State.ASSIGNED}, State.REPLIED),
    "close": ({State.REPLIED}, State.CLOSED),
    "rehandle": ({State.REPLIED}, State.ASSIGNED),
}
# States counted as "filed" (立案) for the figures.
FILED_STATES = {State.FILED, State.ASSIGNED, State.REPLIED, State.CLOSED}


class HandlingMode(models.TextChoices):
    SINGLE = "single", _("单办")
    SPLIT = "split", _("分办")
    JOINT = "joint", _("会办")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def visible_to(self, user: User) -> ProposalQuerySet:
        from lvzhi.accounts.scoping import proposal_filter

        return self.filter(proposal_filter(user)).distinct()


class Proposal(models.Model):
    """提案."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("政协")
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    term = models.ForeignKey("organisations.Term", null=True, blank=True, on_delete=models.PROTECT)
    session = models.PositiveSmallIntegerField(_("会议次数"), null=True, blank=True)
    kind = models.CharField(_("提案类型"), max_length=10, choices=ProposalKind.choices, default=ProposalKind.ROUTINE)
    proposer_type = models.CharField(_("提案者类型"), max_length=10, choices=ProposerType.choices)
    body_type = models.CharField(_("集体类型"), max_length=20, choices=BodyType.choices, blank=True)
    body_name = models.CharField(_("提案集体"), max_length=100, blank=True)
    title = models.CharField(_("案由"), max_length=200)
    analysis = models.TextField(_("情况分析"), blank=True)
    suggestions = models.TextField(_("具体建议"), blank=True)
    suggested_units = models.CharField(_("建议承办单位"), max_length=300, blank=True)
    category = models.CharField(_("类别"), max_length=20, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    number = models.CharField(_("编号"), max_length=60, blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True)
    not_filed_reason = models.CharField(_("不予立案理由"), max_length=100, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", verbose_name=_("并入提案")
    )
    handling_mode = models.CharField(_("办理方式"), max_length=10, choices=HandlingMode.choices, blank=True)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    is_key = models.BooleanField(_("重点提案"), default=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_proposals",
        verbose_name=_("督办领导"),
    )
    is_excellent = models.BooleanField(_("优秀提案"), default=False)
    is_confidential = models.BooleanField(_("涉密"), default=False)
    is_published = models.BooleanField(_("已公开"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    # Optimistic concurrency: every action bumps it; a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["-year", "seq", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], condition=~models.Q(number=""), name="proposal_unique_number"
            )
        ]
        indexes = [models.Index(fields=["organisation", "year", "state"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    @property
    def proposer_names(self) -> str:
        if self.proposer_type == ProposerType.BODY:
            return self.body_name
        names = [s.person.name for s in self.signers.all() if s.counts]
        return "、".join(names)


class SignerStatus(models.TextChoices):
    INVITED = "invited", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("已谢绝")


class ProposalSigner(models.Model):
    """提案人: the first proposer, and co-signers who count only once they confirm."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="signers")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="proposal_signatures")
    order = models.PositiveSmallIntegerField(default=1)
    is_first = models.BooleanField(_("第一提案人"), default=False)
    status = models.CharField(max_length=10, choices=SignerStatus.choices, default=SignerStatus.INVITED)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("提案人")
        verbose_name_plural = _("提案人")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "person"], name="signer_unique_person")]

    def __str__(self) -> str:
        return self.person.name

    @property
    def counts(self) -> bool:
        return self.is_first or self.status == SignerStatus.CONFIRMED


class UnitRole(models.TextChoices):
    SOLE = "sole", _("单办")
    SPLIT = "split", _("分办")
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentState(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACCEPTED = "accepted", _("办理中")
    OBJECTED = "objected", _("申请调整")
    CANCELLED = "cancelled", _("已改派")
    REPLIED = "replied", _("答复待审核")
    DONE = "done", _("已答复")


class Assignment(models.Model):
    """交办: one handling unit's part of one proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("organisations.HandlingUnit", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("承办方式"), max_length=10, choices=UnitRole.choices)
    state = models.CharField(_("状态"), max_length=10, choices=AssignmentState.choices, default=AssignmentState.PENDING)
    assigned_at = models.DateTimeField(_("交办时间"))
    deadline = models.DateField(_("办理期限"))
    objection_deadline = models.DateField(_("申请调整截止"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    objection_reason = models.CharField(_("申请调整理由"), max_length=300, blank=True)
    opinion = models.TextField(_("协办意见"), blank=True)
    opinion_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["proposal", "role", "id"]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{self.proposal} → {self.unit}"

    @property
    def replies_required(self) -> bool:
        """Assisting units send an opinion to the lead unit; the others reply."""
        return self.role != UnitRole.ASSIST

    @property
    def is_active(self) -> bool:
        return self.state not in (AssignmentState.CANCELLED,)


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("不同意")


class ExtensionRequest(models.Model):
    """延期申请."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    new_deadline = models.DateField(_("申请延至"))
    reason = models.CharField(_("理由"), max_length=300)
    state = models.CharField(max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.assignment} 延至 {self.new_deadline}"


class ConsultationMode(models.TextChoices):
    MEETING = "meeting", _("面谈")
    SYMPOSIUM = "symposium", _("座谈会")
    PHONE = "phone", _("电话")
    OTHER = "other", _("其他")


class FaceToFace(models.Model):
    """面商: a handling unit's consultation with the proposer."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="consultations")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="consultations")
    mode = models.CharField(_("面商方式"), max_length=10, choices=ConsultationMode.choices)
    date = models.DateField(_("面商日期"))
    participants = models.CharField(_("参加人员"), max_length=300)
    note = models.TextField(_("情况记录"), blank=True)
    round = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("面商")
        verbose_name_plural = _("面商")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.date}"


class ReplyState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")


class Reply(models.Model):
    """答复: a unit's reply in one round, reviewed by the office before proposers see it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="replies")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="replies")
    round = models.PositiveSmallIntegerField(default=1)
    reply_class = models.CharField(_("答复类别"), max_length=10)
    content = models.TextField(_("答复内容"))
    letter = models.FileField(_("答复函（盖章扫描件）"), upload_to="proposals/letters/%Y/", blank=True)
    state = models.CharField(max_length=10, choices=ReplyState.choices, default=ReplyState.PENDING)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["round", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment.unit} {self.reply_class}"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Rating(models.Model):
    """测评: one proposer's rating of the replies in one round."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ratings")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="proposal_ratings")
    round = models.PositiveSmallIntegerField(default=1)
    process = models.CharField(_("办理过程满意度"), max_length=12, choices=Satisfaction.choices)
    result = models.CharField(_("办理结果满意度"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("测评")
        verbose_name_plural = _("测评")
        constraints = [models.UniqueConstraint(fields=["proposal", "person", "round"], name="rating_once_per_round")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_result_display()}"


class ProposalEvent(models.Model):
    """The proposal's timeline: who did what, when, from which state to which."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提案办理记录")
        verbose_name_plural = _("提案办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action}"


class TitleGram(models.Model):
    """Character bigrams of proposal titles: similar-proposal search looks up the bigrams
    of what is being typed instead of scanning every proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    organisation_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    gram = models.CharField(max_length=2)

    class Meta:
        indexes = [models.Index(fields=["organisation_id", "gram", "year"])]

    def __str__(self) -> str:
        return self.gram
