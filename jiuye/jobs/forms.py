"""Forms of the jobs pages; the services validate, these only shape the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuye.jobs import models as j
from jiuye.registry import vocab
from jiuye.registry.forms import DateInput, RegisterForm, today


def _choices(values):
    return [("", "—"), *[(v, v) for v in values]]


class VacancyForm(RegisterForm):
    title = forms.CharField(label=_("Job title"))
    occupation_code = forms.CharField(label=_("Occupation code (GB/T 6565, optional)"), required=False)
    count = forms.IntegerField(label=_("Places"), min_value=1, initial=1)
    wage_min = forms.IntegerField(label=_("Monthly wage from (yuan)"), required=False, min_value=0)
    wage_max = forms.IntegerField(label=_("Monthly wage to (yuan)"), required=False, min_value=0)
    hours = forms.ChoiceField(label=_("Hours"), choices=_choices(j.HOURS), required=False)
    education_min = forms.ChoiceField(label=_("Minimum education"), choices=_choices(vocab.EDUCATION), required=False)
    age_min = forms.IntegerField(label=_("Minimum age"), required=False, min_value=16, max_value=70)
    age_max = forms.IntegerField(label=_("Maximum age"), required=False, min_value=16, max_value=70)
    skills = forms.CharField(label=_("Skills wanted"), required=False)
    certificates = forms.CharField(label=_("Certificates required (separated by ;)"), required=False)
    address = forms.CharField(label=_("Work address"), required=False)
    opened_on = forms.DateField(label=_("Open from"), initial=today, widget=DateInput())
    closed_on = forms.DateField(label=_("Open until"), required=False, widget=DateInput())
    source = forms.ChoiceField(label=_("Source"), choices=_choices(j.VACANCY_SOURCES), required=False)
    columns = {"title": "岗位名称", "occupation_code": "职业代码", "count": "招聘人数", "wage_min": "月薪下限（元）",
               "wage_max": "月薪上限（元）", "hours": "工时", "education_min": "最低学历", "age_min": "最低年龄",
               "age_max": "最高年龄", "skills": "技能要求", "certificates": "必备证书", "address": "工作地址",
               "opened_on": "发布日期", "closed_on": "截止日期", "source": "来源"}


class WishForm(RegisterForm):
    desired = forms.CharField(label=_("Jobs wanted (as the resident says them)"), required=False)
    wage_min = forms.IntegerField(label=_("Expected monthly wage (yuan)"), required=False, min_value=0)
    hours = forms.ChoiceField(label=_("Hours"), choices=_choices(j.WISH_HOURS), required=False)
    training_wish = forms.CharField(label=_("Training wanted"), required=False)
    certificates = forms.CharField(label=_("Certificates held (separated by ;)"), required=False)
    columns = {"desired": "意向岗位（原文）", "wage_min": "期望月薪（元）", "hours": "工时意向",
               "training_wish": "培训意愿", "certificates": "持有证书"}


class EmployerForm(RegisterForm):
    name = forms.CharField(label=_("Employer name"))
    credit_code = forms.CharField(label=_("Unified social credit code"), required=False, max_length=18)
    industry = forms.CharField(label=_("Industry"), required=False)
    address = forms.CharField(label=_("Address"), required=False)
    contact_name = forms.CharField(label=_("Contact"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False)
    columns = {"name": "单位名称", "credit_code": "统一社会信用代码", "industry": "行业", "address": "地址",
               "contact_name": "联系人", "contact_phone": "联系电话"}


class AgreementForm(RegisterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(v, v) for v in j.AGREEMENT_KINDS])
    signed_on = forms.DateField(label=_("Signed on"), initial=today, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    content = forms.CharField(label=_("Content"), required=False)
    columns = {"kind": "类型", "signed_on": "签订日期", "end": "截止日期", "content": "内容"}
    fact_fields = ("signed_on",)


class DemandForm(RegisterForm):
    occupation = forms.CharField(label=_("Job (code or as written)"))
    count = forms.IntegerField(label=_("Places"), min_value=1, initial=1)
    date = forms.DateField(label=_("Date"), initial=today, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False)
    columns = {"occupation": "职业代码", "count": "人数", "date": "登记日期", "note": "备注"}
    fact_fields = ("date",)


class PostForm(RegisterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(v, v) for v in j.POST_KINDS])
    title = forms.CharField(label=_("Post"))
    slots = forms.IntegerField(label=_("Places"), min_value=1, initial=1)
    opened_on = forms.DateField(label=_("Developed on"), initial=today, widget=DateInput())
    employer_name = forms.CharField(label=_("Employer"), required=False)
    funding = forms.CharField(label=_("Funding"), required=False)
    columns = {"kind": "类型", "title": "岗位名称", "slots": "岗位数", "opened_on": "开发日期",
               "employer_name": "用人单位", "funding": "资金来源"}
    fact_fields = ("opened_on",)
