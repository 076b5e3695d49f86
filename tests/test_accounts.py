"""Users and roles: `jiuye user add`, scope by division, the admin for superusers only."""

import pytest

from jiuye.accounts.models import User
from jiuye.registry.models import Person

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x\n"


@pytest.fixture
def imported(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0


def test_user_add_reads_password_from_stdin(jiuye, imported):
    run = jiuye("user", "add", "zhang", "--role", "community", "--scope", "500103001001", stdin=PASSWORD)
    assert run.code == 0, run.stderr
    user = User.objects.get(username="zhang")
    assert user.check_password("Gongzuo-2026!x")
    assert user.role == "community" and user.scope.code == "500103001001"


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("community", "500103001"),  # a street code for a community role
        ("street", "500103001001"),
        ("district", "500103001"),
        ("city", "500103"),
        ("district", "500000"),  # the city is not a district
        ("community", "500103001099"),  # no such community
        ("district", "123456"),
    ],
)
def test_user_add_rejects_a_scope_of_another_level(jiuye, imported, role, scope):
    run = jiuye("user", "add", "x", "--role", role, "--scope", scope, stdin=PASSWORD)
    assert run.code != 0
    assert not User.objects.filter(username="x").exists()


def test_user_add_existing_name_is_an_error(jiuye, imported):
    assert jiuye("user", "add", "li", "--role", "city", "--scope", "500000", stdin=PASSWORD).code == 0
    again = jiuye("user", "add", "li", "--role", "district", "--scope", "500103", stdin=PASSWORD)
    assert again.code != 0 and "已存在" in again.stderr


def test_weak_password_is_refused(jiuye, imported):
    run = jiuye("user", "add", "wang", "--role", "city", "--scope", "500000", stdin="123\n")
    assert run.code != 0
    assert not User.objects.filter(username="wang").exists()


def test_scoped_manager_restricts_to_the_users_division(jiuye, imported):
    for name, role, scope in [("a", "community", "500103001001"), ("s", "street", "500103001"),
                              ("d", "district", "500105"), ("c", "city", "500000")]:
        assert jiuye("user", "add", name, "--role", role, "--scope", scope, stdin=PASSWORD).code == 0
    count = {u: Person.objects.for_user(User.objects.get(username=u)).count() for u in "asdc"}
    assert count == {"a": 10, "s": 18, "d": 6, "c": 24}
    nobody = User.objects.create_user("n", password="x")  # no scope: nothing (deny by default)
    assert Person.objects.for_user(nobody).count() == 0


def test_pages_require_login_and_show_only_the_scope(client, jiuye, imported):
    assert client.get("/").status_code == 302
    jiuye("user", "add", "a", "--role", "community", "--scope", "500103001002", stdin=PASSWORD)
    client.login(username="a", password="Gongzuo-2026!x")
    page = client.get("/standing/").content.decode()
    assert "示例乙社区" in page and "示例甲社区" not in page and "示例丙社区" not in page


def test_admin_is_for_superusers_only(client, jiuye, imported):
    jiuye("user", "add", "c", "--role", "city", "--scope", "500000", stdin=PASSWORD)
    user = User.objects.get(username="c")
    user.is_staff = True
    user.save()
    client.login(username="c", password="Gongzuo-2026!x")
    assert client.get("/admin/").status_code == 302
    User.objects.create_superuser("root", password="Root-pass-2026")
    client.login(username="root", password="Root-pass-2026")
    assert client.get("/admin/").status_code == 200
