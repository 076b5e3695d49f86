"""Policy as data, the working-day calendar's own table, and saved evaluations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyParameter(models.Model):
    """One policy parameter (threshold, window, rule); defaults in ``parameters.DEFAULTS``."""

    key = models.CharField(_("参数"), max_length=64, unique=True)
    value = models.JSONField(_("值"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")

    def __str__(self) -> str:
        return f"{self.key} = {self.value!r}"


class Holiday(models.Model):
    """A day whose working status the deployment sets; it wins over the package's data."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"), help_text=_("True for an adjusted workday (调休上班)"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")


class CalendarYear(models.Model):
    """A year the holiday table covers completely (no Monday–Friday fallback warning)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    complete = models.BooleanField(_("已完整"), default=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")


class EvaluationSnapshot(models.Model):
    """An immutable, dated evaluation (parameters included), as certification points to it."""

    as_of = models.DateField(_("评估日期"), db_index=True)
    division_code = models.CharField(_("区划"), max_length=12)
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    result = models.JSONField(_("评估结果"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("评估快照")
        verbose_name_plural = _("评估快照")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("a saved evaluation cannot be changed / 已保存的评估不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("a saved evaluation cannot be deleted / 已保存的评估不可删除")
