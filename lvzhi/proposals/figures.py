"""Proposal figures (`figures proposals`) and the per-unit evaluation (测评), for a committee
and its subtree (a city over its counties). Every figure carries its written definition.

Year semantics: ``year`` is the proposal's 年度 field, i.e. the year it was submitted (the
`submit` action sets it from the submission time; a historic import takes the 年度 column).
``period`` (from/to dates) further restricts to proposals submitted within those dates.

Everything is counted with a handful of aggregate queries (conditional counts over
Exists/Subquery annotations); nothing loops over the proposals in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.proposals.models import (
    DEFAULT_REPLY_CLASSES,
    FILED_STATES,
    Assignment,
    AssignmentState,
    FaceToFace,
    Proposal,
    ProposalSettings,
    Rating,
    Reply,
    ReplyState,
    Satisfaction,
    State,
    UnitRole,
)

if TYPE_CHECKING:
    from lvzhi.core.figures import Period

DEFINITIONS = {
    "received": "收到提案数：所选政协及其下级政协已提交的提案（不含草稿，不含提交前撤回的草稿）；年度按提交年度（提案“年度”字段）计",
    "pending_review": "待审查提案数：收到提案中尚未审查（待审查或退回修改中）的件数",
    "withdrawn": "撤案数：提交后由提案人撤回的提案数",
    "filed": "立案提案数：审查后立案的提案数（已立案待交办、办理中、已答复待测评、已办结；不含并入他案的提案）",
    "not_filed": "不予立案数：审查结论为不予立案的提案数",
    "merged": "并案数：并入其他提案办理的提案数（不单独计入立案数）",
    "assigned": "已交办提案数：立案提案中已交办承办单位的件数",
    "replied": "已办复提案数：立案提案中至少有一轮答复全部经审核通过（单办、主办及每个分办单位均已答复）的件数；退回重办的提案仍计入",
    "reply_rate": "办复率：已办复提案数 / 立案提案数",
    "solved_or_solving": "解决或正在解决提案数：已办复提案中答复类别属于“已解决/正在解决”类（按各政协答复类别设置中的 solved 标记，默认A类、B类）的件数；取最近一轮已通过的答复，分办提案以各单位答复中最好的类别计",
    "solved_or_solving_rate": "解决或正在解决率：解决或正在解决提案数 / 已办复提案数",
    "face_to_face": "面商提案数：已交办提案中有承办单位面商记录（面谈、座谈会、电话或其他）的件数",
    "face_to_face_rate": "面商率：有面商记录的已交办提案数 / 已交办提案数",
    "ratings": "测评数：提案人对办理结果的测评份数（每位提案人每件提案只取最后一轮测评）",
    "satisfied": "满意测评数：测评数中办理结果为“满意”或“基本满意”的份数",
    "satisfaction_rate": "满意率：对办理结果“满意”或“基本满意”的测评数 / 全部测评数（每位提案人每件提案取最后一轮）",
    "process_satisfaction_rate": "办理过程满意率：对办理过程“满意”或“基本满意”的测评数 / 全部测评数（口径同满意率）",
    "overdue": "逾期提案数：办理中的提案里，超过办理期限（含批准延期后的期限）仍未答复的交办事项（单办、分办、主办）所涉提案数，按今天计",
    "rehandled": "重办提案数：办理轮次大于1的提案数（提案人对答复不满意而退回重新办理）",
    "key": "重点提案数：立案提案中确定为重点提案（领导督办）的件数",
    "excellent": "优秀提案数：立案提案中评为优秀提案的件数",
    "by_category": "按类别：各类别的收到提案数（count）与立案提案数（filed）",
}

UNIT_DEFINITIONS = {
    "assigned": "交办件数：交给该单位单办、分办或主办的提案件数（不含已改派的）；年度按提案年度计",
    "assisted": "协办件数：该单位作为协办单位的提案件数（协办单位向主办单位提交意见，不直接答复，不计入下列各率）",
    "replied": "已答复件数：交办件数中该单位的答复已经审核通过的件数",
    "on_time": "按期答复件数：答复经审核通过、且提交日期不晚于办理期限（含批准延期后的期限）的件数",
    "overdue": "逾期未答复件数：超过办理期限仍未答复（或答复未通过审核）的件数，按今天计",
    "on_time_rate": "按期答复率：按期答复件数 / （已答复件数 + 逾期未答复件数），即已到期应答复的件数中按期答复的比例",
    "face_to_face_rate": "面商率：该单位有面商记录的交办件数 / 交办件数",
    "satisfaction_rate": "满意率：该单位已答复提案的提案人测评中，办理结果“满意”或“基本满意”的份数 / 测评份数（每位提案人每件提案取最后一轮）",
    "solved_rate": "A/B类占比：已答复件数中该单位最近一次通过的答复类别属于“已解决/正在解决”类（默认A类、B类）的件数 / 已答复件数",
}

OPEN_ASSIGNMENT_STATES = [AssignmentState.PENDING, AssignmentState.ACCEPTED, AssignmentState.OBJECTED]
SATISFIED = [Satisfaction.SATISFIED, Satisfaction.BASIC]
REPLIED_STATES = [State.REPLIED, State.CLOSED]
# Proposals that reached the office: everything but drafts and drafts withdrawn unsubmitted.
RECEIVED = ~Q(state=State.DRAFT) & ~Q(state=State.WITHDRAWN, submitted_at__isnull=True)


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction of 1 rounded to four places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def _subtree_ids(organisation: Organisation) -> list[int]:
    return list(Organisation.objects.filter(path__startswith=organisation.path).values_list("pk", flat=True))


def solved_groups(organisation_ids: Iterable[int]) -> list[tuple[list[int], list[str]]]:
    """Committees grouped by their set of 'solved' reply-class codes (most share the default
    A/B), so a solved condition is one clause per distinct setting, not per committee."""
    ids = list(organisation_ids)
    configured = dict(
        ProposalSettings.objects.filter(organisation_id__in=ids).values_list("organisation_id", "reply_classes")
    )
    groups: dict[frozenset[str], list[int]] = {}
    for oid in ids:
        classes = configured.get(oid) or DEFAULT_REPLY_CLASSES
        codes = frozenset(str(c["code"]) for c in classes if c.get("solved"))
        groups.setdefault(codes, []).append(oid)
    return [(oids, sorted(codes)) for codes, oids in groups.items()]


def _solved_q(groups: list[tuple[list[int], list[str]]], org_field: str, make: Any) -> Q:
    """OR over the groups of (committee in group AND make(codes)); one group needs no
    committee condition."""
    if len(groups) == 1:
        return Q(make(groups[0][1]))
    q = Q(pk__in=[])
    for oids, codes in groups:
        q |= Q(**{f"{org_field}__in": oids}) & Q(make(codes))
    return q


def latest_ratings() -> QuerySet[Rating]:
    """Each proposer's last rating of each proposal (a later round supersedes earlier ones)."""
    later = Rating.objects.filter(proposal=OuterRef("proposal"), person=OuterRef("person"), round__gt=OuterRef("round"))
    return Rating.objects.filter(~Exists(later))


def proposals_in_scope(
    organisation: Organisation,
    *,
    year: int | None = None,
    period: Period | None = None,
    category: str | None = None,
    unit: HandlingUnit | int | None = None,
    session: int | None = None,
    term: int | None = None,
    subtree: bool = True,
) -> QuerySet[Proposal]:
    """The received proposals the figures count (filters applied)."""
    qs = Proposal.objects.filter(RECEIVED)
    if subtree:
        qs = qs.filter(organisation__path__startswith=organisation.path)
    else:
        qs = qs.filter(organisation=organisation)
    if year is not None:
        qs = qs.filter(year=year)
    if period is not None:
        if period.start:
            qs = qs.filter(submitted_at__date__gte=period.start)
        if period.end:
            qs = qs.filter(submitted_at__date__lte=period.end)
    if category:
        qs = qs.filter(category=category)
    if session is not None:
        qs = qs.filter(session=session)
    if term is not None:
        qs = qs.filter(term__number=term)
    if unit is not None:
        unit_id = unit.pk if isinstance(unit, HandlingUnit) else int(unit)
        qs = qs.filter(
            Exists(
                Assignment.objects.filter(proposal=OuterRef("pk"), unit_id=unit_id).exclude(
                    state=AssignmentState.CANCELLED
                )
            )
        )
    return qs


def proposal_figures(
    organisation: Organisation,
    *,
    year: int | None = None,
    period: Period | None = None,
    category: str | None = None,
    unit: HandlingUnit | int | None = None,
    session: int | None = None,
    term: int | None = None,
    subtree: bool = True,
) -> dict[str, Any]:
    """The proposal figures of ``organisation`` and (unless ``subtree=False``) its subtree."""
    base = proposals_in_scope(
        organisation,
        year=year,
        period=period,
        category=category,
        unit=unit,
        session=session,
        term=term,
        subtree=subtree,
    )
    today = timezone.localdate()
    org_ids = _subtree_ids(organisation) if subtree else [organisation.pk]
    groups = solved_groups(org_ids)

    filed_q = Q(state__in=FILED_STATES)
    assigned_q = Q(state__in=[State.ASSIGNED, State.REPLIED, State.CLOSED])
    replied_q = filed_q & Q(replied_at__isnull=False)
    # The round whose approved replies are the current answer: the present round once the
    # proposal is replied; the previous one while a re-handling round is under way.
    is_replied = Q(state__in=REPLIED_STATES)

    def solved_reply(codes: list[str]) -> Q:
        def answered(round_: Any) -> Exists:
            return Exists(
                Reply.objects.filter(
                    proposal=OuterRef("pk"), state=ReplyState.APPROVED, round=round_, reply_class__in=codes
                )
            )

        return (is_replied & Q(answered(OuterRef("round")))) | (~is_replied & Q(answered(OuterRef("round") - 1)))

    has_f2f = Exists(FaceToFace.objects.filter(proposal=OuterRef("pk")))
    has_overdue = Exists(
        Assignment.objects.filter(
            proposal=OuterRef("pk"), state__in=OPEN_ASSIGNMENT_STATES, deadline__lt=today
        ).exclude(role=UnitRole.ASSIST)
    )
    counts = base.aggregate(
        received=Count("pk"),
        pending_review=Count("pk", filter=Q(state__in=[State.SUBMITTED, State.RETURNED])),
        withdrawn=Count("pk", filter=Q(state=State.WITHDRAWN)),
        filed=Count("pk", filter=filed_q),
        not_filed=Count("pk", filter=Q(state=State.NOT_FILED)),
        merged=Count("pk", filter=Q(state=State.MERGED)),
        assigned=Count("pk", filter=assigned_q),
        replied=Count("pk", filter=replied_q),
        solved_or_solving=Count("pk", filter=replied_q & _solved_q(groups, "organisation_id", solved_reply)),
        face_to_face=Count("pk", filter=assigned_q & Q(has_f2f)),
        overdue=Count("pk", filter=Q(state=State.ASSIGNED) & Q(has_overdue)),
        rehandled=Count("pk", filter=Q(round__gt=1)),
        key=Count("pk", filter=filed_q & Q(is_key=True)),
        excellent=Count("pk", filter=filed_q & Q(is_excellent=True)),
    )
    ratings = (
        latest_ratings()
        .filter(proposal__in=base.values("pk"))
        .aggregate(
            total=Count("pk"),
            satisfied=Count("pk", filter=Q(result__in=SATISFIED)),
            process=Count("pk", filter=Q(process__in=SATISFIED)),
        )
    )
    by_category = [
        {"name": r["category"] or "未分类", "count": r["n"], "filed": r["f"]}
        for r in base.values("category")
        .annotate(n=Count("pk"), f=Count("pk", filter=filed_q))
        .order_by("-n", "category")
    ]
    return {
        "organisation": organisation.code,
        "year": year,
        "received": counts["received"],
        "pending_review": counts["pending_review"],
        "withdrawn": counts["withdrawn"],
        "filed": counts["filed"],
        "not_filed": counts["not_filed"],
        "merged": counts["merged"],
        "assigned": counts["assigned"],
        "replied": counts["replied"],
        "reply_rate": rate(counts["replied"], counts["filed"]),
        "solved_or_solving": counts["solved_or_solving"],
        "solved_or_solving_rate": rate(counts["solved_or_solving"], counts["replied"]),
        "face_to_face": counts["face_to_face"],
        "face_to_face_rate": rate(counts["face_to_face"], counts["assigned"]),
        "ratings": ratings["total"],
        "satisfied": ratings["satisfied"],
        "satisfaction_rate": rate(ratings["satisfied"], ratings["total"]),
        "process_satisfaction_rate": rate(ratings["process"], ratings["total"]),
        "overdue": counts["overdue"],
        "rehandled": counts["rehandled"],
        "key": counts["key"],
        "excellent": counts["excellent"],
        "by_category": by_category,
        "definitions": DEFINITIONS,
    }


# Figures that add up over committees (the rates do not).
COUNT_KEYS = [
    "received", "pending_review", "withdrawn", "filed", "not_filed", "merged", "assigned", "replied",
    "solved_or_solving", "face_to_face", "ratings", "satisfied", "overdue", "rehandled", "key", "excellent",
]  # fmt: skip


def breakdown(organisation: Organisation, **filters: Any) -> list[dict[str, Any]]:
    """Per-committee rows for a committee with lower committees: 本级 (its own proposals),
    then each child with its own subtree. Empty for a committee without children."""
    children = list(Organisation.objects.filter(parent=organisation).order_by("sort_order", "path"))
    if not children:
        return []
    rows = [{"name": f"{organisation.short_name}（本级）", "code": organisation.code,
             **proposal_figures(organisation, subtree=False, **filters)}]  # fmt: skip
    for child in children:
        rows.append({"name": child.name, "code": child.code, **proposal_figures(child, **filters)})
    return rows


def unit_evaluation(
    organisation: Organisation,
    *,
    year: int | None = None,
    period: Period | None = None,
    session: int | None = None,
    term: int | None = None,
) -> dict[str, Any]:
    """测评 of every handling unit of the committee and its subtree: one row per unit."""
    base = proposals_in_scope(organisation, year=year, period=period, session=session, term=term)
    today = timezone.localdate()
    groups = solved_groups(_subtree_ids(organisation))
    approved = Reply.objects.filter(assignment=OuterRef("pk"), state=ReplyState.APPROVED)
    last_class = Subquery(approved.order_by("-round", "-submitted_at", "-pk").values("reply_class")[:1])
    rated = latest_ratings().filter(proposal=OuterRef("proposal_id"))

    def count_of(qs: QuerySet[Rating]) -> Coalesce:
        return Coalesce(
            Subquery(qs.values("proposal").annotate(c=Count("pk")).values("c")[:1], output_field=IntegerField()),
            Value(0),
        )

    qs = (
        Assignment.objects.filter(proposal__in=base.values("pk"))
        .exclude(state=AssignmentState.CANCELLED)
        .annotate(
            has_reply=Exists(approved),
            on_time_reply=Exists(approved.filter(submitted_at__date__lte=OuterRef("deadline"))),
            has_f2f=Exists(FaceToFace.objects.filter(assignment=OuterRef("pk"))),
            last_class=last_class,
            n_ratings=count_of(rated),
            n_satisfied=count_of(rated.filter(result__in=SATISFIED)),
        )
    )
    replying = ~Q(role=UnitRole.ASSIST)
    replied = replying & Q(has_reply=True)
    solved = replied & _solved_q(groups, "unit__organisation_id", lambda codes: Q(last_class__in=codes))
    overdue = (
        replying
        & Q(has_reply=False, state__in=OPEN_ASSIGNMENT_STATES, deadline__lt=today)
        & Q(proposal__state=State.ASSIGNED)
    )
    grouped = {
        r["unit_id"]: r
        for r in qs.values("unit_id")
        .annotate(
            assigned=Count("pk", filter=replying),
            assisted=Count("pk", filter=Q(role=UnitRole.ASSIST)),
            replied=Count("pk", filter=replied),
            on_time=Count("pk", filter=replied & Q(on_time_reply=True)),
            overdue=Count("pk", filter=overdue),
            f2f=Count("pk", filter=replying & Q(has_f2f=True)),
            solved=Count("pk", filter=solved),
            ratings=Sum("n_ratings", filter=replied),
            satisfied=Sum("n_satisfied", filter=replied),
        )
        .order_by()
    }
    units = (
        HandlingUnit.objects.filter(organisation__path__startswith=organisation.path)
        .filter(Q(is_active=True) | Q(pk__in=list(grouped)))
        .select_related("organisation")
        .order_by("organisation__path", "kind", "pk")
    )
    rows: list[dict[str, Any]] = []
    paths: dict[int, str] = {}
    for unit in units:
        paths[unit.pk] = unit.organisation.path
        g = grouped.get(unit.pk, {})
        assigned, replied_n, on_time, overdue_n = (
            int(g.get(k) or 0) for k in ("assigned", "replied", "on_time", "overdue")
        )
        ratings_n, satisfied_n = int(g.get("ratings") or 0), int(g.get("satisfied") or 0)
        rows.append(
            {
                "unit_id": unit.pk,
                "name": unit.name,
                "organisation": unit.organisation.short_name,
                "assigned": assigned,
                "assisted": int(g.get("assisted") or 0),
                "replied": replied_n,
                "on_time": on_time,
                "overdue": overdue_n,
                "on_time_rate": rate(on_time, replied_n + overdue_n),
                "face_to_face": int(g.get("f2f") or 0),
                "face_to_face_rate": rate(int(g.get("f2f") or 0), assigned),
                "ratings": ratings_n,
                "satisfied": satisfied_n,
                "satisfaction_rate": rate(satisfied_n, ratings_n),
                "solved": int(g.get("solved") or 0),
                "solved_rate": rate(int(g.get("solved") or 0), replied_n),
            }
        )
    rows.sort(key=lambda r: (paths[r["unit_id"]], -(r["assigned"] + r["assisted"])))  # by committee, busiest first
    return {"organisation": organisation.code, "year": year, "rows": rows, "definitions": UNIT_DEFINITIONS}


def years_with_proposals(organisation: Organisation) -> list[int]:
    years = set(
        Proposal.objects.filter(RECEIVED, organisation__path__startswith=organisation.path)
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def default_year(organisation: Organisation) -> int:
    """The latest year with proposals, else this year."""
    latest = (
        Proposal.objects.filter(RECEIVED, organisation__path__startswith=organisation.path)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or dt.date.today().year
