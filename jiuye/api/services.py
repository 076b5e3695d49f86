"""Personal API tokens (``Authorization: Bearer TOKEN``), created and revoked from the command line.

django-rest-knox stores only a hash of each token; the token itself is shown once, when
created, and never written to the audit log.
"""

import hmac

from django.contrib.auth import get_user_model
from django.db import transaction
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS

from jiuye.audit.services import audit_event_record


class TokenError(ValueError):
    pass


def _active_user(username: str):
    user = get_user_model().objects.filter(username=(username or "").strip()).select_related("scope").first()
    if user is None or not user.is_active:
        raise TokenError(f"用户不存在或已停用 / no such active user: {username}")
    return user


@transaction.atomic
def token_create(*, username: str, actor=None) -> str:
    """A new token for the user (returned in clear, once); audited without the token."""
    user = _active_user(username)
    instance, token = AuthToken.objects.create(user=user)
    audit_event_record(user=actor, action="api.token.create", target=f"user:{user.username}",
                       division_code=user.scope_code or "",
                       detail={"user": user.pk, "expiry": instance.expiry.isoformat() if instance.expiry else None})
    return token


@transaction.atomic
def token_revoke(*, username: str, token: str | None = None, actor=None) -> int:
    """Withdraw the user's tokens (or only ``token``); returns how many were withdrawn."""
    user = _active_user(username)
    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        token = token.strip()
        digest = hash_token(token)
        matches = [t.pk for t in tokens.filter(token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH])
                   if hmac.compare_digest(t.digest, digest)]
        if not matches:
            raise TokenError(f"该用户没有此令牌 / no such token for user {user.username}")
        tokens = tokens.filter(pk__in=matches)
    count, _ = tokens.delete()
    audit_event_record(user=actor, action="api.token.revoke", target=f"user:{user.username}",
                       division_code=user.scope_code or "",
                       detail={"user": user.pk, "revoked": count, "all": token is None})
    return count
