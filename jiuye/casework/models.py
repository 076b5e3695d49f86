"""Casework beyond the exchange format: training, policy benefits, zero-employment
household cases with their assistance plans, and follow-up visits.

Every service a worker gives is also a ``registry.ServiceRecord`` (the standards
read those); these models keep the details the ledgers print.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jiuye.registry.scoping import ScopedManager

TRAINING_RESULTS = ("在训", "结业", "合格", "不合格", "退出")
BENEFIT_KINDS = ("税收减免", "社会保险补贴", "岗位补贴", "创业担保贷款", "公益性岗位")


class Training(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="trainings")
    course = models.TextField(_("培训项目"))
    provider = models.TextField(_("培训机构"), blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    result = models.CharField(_("培训结果"), max_length=4, blank=True, choices=[(v, v) for v in TRAINING_RESULTS])
    certificate = models.TextField(_("证书"), blank=True)
    service = models.ForeignKey("registry.ServiceRecord", null=True, blank=True, on_delete=models.SET_NULL)

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("培训")
        verbose_name_plural = _("培训")


class PolicyBenefit(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField(_("政策类型"), max_length=8, choices=[(v, v) for v in BENEFIT_KINDS])
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("政策享受")
        verbose_name_plural = _("政策享受")


class ZeroEmploymentCase(models.Model):
    """One zero-employment episode of a household as casework sees it (认定, 帮扶, 消除)."""

    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="zero_cases")
    detected_on = models.DateField(_("出现日期"), help_text=_("first day of the zero-employment episode"))
    recognized_on = models.DateField(_("认定日期"), null=True, blank=True)
    eliminated_on = models.DateField(_("消除日期"), null=True, blank=True)
    plan = models.TextField(_("一对一帮扶计划"), blank=True)

    scope_lookup = "household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "detected_on"], name="zero_case_household_start_uniq")
        ]
        verbose_name = _("零就业家庭")
        verbose_name_plural = _("零就业家庭")


class AssistanceAction(models.Model):
    case = models.ForeignKey(ZeroEmploymentCase, on_delete=models.CASCADE, related_name="actions")
    date = models.DateField(_("日期"))
    action = models.TextField(_("帮扶措施"))
    handler = models.TextField(_("经办人"), blank=True)
    done = models.BooleanField(_("已完成"), default=False)

    scope_lookup = "case__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")


class FollowUp(models.Model):
    """A follow-up visit due (回访), for a person or a household."""

    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="follow_ups")
    due = models.DateField(_("应回访日期"))
    done_on = models.DateField(_("回访日期"), null=True, blank=True)
    reason = models.TextField(_("事由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
