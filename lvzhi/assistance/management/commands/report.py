"""`manage.py report assistance --organisation CODE --as-of DATE [--from DATE] [--campaign CODE]
[--docx FILE]`: the ready Chinese paragraph of the assistance figures ("截至11月20日，委员们…"),
and with --docx the quarterly bulletin (季度通报) as a Word file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Campaign
from lvzhi.assistance.report import bulletin_docx, paragraph
from lvzhi.core.dates import DateError, parse_date
from lvzhi.organisations.models import Organisation


class Command(BaseCommand):
    help = "生成文字材料：assistance 助推行动情况段落（--docx 生成季度通报）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area", choices=["assistance"], help="材料类别")
        parser.add_argument("--organisation", required=True, help="政协组织代码，如 sys、dcx")
        parser.add_argument("--as-of", dest="as_of", help="截至日期（含），默认今天")
        parser.add_argument("--from", dest="date_from", help="起始日期（不填为自开展以来）")
        parser.add_argument("--campaign", help="助推活动代码")
        parser.add_argument("--docx", metavar="FILE", help="把季度通报写到该 Word 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"没有代码为“{options['organisation']}”的政协组织")
        try:
            as_of = parse_date(options["as_of"])
            start = parse_date(options["date_from"])
        except DateError as exc:
            raise CommandError(str(exc)) from None
        if start and as_of and start > as_of:
            raise CommandError("起始日期不能晚于截至日期")
        campaign = None
        if options["campaign"]:
            campaign = Campaign.objects.filter(code=options["campaign"]).first()
            if campaign is None or not organisation.path.startswith(campaign.organisation.path):
                raise CommandError(f"没有代码为“{options['campaign']}”且在{organisation.name}开展的助推活动")
        f = Filters(organisation, campaign, start, as_of)
        self.stdout.write(paragraph(assistance_figures(f), f))
        if options["docx"]:
            path = Path(options["docx"])
            path.write_bytes(bulletin_docx(organisation, f.as_of, campaign))
            self.stdout.write(self.style.SUCCESS(f"季度通报已写入 {path}"))
