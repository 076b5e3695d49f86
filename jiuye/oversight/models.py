"""Certification (验收), re-checks (复查), December filing (备案), subsidies.

All of it is a workflow over saved evaluations (``standards.EvaluationSnapshot``),
recorded apart from them: re-evaluating never changes what has been certified.
Every row belongs to a community (or, for a filing, a district) and is read through
``ScopedManager`` (``Model.objects.for_user(user)``). Writes go through
``jiuye.oversight.services``.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuye.registry.scoping import ScopedManager


class OversightError(ValueError):
    """An invalid transition or input; the message is bilingual (中文 / English)."""


class CertificationLocked(OversightError):
    """An accepted (or revoked) certification cannot be edited, only revoked with a reason."""


class CertificationStatus(models.TextChoices):
    APPLIED = "applied", _("待街道审核")
    REVIEWED = "reviewed", _("待区县验收")
    RETURNED = "returned", _("已退回")
    CERTIFIED = "certified", _("已验收")
    REVOKED = "revoked", _("已撤销")


OPEN_STATUSES = (CertificationStatus.APPLIED, CertificationStatus.REVIEWED, CertificationStatus.CERTIFIED)

# Fields an accepted certification keeps for ever; revocation only fills the revoked_* fields.
FROZEN_FIELDS = (
    "community_id", "snapshot_id", "applied_by_id", "applied_at", "note", "reviewed_by_id", "reviewed_at",
    "accepted_by_id", "accepted_at", "certified_on", "returned_reason",
)


class Certification(models.Model):
    """One application of a community for certification, from application to acceptance."""

    community = models.ForeignKey(
        "divisions.Division", on_delete=models.PROTECT, related_name="certifications", verbose_name=_("社区")
    )
    status = models.CharField(_("状态"), max_length=10, choices=CertificationStatus.choices,
                              default=CertificationStatus.APPLIED)
    snapshot = models.ForeignKey(
        "standards.EvaluationSnapshot", on_delete=models.PROTECT, related_name="certifications",
        verbose_name=_("申请时的评估快照"),
    )
    note = models.TextField(_("申请说明"), blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(_("申请时间"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("街道审核时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    accepted_at = models.DateTimeField(_("区县验收时间"), null=True, blank=True)
    certified_on = models.DateField(_("验收日期"), null=True, blank=True, db_index=True)
    returned_reason = models.TextField(_("退回理由"), blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤销理由"), blank=True)

    scope_lookup = "community__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["community__code", "-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community"], condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="oversight_one_open_certification",
            ),
        ]
        verbose_name = _("验收")
        verbose_name_plural = _("验收")

    def __str__(self) -> str:
        return f"{self.community.code} {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_FIELDS, "status").first()
            if stored is not None and stored["status"] in (CertificationStatus.CERTIFIED, CertificationStatus.REVOKED):
                changed = [f for f in FROZEN_FIELDS if stored[f] != getattr(self, f)]
                revoking = stored["status"] == CertificationStatus.CERTIFIED and self.status == CertificationStatus.REVOKED
                if changed or not revoking:
                    raise CertificationLocked(
                        "已验收的社区不可修改，只能由区县说明理由后撤销 / an accepted certification cannot be "
                        "edited, only revoked with a reason by the district"
                    )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status in (CertificationStatus.CERTIFIED, CertificationStatus.REVOKED):
            raise CertificationLocked("已验收的社区不可删除 / an accepted certification cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def district_code(self) -> str:
        return self.community.code[:6]

    @property
    def street_code(self) -> str:
        return self.community.code[:9]


class StepAction(models.TextChoices):
    APPLY = "apply", _("社区申请")
    REVIEW_APPROVE = "review_approve", _("街道审核通过")
    REVIEW_RETURN = "review_return", _("街道退回")
    ACCEPT = "accept", _("区县验收")
    ACCEPT_RETURN = "accept_return", _("区县退回")
    REVOKE = "revoke", _("撤销")
    RECHECK_PASS = "recheck_pass", _("复查合格")
    RECHECK_FLAG = "recheck_flag", _("复查不合格")
    RECHECK_CLEAR = "recheck_clear", _("整改后复查合格")


class CertificationStep(models.Model):
    """Who did what to a certification, when and why (append-only)."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("环节"), max_length=16, choices=StepAction.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    actor = models.CharField(_("经办人"), max_length=150)
    role = models.CharField(_("角色"), max_length=10, blank=True)
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("理由"), blank=True)
    snapshot = models.ForeignKey("standards.EvaluationSnapshot", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    scope_lookup = "certification__community__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["certification", "at", "id"]
        verbose_name = _("验收环节")
        verbose_name_plural = _("验收环节")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("验收环节记录不可修改 / a certification step cannot be changed")
        super().save(*args, **kwargs)


class EvidenceStandard(models.TextChoices):
    S6 = "s6", _("S6 政策目标投诉")
    S7 = "s7", _("S7 失业人员服务")
    S8 = "s8", _("S8 组织建设")


def evidence_path(instance, filename: str) -> str:
    """``evidence/<community code>/<random>.<ext>``: the user's file name is kept in the row only."""
    ext = os.path.splitext(filename)[1].lower()
    return f"evidence/{instance.certification.community.code}/{uuid.uuid4().hex}{ext}"


class Evidence(models.Model):
    """A supporting document of an application (S6–S8), stored under MEDIA_ROOT ``evidence/``."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="evidence")
    standard = models.CharField(_("标准"), max_length=2, choices=EvidenceStandard.choices)
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=4)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    scope_lookup = "certification__community__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["certification", "standard", "id"]
        verbose_name = _("验收材料")
        verbose_name_plural = _("验收材料")


class RecheckStatus(models.TextChoices):
    PASSED = "passed", _("复查合格")
    FLAGGED = "flagged", _("复查不合格，限期整改")
    CLEARED = "cleared", _("整改后合格")


class Recheck(models.Model):
    """The year's re-check (复查) of one certified community, with the snapshot it used."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="rechecks")
    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="rechecks")
    year = models.PositiveSmallIntegerField(_("年度"))
    as_of = models.DateField(_("复查评估日期"))
    snapshot = models.ForeignKey("standards.EvaluationSnapshot", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("结果"), max_length=8, choices=RecheckStatus.choices)
    failed = models.JSONField(_("未达标的标准"), default=list, blank=True)
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    cleared_on = models.DateField(_("整改合格日期"), null=True, blank=True)
    clear_snapshot = models.ForeignKey("standards.EvaluationSnapshot", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("复查时间"), auto_now_add=True)

    scope_lookup = "community__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-year", "community__code"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "year"], name="oversight_one_recheck_a_year"),
        ]
        verbose_name = _("复查")
        verbose_name_plural = _("复查")

    def __str__(self) -> str:
        return f"{self.community.code} {self.year} {self.get_status_display()}"


class RecommendationLevel(models.TextChoices):
    DISTRICT = "district", _("区县推荐优秀社区")
    CITY = "city", _("市级示范社区")


class Recommendation(models.Model):
    """An excellent certified community: recommended by its district, picked as a model by the city."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="recommendations")
    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="recommendations")
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("级别"), max_length=8, choices=RecommendationLevel.choices)
    reason = models.TextField(_("推荐理由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)

    scope_lookup = "community__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-year", "community__code", "level"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year", "level"], name="oversight_one_recommendation"),
        ]
        verbose_name = _("推荐")
        verbose_name_plural = _("推荐")


class Filing(models.Model):
    """A district's December filing (备案) of a year as submitted: the list frozen as JSON."""

    district = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="filings")
    year = models.PositiveSmallIntegerField(_("年度"))
    content = models.JSONField(_("备案内容"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"))

    scope_lookup = "district__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-year", "district__code", "-submitted_at", "-id"]
        verbose_name = _("年度备案")
        verbose_name_plural = _("年度备案")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("已报送的备案不可修改 / a submitted filing cannot be changed")
        super().save(*args, **kwargs)


class SubsidyKind(models.TextChoices):
    FIRST = "first", _("首次验收补贴（社区）")
    STREET = "street", _("街道补贴")
    YEARLY = "yearly", _("年度补贴（社区）")


class Subsidy(models.Model):
    """One subsidy granted by the district for a certified community (to it, or to its street)."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="subsidies")
    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="subsidies")
    kind = models.CharField(_("补贴类型"), max_length=6, choices=SubsidyKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    recipient_code = models.CharField(_("拨付对象"), max_length=12)
    note = models.TextField(_("备注"), blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(_("核定时间"))

    scope_lookup = "community__code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-year", "community__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind"], condition=Q(kind__in=["first", "street"]),
                                    name="oversight_subsidy_once"),
            models.UniqueConstraint(fields=["community", "kind", "year"], condition=Q(kind="yearly"),
                                    name="oversight_subsidy_yearly_once"),
        ]
        verbose_name = _("补贴")
        verbose_name_plural = _("补贴")


class NoticeContact(models.Model):
    """What a community prints on its notice board beside the figures, set by its worker:
    whom to contact (a worker's name, the service station's phone), the public-notice period
    (公示期) and the issuing body. The station's phone is an office number, published."""

    community = models.OneToOneField("divisions.Division", on_delete=models.PROTECT, related_name="notice_contact",
                                     verbose_name=_("社区"))
    contact_name = models.CharField(_("联系人"), max_length=40)
    station_phone = models.CharField(_("服务站电话"), max_length=40)
    issuer = models.CharField(_("发布单位"), max_length=100, blank=True)
    period_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    period_end = models.DateField(_("公示结束日期"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(_("修改时间"))

    scope_lookup = "community__code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("公示牌联系信息")
        verbose_name_plural = _("公示牌联系信息")

    def __str__(self) -> str:
        return f"{self.community.code} {self.contact_name}"


class NoticeSupervision(models.Model):
    """The district's supervision line (监督电话) printed on every notice board of the district."""

    district = models.OneToOneField("divisions.Division", on_delete=models.PROTECT,
                                    related_name="notice_supervision", verbose_name=_("区县"))
    phone = models.CharField(_("监督电话"), max_length=40)
    body = models.CharField(_("监督单位"), max_length=100, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(_("修改时间"))

    scope_lookup = "district__code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("公示监督电话")
        verbose_name_plural = _("公示监督电话")

    def __str__(self) -> str:
        return f"{self.district.code} {self.phone}"
