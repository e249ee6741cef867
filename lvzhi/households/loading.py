"""Import of the household register (`import_data households`, the upload page and its
background job) from the sheets counties already keep: one row per person, the household's
columns repeated on each of its rows.

Built for a province: rows are validated in plain Python (ID check character, enums, amounts,
household consistency, duplicates in the file and in the database), then saved in one
transaction with bulk inserts (COPY on PostgreSQL). Nothing is half-saved: every row valid,
or nothing (or, with "valid rows only", every household without a bad row). Re-importing a
household (same 户编号 in the county) replaces its members and updates it in place."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from lvzhi.accounts import scoping
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import Invalid
from lvzhi.core.excel import TemplateColumn
from lvzhi.core.identity import IdentityError, birth_date_from_id, gender_from_id, normalise_id_number
from lvzhi.core.importing import Importer, ImportReport, Mode, RowError, register
from lvzhi.core.numbers import parse_count, parse_money
from lvzhi.core.text import clean, clean_compact
from lvzhi.households import completeness
from lvzhi.households.models import (
    Cause,
    Health,
    Household,
    HouseholdMember,
    Labour,
    MigrantWork,
    Relation,
    Schooling,
    Status,
    Township,
    Village,
)
from lvzhi.members.validation import Field
from lvzhi.organisations.models import Level, Organisation

Progress = Callable[[int, int], None]


FIELDS: list[Field] = [
    Field("number", gettext_noop("户编号"), True, ("户码", "贫困户编号", "户号"), "5303210010001"),
    Field("township", gettext_noop("乡镇（街道）"), True, ("乡镇", "乡（镇）", "乡镇街道"), "城关镇"),
    Field("township_code", gettext_noop("乡镇代码"), False, (), "530321100"),
    Field("village", gettext_noop("行政村（社区）"), True, ("村", "行政村", "村（社区）"), "红旗村"),
    Field("village_code", gettext_noop("村代码"), False, ("行政区划代码",), "530321100201"),
    Field("group", gettext_noop("村民小组"), False, ("组", "自然村"), "三组"),
    Field("head_name", gettext_noop("户主姓名"), False, ("户主",), "张三"),
    Field("phone", gettext_noop("联系电话"), False, ("电话", "户主电话"), ""),
    Field("name", gettext_noop("姓名"), True, ("成员姓名", "家庭成员"), "张三"),
    Field(
        "id_number", gettext_noop("身份证号码"), True, ("证件号码", "公民身份号码", "身份证号"), "53032119800101001X"
    ),
    Field("relation", gettext_noop("与户主关系"), True, ("关系",), "户主"),
    Field("sex", gettext_noop("性别"), False, (), "男"),
    Field("birth_date", gettext_noop("出生日期"), False, (), ""),
    Field("ethnicity", gettext_noop("民族"), False, (), "汉族"),
    Field("education", gettext_noop("文化程度"), False, ("文化",), "初中"),
    Field("schooling", gettext_noop("在校生状况"), False, ("在校情况",), "非在校生"),
    Field("health", gettext_noop("健康状况"), False, ("健康",), "健康"),
    Field("labour", gettext_noop("劳动技能"), False, ("劳动能力",), "普通劳动力"),
    Field("migrant_work", gettext_noop("务工状况"), False, ("务工情况",), "省外务工"),
    Field("migrant_months", gettext_noop("务工时间（月）"), False, ("务工时间",), "6"),
    Field("main_cause", gettext_noop("主要致贫原因"), False, ("致贫原因",), "因病"),
    Field("other_causes", gettext_noop("其他致贫原因"), False, ("次要致贫原因",), "缺技术、缺资金"),
    Field("income_wages", gettext_noop("工资性收入"), False, (), "12000"),
    Field("income_business", gettext_noop("生产经营性收入"), False, (), "3000"),
    Field("income_transfer", gettext_noop("转移性收入"), False, (), "2400"),
    Field("income_property", gettext_noop("财产性收入"), False, (), "0"),
    Field("income_total", gettext_noop("家庭年纯收入"), False, ("年纯收入",), ""),
    Field("per_capita_income", gettext_noop("人均纯收入"), False, ("人均收入",), ""),
    Field("food_ok", gettext_noop("不愁吃"), False, (), "是"),
    Field("clothing_ok", gettext_noop("不愁穿"), False, (), "是"),
    Field("education_ok", gettext_noop("义务教育有保障"), False, ("义务教育",), "是"),
    Field("medical_ok", gettext_noop("基本医疗有保障"), False, ("基本医疗",), "是"),
    Field("housing_ok", gettext_noop("住房安全有保障"), False, ("住房安全",), "是"),
    Field("water_ok", gettext_noop("饮水安全有保障"), False, ("饮水安全",), "是"),
    Field("status", gettext_noop("贫困户状态"), False, ("脱贫状态", "户状态"), "未脱贫"),
    Field("exit_year", gettext_noop("脱贫年度"), False, ("脱贫年份",), ""),
    Field("helper_name", gettext_noop("帮扶责任人"), False, (), "李四"),
    Field("helper_phone", gettext_noop("帮扶责任人电话"), False, (), ""),
]
PERSON_KEYS = (
    "name", "id_number", "relation", "sex", "birth_date", "ethnicity", "education", "schooling", "health", "labour",
    "migrant_work", "migrant_months",
)  # fmt: skip
HOUSEHOLD_KEYS = tuple(f.key for f in FIELDS if f.key not in PERSON_KEYS and f.key != "number")
_household_cells = operator.itemgetter(*HOUSEHOLD_KEYS)  # validated rows carry every key
_person_cells = operator.itemgetter(*PERSON_KEYS)
MONEY_KEYS = (
    "income_wages",
    "income_business",
    "income_transfer",
    "income_property",
    "income_total",
    "per_capita_income",
)
CHECK_KEYS = ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")
YES = {"是", "有", "√", "✓", "达标", "已保障", "y", "yes", "true", "1"}
NO = {"否", "无", "×", "✗", "未达标", "未保障", "n", "no", "false", "0"}
RELATION_WORDS = {
    "户主": Relation.HEAD, "本人": Relation.HEAD, "配偶": Relation.SPOUSE, "妻": Relation.SPOUSE, "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE, "夫": Relation.SPOUSE, "之子": Relation.CHILD, "之女": Relation.CHILD,
    "子": Relation.CHILD, "女": Relation.CHILD, "儿子": Relation.CHILD, "女儿": Relation.CHILD, "子女": Relation.CHILD,
    "长子": Relation.CHILD, "次子": Relation.CHILD, "长女": Relation.CHILD, "次女": Relation.CHILD,
    "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW, "儿媳/女婿": Relation.CHILD_IN_LAW,
    "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "之孙子": Relation.GRANDCHILD,
    "之孙女": Relation.GRANDCHILD, "孙子女": Relation.GRANDCHILD, "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD, "父亲": Relation.PARENT, "母亲": Relation.PARENT, "之父": Relation.PARENT,
    "之母": Relation.PARENT, "父母": Relation.PARENT, "祖父": Relation.GRANDPARENT, "祖母": Relation.GRANDPARENT,
    "祖父母": Relation.GRANDPARENT, "兄弟姐妹": Relation.SIBLING, "兄": Relation.SIBLING, "弟": Relation.SIBLING,
    "姐": Relation.SIBLING, "妹": Relation.SIBLING, "其他": Relation.OTHER,
}  # fmt: skip
LABOUR_WORDS = {"普通": Labour.NORMAL, "技能": Labour.SKILLED, "丧失": Labour.LOST, "无": Labour.NONE}
SEPARATORS = ("、", "，", ",", "；", ";", "/", " ")
UNIQUE_KEYS = frozenset({"name", "birth_date"})  # per person: not worth memoising
NOTES = {
    "number": "同一户的各成员行填写相同的户编号；已导入过的户再次导入时按户编号更新，成员以本次为准",
    "id_number": "18位居民身份证号码，请设置为文本格式，否则Excel会把末几位变成0；同一号码不能出现在两户",
    "relation": "户主、配偶、子女、儿媳/女婿、孙子女、父母、祖父母、兄弟姐妹、其他；每户有且只有一名户主",
    "sex": "男或女；不填按身份证号码判断",
    "birth_date": "不填按身份证号码判断",
    "schooling": "、".join(str(label) for _v, label in Schooling.choices),
    "health": "、".join(str(label) for _v, label in Health.choices),
    "labour": "、".join(str(label) for _v, label in Labour.choices),
    "migrant_work": "、".join(str(label) for _v, label in MigrantWork.choices),
    "main_cause": "、".join(str(label) for _v, label in Cause.choices),
    "other_causes": "可填多项，用“、”隔开",
    "income_total": "元；不填为四项收入之和",
    "per_capita_income": "元；不填为家庭年纯收入÷家庭人口",
    "status": "、".join(str(label) for _v, label in Status.choices),
    "food_ok": "是或否（以下五项相同），不清楚的留空",
}


def _labels(choices: Any) -> dict[str, str]:
    table = {str(label): value for value, label in choices.choices}
    table.update({value: value for value in choices.values if value})
    return table


SCHOOLING, HEALTH, LABOUR = _labels(Schooling), _labels(Health), _labels(Labour)
MIGRANT, CAUSES, STATUSES = _labels(MigrantWork), _labels(Cause), _labels(Status)


def _choice(value: object, table: Mapping[str, str], what: str, default: str = "") -> str:
    text = clean_compact(value)
    if not text:
        return default
    if text in table:
        return table[text]
    raise ValueError(f"“{text}”不是有效的{what}，可填：{'、'.join(k for k in table if not k.isascii())}")


def _yes_no(value: object) -> bool | None:
    text = clean_compact(value).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"“{clean(value)}”应填“是”或“否”")


@dataclass
class _Household:
    number: str
    first_row: int
    data: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)  # field -> row that set it
    shown: dict[str, str] = field(default_factory=dict)  # field -> the cell as written there
    values: tuple[Any, ...] = ()  # the household columns of its first row
    heads: list[int] = field(default_factory=list)  # rows naming a 户主, valid or not


class HouseholdLoader:
    """Validate and save a register for one county. `rows` are (row number, {key: raw})."""

    def __init__(self, *, actor: Any, organisation: Organisation, progress: Progress | None = None) -> None:
        self.actor = actor
        self.organisation = organisation
        self.progress = progress
        self.today = timezone.localdate()

    # -- one row -----------------------------------------------------------------------------

    def _parsers(self) -> list[tuple[str, Callable[[object], Any]]]:
        """(key, parse) for every column; parse returns the clean value or raises
        ValueError with the Chinese reason. All but the per-person columns repeat a lot
        (a township, a status, 是/否…), so their results are memoised per cell value."""

        def text(limit: int, required: bool = False) -> Callable[[object], str]:
            def parse(value: object) -> str:
                result = clean(value)
                if len(result) > limit:
                    raise ValueError(f"最多{limit}个字")
                if required and not result:
                    raise ValueError("不能为空")
                return result

            return parse

        def number(value: object) -> str:
            result = clean_compact(value)
            if not result:
                raise ValueError("请填写户编号")
            if len(result) > 30:
                raise ValueError("户编号最多30位")
            return result

        def code(value: object) -> str:
            result = clean_compact(value)
            if result and (not result.isdigit() or len(result) > 12):
                raise ValueError("应为不超过12位的数字代码")
            return result

        def relation(value: object) -> str:
            word = clean_compact(value)
            if not word:
                raise ValueError("请填写与户主关系")
            if word in RELATION_WORDS:
                return RELATION_WORDS[word]
            if word in Relation.values:
                return word
            raise ValueError(
                f"无法识别的与户主关系“{word}”，可填：户主、配偶、子女、儿媳/女婿、孙子女、父母、祖父母、兄弟姐妹、其他"
            )

        def sex(value: object) -> str:
            word = clean_compact(value)
            if word and word not in ("男", "女"):
                raise ValueError("性别应填“男”或“女”")
            return {"男": "M", "女": "F"}.get(word, "")

        def choice(table: Mapping[str, str], what: str, default: str = "") -> Callable[[object], str]:
            return lambda value: _choice(value, table, what, default)

        def labour(value: object) -> str:
            word = clean_compact(value)
            result = LABOUR.get(word) or LABOUR_WORDS.get(word.removesuffix("劳动力")) or ""
            if word and not result:
                raise ValueError(f"“{word}”不是有效的劳动技能，可填：普通劳动力、技能劳动力、丧失劳动力、无劳动力")
            return result

        def causes(value: object) -> list[str]:
            words = clean(value)
            for sep in SEPARATORS[1:]:
                words = words.replace(sep, SEPARATORS[0])
            codes = []
            for part in filter(None, words.split(SEPARATORS[0])):
                if part not in CAUSES:
                    raise ValueError(f"“{part}”不是有效的致贫原因")
                codes.append(CAUSES[part])
            return codes

        def money(value: object) -> Decimal | None:
            return parse_money(value) if clean(value) else None

        def months(value: object) -> int | None:
            result = parse_count(value) if clean(value) else None
            if result is not None and result > 12:
                raise ValueError("务工时间应为0至12个月")
            return result

        def year(value: object) -> int | None:
            word = clean_compact(value).removesuffix("年")
            if word and not (word.isdigit() and 2013 <= int(word) <= self.today.year):
                raise ValueError(f"脱贫年度应为2013至{self.today.year}年之间的年份")
            return int(word) if word else None

        def phone(value: object) -> str:
            digits = clean_compact(value).replace("-", "")
            if digits and (not digits.isdigit() or not 7 <= len(digits) <= 12):
                raise ValueError("电话号码应为7至12位数字")
            return digits

        def birth(value: object) -> dt.date | None:
            try:
                return parse_date(value)
            except DateError as exc:
                raise ValueError(str(exc)) from None

        return [
            ("number", number), ("township", text(50, True)), ("township_code", code), ("village", text(50, True)),
            ("village_code", code), ("group", text(50)), ("head_name", text(30)), ("phone", phone),
            ("name", text(30, True)), ("relation", relation), ("sex", sex), ("birth_date", birth),
            ("ethnicity", text(20)), ("education", text(20)), ("schooling", choice(SCHOOLING, "在校生状况", Schooling.NONE)),
            ("health", choice(HEALTH, "健康状况")), ("labour", labour), ("migrant_work", choice(MIGRANT, "务工状况")),
            ("migrant_months", months), ("main_cause", choice(CAUSES, "致贫原因")), ("other_causes", causes),
            *((k, money) for k in MONEY_KEYS), *((k, _yes_no) for k in CHECK_KEYS),
            ("status", choice(STATUSES, "贫困户状态")), ("exit_year", year), ("helper_name", text(30)),
            ("helper_phone", phone),
        ]  # fmt: skip

    def _parse_columns(
        self, parsers: list[tuple[str, Callable[[object], Any]]], raw: Mapping[str, object]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, parse in parsers:
            value = raw.get(key)
            memo = self._memo[key]
            try:
                hit = memo.get(value) if key not in UNIQUE_KEYS else None
            except TypeError:  # an unhashable cell
                hit = None
            if hit is None:
                try:
                    hit = (parse(value), "")
                except ValueError as exc:
                    hit = (None, str(exc))
                if key not in UNIQUE_KEYS and len(memo) < 100_000:
                    memo[value] = hit
            data[key], message = hit
            if message:
                errors[key] = message
        return data, errors

    def validate_row(self, raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
        if not hasattr(self, "_person"):
            parsers = self._parsers()
            self._person = [(k, p) for k, p in parsers if k in PERSON_KEYS]
            self._household = [(k, p) for k, p in parsers if k not in PERSON_KEYS]
            self._memo: dict[str, dict[object, tuple[Any, str]]] = {key: {} for key, _p in parsers}
            self._rows_memo: dict[tuple[object, ...], tuple[dict[str, Any], dict[str, str]]] = {}
        # A household's columns repeat on each of its rows: parsed once per distinct set.
        cells = tuple(raw.get(k) for k, _p in self._household)
        try:
            cached = self._rows_memo.get(cells)
        except TypeError:  # an unhashable cell
            cached = None
        if cached is None:
            cached = self._parse_columns(self._household, raw)
            if len(self._rows_memo) < 200_000:
                self._rows_memo[cells] = cached
        data, errors = self._parse_columns(self._person, raw)
        data.update(cached[0])
        errors.update(cached[1])
        data["ethnicity"] = data["ethnicity"] or "汉族"
        data["other_causes"] = ",".join(dict.fromkeys(c for c in data["other_causes"] or () if c != data["main_cause"]))
        value = raw.get("id_number")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: the last ones are gone, even when the
            # damaged number happens to pass the check.
            errors["id_number"] = "身份证号码被Excel存成了数字，末几位已丢失；请把该列设置为文本格式后重新填写"
            return data, errors
        try:
            data["id_number"] = id_number = normalise_id_number(value)
        except IdentityError as exc:
            errors["id_number"] = str(exc)
            return data, errors
        from_id = birth_date_from_id(id_number)
        if data["birth_date"] is not None and data["birth_date"] != from_id and "birth_date" not in errors:
            errors["birth_date"] = f"出生日期与身份证号码（{from_id:%Y年%m月%d日}）不符"
        data["birth_date"] = from_id
        id_sex = gender_from_id(id_number)
        if data["sex"] and data["sex"] != id_sex:
            errors["sex"] = "性别与身份证号码不符"
        data["sex"] = id_sex
        return data, errors

    # -- the whole file ------------------------------------------------------------------------

    def load(
        self,
        rows: Iterable[tuple[int, Mapping[str, object]]],
        report: ImportReport,
        *,
        total: int,
        headers: Mapping[str, str],
    ) -> None:
        def column(key: str) -> str:
            return headers.get(key) or next((str(f.label) for f in FIELDS if f.key == key), key)

        errors: list[RowError] = report.errors
        households: dict[str, _Household] = {}
        seen_ids: dict[str, tuple[int, str, str]] = {}
        row_household: dict[int, str] = {}
        step = max(1, total // 100)
        for index, (number, raw) in enumerate(rows, start=1):
            if self.progress and index % step == 0:
                self.progress(int(index * 0.7), total)
            report.total += 1
            data, row_errors = self.validate_row(raw)
            for key, message in row_errors.items():
                errors.append(RowError(number, column(key), message))
            key = data["number"]
            if not key:
                continue
            row_household[number] = key
            hh = households.get(key)
            values = _household_cells(data)
            if hh is None:
                hh = households[key] = _Household(key, number, dict(zip(HOUSEHOLD_KEYS, values, strict=True)))
                hh.sources = {k: number for k in HOUSEHOLD_KEYS if data.get(k) not in (None, "")}
                hh.shown = {k: clean(raw.get(k)) for k in hh.sources}
                hh.values = values
            elif values != hh.values:  # the usual case, a row repeating its household, skips this
                for k in HOUSEHOLD_KEYS:
                    value = data.get(k)
                    if value in (None, "") or k in row_errors:
                        continue
                    current = hh.data.get(k)
                    if current in (None, ""):
                        hh.data[k], hh.sources[k], hh.shown[k] = value, number, clean(raw.get(k))
                    elif current != value:
                        errors.append(
                            RowError(
                                number, column(k), f"与本户第{hh.sources[k]}行的“{column(k)}”（{hh.shown[k]}）不一致"
                            )
                        )
            hh.rows.append(number)
            if data.get("relation") == Relation.HEAD:
                hh.heads.append(number)
            id_number = data.get("id_number")
            if id_number:
                if id_number in seen_ids:
                    first, other_number, other_village = seen_ids[id_number]
                    where = "同一户" if other_number == key else f"户编号{other_number}，{other_village}"
                    errors.append(RowError(number, column("id_number"), f"与第{first}行（{where}）的身份证号码重复"))
                else:
                    seen_ids[id_number] = (number, key, data.get("village") or "")
            if not row_errors:
                hh.members.append({**dict(zip(PERSON_KEYS, _person_cells(data), strict=True)), "row": number})
        self._household_rules(households, errors, column)
        self._database_duplicates(households, seen_ids, errors, column)
        bad_rows = {e.row for e in errors}
        bad_households = {row_household.get(r) for r in bad_rows}
        good = [hh for hh in households.values() if hh.number not in bad_households]
        report.valid = sum(len(hh.rows) for hh in good)
        if report.mode == Mode.VALID_ONLY and bad_households - {None}:
            skipped = sorted(h for h in bad_households if h)
            report.warnings.append(
                f"以下{len(skipped)}户有错误行，整户未导入：{'、'.join(skipped[:20])}"
                + ("等" if len(skipped) > 20 else "")
            )
        errors.sort(key=lambda e: e.row)
        if report.dry_run or report.rejected or not good:
            return
        created, updated = self._save(good)
        report.created, report.updated = created, updated
        report.saved = True
        report.warnings.append(
            f"共{len(good)}户：新增{sum(1 for hh in good if hh.data.get('_new'))}户，更新{sum(1 for hh in good if not hh.data.get('_new'))}户"
        )
        if self.progress:
            self.progress(total, total)

    def _household_rules(
        self, households: Mapping[str, _Household], errors: list[RowError], column: Callable[[str], str]
    ) -> None:
        for hh in households.values():
            if not hh.heads:
                for row in hh.rows:
                    errors.append(
                        RowError(
                            row, column("relation"), f"户编号{hh.number}没有户主（须有一名成员的与户主关系为“户主”）"
                        )
                    )
            for extra in hh.heads[1:]:
                errors.append(RowError(extra, column("relation"), f"户编号{hh.number}已在第{hh.heads[0]}行填写了户主"))
            heads = [m for m in hh.members if m["relation"] == Relation.HEAD]
            if heads and not hh.data.get("head_name"):
                hh.data["head_name"] = heads[0]["name"]

    def _database_duplicates(
        self,
        households: Mapping[str, _Household],
        seen_ids: Mapping[str, tuple[int, str, str]],
        errors: list[RowError],
        column: Callable[[str], str],
    ) -> None:
        ids = list(seen_ids)
        visible = set(Organisation.objects.filter(path__startswith=self.organisation.path).values_list("pk", flat=True))
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for id_number, number, org_id, township, village in HouseholdMember.objects.filter(
                id_number__in=chunk
            ).values_list(
                "id_number",
                "household__number",
                "organisation_id",
                "household__township__name",
                "household__village__name",
            ):
                row = seen_ids[id_number][0]
                if org_id == self.organisation.pk and number in households:
                    continue  # a household of this file, whose members the file replaces
                if org_id in visible:
                    message = f"该身份证号码已登记在户编号{number}（{township}{village}）"
                else:
                    message = "该身份证号码已在其他县（市、区）登记为贫困户成员"
                errors.append(RowError(row, column("id_number"), message))

    # -- saving ----------------------------------------------------------------------------------

    @transaction.atomic
    def _save(self, good: list[_Household]) -> tuple[int, int]:
        from lvzhi.audit.log import record
        from lvzhi.core.bulk import insert_rows

        org = self.organisation
        townships = {t.name: t for t in Township.objects.filter(organisation=org)}
        for hh in good:
            name = hh.data["township"]
            if name not in townships:
                townships[name] = Township.objects.create(
                    organisation=org, name=name, code=hh.data.get("township_code") or ""
                )
            elif hh.data.get("township_code") and townships[name].code != hh.data["township_code"]:
                townships[name].code = hh.data["township_code"]
                townships[name].save(update_fields=["code"])
        villages = {(v.township_id, v.name): v for v in Village.objects.filter(organisation=org)}
        for hh in good:
            township = townships[hh.data["township"]]
            key = (township.pk, hh.data["village"])
            if key not in villages:
                villages[key] = Village.objects.create(
                    organisation=org, township=township, name=hh.data["village"], code=hh.data.get("village_code") or ""
                )
            hh.data["township_id"], hh.data["village_id"] = township.pk, villages[key].pk
        numbers = {hh.number for hh in good}
        known = dict(Household.objects.filter(organisation=org).values_list("number", "pk"))
        existing = {h.number: h for h in Household.objects.filter(pk__in=[known[n] for n in numbers if n in known])}
        now = timezone.now()
        new_rows, changed = [], []
        for hh in good:
            values = self._household_values(hh)
            found = completeness.problems(values, hh.members, self.today)
            values.update(problem_count=len(found), problems="\n".join(found))
            current = existing.get(hh.number)
            hh.data["_new"] = current is None
            if current is None:
                new_rows.append(
                    {"organisation_id": org.pk, "number": hh.number, **values, "created_at": now, "updated_at": now}
                )
            else:
                for k, v in values.items():
                    setattr(current, k, v)
                current.version += 1
                current.updated_at = now
                changed.append(current)
        if changed:
            HouseholdMember.objects.filter(household__in=changed).delete()
            Household.objects.bulk_update(
                changed, [*self._household_fields(), "version", "updated_at"], batch_size=2000
            )
        insert_rows(Household, new_rows, with_pk=False)
        ids = dict(
            Household.objects.filter(organisation=org, number__in=[hh.number for hh in good]).values_list(
                "number", "pk"
            )
        )
        created = updated = 0
        members = []
        for hh in good:
            for order, m in enumerate(hh.members):
                members.append(
                    {
                        **{k: m[k] for k in PERSON_KEYS},
                        "household_id": ids[hh.number],
                        "organisation_id": org.pk,
                        "sort_order": order,
                    }
                )
            if hh.data["_new"]:
                created += len(hh.rows)
            else:
                updated += len(hh.rows)
        insert_rows(HouseholdMember, members, with_pk=False)
        record(
            actor=self.actor,
            action="households.import",
            organisation_id=org.pk,
            changes={"households": len(good), "members": len(members), "new_rows": created, "updated_rows": updated},
        )
        return created, updated

    @staticmethod
    def _household_fields() -> list[str]:
        return [
            "township_id", "village_id", "group", "head_name", "phone", "main_cause", "other_causes", *MONEY_KEYS, "size",
            *CHECK_KEYS, "status", "exit_year", "helper_name", "helper_phone", "problem_count", "problems",
        ]  # fmt: skip

    @staticmethod
    def _household_values(hh: _Household) -> dict[str, Any]:
        d = hh.data
        size = len(hh.members)
        kinds = [
            d.get(k) or Decimal(0) for k in ("income_wages", "income_business", "income_transfer", "income_property")
        ]
        total = d.get("income_total")
        if total is None:
            total = sum(kinds, Decimal(0))
        per_capita = d.get("per_capita_income")
        if per_capita is None and size:
            per_capita = (total / size).quantize(Decimal("0.01"))
        return {
            "township_id": d["township_id"], "village_id": d["village_id"], "group": d.get("group") or "",
            "head_name": d.get("head_name") or "", "phone": d.get("phone") or "", "main_cause": d.get("main_cause") or "",
            "other_causes": d.get("other_causes") or "", "income_wages": kinds[0], "income_business": kinds[1],
            "income_transfer": kinds[2], "income_property": kinds[3], "income_total": total,
            "per_capita_income": per_capita, "size": size, **{k: d.get(k) for k in CHECK_KEYS},
            "status": d.get("status") or Status.POOR, "exit_year": d.get("exit_year"),
            "helper_name": d.get("helper_name") or "", "helper_phone": d.get("helper_phone") or "",
        }  # fmt: skip


@register
class HouseholdImporter(Importer):
    """`import_data households` and the upload page: the framework's header matching and
    report, the loader's bulk validation and save."""

    kind = "households"
    title = "建档立卡贫困户"
    fields = FIELDS
    template_name = "贫困户导入模板.xlsx"

    def authorise(self) -> None:
        scoping.require_manage(self.actor, self.organisation.pk, "只有本级政协机关工作人员可以维护贫困户档案")
        if self.organisation.level == Level.CITY:
            raise Invalid({"organisation": "贫困户档案按县（市、区）导入，请选择县级政协"})

    @classmethod
    def template_columns(cls, organisation: Organisation | None = None) -> list[TemplateColumn]:
        text = {"number", "id_number", "phone", "helper_phone", "township_code", "village_code"}
        return [
            TemplateColumn(str(f.label), f.required, NOTES.get(f.key, ""), f.example, text=f.key in text)
            for f in FIELDS
        ]

    def run(
        self, source: str | Path | bytes, filename: str = "", *, mode: str = Mode.ALL, dry_run: bool = False
    ) -> ImportReport:
        self.authorise()
        report = ImportReport(kind=self.kind, filename=filename, mode=Mode(mode), dry_run=dry_run)
        sheet = self.read_sheet(source, filename, report)
        if sheet is None:
            return report
        headers, data_rows = sheet
        loader = HouseholdLoader(actor=self.actor, organisation=self.organisation, progress=self.progress)
        loader.load(data_rows, report, total=len(data_rows), headers=headers)
        return report


def load_households(
    *,
    actor: Any,
    organisation: Organisation,
    rows: Iterable[Mapping[str, object]],
    mode: str = Mode.ALL,
    progress: Progress | None = None,
) -> ImportReport:
    """The same validation and save for rows already in memory ({field key: value}), e.g.
    the demo or a benchmark; row numbers start at 2 as in a sheet under its header."""
    HouseholdImporter(actor=actor, organisation=organisation).authorise()
    items = list(rows)
    report = ImportReport(kind="households", filename="", mode=Mode(mode))
    HouseholdLoader(actor=actor, organisation=organisation, progress=progress).load(
        ((i, r) for i, r in enumerate(items, start=2)), report, total=len(items), headers={}
    )
    return report
