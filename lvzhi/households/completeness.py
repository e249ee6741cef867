"""File completeness (档案完整性; 003: household files "filled in irregularly and
incompletely"). `problems()` checks one household and its members, on plain values, so the
import runs it on rows before saving and `refresh()` on a saved household; the result is
stored on the household (`problem_count`, `problems`), so the report per township and village
is one indexed query however large the register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from lvzhi.households.models import Household, Relation, Schooling, Status

if TYPE_CHECKING:
    import polars as pl

CHECKS = (
    ("food_ok", "不愁吃"),
    ("clothing_ok", "不愁穿"),
    ("education_ok", "义务教育有保障"),
    ("medical_ok", "基本医疗有保障"),
    ("housing_ok", "住房安全有保障"),
    ("water_ok", "饮水安全有保障"),
)
TOLERANCE = Decimal(1)  # 元: rounding in hand-made sheets
# Usual ages of each stage of schooling (inclusive), generous at both ends.
SCHOOL_AGES: dict[str, tuple[int, int]] = {
    Schooling.PRESCHOOL: (2, 7),
    Schooling.PRIMARY: (5, 15),
    Schooling.JUNIOR: (10, 19),
    Schooling.SENIOR: (13, 22),
    Schooling.VOCATIONAL: (13, 24),
    Schooling.COLLEGE: (16, 30),
    Schooling.UNIVERSITY: (16, 35),
}
COMPULSORY = (7, 15)  # 义务教育 ages


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# A member as the import holds it: a tuple in this order (the model's field names).
MEMBER_FIELDS = (
    "name", "id_number", "relation", "sex", "birth_date", "ethnicity", "education", "schooling", "health", "labour",
    "migrant_work", "migrant_months",
)  # fmt: skip
_NAME, _ID, _RELATION, _BIRTH, _SCHOOLING, _HEALTH, _LABOUR = (
    MEMBER_FIELDS.index(k) for k in ("name", "id_number", "relation", "birth_date", "schooling", "health", "labour")
)
_HEAD, _NOT_IN_SCHOOL = str(Relation.HEAD), str(Schooling.NONE)  # plain strings: faster to compare and hash
_MEMBER_REQUIRED = ((_ID, "身份证号码"), (_RELATION, "与户主关系"), (_HEALTH, "健康状况"), (_LABOUR, "劳动技能"))


def problems(household: Mapping[str, Any], members: Sequence[Mapping[str, Any]], today: dt.date) -> list[str]:
    """Every problem of the file, one short Chinese line each (empty: the file is complete)."""
    return problems_of(household, [tuple(m.get(k) for k in MEMBER_FIELDS) for m in members], today)


def problems_of(household: Mapping[str, Any], members: Sequence[Sequence[Any]], today: dt.date) -> list[str]:
    """`problems` for members as tuples in MEMBER_FIELDS order (the import's own form). The
    import runs it once per household (57,000 times for 200,000 people), hence the local
    names and the age worked out in place (`age_on`)."""
    found: list[str] = []
    get = household.get
    for key, label in (("village_id", "所在村"), ("head_name", "户主姓名"), ("main_cause", "主要致贫原因")):
        if not get(key):
            found.append(f"未填{label}")
    heads = [m for m in members if m[_RELATION] == _HEAD]
    if not heads:
        found.append("没有户主成员")
    elif len(heads) > 1:
        found.append(f"有{len(heads)}名户主")
    elif get("head_name") and heads[0][_NAME] != get("head_name"):
        found.append(f"户主姓名“{get('head_name')}”与户主成员“{heads[0][_NAME]}”不一致")
    size = get("size") or 0
    if size != len(members):
        found.append(f"家庭人口{size}人与成员{len(members)}人不符")
    year, day = today.year, (today.month, today.day)
    for m in members:
        for index, label in _MEMBER_REQUIRED:
            if not m[index]:
                found.append(f"成员{m[_NAME] or '（无名）'}未填{label}")
        birth = m[_BIRTH]
        if birth is None:
            continue
        age = year - birth.year - (day < (birth.month, birth.day))
        schooling = m[_SCHOOLING] or _NOT_IN_SCHOOL
        ages = SCHOOL_AGES.get(schooling)
        if ages is not None:
            if not ages[0] <= age <= ages[1]:
                found.append(
                    f"成员{m[_NAME] or '（无名）'}{age}岁，在校生状况为“{Schooling(schooling).label}”，年龄与学段不符"
                )
        elif COMPULSORY[0] <= age <= COMPULSORY[1]:
            found.append(f"成员{m[_NAME] or '（无名）'}{age}岁，处于义务教育年龄却为“非在校生”")
    kinds = [_decimal(get(k)) for k in ("income_wages", "income_business", "income_transfer", "income_property")]
    total = _decimal(get("income_total"))
    if any(kinds) and abs(sum(kinds) - total) > TOLERANCE:
        found.append(f"家庭年纯收入{total}元与各项收入之和{sum(kinds)}元不符")
    per_capita = get("per_capita_income")
    if per_capita is None or per_capita == "":
        if total:
            found.append("未填人均纯收入")
    elif members and abs(Decimal(per_capita) - total / len(members)) > TOLERANCE:
        expected = (total / len(members)).quantize(Decimal("0.01"))
        found.append(f"人均纯收入{Decimal(per_capita)}元与家庭年纯收入÷人口（{expected}元）不符")
    status = get("status")
    if status == Status.OUT:
        missing = [label for key, label in CHECKS if get(key) is None]
        failing = [label for key, label in CHECKS if get(key) is False]
        if failing:
            found.append(f"已脱贫但“{'、'.join(failing)}”未达标")
        if missing:
            found.append(f"已脱贫但未填“{'、'.join(missing)}”")
        if not get("exit_year"):
            found.append("已脱贫但未填脱贫年度")
    elif not status:
        found.append("未填贫困户状态")
    return found


# Amounts are compared as floats in `screen`, within a margin that leaves the decision to
# problems_of: no float error in amounts below a billion 元 is near a millionth.
_SCREEN_TOLERANCE = float(TOLERANCE) - 1e-6


def screen(households: pl.DataFrame, members: pl.DataFrame, today: dt.date) -> pl.Series:
    """For each household, whether `problems_of` may find something: the same checks as
    column operations (Polars), amounts compared as floats within a margin. An import runs
    `problems_of` only on the households flagged, a quarter of a typical register, and
    stores no problem for the others. Anything `problems_of` checks must be flagged here,
    or a household would be stored complete when it is not (tests/test_fast_path.py
    imports files with every message both ways).

    ``households``: a row per household, with the values problems_of reads (amounts as
    Float64, null when blank; the checks as Boolean); ``members``: "h" (the household's
    row in ``households``) and the columns of MEMBER_FIELDS."""
    import polars as pl

    def blank(name: str) -> pl.Expr:
        value = pl.col(name)
        return value.is_null() | (value.cast(pl.String) == "")

    birth = pl.col("birth_date")
    later = birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day() > today.month * 100 + today.day
    age = today.year - birth.dt.year() - later.cast(pl.Int32)
    schooling = pl.col("schooling").fill_null("").replace("", _NOT_IN_SCHOOL)
    low, high = (
        schooling.replace_strict(list(SCHOOL_AGES), [ages[i] for ages in SCHOOL_AGES.values()], default=None)
        for i in (0, 1)
    )
    wrong_age = pl.when(low.is_null()).then(age.is_between(*COMPULSORY)).otherwise(~age.is_between(low, high))
    is_head = pl.col("relation") == _HEAD
    per_household = members.group_by("h").agg(
        _member=(pl.any_horizontal(blank(MEMBER_FIELDS[i]) for i, _label in _MEMBER_REQUIRED) | wrong_age)
        .fill_null(False)
        .any(),
        _heads=is_head.sum(),
        _head=pl.col("name").filter(is_head).first(),
        _count=pl.len(),
    )
    kinds = [pl.col(k).fill_null(0) for k in ("income_wages", "income_business", "income_transfer", "income_property")]
    total = pl.col("income_total").fill_null(0)
    per_capita = pl.col("per_capita_income")
    out = pl.col("status") == Status.OUT
    flags = (
        households.with_row_index("h")
        .join(per_household, on="h", how="left", maintain_order="left")
        .select(
            pl.any_horizontal(
                blank("village_id"),
                blank("head_name"),
                blank("main_cause"),
                pl.col("_heads").fill_null(0) != 1,
                pl.col("_head") != pl.col("head_name"),
                pl.col("size").fill_null(0) != pl.col("_count").fill_null(0),
                pl.col("_member").fill_null(False),
                pl.any_horizontal(k != 0 for k in kinds)
                & ((pl.sum_horizontal(kinds) - total).abs() > _SCREEN_TOLERANCE),
                per_capita.is_null() & (total != 0),
                per_capita.is_not_null()
                & (pl.col("_count") > 0)
                & ((per_capita - total / pl.col("_count")).abs() > _SCREEN_TOLERANCE),
                out & pl.any_horizontal(pl.col(k).fill_null(False).not_() for k, _label in CHECKS),
                out & (pl.col("exit_year").fill_null(0) == 0),
                blank("status"),
            ).fill_null(True)
        )
    )
    return flags.to_series()


def _decimal(value: Any) -> Decimal:
    """`Decimal(value or 0)`, without copying a Decimal that is not zero (a zero, "0.00"
    included, becomes Decimal(0), as it always has: the messages print it as 0)."""
    return value if type(value) is Decimal and value else Decimal(value or 0)


def refresh(household: Household, today: dt.date | None = None) -> list[str]:
    """Recheck a saved household and store the result."""
    from django.utils import timezone

    members = list(household.members.values_list(*MEMBER_FIELDS))
    data = {f.attname: getattr(household, f.attname) for f in Household._meta.concrete_fields}
    found = problems_of(data, members, today or timezone.localdate())
    Household.objects.filter(pk=household.pk).update(problem_count=len(found), problems="\n".join(found))
    household.problem_count, household.problems = len(found), "\n".join(found)
    return found


def township_report(households: QuerySet[Household]) -> list[dict[str, Any]]:
    """Per county, township and village: households, incomplete files, completeness rate."""
    rows = (
        households.values("organisation__short_name", "township_id", "township__name", "village_id", "village__name")
        .annotate(households=Count("id"), incomplete=Count("id", filter=Q(problem_count__gt=0)))
        .order_by("organisation__path", "township__code", "township__name", "village__code", "village__name")
    )
    return [
        {
            "county": r["organisation__short_name"],
            "township_id": r["township_id"],
            "township": r["township__name"],
            "village_id": r["village_id"],
            "village": r["village__name"],
            "households": r["households"],
            "incomplete": r["incomplete"],
            "rate": round(1 - r["incomplete"] / r["households"], 4) if r["households"] else None,
        }
        for r in rows
    ]


def incomplete_households(
    households: QuerySet[Household], township: int | None = None, village: int | None = None
) -> QuerySet[Household]:
    qs = households.filter(problem_count__gt=0)
    if township is not None:
        qs = qs.filter(township_id=township)
    if village is not None:
        qs = qs.filter(village_id=village)
    return qs.select_related("township", "village").order_by("township__name", "village__name", "number")
