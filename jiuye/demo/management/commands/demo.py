import datetime as dt

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.divisions.models import Division, Level
from jiuye.exchange.generate import generate_register
from jiuye.exchange.importer import ledger_import
from jiuye.exchange.progress import ProgressLine

DEMO_PASSWORD = "jiuye-demo-2026"


class Command(BaseCommand):
    help = "Set up demonstration data and users on this database, then start the server. 演示"

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=6)
        parser.add_argument("--persons-per-community", type=int, default=800)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not start the server")
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, communities, persons_per_community, seed, no_serve, addr, **options):
        call_command("migrate", verbosity=0)
        if not Division.objects.filter(level=Level.COMMUNITY).exists():
            folder = settings.VAR_DIR / "demo-register"
            self.stdout.write(f"生成演示数据 / generating demonstration data in {folder} …")
            generate_register(
                folder, communities=communities, seed=seed, persons_per_community=persons_per_community,
                as_of=dt.date.today(),
            )
            result = ledger_import(path=folder, progress=ProgressLine(self.stderr, enabled=False))
            if not result.ok:
                for problem in result.problems[:20]:
                    self.stderr.write(problem.line())
                raise SystemExit(2)
        community = Division.objects.filter(level=Level.COMMUNITY).order_by("code").first()
        accounts = [
            ("worker", "community", community.code),
            ("street", "street", community.code[:9]),
            ("district", "district", community.code[:6]),
            ("city", "city", settings.JIUYE_CITY_CODE),
        ]
        for name, role, scope in accounts:
            if not User.objects.filter(username=name).exists():
                user_add(username=name, role=role, scope_code=scope, password=DEMO_PASSWORD)
        self.demo_jobs(User.objects.get(username="worker"), community)
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", password=DEMO_PASSWORD)
        self.stdout.write("")
        self.stdout.write(f"演示用户 / demonstration users (密码 / password: {DEMO_PASSWORD})")
        for name, role, scope in [*accounts, ("admin", "superuser", "-")]:
            self.stdout.write(f"  {name:<9} {role:<10} {scope}")
        self.stdout.write(f"  社区 / community: {community.code} {community.name}")
        if settings.JIUYE_OTP_REQUIRED_ROLES:
            self.stdout.write("  " + "、".join(settings.JIUYE_OTP_REQUIRED_ROLES) + " 用户首次登录需用身份验证器应用绑定动态口令 / "
                              "must enrol an authenticator app (TOTP) at first login; "
                              "JIUYE_OTP_REQUIRED_ROLES= turns this off for a trial")
        self.stdout.write("")
        if not no_serve:
            self.stdout.write(f"打开 / open http://{addr}/")
            call_command("runserver", addr, use_reloader=False)

    def demo_jobs(self, worker, community) -> None:
        """A few vacancies, an employer and a public-welfare post, so matching has something to show."""
        from jiuye.jobs import models as j
        from jiuye.jobs import services

        if j.Vacancy.objects.exists():
            return
        today = dt.date.today()
        employer = services.employer_create(user=worker, community=community, name="重庆某物业服务有限公司",
                                            industry="物业管理", address=f"{community.name}便民服务中心")
        for title, wages in (("保洁员", (2600, 3200)), ("保安员", (3000, 3800)), ("快递员", (4500, 7000)),
                             ("收银员", (2800, 3500)), ("家政服务员", (4000, 6000)), ("电工", (5000, 7000))):
            services.vacancy_create(user=worker, community=community, title=title, opened_on=today,
                                    wage_min=wages[0], wage_max=wages[1], count=2, employer=employer)
        services.post_create(user=worker, community=community, kind=j.POST_KINDS[0], title="社区保洁公益性岗位",
                             opened_on=today, slots=2)
