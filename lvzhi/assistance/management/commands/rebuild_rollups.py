"""`manage.py rebuild_rollups [--organisation CODE]`: recompute the assistance rollups from the
ledger, pledges and pairings (after a restore, or to check them: the figures must not move)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lvzhi.assistance import rollups
from lvzhi.organisations.models import Organisation


class Command(BaseCommand):
    help = "按台账重算助推行动统计汇总表"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="只重算该政协及其上级政协（默认全部）")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(code=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"没有代码为“{options['organisation']}”的政协组织")
            scopes = rollups.scopes_of(organisation)
        started = time.perf_counter()
        rollups.rebuild(scopes)
        self.stdout.write(self.style.SUCCESS(f"已重算，用时{time.perf_counter() - started:.1f}秒"))
