"""Import a spreadsheet from the command line, with the same validation, actions and audit
as the upload page:

    python manage.py import_data members 委员名单.xlsx --organisation dcx [--dry-run] [--valid-only]
    python manage.py import_data members --template 委员导入模板.xlsx
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lvzhi.accounts.models import Role, User
from lvzhi.audit.context import command_context
from lvzhi.core.errors import ActionError, NotFound
from lvzhi.core.importing import ImportReport, Mode, load_importers
from lvzhi.organisations.models import Organisation


class Command(BaseCommand):
    help = "从 Excel/CSV 文件导入数据（校验全部行后在一个事务中保存），或生成导入模板"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(load_importers()), help="导入的数据类型")
        parser.add_argument("file", nargs="?", help="要导入的 .xlsx/.xls/.csv 文件")
        parser.add_argument("--organisation", help="目标政协的编码，如 dcx")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不保存")
        parser.add_argument("--valid-only", action="store_true", help="有错误时仍导入其余有效行")
        parser.add_argument("--simplify", action="store_true", help="将繁体字转换为简体")
        parser.add_argument("--user", help="以该用户的身份导入（默认：目标政协的第一位机关工作人员）")
        parser.add_argument("--template", metavar="FILE", help="把导入模板写到该文件后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        importer_class = load_importers()[options["kind"]]
        organisation = self._organisation(options["organisation"]) if options["organisation"] else None
        if options["template"]:
            path = Path(options["template"])
            path.write_bytes(importer_class.template(organisation))
            self.stdout.write(f"已生成导入模板：{path}")
            return
        if not options["file"]:
            raise CommandError("请指定要导入的文件，或用 --template 生成导入模板")
        if organisation is None:
            raise CommandError("请用 --organisation 指定目标政协的编码")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = self._actor(options["user"], organisation)
        self.stdout.write(f"操作人：{actor.username}（{actor.display_name}），导入到{organisation.name}")

        bar: Any = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                from tqdm import tqdm

                bar = tqdm(total=total, desc="保存", unit="行", file=sys.stderr, leave=False)
            bar.n = done
            bar.refresh()

        importer = importer_class(
            actor=actor, organisation=organisation, simplify=options["simplify"], progress=progress
        )
        mode = Mode.VALID_ONLY if options["valid_only"] else Mode.ALL
        with command_context("import_data"):
            try:
                report = importer.run(path, path.name, mode=mode, dry_run=options["dry_run"])
            except NotFound:
                raise CommandError(
                    f"用户 {actor.username} 无权向{organisation.name}导入数据（找不到或不在其管理范围内）"
                ) from None
            except ActionError as exc:
                raise CommandError(exc.message) from None
            finally:
                if bar is not None:
                    bar.close()
        self._print(report)

    def _organisation(self, code: str) -> Organisation:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandError(f"找不到编码为“{code}”的政协")
        return organisation

    def _actor(self, username: str | None, organisation: Organisation) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"找不到启用的用户“{username}”")
            return user
        user = User.objects.filter(is_active=True, role=Role.OFFICE, organisation=organisation).order_by("pk").first()
        if user is None:
            raise CommandError(f"{organisation.name}没有启用的机关工作人员账号，请用 --user 指定操作人")
        return user

    def _print(self, report: ImportReport) -> None:
        for message in report.warnings:
            self.stdout.write(self.style.WARNING(f"提示：{message}"))
        for message in report.file_errors:
            self.stdout.write(self.style.ERROR(message))
        for error in report.errors:
            self.stdout.write(str(error))
        self.stdout.write(report.summary() if not report.saved else f"共{report.total}行，有效{report.valid}行")
        if report.saved:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            if report.errors:
                self.stdout.write(f"已跳过有错误的{report.invalid}行")
            return
        if report.rejected:
            if report.file_errors:
                raise CommandError("文件未导入")
            if report.valid == 0:
                raise CommandError("没有可导入的有效行，未保存任何数据")
            raise CommandError(f"有{report.invalid}行存在错误，未保存任何数据（可用 --valid-only 只导入有效行）")
        if report.dry_run:
            self.stdout.write(self.style.SUCCESS("校验通过（试运行，未保存）"))
