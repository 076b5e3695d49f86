"""Writes on users: creation with a role and a scope of the role's level."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

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
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserError("密码不符合要求 / password rejected: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    audit_event_record(user=actor, action="user.add", target=username, division_code=code, detail={"role": role.value})
    return user
