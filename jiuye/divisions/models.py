"""Administrative divisions: city → district/county → street → community.

Codes are statistical division codes: 6 digits for the city (``500000``) and its
districts (GB/T 2260), 9 for a street, 12 for a community. Development zones
(经开区, 高新区) are not GB/T 2260 divisions: they have their own code (``Z…``),
carry a target group, and may be given communities, which then count toward the
zone instead of their district.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    ZONE = "zone", _("开发区")


LEVEL_BY_CODE_LENGTH = {6: Level.DISTRICT, 9: Level.STREET, 12: Level.COMMUNITY}


class Division(models.Model):
    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.TextField(_("名称"))
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    group = models.CharField(
        _("目标分组"), max_length=1, blank=True, help_text=_("A / B / C: the district's target group")
    )
    zone = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="zone_communities",
        limit_choices_to={"level": Level.ZONE},
        help_text=_("Development zone the community counts toward, if any"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("区划")
        verbose_name_plural = _("区划")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def district_code(self) -> str:
        return self.code[:6]


class Revision(models.Model):
    """How often the register of a division has changed (``jiuye/divisions/revisions.py``).

    ``key`` is a division code (a community's, or a street's or district's for a write that
    concerns all of it) or ``""`` for the policy tables (parameters, holidays, the calendar),
    which every page depends on. ``n`` only ever grows, in the transaction of the write.
    """

    key = models.CharField(max_length=12, primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")
