"""The figures as the speeches write them: the ready paragraph

    截至11月20日，委员们围绕“七个助推”，通过“三送三帮”共捐资248.55万元，捐物163件（次）、
    折币约214万元，帮扶带动563户贫困户发展致富产业，资助贫困学生56名，协调就业岗位132个，
    送信息1426条，送科技读物10000余份，委员参与率达98%。

(money in 万元 with two decimals, a goods value "约" in whole 万元, counts exact below ten
thousand and "10000余" above; a figure that is zero is left out), and the quarterly bulletin
(季度通报) as a Word file with a table per county."""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lvzhi.assistance.figures import Filters, assistance_figures, award_candidates, by_committee
from lvzhi.assistance.models import ALL_CAMPAIGNS, Campaign, DailyTotal, Showcase
from lvzhi.organisations.models import Organisation

FONT = "宋体"
HEADING_FONT = "黑体"


def wan(yuan: float | Decimal, places: int = 2) -> str:
    """248.55万元-style: 2485500 -> '248.55'."""
    value = (Decimal(str(yuan)) / Decimal(10000)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value:f}"


def money_text(yuan: float) -> str:
    """Amounts of ten thousand yuan or more in 万元 (two decimals), smaller ones in 元."""
    if yuan >= 10000:
        return f"{wan(yuan)}万元"
    value = Decimal(str(yuan)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}元" if value == value.to_integral() else f"{value:f}元"


def approx_money_text(yuan: float) -> str:
    """折币约214万元: a valuation is approximate, in whole 万元 (or whole 元 below 万)."""
    if yuan >= 10000:
        return f"约{wan(yuan, 0)}万元"
    return f"约{Decimal(str(yuan)).quantize(Decimal(1), rounding=ROUND_HALF_UP)}元"


def count_text(n: int) -> str:
    """1426 -> '1426'; 10346 -> '10000余'; 23000 -> '23000' (as clerks round large counts)."""
    if n < 10000:
        return str(n)
    floor = n // 1000 * 1000
    return str(n) if floor == n else f"{floor}余"


def rate_text(rate: float | None) -> str:
    if rate is None:
        return "—"
    value = (Decimal(str(rate)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}%" if value == value.to_integral() else f"{value:f}%"


def date_text(day: dt.date, with_year: bool = False) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"


def framing(f: Filters) -> str:
    """委员们围绕“七个助推”，通过“三送三帮” / …通过“三送三帮”、“百日会战”等活动. Without a
    campaign filter, the campaigns with confirmed entries in the window, read from the
    rollup (never a scan of the ledger)."""
    campaign = f.campaign
    if campaign is None:
        days = DailyTotal.objects.filter(scope=f.organisation, day__lte=f.as_of, entries__gt=0).exclude(
            campaign_key=ALL_CAMPAIGNS
        )
        if f.start is not None:
            days = days.filter(day__gte=f.start)
        campaigns = list(Campaign.objects.filter(pk__in=days.values("campaign_key")).order_by("start_date", "pk"))
        if len(campaigns) == 1:
            campaign = campaigns[0]
        else:
            themes = sorted({c.theme for c in campaigns if c.theme})
            names = "、".join(f"“{name}”" for name in dict.fromkeys(c.name for c in campaigns))
            if themes and names:
                return f"委员们围绕“{themes[0]}”，通过{names}等活动"
            return "委员们积极参与脱贫攻坚助推行动，"
    if campaign.theme:
        return f"委员们围绕“{campaign.theme}”，通过“{campaign.name}”"
    return f"委员们通过“{campaign.name}”"


def paragraph(figures: dict[str, Any], f: Filters) -> str:
    as_of = f.as_of
    start = f"{date_text(f.start, True)}至" if f.start else "截至"
    when = f"{start}{date_text(as_of, with_year=f.start is not None and f.start.year != as_of.year)}"
    parts: list[str] = []
    money, goods, value = figures["money_yuan"], figures["goods_count"], figures["goods_value_yuan"]
    lead = "共"
    if money:
        parts.append(f"{lead}捐资{money_text(money)}")
        lead = ""
    if goods:
        goods_part = f"{lead}捐物{count_text(goods)}件（次）"
        if value:
            goods_part += f"、折币{approx_money_text(value)}"
        parts.append(goods_part)
        lead = ""
    if figures["industry_households"]:
        parts.append(f"帮扶带动{count_text(figures['industry_households'])}户贫困户发展致富产业")
    if figures["students_funded"]:
        parts.append(f"资助贫困学生{count_text(figures['students_funded'])}名")
    if figures["jobs_provided"]:
        parts.append(f"协调就业岗位{count_text(figures['jobs_provided'])}个")
    if figures["info_items"]:
        parts.append(f"送信息{count_text(figures['info_items'])}条")
    if figures["materials"]:
        parts.append(f"送科技读物{count_text(figures['materials'])}份")
    if figures["key_matters"]:
        parts.append(f"办理群众“关键小事”{count_text(figures['key_matters'])}件")
    if figures["participation_rate"] is not None:
        parts.append(f"委员参与率达{rate_text(figures['participation_rate'])}")
    frame = framing(f)
    if not parts:
        return f"{when}，{frame.rstrip('，')}暂无已确认的助推台账。"
    return f"{when}，{frame}{'，'.join(parts)}。"


def quarter_of(day: dt.date) -> tuple[int, dt.date, dt.date]:
    q = (day.month - 1) // 3 + 1
    start = dt.date(day.year, 3 * q - 2, 1)
    end = dt.date(day.year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return q, start, end


_TABLE_COLUMNS = (
    ("members_total", "委员数"),
    ("members_participating", "参与委员"),
    ("participation_rate", "参与率"),
    ("money_yuan", "捐资（万元）"),
    ("goods_count", "捐物（件次）"),
    ("goods_value_yuan", "折币（万元）"),
    ("industry_households", "产业（户）"),
    ("students_funded", "学生（名）"),
    ("jobs_provided", "岗位（个）"),
    ("info_items", "信息（条）"),
    ("materials", "资料（份）"),
    ("households_reached", "帮扶户数"),
)


def _cell(key: str, figures: dict[str, Any]) -> str:
    value = figures[key]
    if key.endswith("_rate"):
        return rate_text(value)
    if key.endswith("_yuan"):
        return wan(value)
    return str(value)


def bulletin_docx(organisation: Organisation, as_of: dt.date, campaign: Campaign | None = None) -> bytes:
    """季度通报: the quarter's paragraph and table, the year-to-date paragraph, a table per
    county (one row per county, with the quarter and the year), the typical members shown
    this quarter and the leading members so far."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    q, q_start, _q_end = quarter_of(as_of)
    quarter = Filters(organisation, campaign, q_start, as_of)
    year = Filters(organisation, campaign, dt.date(as_of.year, 1, 1), as_of)
    since = Filters(organisation, campaign, None, as_of)

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    normal.font.size = Pt(12)  # type: ignore[attr-defined]
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # type: ignore[attr-defined]

    def styled(run: Any, size: float) -> None:
        run.font.name = HEADING_FONT
        run.font.size = Pt(size)
        run.font.bold = True
        run._element.rPr.rFonts.set(qn("w:eastAsia"), HEADING_FONT)

    def heading(text: str) -> None:
        styled(doc.add_paragraph().add_run(text), 14)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled(title.add_run(f"{organisation.name}脱贫攻坚助推行动\n{as_of.year}年第{q}季度通报"), 20)
    sub = doc.add_paragraph(f"（截至{date_text(as_of, True)}）")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    heading("一、总体情况")
    doc.add_paragraph(paragraph(assistance_figures(since), since))
    doc.add_paragraph("本季度：" + paragraph(assistance_figures(quarter), quarter))

    rows = by_committee(since)
    if rows:
        heading("二、各县（市、区）政协开展情况")
        for index, (label, flt) in enumerate((("本季度", quarter), ("本年度", year), ("累计", since)), start=1):
            doc.add_paragraph(f"表{index}　各县（市、区）政协助推行动情况（{label}）")
            _table(
                doc,
                [
                    (
                        r["organisation"].name,
                        assistance_figures(Filters(r["organisation"], campaign, flt.start, flt.end)),
                    )
                    for r in rows
                ],
                assistance_figures(flt),
            )
    heading("三、助推典型" if rows else "二、助推典型")
    shows = Showcase.objects.filter(
        organisation__path__startswith=organisation.path, week__gte=q_start, week__lte=as_of
    ).select_related("person", "organisation")
    if shows:
        for show in shows.order_by("week"):
            doc.add_paragraph(
                f"{show.week.month}月{show.week.day}日当周：{show.person.name}（{show.organisation.short_name}）　{show.story}"
            )
    else:
        doc.add_paragraph("本季度未选树助推典型。")
    heading("四、委员助推排行（年度，供评先奖优参考）" if rows else "三、委员助推排行（年度，供评先奖优参考）")
    leaders = award_candidates(year, limit=10)
    if leaders:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("序号", "委员", "已确认台账（条）", "捐资（万元）"), strict=True):
            cell.text = text
        for i, row in enumerate(leaders, start=1):
            cells = table.add_row().cells
            for cell, text in zip(
                cells, (str(i), row["name"], str(row["entries"]), wan(row["money_yuan"])), strict=True
            ):
                cell.text = text
    else:
        doc.add_paragraph("本年度暂无已确认的助推台账。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc: Any, rows: list[tuple[str, dict[str, Any]]], total: dict[str, Any]) -> None:
    table = doc.add_table(rows=1, cols=len(_TABLE_COLUMNS) + 1)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text = "政协"
    for cell, (_key, label) in zip(header[1:], _TABLE_COLUMNS, strict=True):
        cell.text = label
    for name, figures in [*rows, ("合计", total)]:
        cells = table.add_row().cells
        cells[0].text = name
        for cell, (key, _label) in zip(cells[1:], _TABLE_COLUMNS, strict=True):
            cell.text = _cell(key, figures)
