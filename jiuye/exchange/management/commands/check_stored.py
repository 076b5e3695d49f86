import sys

from django.core.management.base import BaseCommand

from jiuye.exchange.stored import stored_refusals


class Command(BaseCommand):
    help = ("List stored rows that an import of their export would refuse (a 姓名 over 50 characters or with "
            "a control character, a NUL in a text), by table and database id; exit status 1 if there are any. "
            "检查已存数据")
    requires_system_checks = []

    def handle(self, *args, **options):
        found = stored_refusals()
        for refusal in found:
            self.stdout.write(refusal.line())
        if found:
            self.stderr.write(f"{len(found)} 行须修改后才能再次导入 / {len(found)} stored row(s) must be mended before "
                              "their export imports again")
            sys.exit(1)
        self.stderr.write("已存数据均可再次导入 / every stored row imports again")
