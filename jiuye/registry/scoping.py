"""The one scoped query path for citizens' data.

Each model holding citizens' data declares ``scope_lookup``, the lookup from itself
to its community's division code. ``Model.objects.for_user(user)`` returns only the
rows under the user's scope; a user with no scope sees nothing (deny by default).
"""

from django.conf import settings
from django.db import models


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        scope = getattr(user, "scope_code", None)
        if not scope:
            return self.none()
        from jiuye.divisions.codes import is_city

        if is_city(scope):
            return self
        return self.filter(**{f"{self.model.scope_lookup}__startswith": scope})

    def in_division(self, code: str):
        """Rows under a division code (6, 9 or 12 digits; the city code means all)."""
        from jiuye.divisions.codes import community_prefix

        prefix = community_prefix(code)
        if not prefix:
            return self
        return self.filter(**{f"{self.model.scope_lookup}__startswith": prefix})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def scope_prefix(user) -> str | None:
    """The community-code prefix of the user's scope; None: nothing may be seen."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    code = getattr(user, "scope_code", None)
    if not code:
        return None
    return "" if code == settings.JIUYE_CITY_CODE else code


REVEAL_PERMISSION = "registry.view_full_id"


def can_reveal_ids(user) -> bool:
    """Whether ``user`` may see full ID and phone numbers (superusers and the permission)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.has_perm(REVEAL_PERMISSION))
