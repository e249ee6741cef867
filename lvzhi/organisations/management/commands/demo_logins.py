"""`manage.py demo_logins [--json | --markdown]`: the demo accounts and their password."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lvzhi.organisations.demo import demo_logins

HEADERS = ("用户名", "密码", "角色", "政协", "说明")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、密码、角色、所属政协）"

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--json", action="store_true", help="以 JSON 列表输出")
        group.add_argument("--markdown", action="store_true", help="以 Markdown 表格输出（用于 README）")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_logins()
        if options["json"]:
            self.stdout.write(json.dumps([login.as_json() for login in logins], ensure_ascii=False, indent=2))
            return
        if not logins:
            self.stdout.write("尚无演示账号，请先运行 python manage.py seed_demo")
            return
        rows = [(lg.username, lg.password, lg.role_label, lg.organisation_name or "—", lg.note) for lg in logins]
        if options["markdown"]:
            self.stdout.write("| " + " | ".join(HEADERS) + " |")
            self.stdout.write("|" + "---|" * len(HEADERS))
            for row in rows:
                self.stdout.write("| " + " | ".join(f"`{c}`" if i < 2 else c for i, c in enumerate(row)) + " |")
            return
        widths = [max(_width(str(r[i])) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("演示账号（仅用于演示环境，正式部署请勿运行 seed_demo）：")
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(HEADERS, widths, strict=True)).rstrip())
        self.stdout.write(line)
        for row in rows:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
