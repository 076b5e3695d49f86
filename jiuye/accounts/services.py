"""Writes on users: creation with a role and a scope of the role's level, the second factor."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django_otp import devices_for_user
from django_otp import login as otp_login

from jiuye.accounts.models import ROLE_CODE_LENGTH, Role, User
from jiuye.audit.services import audit_event_record
from jiuye.divisions.codes import is_city
from jiuye.divisions.models import Division, Level

ROLE_LEVEL = {Role.COMMUNITY: Level.COMMUNITY, Role.STREET: Level.STREET, Role.DISTRICT: Level.DISTRICT, Role.CITY: Level.CITY}


class UserError(ValueError):
    pass


@transaction.atomic
def user_add(*, username: str, role: str, scope_code: str, password: str, actor=None) -> User:
    username = (username or "").strip()
    if not username:
        raise UserError("用户名不能为空 / the user name is required")
    if role not in Role.values:
        raise UserError(f"未知角色 / unknown role: {role} ({', '.join(Role.values)})")
    role = Role(role)
    if User.objects.filter(username=username).exists():
        raise UserError(f"用户名已存在 / user already exists: {username}")
    code = (scope_code or "").strip()
    if len(code) != ROLE_CODE_LENGTH[role] or not code.isdigit() or (role == Role.CITY) != is_city(code):
        raise UserError(
            f"角色 {role.value} 的管辖区划须为{ROLE_LEVEL[role].label}代码 / the scope of role {role.value} "
            f"must be a {ROLE_LEVEL[role].value} code: {code}"
        )
    scope = Division.objects.filter(code=code, level=ROLE_LEVEL[role]).first()
    if scope is None:
        raise UserError(f"区划不存在 / no such {ROLE_LEVEL[role].value}: {code}")
    if not password:
        raise UserError("密码不能为空 / the password is required")
    user = User(username=username, role=role, scope=scope)
    problems = password_problems(password, user)
    if problems:
        raise UserError(problems)
    user.set_password(password)
    user.save()
    audit_event_record(user=actor, action="user.add", target=username, division_code=code, detail={"role": role.value})
    return user


def password_problems(password: str, user) -> str:
    """The password rules (AUTH_PASSWORD_VALIDATORS) broken, as "中文 / English"; empty when none."""
    found = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                found[language] = " ".join(exc.messages)
    if not found:
        return ""
    return f"密码不符合要求：{found['zh-hans']} / password rejected: {found['en']}"


def password_changed(*, user) -> None:
    """Audits a password change (the change itself is Django's PasswordChangeForm)."""
    audit_event_record(user=user, action="password.change", target=user.get_username(),
                       division_code=user.scope_code or "")


def otp_confirm(*, request, device, token: str) -> bool:
    """Checks a TOTP code for ``request.user``'s device; a first good code confirms a new device.

    On success the session is marked as verified (django-otp). Every try is audited."""
    user = request.user
    allowed, _ = device.verify_is_allowed()
    ok = allowed and device.verify_token((token or "").strip())
    enrol = not device.confirmed
    with transaction.atomic():
        if ok and enrol:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        action = ("otp.enrol" if enrol else "otp.verify") if ok else "otp.failed"
        audit_event_record(user=user, action=action, target=user.get_username(), division_code=user.scope_code or "")
    if ok:
        otp_login(request, device)
    return ok


@transaction.atomic
def otp_reset(*, username: str, actor=None) -> int:
    """Removes every second-factor device of a user (a lost phone); the next login enrols again."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise UserError(f"用户不存在 / no such user: {username}")
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    audit_event_record(user=actor, action="otp.reset", target=username, division_code=user.scope_code or "",
                       detail={"devices": len(devices)})
    return len(devices)


@transaction.atomic
def user_unlock(*, username: str, actor=None) -> int:
    """Lifts a login lockout (django-axes) of a user name from every address before its cool-off ends."""
    from axes.utils import reset

    username = (username or "").strip()
    if not username:
        raise UserError("用户名不能为空 / the user name is required")
    removed = reset(username=username)
    user = User.objects.filter(username=username).first()
    audit_event_record(user=actor, action="login.unlock", target=username,
                       division_code=(user.scope_code or "") if user else "", detail={"attempts": removed})
    return removed
