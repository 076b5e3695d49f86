"""Audit events: who did what to which data, when. Append-only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    """Bulk changes would bypass ``save``/``delete``: refused too."""

    def update(self, **kwargs):
        raise PermissionError("audit events cannot be changed / 审计记录不可修改")

    def delete(self):
        raise PermissionError("audit events cannot be deleted / 审计记录不可删除")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(_("操作者"), max_length=150, help_text=_("user name, or the OS user for CLI"))
    action = models.CharField(_("操作"), max_length=50, db_index=True)
    division_code = models.CharField(_("区划"), max_length=12, blank=True, db_index=True)
    target = models.CharField(_("对象"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed / 审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted / 审计记录不可删除")
