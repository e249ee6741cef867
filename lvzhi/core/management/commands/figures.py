"""`manage.py figures AREA --organisation CODE [--year YYYY] [--from DATE --to DATE | --as-of DATE] [--json]`:
the figures of one area (members, proposals, …) for a committee and its subtree."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.figures import AREAS, WITH_CAMPAIGN, Period, compute, summary_lines
from lvzhi.organisations.models import Organisation


def _date(value: str | None, option: str) -> dt.date | None:
    try:
        return parse_date(value)
    except DateError as exc:
        raise CommandError(f"{option}：{exc}") from None


class Command(BaseCommand):
    help = "统计数字：某一政协及其下级政协的某类统计（如 members 委员统计）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area", help="统计类别：" + "、".join(AREAS))
        parser.add_argument("--organisation", required=True, help="政协组织代码，如 sys、dcx")
        parser.add_argument(
            "--from", dest="date_from", help="起始日期，如 2018-01-01 或 2018年1月1日（委员等存量数字按截止日期计）"
        )
        parser.add_argument("--to", dest="date_to", help="截止日期（含）")
        parser.add_argument("--as-of", dest="as_of", help="截至日期（含），与 --to 相同")
        parser.add_argument(
            "--year",
            type=int,
            help="年度，如 2018（提案按提交年度计；委员在未给截止日期时按该年12月31日计）",
        )
        parser.add_argument("--campaign", help="助推活动代码（仅 assistance）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（含口径说明）")

    def handle(self, *args: Any, **options: Any) -> None:
        area = options["area"]
        if area not in AREAS:
            raise CommandError(f"未知的统计类别“{area}”，可选：{'、'.join(AREAS)}")
        code = options["organisation"]
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            known = "、".join(Organisation.objects.order_by("sort_order", "path").values_list("code", flat=True)[:20])
            raise CommandError(f"没有代码为“{code}”的政协组织" + (f"（已有：{known}）" if known else ""))
        if options["as_of"] and (options["date_from"] or options["date_to"]):
            raise CommandError("--as-of 不能与 --from、--to 同时使用")
        start = _date(options["date_from"], "--from")
        end = _date(options["as_of"] or options["date_to"], "--as-of" if options["as_of"] else "--to")
        if start and end and start > end:
            raise CommandError("起始日期不能晚于截止日期")
        year = options.get("year")
        if year is not None and not 1949 <= year <= 2200:
            raise CommandError(f"--year：年度“{year}”不正确，应为四位数年份，如 2018")
        campaign = options.get("campaign")
        if campaign and area not in WITH_CAMPAIGN:
            raise CommandError("--campaign 只适用于 assistance（助推行动）统计")
        try:
            figures = compute(area, organisation, Period(start, end, year), campaign=campaign)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write("\n".join(summary_lines(area, figures, organisation.name)))
