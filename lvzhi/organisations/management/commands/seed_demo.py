"""`manage.py seed_demo [--if-empty] [--seed N]`: the demo city 示例市 and its four counties,
built through the same actions as the pages (see lvzhi.organisations.demo)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lvzhi.assistance.demo import build_assistance_demo
from lvzhi.audit.context import command_context
from lvzhi.households.demo import build_household_demo
from lvzhi.organisations.demo import DEFAULT_SEED, build_demo
from lvzhi.organisations.models import Organisation
from lvzhi.proposals.demo import build_proposal_demo


class Command(BaseCommand):
    help = "生成演示数据：示例市政协及四个县（区）政协、机构、承办单位、委员和各角色演示账号"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="数据库中已有政协组织时直接跳过（不报错）")
        parser.add_argument("--without-proposals", action="store_true", help="不生成演示提案（更快，用于测试）")
        parser.add_argument(
            "--without-assistance", action="store_true", help="不生成贫困户与助推行动演示数据（更快，用于测试）"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机数种子（默认 {DEFAULT_SEED}）")

    def handle(self, *args: Any, **options: Any) -> None:
        if Organisation.objects.exists():
            if options["if_empty"]:
                self.stdout.write("数据库中已有政协组织，跳过演示数据生成。")
                return
            raise CommandError(
                "数据库中已有政协组织数据，拒绝生成演示数据（演示数据只能写入空数据库；加 --if-empty 可跳过）"
            )
        self.stdout.write(f"正在生成演示数据（种子 {options['seed']}）…")
        with command_context("seed_demo"):
            result = build_demo(options["seed"], progress=True, echo=self.stdout.write)
            proposal_results = []
            if not options["without_proposals"]:
                # The demo's SMS notifications would only repeat the progress bar in the log.
                logging.getLogger("lvzhi.notifications").setLevel(logging.WARNING)
                proposal_results = build_proposal_demo(options["seed"], progress=True, echo=self.stdout.write)
            assistance = {"entries": 0}
            if not options["without_assistance"]:
                logging.getLogger("lvzhi.notifications").setLevel(logging.WARNING)
                self.stdout.write("正在生成贫困户档案与助推行动演示数据…")
                build_household_demo(options["seed"], echo=self.stdout.write)
                assistance = build_assistance_demo(options["seed"], echo=self.stdout.write)
        members = sum(r["members"] for r in result.rows)
        units = sum(r["units"] for r in result.rows)
        bodies = sum(r["bodies"] for r in result.rows)
        accounts = sum(r["accounts"] for r in result.rows) + 3 + sum(r.accounts for r in proposal_results)
        proposals = sum(r.proposals for r in proposal_results)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成：政协组织{len(result.rows)}个，机构{bodies}个，承办单位{units}个，"
                f"委员席位{members}个，提案{proposals}件，助推台账{assistance['entries']}条，账号{accounts}个。"
            )
        )
        self.stdout.write("查看演示账号：python manage.py demo_logins")
