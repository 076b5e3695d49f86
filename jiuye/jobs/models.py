"""Employers, vacancies, developed posts, job seekers' wishes and referrals.

Every model declares ``scope_lookup`` (the lookup to its community's division code)
and is read through ``objects.for_user(user)``, like the register. Employers,
vacancies and developed posts belong to a community; wishes and referrals belong to
the person's community. Occupations are GB/T 6565 codes (``jiuye.jobs.occupations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jiuye.registry import vocab
from jiuye.registry.scoping import ScopedManager

AGREEMENT_KINDS = ("签协议", "结对子")
HOURS = ("全日制", "非全日制", "弹性")
WISH_HOURS = ("全日制", "非全日制", "不限")
VACANCY_SOURCES = ("辖区单位", "人社部门", "招聘会", "网络平台", "社区开发", "其他")
POST_KINDS = ("公益性岗位", "社区服务岗位")
PUBLIC_WELFARE = "公益性岗位"
SUBSIDY_KINDS = ("岗位补贴", "社会保险补贴")
HIRED, NOT_HIRED = "录用", "未录用"
OUTCOMES = (HIRED, NOT_HIRED)


def _choices(values):
    return [(v, v) for v in values]


class Employer(models.Model):
    """A unit within the community (辖区单位)."""

    community = models.ForeignKey(
        "divisions.Division", on_delete=models.PROTECT, related_name="employers", verbose_name=_("社区")
    )
    name = models.TextField(_("单位名称"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    industry = models.TextField(_("行业"), blank=True)
    address = models.TextField(_("地址"), blank=True)
    contact_name = models.TextField(_("联系人"), blank=True)
    contact_phone = models.TextField(_("联系电话"), blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["contact_phone"])

    class Meta:
        ordering = ["community_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""), name="employer_credit_code_uniq")
        ]
        verbose_name = _("辖区单位")
        verbose_name_plural = _("辖区单位")

    def __str__(self) -> str:
        return self.name


class EmployerAgreement(models.Model):
    """An agreement signed with, or a pairing (结对子) of, an employer."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("类型"), max_length=4, choices=_choices(AGREEMENT_KINDS))
    signed_on = models.DateField(_("签订日期"))
    end = models.DateField(_("截止日期"), null=True, blank=True)
    content = models.TextField(_("内容"), blank=True)

    scope_lookup = "employer__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["employer_id", "-signed_on", "-id"]
        verbose_name = _("协议与结对")
        verbose_name_plural = _("协议与结对")


class EmployerDemand(models.Model):
    """One row of an employer's demand ledger (用工需求)."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="demands")
    occupation_code = models.CharField(_("职业代码"), max_length=10)
    occupation_text = models.TextField(_("岗位（原文）"), blank=True)
    count = models.PositiveIntegerField(_("人数"))
    date = models.DateField(_("登记日期"))
    note = models.TextField(_("备注"), blank=True)

    scope_lookup = "employer__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["employer_id", "-date", "-id"]
        verbose_name = _("用工需求")
        verbose_name_plural = _("用工需求")


class Vacancy(models.Model):
    """A vacancy (空岗信息). Filled count comes from referrals with outcome 录用."""

    community = models.ForeignKey(
        "divisions.Division", on_delete=models.PROTECT, related_name="vacancies", verbose_name=_("社区")
    )
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="vacancies")
    demand = models.ForeignKey(EmployerDemand, null=True, blank=True, on_delete=models.SET_NULL, related_name="vacancies")
    title = models.TextField(_("岗位名称"))
    occupation_code = models.CharField(_("职业代码"), max_length=10, db_index=True)
    count = models.PositiveIntegerField(_("招聘人数"), default=1)
    wage_min = models.PositiveIntegerField(_("月薪下限（元）"), null=True, blank=True)
    wage_max = models.PositiveIntegerField(_("月薪上限（元）"), null=True, blank=True)
    hours = models.CharField(_("工时"), max_length=4, blank=True, choices=_choices(HOURS))
    hours_note = models.TextField(_("工作时间"), blank=True)
    location_code = models.CharField(_("工作地点区划"), max_length=12, blank=True, help_text=_("社区或街道代码"))
    address = models.TextField(_("工作地址"), blank=True)
    education_min = models.CharField(
        _("最低学历"), max_length=8, blank=True, choices=_choices(vocab.EDUCATION)
    )
    age_min = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    skills = models.TextField(_("技能要求"), blank=True)
    certificates = models.TextField(_("必备证书"), blank=True, help_text=_("以;分隔"))
    opened_on = models.DateField(_("发布日期"))
    closed_on = models.DateField(_("截止日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=8, blank=True, choices=_choices(VACANCY_SOURCES))
    note = models.TextField(_("备注"), blank=True)
    changed_at = models.DateTimeField(auto_now=True, db_index=True)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["changed_at"])

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["opened_on", "closed_on"], name="vacancy_open_idx")]
        verbose_name = _("空岗信息")
        verbose_name_plural = _("空岗信息")

    def __str__(self) -> str:
        return self.title


class DevelopedPost(models.Model):
    """A post the community created: a community-service or public-welfare post (公益性岗位)."""

    community = models.ForeignKey(
        "divisions.Division", on_delete=models.PROTECT, related_name="developed_posts", verbose_name=_("社区")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=_choices(POST_KINDS))
    title = models.TextField(_("岗位名称"))
    occupation_code = models.CharField(_("职业代码"), max_length=10, blank=True)
    slots = models.PositiveIntegerField(_("岗位数"), default=1)
    opened_on = models.DateField(_("开发日期"))
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True)
    employer_name = models.TextField(_("用人单位"), blank=True)
    funding = models.TextField(_("资金来源"), blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["community_id", "kind", "-opened_on", "-id"]
        verbose_name = _("开发岗位")
        verbose_name_plural = _("开发岗位")

    def __str__(self) -> str:
        return self.title


class PostTenure(models.Model):
    """Who holds a developed post, from when to when."""

    post = models.ForeignKey(DevelopedPost, on_delete=models.PROTECT, related_name="tenures")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="post_tenures")
    start = models.DateField(_("上岗日期"))
    end = models.DateField(_("离岗日期"), null=True, blank=True)
    end_reason = models.TextField(_("离岗原因"), blank=True)
    employment = models.ForeignKey(
        "registry.StatusEpisode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_lookup = "post__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["post_id", "-start", "-id"]
        verbose_name = _("在岗人员")
        verbose_name_plural = _("在岗人员")


class SubsidyPeriod(models.Model):
    """A period of subsidy (岗位补贴 / 社会保险补贴) paid for a tenure."""

    tenure = models.ForeignKey(PostTenure, on_delete=models.CASCADE, related_name="subsidies")
    kind = models.CharField(_("补贴类型"), max_length=8, choices=_choices(SUBSIDY_KINDS))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    monthly_amount = models.DecimalField(_("月补贴（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_lookup = "tenure__post__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["tenure_id", "start", "id"]
        verbose_name = _("岗位补贴")
        verbose_name_plural = _("岗位补贴")


class JobSeekerProfile(models.Model):
    """A person's job wishes (求职意愿, part of 十清)."""

    person = models.OneToOneField("registry.Person", on_delete=models.CASCADE, related_name="job_profile")
    desired_text = models.TextField(_("意向岗位（原文）"), blank=True)
    desired_codes = models.TextField(_("意向职业代码"), blank=True, help_text=_("以;分隔"))
    wage_min = models.PositiveIntegerField(_("期望月薪（元）"), null=True, blank=True)
    area_code = models.CharField(_("意向区域"), max_length=12, blank=True, help_text=_("区县、街道或社区代码"))
    hours = models.CharField(_("工时意向"), max_length=4, blank=True, choices=_choices(WISH_HOURS))
    training_wish = models.TextField(_("培训意愿"), blank=True)
    certificates = models.TextField(_("持有证书"), blank=True, help_text=_("以;分隔"))
    note = models.TextField(_("备注"), blank=True)
    updated_on = models.DateField(_("登记日期"))

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id"]
        verbose_name = _("求职意愿")
        verbose_name_plural = _("求职意愿")

    @property
    def code_list(self) -> list[str]:
        return [c for c in self.desired_codes.split(";") if c]


class Referral(models.Model):
    """A referral (推荐) of a person to a vacancy, and what came of it."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="referrals")
    referred_on = models.DateField(_("推荐日期"))
    handler = models.TextField(_("经办人"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    interview_on = models.DateField(_("面试日期"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=4, blank=True, choices=_choices(OUTCOMES))
    decided_on = models.DateField(_("结果日期"), null=True, blank=True)
    reason = models.TextField(_("未录用原因"), blank=True)
    hired_start = models.DateField(_("上岗日期"), null=True, blank=True)
    check3_on = models.DateField(_("3个月回访日期"), null=True, blank=True)
    check3_in_work = models.BooleanField(_("3个月仍在岗"), null=True, blank=True)
    check6_on = models.DateField(_("6个月回访日期"), null=True, blank=True)
    check6_in_work = models.BooleanField(_("6个月仍在岗"), null=True, blank=True)
    service = models.ForeignKey(
        "registry.ServiceRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    employment = models.ForeignKey(
        "registry.StatusEpisode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_at = models.DateTimeField(auto_now=True, db_index=True)

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["changed_at"])

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["vacancy", "person"], condition=Q(outcome=""),
                                    name="referral_one_pending_uniq")
        ]
        verbose_name = _("推荐")
        verbose_name_plural = _("推荐")

    @property
    def stage(self) -> str:
        """Where the referral stands in the funnel."""
        if self.outcome == NOT_HIRED:
            return "未录用"
        if self.outcome == HIRED:
            for in_work, label in ((self.check6_in_work, "6个月"), (self.check3_in_work, "3个月")):
                if in_work is False:
                    return "已离岗"
                if in_work:
                    return f"稳岗{label}"
            return "已录用"
        return "已面试" if self.interview_on else "已推荐"
