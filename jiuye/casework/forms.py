"""Short casework forms. Each maps its fields to the exchange columns the
services validate, so an error lands beside the field that caused it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuye.casework.models import BENEFIT_KINDS, TRAINING_RESULTS
from jiuye.registry import vocab
from jiuye.registry.forms import DateInput, RegisterForm, today


def _choices(values, blank=True):
    return ([("", "—")] if blank else []) + [(v, v) for v in values]


class RegistrationForm(RegisterForm):
    date = forms.DateField(label=_("Registered on"), initial=today, widget=DateInput())
    reason = forms.ChoiceField(label=_("Reason for unemployment"), choices=_choices(vocab.UNEMPLOYMENT_REASON), required=False)
    columns = {"date": "登记日期", "reason": "失业原因"}
    fact_fields = ("date",)


class ServiceForm(RegisterForm):
    date = forms.DateField(label=_("Date"), initial=today, widget=DateInput())
    handler = forms.CharField(label=_("Handled by"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    columns = {"date": "服务日期", "handler": "经办人", "note": "备注"}
    fact_fields = ("date",)


class OutreachForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("政策宣传", "政策宣传"), ("政策咨询", "政策咨询")])
    field_order = ["kind", "date", "handler", "note"]


class TrainingForm(RegisterForm):
    course = forms.CharField(label=_("Course"))
    provider = forms.CharField(label=_("Provider"), required=False)
    start = forms.DateField(label=_("Start"), initial=today, widget=DateInput())
    end = forms.DateField(label=_("End"), required=False, widget=DateInput())
    result = forms.ChoiceField(label=_("Result"), choices=_choices(TRAINING_RESULTS), required=False)
    certificate = forms.CharField(label=_("Certificate"), required=False)
    columns = {"course": "培训项目", "provider": "培训机构", "start": "开始日期", "end": "结束日期",
               "result": "培训结果", "certificate": "证书"}
    fact_fields = ("start",)


class BenefitForm(RegisterForm):
    kind = forms.ChoiceField(label=_("Policy"), choices=_choices(BENEFIT_KINDS, blank=False))
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=0, decimal_places=2)
    start = forms.DateField(label=_("Start"), initial=today, widget=DateInput())
    end = forms.DateField(label=_("End"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False)
    columns = {"kind": "政策类型", "amount": "金额（元）", "start": "开始日期", "end": "结束日期", "note": "备注"}
    fact_fields = ("start",)


class EmploymentForm(RegisterForm):
    start = forms.DateField(label=_("Works from"), initial=today, widget=DateInput())
    form = forms.ChoiceField(label=_("Form of employment"), choices=_choices(vocab.EMPLOYMENT_FORM, blank=False))
    employer = forms.CharField(label=_("Employer"), required=False)
    columns = {"start": "开始日期", "form": "就业形式", "employer": "单位名称"}
    fact_fields = ("start",)


class CancelForm(RegisterForm):
    date = forms.DateField(label=_("Cancelled on"), initial=today, widget=DateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=_choices(vocab.CANCEL_REASON, blank=False))
    columns = {"date": "注销日期", "reason": "注销原因"}
    fact_fields = ("date",)


class StatusForm(RegisterForm):
    status = forms.ChoiceField(label=_("Status"), choices=_choices(vocab.STATUS, blank=False))
    start = forms.DateField(label=_("From"), initial=today, widget=DateInput())
    employment_form = forms.ChoiceField(label=_("Form of employment"), choices=_choices(vocab.EMPLOYMENT_FORM), required=False)
    employer = forms.CharField(label=_("Employer"), required=False)
    reason = forms.ChoiceField(label=_("Reason for unemployment"), choices=_choices(vocab.UNEMPLOYMENT_REASON), required=False)
    columns = {"status": "状态", "start": "开始日期", "employment_form": "就业形式", "employer": "单位名称",
               "reason": "失业原因"}
    fact_fields = ("start",)
