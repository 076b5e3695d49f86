"""Accounts hardening: login lockout, password rules, session expiry, the second factor (TOTP),
security headers, CSRF and pages without inline script (Content-Security-Policy)."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.divisions.models import Division, Level
from tests.conftest import AxesClient

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 6, 30, 9, 0, tzinfo=SHANGHAI)
TEMPLATES = Path(__file__).resolve().parents[1] / "jiuye" / "templates"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users():
    city = Division.objects.get_or_create(code="500000", defaults={"name": "重庆市", "level": Level.CITY})[0]
    district = Division.objects.get_or_create(
        code="500103", defaults={"name": "渝中区", "level": Level.DISTRICT, "parent": city})[0]
    street = Division.objects.create(code="500103001", name="解放碑街道", level=Level.STREET, parent=district)
    Division.objects.create(code="500103001001", name="示例甲社区", level=Level.COMMUNITY, parent=street)
    made = {}
    for name, role, scope in (("wang", "community", "500103001001"), ("jie", "street", "500103001"),
                              ("yu", "district", "500103"), ("shi", "city", "500000")):
        made[name] = user_add(username=name, role=role, scope_code=scope, password=PASSWORD)
    return made


def _english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


# -- login protection (django-axes) -------------------------------------------------------


def test_login_is_locked_after_repeated_failures_with_a_clear_message(client, users, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = _login(client, "wang", "wrong-password-1")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode() or "Wrong user name" in response.content.decode()
    locked = _login(client, "wang", "wrong-password-1")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'id="locked"' in page and "锁定" in page and "30" in page
    # Locked means locked: the right password does not help from this address ...
    assert _login(client, "wang").status_code == 429
    english = _login(_english(client), "wang")
    assert english.status_code == 429 and "Too many failed logins" in english.content.decode()
    # ... another computer is not locked out, and the lock ends after the cool-off.
    assert _login(Client(), "wang", REMOTE_ADDR="10.1.2.3").status_code == 302
    with time_machine.travel(dt.datetime.now(tz=SHANGHAI) + dt.timedelta(minutes=31)):
        assert _login(Client(), "wang").status_code == 302
    assert AuditEvent.objects.filter(action="login.locked", target="wang").exists()


def test_an_administrator_can_lift_a_lockout(client, jiuye, users):
    for _ in range(5):
        _login(client, "yu", "wrong-password-1")
    assert _login(client, "yu").status_code == 429
    run = jiuye("user", "unlock", "yu")
    assert run.code == 0 and "yu" in run.stdout
    assert _login(client, "yu").status_code == 302
    event = AuditEvent.objects.get(action="login.unlock")
    assert (event.target, event.division_code, event.detail) == ("yu", "500103", {"attempts": 1})
    assert jiuye("user", "unlock", "").code != 0  # never "everybody"


def test_logins_are_audited_without_the_password(client, users):
    _login(client, "wang", "Secret-guess-99")
    failed = AuditEvent.objects.get(action="login.failed")
    assert (failed.actor, failed.target, failed.division_code, failed.user) == ("anonymous", "wang", "500103001001", None)
    assert failed.detail["ip"] == "127.0.0.1"
    assert _login(client, "wang").status_code == 302
    ok = AuditEvent.objects.get(action="login")
    assert (ok.actor, ok.user, ok.division_code) == ("wang", users["wang"], "500103001001")
    everything = json.dumps([[e.target, e.detail] for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert "Secret-guess-99" not in everything and PASSWORD not in everything


def test_the_test_client_login_goes_through_axes(users):
    client = AxesClient()
    for _ in range(5):
        assert not client.login(username="jie", password="nope-nope-1")
    assert not client.login(username="jie", password=PASSWORD)  # locked out
    assert AuditEvent.objects.filter(action="login.failed", target="jie").count() >= 5


# -- password rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "english"),
    [
        ("Ab1!", "at least 10 characters"),
        ("abcdefghijkl", "letters, digits or symbols"),
        ("1234567890123", "entirely numeric"),
        ("password123", "too common"),
    ],
)
def test_user_add_enforces_the_password_rules_in_both_languages(jiuye, users, password, english):
    run = jiuye("user", "add", "li", "--role", "district", "--scope", "500103", stdin=password + "\n")
    assert run.code != 0 and not User.objects.filter(username="li").exists()
    chinese, _, rest = run.stderr.partition(" / ")
    assert chinese.startswith("密码不符合要求") and re.search(r"[\u4e00-\u9fff]{4}", chinese.split("：", 1)[1])
    assert english in rest


def test_a_good_password_is_accepted_by_user_add(jiuye, users):
    run = jiuye("user", "add", "li", "--role", "district", "--scope", "500103", stdin="Qingxie-river-2026\n")
    assert run.code == 0, run.stderr
    assert User.objects.get(username="li").check_password("Qingxie-river-2026")


def test_password_change_page_enforces_the_rules(client, users):
    client.force_login(users["wang"])
    page = client.get("/")
    assert 'href="/password/"' in page.content.decode()
    form = client.get("/password/")
    assert form.status_code == 200 and "10" in form.content.decode()
    weak = client.post("/password/", {"old_password": PASSWORD, "new_password1": "abcdefghijkl",
                                      "new_password2": "abcdefghijkl"})
    assert weak.status_code == 200 and "字母" in weak.content.decode()
    wrong_old = client.post("/password/", {"old_password": "not-mine-123", "new_password1": "Qingxie-river-2026",
                                           "new_password2": "Qingxie-river-2026"})
    assert wrong_old.status_code == 200 and "旧密码不正确" in wrong_old.content.decode()
    users["wang"].refresh_from_db()
    assert users["wang"].check_password(PASSWORD)
    done = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Qingxie-river-2026",
                                      "new_password2": "Qingxie-river-2026"})
    assert done.status_code == 302 and done["Location"] == "/password/done/"
    users["wang"].refresh_from_db()
    assert users["wang"].check_password("Qingxie-river-2026")
    assert client.get("/password/done/").status_code == 200  # still logged in
    assert AuditEvent.objects.filter(action="password.change", actor="wang").count() == 1


# -- session expiry -----------------------------------------------------------------------


def test_an_idle_session_is_logged_out(client, users, settings):
    assert settings.JIUYE_SESSION_IDLE_SECONDS == 30 * 60
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users["wang"])
        assert client.get("/people/").status_code == 200
        for _ in range(4):  # busy for two hours: never idle for 30 minutes
            clock.shift(dt.timedelta(minutes=29))
            assert client.get("/people/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        expired = client.get("/people/")
        assert expired.status_code == 302 and expired["Location"].startswith("/login/")
        login_page = client.get(expired["Location"]).content.decode()
        assert "会话已过期" in login_page
        assert client.get("/people/").status_code == 302  # really logged out
        assert AuditEvent.objects.get(action="logout").detail["expired"] == "idle"
        client.force_login(users["wang"])
        clock.shift(dt.timedelta(minutes=31))
        htmx = client.get("/people/?q=zjg", HTTP_HX_REQUEST="true")  # the whole page goes to the login
        assert htmx.status_code == 200 and htmx["HX-Redirect"] == "/login/"


def test_a_session_ends_after_its_maximum_age_even_when_busy(client, users, settings):
    settings.SESSION_COOKIE_AGE = 3600
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users["wang"])
        for _ in range(2):
            clock.shift(dt.timedelta(minutes=25))
            assert client.get("/people/").status_code == 200
        clock.shift(dt.timedelta(minutes=25))  # 75 minutes after login
        assert client.get("/people/").status_code == 302


def test_the_idle_time_comes_from_the_environment(tmp_path):
    code = "from jiuye import settings; print(settings.JIUYE_SESSION_IDLE_SECONDS)"
    env = {**os.environ, "JIUYE_VAR_DIR": str(tmp_path), "JIUYE_SESSION_IDLE_SECONDS": "600"}
    env.pop("JIUYE_PRODUCTION", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "600"


# -- second factor (TOTP) -----------------------------------------------------------------


def _code(device, at: dt.datetime) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at.timestamp()
    return f"{totp.token():06d}"


@pytest.mark.otp
def test_district_user_enrols_then_verifies_at_each_login(users):
    with time_machine.travel(T0, tick=False) as clock:
        client = Client()
        assert _login(client, "yu").status_code == 302
        first = client.get("/people/")
        assert first.status_code == 302 and first["Location"] == "/otp/setup/?next=%2Fpeople%2F"
        setup = client.get(first["Location"])
        page = setup.content.decode()
        assert setup.status_code == 200 and "<svg" in page and "<path" in page
        assert "otpauth://totp/jiuye%3Ayu?secret=" in page
        device = TOTPDevice.objects.get(user=users["yu"])
        assert not device.confirmed
        assert client.get("/standing/").status_code == 302  # nothing else until confirmed
        wrong = client.post("/otp/setup/", {"token": "000000", "next": "/people/"})
        assert wrong.status_code == 200 and 'class="error"' in wrong.content.decode()
        clock.shift(dt.timedelta(seconds=5))
        right = client.post("/otp/setup/", {"token": _code(device, T0), "next": "/people/"})
        assert right.status_code == 302 and right["Location"] == "/people/"
        assert client.get("/people/").status_code == 200
        device.refresh_from_db()
        assert device.confirmed

        # The next login asks for a code (no new enrolment); a code is good once only.
        clock.shift(dt.timedelta(minutes=2))
        again = Client()
        _login(again, "yu")
        asked = again.get("/people/")
        assert asked["Location"] == "/otp/?next=%2Fpeople%2F"
        now = dt.datetime.now(tz=SHANGHAI)
        assert again.post("/otp/", {"token": "123456"}).status_code == 200
        clock.shift(dt.timedelta(seconds=2))  # django-otp slows down guessing after a failure
        assert again.post("/otp/", {"token": _code(device, now), "next": "/people/"})["Location"] == "/people/"
        assert again.get("/people/").status_code == 200
    actions = list(AuditEvent.objects.filter(actor="yu", action__startswith="otp.").values_list("action", flat=True))
    assert sorted(actions) == ["otp.enrol", "otp.failed", "otp.failed", "otp.verify"]


@pytest.mark.otp
def test_city_user_needs_the_second_factor_but_a_community_worker_does_not(client, users):
    client.force_login(users["shi"])
    assert client.get("/people/")["Location"].startswith("/otp/setup/")
    other = Client()
    other.force_login(users["wang"])
    assert other.get("/people/").status_code == 200
    street = Client()
    street.force_login(users["jie"])
    assert street.get("/people/").status_code == 200


@pytest.mark.otp
def test_unverified_user_may_still_log_out_change_language_and_see_the_notice_board(client, users):
    client.force_login(users["yu"])
    assert not client.get("/notice/500103001001/").get("Location", "").startswith("/otp/")
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})["Location"] == "/login/"
    assert client.post("/logout/").status_code == 302
    assert client.get("/people/")["Location"].startswith("/login/")


@pytest.mark.otp
def test_the_api_refuses_an_unverified_session_but_not_a_bearer_token(client, users):
    from knox.models import AuthToken

    client.force_login(users["yu"])
    refused = client.get("/api/v1/persons/")
    assert refused.status_code == 403 and "TOTP" in refused.json()["detail"]
    _instance, token = AuthToken.objects.create(users["yu"])
    with_token = Client().get("/api/v1/persons/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert with_token.status_code == 200, with_token.content
    community = Client()
    community.force_login(users["wang"])
    assert community.get("/api/v1/persons/").status_code == 200  # no second factor for this role


@pytest.mark.otp
def test_otp_reset_command_makes_the_user_enrol_again(jiuye, users):
    with time_machine.travel(T0, tick=False):
        client = Client()
        client.force_login(users["yu"])
        client.get("/otp/setup/")
        device = TOTPDevice.objects.get(user=users["yu"])
        client.post("/otp/setup/", {"token": _code(device, T0)})
        assert client.get("/people/").status_code == 200
        run = jiuye("user", "otp-reset", "yu")
        assert run.code == 0 and "yu" in run.stdout
        assert not TOTPDevice.objects.filter(user=users["yu"]).exists()
        assert client.get("/people/")["Location"].startswith("/otp/setup/")  # the old session is no longer verified
    event = AuditEvent.objects.get(action="otp.reset")
    assert (event.target, event.division_code, event.detail) == ("yu", "500103", {"devices": 1})
    assert jiuye("user", "otp-reset", "nobody").code != 0


def test_otp_is_off_in_tests_not_marked_otp(client, users, settings):
    assert settings.JIUYE_OTP_REQUIRED_ROLES == ()
    client.force_login(users["yu"])
    assert client.get("/people/").status_code == 200


@pytest.mark.otp
def test_otp_roles_default_to_district_and_city(settings):
    assert set(settings.JIUYE_OTP_REQUIRED_ROLES) == {"district", "city"}


# -- headers, CSRF, Content-Security-Policy -------------------------------------------------


def test_security_headers(client, users):
    for response in (client.get("/login/"), client.get("/notice/500103001001/")):
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_a_post_without_csrf_token_is_refused(users):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "wang", "password": PASSWORD}).status_code == 403
    client.force_login(users["wang"])
    refused = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Qingxie-river-2026",
                                         "new_password2": "Qingxie-river-2026"})
    assert refused.status_code == 403
    users["wang"].refresh_from_db()
    assert users["wang"].check_password(PASSWORD)
    # With the token from the form, the same post goes through.
    form = client.get("/password/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    accepted = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Qingxie-river-2026",
                                          "new_password2": "Qingxie-river-2026", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|\shx-on[:-]|javascript:", re.I)


def test_templates_have_no_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'<script[^>]*type="application/json"[^>]*>.*?</script>', "", text, flags=re.S)
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_pages_load_their_behaviour_from_static_files(client, users):
    client.force_login(users["shi"])
    page = client.get("/dashboard/").content.decode()
    assert "/static/jiuye/dashboard.js" in page and "/static/jiuye/site.js" in page
    assert 'data-autosubmit' in page and "onchange" not in page
    assert '<meta name="htmx-config"' in page
