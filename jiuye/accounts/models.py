"""Users, their role and their scope (one division and everything below it)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNITY = "community", _("社区劳动保障协理员")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区县")
    CITY = "city", _("市")


# The length of the scope code each role must have (the city has its own 6-digit code).
ROLE_CODE_LENGTH = {Role.COMMUNITY: 12, Role.STREET: 9, Role.DISTRICT: 6, Role.CITY: 6}


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, blank=True)
    scope = models.ForeignKey(
        "divisions.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("管辖区划"),
    )

    @property
    def scope_code(self) -> str | None:
        return self.scope.code if self.scope_id else None
