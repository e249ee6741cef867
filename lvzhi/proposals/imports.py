"""Historic proposal import (kind "proposals"): one row per proposal with its review result,
handling units, reply class, 面商 and rating. Every row is validated first (proposers and
units are named as users write them; an unknown or ambiguous name is a row error, never a
guess), then each row is saved through `lvzhi.proposals.history.import_historic_proposal`
in file order, inside the framework's single transaction (all or nothing by default).

    python manage.py import_data proposals 历年提案.xlsx --organisation dcx
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.excel import TemplateColumn
from lvzhi.core.importing import Importer, Outcome, register
from lvzhi.core.text import clean, to_halfwidth, to_simplified
from lvzhi.members.models import Membership, Person
from lvzhi.members.validation import Field
from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.proposals import actions
from lvzhi.proposals.history import import_historic_proposal
from lvzhi.proposals.models import (
    DEFAULT_CATEGORIES,
    DEFAULT_REPLY_CLASSES,
    ConsultationMode,
    HandlingMode,
    Proposal,
    ProposalKind,
    ProposalSettings,
    Satisfaction,
    UnitRole,
)

FIELDS: list[Field] = [
    Field("year", "年度", True, ("年份", "提案年度"), "2018"),
    Field("term", "届次", False, (), "16"),
    Field("session", "会议次数", False, ("次会议", "会次"), "1"),
    Field("term_session", "届次/会议次数", False, ("届次会议", "届次、会议次数"), "十六届一次"),
    Field("number", "编号", False, ("提案编号", "案号", "提案号"), "第16届第1次会议第0001号"),
    Field("title", "案由", True, ("提案标题", "标题", "题目"), "关于加快农村饮水安全工程建设的建议"),
    Field("proposers", "提案人", True, ("提案者", "提案委员"), "王建国、丁一"),
    Field("category", "类别", False, ("提案类别", "分类"), "社会"),
    Field("kind", "大会/平时", False, ("提案类型", "类型", "大会或平时"), "大会"),
    Field("review", "审查结果", True, ("立案情况", "审查结论", "是否立案"), "立案"),
    Field("not_filed_reason", "不立案理由", False, ("不予立案理由",), ""),
    Field("merged_into", "并入编号", False, ("并案编号", "并入提案编号"), ""),
    Field("units", "承办单位", False, ("办理单位",), "县教育局（主办）、县财政局"),
    Field("mode", "办理方式", False, ("交办方式",), "会办"),
    Field("reply_class", "答复类别", False, ("办复类别", "答复类型"), "A"),
    Field("reply_date", "答复日期", False, ("办复日期", "答复时间"), "2018-06-30"),
    Field("f2f_mode", "面商方式", False, ("沟通方式",), "面谈"),
    Field("f2f_date", "面商日期", False, ("沟通日期",), "2018-05-20"),
    Field("result", "满意度", False, ("办理结果满意度", "测评结果", "满意程度"), "满意"),
    Field("process", "办理过程满意度", False, ("过程满意度",), "满意"),
    Field("submitted_date", "提交日期", False, ("提交时间", "提出日期"), "2018-01-10"),
    Field("assigned_date", "交办日期", False, ("交办时间",), "2018-03-01"),
]

_NOTES = {
    "year": "提案年度（提交年度），四位数字",
    "term": "届次，如 16 或 第十六届；须为本政协已设立的届。可不填",
    "session": "第几次会议，如 1 或 第一次。可不填",
    "term_session": "也可在一列中同时写届次和会议次数，如 十六届一次、16/1",
    "number": "提案编号；立案提案必填。同一文件中和系统中都不能重复",
    "title": "最多200个字",
    "proposers": "委员姓名，多人用“、”或“，”分隔，第一位为第一提案人。本政协有同名委员时写成 "
    "姓名(手机号)、姓名(身份证号) 或 姓名(委员编号)；找不到或无法区分的姓名会报错",
    "category": "须为本政协设置的提案类别",
    "kind": "大会提案或平时提案（可写 大会、平时）；不填为平时提案",
    "review": "立案、不立案或并案",
    "not_filed_reason": "审查结果为不立案时必填",
    "merged_into": "审查结果为并案时必填：被并入提案的编号（系统中已有，或本文件中前面行的立案提案）",
    "units": "本政协承办单位的名称，多个用“、”分隔；会办时在主办单位后注明（主办），如 县教育局（主办）、县财政局",
    "mode": "单办、分办或会办；不填时按单位个数和（主办）标注判断",
    "reply_class": "如 A、B、C；分办时可按承办单位顺序逐个填写，如 A、C",
    "reply_date": "办复（答复审核通过）的日期；填写答复类别时必填",
    "f2f_mode": "面谈、座谈会、电话或其他",
    "f2f_date": "填写面商方式时必填",
    "result": "提案人对办理结果的测评：满意、基本满意或不满意（记为第一提案人的测评）",
    "process": "对办理过程的测评；不填时与满意度相同",
    "submitted_date": "可不填",
    "assigned_date": "有承办单位而尚未答复时必填（据此计算办理期限）",
}

_SPLIT = re.compile(r"[、,;；/\n]+")
_QUALIFIED = re.compile(r"^(.+?)\s*\(\s*(.+?)\s*\)$")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_REVIEW = {"立案": "filed", "不立案": "not_filed", "不予立案": "not_filed", "并案": "merged", "已并案": "merged"}
_KINDS = {"大会": ProposalKind.PLENARY, "大会提案": ProposalKind.PLENARY, "平时": ProposalKind.ROUTINE,
          "平时提案": ProposalKind.ROUTINE}  # fmt: skip
_MODES = {"单办": HandlingMode.SINGLE, "分办": HandlingMode.SPLIT, "会办": HandlingMode.JOINT}
_ROLE_MARKS = {"主办": UnitRole.LEAD, "协办": UnitRole.ASSIST, "分办": UnitRole.SPLIT, "单办": UnitRole.SOLE}
_F2F = {str(label): value for value, label in ConsultationMode.choices}
_SATISFACTION = {str(label): value for value, label in Satisfaction.choices}


def parse_count(text: str) -> int | None:
    """16, 第16届, 十六, 第十六届, 一次 -> the number; None if not a number."""
    text = re.sub(r"[第届次会议]", "", text).strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def _split(text: str) -> list[str]:
    return [t.strip() for t in _SPLIT.split(text) if t.strip()]


@register
class ProposalImporter(Importer):
    kind = "proposals"
    title = "历史提案"
    fields = FIELDS
    key_field = "number"
    template_name = "历史提案导入模板.xlsx"

    def authorise(self) -> None:
        actions.require_office(self.actor, self.organisation)
        org = self.organisation
        conf = ProposalSettings.objects.filter(organisation=org).first()
        self.categories: list[str] = list(conf.categories if conf else DEFAULT_CATEGORIES)
        self.class_codes: list[str] = [str(c["code"]) for c in (conf.reply_classes if conf else DEFAULT_REPLY_CLASSES)]
        self.terms = {t.number: t for t in org.terms.all()}
        self.units = {u.name: u for u in HandlingUnit.objects.filter(organisation=org)}
        self.people: dict[str, list[tuple[Person, str]]] = {}
        for m in Membership.objects.filter(organisation=org).select_related("person").order_by("pk"):
            entries = self.people.setdefault(m.person.name, [])
            if all(p.pk != m.person_id for p, _code in entries):
                entries.append((m.person, m.code))
        self.existing_numbers = set(
            Proposal.objects.filter(organisation=org).exclude(number="").values_list("number", flat=True)
        )
        self.filed_in_file: set[str] = set()  # numbers of 立案 rows seen so far (merge targets)

    # -- one cell at a time ------------------------------------------------------------------

    def _text(self, raw: Mapping[str, object], key: str) -> str:
        text = clean(raw.get(key))
        return to_simplified(text) if self.simplify and text else text

    def _date(self, raw: Mapping[str, object], key: str, errors: dict[str, str]) -> dt.date | None:
        try:
            value = parse_date(raw.get(key))
        except DateError as exc:
            errors[key] = str(exc)
            return None
        if value is not None and value > timezone.localdate():
            errors[key] = "日期不能晚于今天"
            return None
        return value

    def _person(self, token: str) -> tuple[Person | None, str]:
        """(person, error) for 姓名 or 姓名(手机号/身份证号/委员编号)."""
        match = _QUALIFIED.match(token)
        name, qualifier = (match.group(1).strip(), match.group(2).strip()) if match else (token, "")
        candidates = self.people.get(name, [])
        if not candidates:
            return None, f"本政协委员名单中没有“{name}”"
        if qualifier:
            q = qualifier.replace(" ", "")
            found = [p for p, code in candidates if q in (p.mobile, code) or q.upper() == p.id_number]
            if len(found) != 1:
                return None, f"本政协名为“{name}”的委员中找不到手机号、身份证号或委员编号为“{qualifier}”的委员"
            return found[0], ""
        if len(candidates) > 1:
            return None, (
                f"本政协有{len(candidates)}位名为“{name}”的委员，无法确定是哪一位，请写成 "
                f"{name}(手机号)、{name}(身份证号) 或 {name}(委员编号)"
            )
        return candidates[0][0], ""

    def _units(self, text: str, mode_text: str, errors: dict[str, str]) -> tuple[list[tuple[HandlingUnit, str]], str]:
        marked: list[tuple[HandlingUnit, str | None]] = []
        for token in _split(text):
            match = _QUALIFIED.match(token)
            name, mark = (match.group(1).strip(), match.group(2).strip()) if match else (token, "")
            if mark and mark not in _ROLE_MARKS:
                errors["units"] = f"“{token}”的标注应为（主办）或（协办）"
                return [], ""
            unit = self.units.get(name)
            if unit is None:
                errors["units"] = f"本政协没有名为“{name}”的承办单位"
                return [], ""
            if any(u.pk == unit.pk for u, _ in marked):
                errors["units"] = f"承办单位“{name}”重复"
                return [], ""
            marked.append((unit, _ROLE_MARKS.get(mark)))
        if not marked:
            return [], ""
        mode = _MODES.get(mode_text.removesuffix("方式")) if mode_text else None
        if mode_text and mode is None:
            errors["mode"] = "办理方式应为单办、分办或会办"
            return [], ""
        roles = [r for _u, r in marked]
        if mode is None:
            if UnitRole.LEAD in roles or UnitRole.ASSIST in roles:
                mode = HandlingMode.JOINT
            else:
                mode = HandlingMode.SINGLE if len(marked) == 1 else HandlingMode.SPLIT
        if mode == HandlingMode.SINGLE:
            if len(marked) != 1:
                errors["units"] = "单办只能有一个承办单位"
                return [], ""
            return [(marked[0][0], UnitRole.SOLE)], mode
        if mode == HandlingMode.SPLIT:
            if len(marked) < 2 or any(r not in (None, UnitRole.SPLIT) for r in roles):
                errors["units"] = "分办须有两个及以上承办单位，且不标注主办、协办"
                return [], ""
            return [(u, UnitRole.SPLIT) for u, _r in marked], mode
        leads = [u for u, r in marked if r == UnitRole.LEAD]
        if len(marked) < 2 or len(leads) > 1:
            errors["units"] = "会办须有一个主办单位和至少一个协办单位，主办单位请标注（主办）"
            return [], ""
        lead = leads[0] if leads else marked[0][0]
        return [(u, UnitRole.LEAD if u.pk == lead.pk else UnitRole.ASSIST) for u, _r in marked], mode

    # -- the row -----------------------------------------------------------------------------

    def validate_row(self, raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
        errors: dict[str, str] = {}
        data: dict[str, Any] = {}
        today = timezone.localdate()

        year_text = self._text(raw, "year").removesuffix("年度").removesuffix("年")
        if not year_text.isdigit() or not 1949 <= int(year_text) <= today.year:
            errors["year"] = f"年度应为1949至{today.year}之间的四位数年份"
        else:
            data["year"] = int(year_text)

        term_number = session = None
        combined = to_halfwidth(self._text(raw, "term_session"))
        if combined:
            match = re.fullmatch(r"(?:第)?(\S+?)届(?:第)?(\S+?)次(?:会议)?", combined) or re.fullmatch(
                r"(\d+)\s*[/\-.]\s*(\d+)", combined
            )
            term_number = parse_count(match.group(1)) if match else None
            session = parse_count(match.group(2)) if match else None
            if term_number is None or session is None:
                errors["term_session"] = f"无法识别“{combined}”，请写成 十六届一次 或 16/1"
        term_text = to_halfwidth(self._text(raw, "term"))
        if term_text:
            term_number = parse_count(term_text)
            if term_number is None:
                errors["term"] = f"无法识别的届次“{term_text}”，请写成 16 或 第十六届"
        session_text = to_halfwidth(self._text(raw, "session"))
        if session_text:
            session = parse_count(session_text)
            if session is None or session == 0:
                errors["session"] = f"无法识别的会议次数“{session_text}”，请写成 1 或 第一次"
        data["term"] = None
        if term_number is not None:
            data["term"] = self.terms.get(term_number)
            if data["term"] is None:
                errors["term" if term_text else "term_session"] = f"本政协没有第{term_number}届"
        data["session"] = session

        data["title"] = self._text(raw, "title")
        if not data["title"]:
            errors["title"] = "案由不能为空"
        elif len(data["title"]) > 200:
            errors["title"] = "案由不能超过200个字"

        review_text = self._text(raw, "review").replace(" ", "")
        data["review"] = review = _REVIEW.get(review_text, "")
        if not review:
            errors["review"] = "审查结果应为立案、不立案或并案"

        number = to_halfwidth(self._text(raw, "number")).replace(" ", "")
        data["number"] = number
        if number:
            if len(number) > 60:
                errors["number"] = "编号不能超过60个字"
            elif number in self.existing_numbers:
                errors["number"] = f"编号“{number}”已存在于系统中"
            digits = re.findall(r"\d+", number)
            data["seq"] = int(digits[-1]) if digits and review == "filed" else None
        elif review == "filed":
            errors["number"] = "立案提案须填写编号"

        persons: list[Person] = []
        proposer_text = to_halfwidth(self._text(raw, "proposers"))
        tokens = _split(proposer_text.replace("，", ","))
        if not tokens:
            errors["proposers"] = "提案人不能为空"
        problems = []
        for token in tokens:
            person, problem = self._person(token)
            if problem:
                problems.append(problem)
            elif person is not None and any(p.pk == person.pk for p in persons):
                problems.append(f"提案人“{token}”重复")
            elif person is not None:
                persons.append(person)
        if problems:
            errors["proposers"] = "；".join(problems)
        data["persons"] = persons

        category = self._text(raw, "category")
        if category and category not in self.categories:
            errors["category"] = f"类别应为：{'、'.join(self.categories)}"
        data["category"] = category
        kind_text = self._text(raw, "kind").replace(" ", "")
        data["kind"] = _KINDS.get(kind_text, ProposalKind.ROUTINE)
        if kind_text and kind_text not in _KINDS:
            errors["kind"] = "应为大会提案或平时提案（可写 大会、平时）"

        reason = self._text(raw, "not_filed_reason")
        merged_into = to_halfwidth(self._text(raw, "merged_into")).replace(" ", "")
        if review == "not_filed":
            if not reason:
                errors["not_filed_reason"] = "不立案的提案须填写不立案理由"
            elif len(reason) > 100:
                errors["not_filed_reason"] = "不立案理由不能超过100个字"
        elif reason:
            errors["not_filed_reason"] = "只有不立案的提案填写不立案理由"
        data["not_filed_reason"] = reason
        if review == "merged":
            if not merged_into:
                errors["merged_into"] = "并案的提案须填写并入编号"
            elif merged_into == number:
                errors["merged_into"] = "不能并入自身"
            elif merged_into not in self.existing_numbers and merged_into not in self.filed_in_file:
                errors["merged_into"] = (
                    f"并入编号“{merged_into}”的提案不存在（须为系统中已有或本文件前面行中的立案提案）"
                )
        elif merged_into:
            errors["merged_into"] = "只有并案的提案填写并入编号"
        data["merged_into"] = merged_into

        units_text = to_halfwidth(self._text(raw, "units"))
        mode_text = self._text(raw, "mode").replace(" ", "")
        units, mode = self._units(units_text, mode_text, errors) if units_text else ([], "")
        if units_text and review and review != "filed":
            errors["units"] = "未立案（不立案、并案）的提案不能填写承办单位"
        if mode_text and not units_text:
            errors["mode"] = "填写办理方式时须填写承办单位"
        data["units"], data["mode"] = units, mode

        class_text = to_halfwidth(self._text(raw, "reply_class")).upper().replace("类", "")
        classes = _split(class_text)
        bad = [c for c in classes if c not in self.class_codes]
        if bad:
            errors["reply_class"] = f"答复类别应为：{'、'.join(self.class_codes)}"
        replying = [u for u, r in units if r != UnitRole.ASSIST]
        if classes and units and len(classes) not in (1, len(replying)):
            errors["reply_class"] = f"答复类别应填一个，或按{len(replying)}个答复单位的顺序逐个填写"
        data["reply_classes"] = classes
        data["reply_date"] = reply_date = self._date(raw, "reply_date", errors)
        data["assigned_date"] = assigned_date = self._date(raw, "assigned_date", errors)
        data["submitted_date"] = self._date(raw, "submitted_date", errors)
        if (classes or reply_date) and "units" not in errors and not units:
            errors["units"] = "有答复的提案须填写承办单位"
        if classes and not reply_date and "reply_date" not in errors:
            errors["reply_date"] = "填写答复类别时须填写答复日期"
        if reply_date and not classes and "reply_class" not in errors:
            errors["reply_class"] = "填写答复日期时须填写答复类别"
        if units and not reply_date and not assigned_date and "assigned_date" not in errors:
            errors["assigned_date"] = "尚未答复的提案须填写交办日期（据此计算办理期限）"
        if assigned_date and reply_date and reply_date < assigned_date:
            errors["reply_date"] = "答复日期不能早于交办日期"

        f2f_text = self._text(raw, "f2f_mode").replace(" ", "")
        data["f2f_mode"] = _F2F.get(f2f_text, "")
        if f2f_text and not data["f2f_mode"]:
            errors["f2f_mode"] = "面商方式应为面谈、座谈会、电话或其他"
        data["f2f_date"] = f2f_date = self._date(raw, "f2f_date", errors)
        if f2f_text and not f2f_date and "f2f_date" not in errors:
            errors["f2f_date"] = "填写面商方式时须填写面商日期"
        if f2f_date and not f2f_text:
            errors["f2f_mode"] = "填写面商日期时须填写面商方式"
        if f2f_text and not units and "units" not in errors:
            errors["units"] = "有面商记录的提案须填写承办单位"

        for key in ("result", "process"):
            text = self._text(raw, key).replace(" ", "")
            data[key] = _SATISFACTION.get(text, "")
            if text and not data[key]:
                errors[key] = "应为满意、基本满意或不满意"
        if data["process"] and not data["result"]:
            errors["result"] = "填写办理过程满意度时须填写满意度"
        if data["result"] and not reply_date and "reply_date" not in errors:
            errors["reply_date"] = "有满意度测评的提案须有答复（答复类别和答复日期）"

        if review == "filed" and number and not errors:
            self.filed_in_file.add(number)
        return data, errors

    def save_row(self, data: dict[str, Any]) -> Outcome:
        import_historic_proposal(self.actor, self.organisation, data)
        return Outcome.CREATED

    @classmethod
    def template_columns(cls, organisation: Organisation | None = None) -> list[TemplateColumn]:
        columns = []
        for f in FIELDS:
            note = _NOTES.get(f.key, "")
            if organisation is not None and f.key == "units":
                names = list(HandlingUnit.objects.filter(organisation=organisation).values_list("name", flat=True))
                if names:
                    note += "。本政协承办单位：" + "、".join(names[:60])
            if f.aliases:
                note += f"。列名也可写作：{'、'.join(f.aliases)}"
            wide = f.key in ("title", "proposers", "units", "number")
            columns.append(TemplateColumn(f.label, f.required, note, f.example, f.key == "number", 30 if wide else 12))
        return columns
