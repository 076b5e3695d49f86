"""Forms on the register: the base of every form whose errors come from the services
(``RegisterForm``), and adding and editing a person or a household (the 人员 and 家庭 columns,
validated by the importer's rules)."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuye.bilingual import OneLanguageErrorList
from jiuye.registry import vocab


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def _date_in_range(value):
    if value is not None and not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
        raise forms.ValidationError("日期超出范围（1900-01-01 至 2100-12-31）/ date out of range (1900-01-01 to 2100-12-31)")


class RegisterForm(forms.Form):
    """A form whose fields stand for columns of the register: the services' problems (by column)
    land beside the field that caused them."""

    # form field -> exchange column (or casework label) used by the services' errors
    columns: dict[str, str] = {}
    # date fields that record something that happened: the services refuse a day after today,
    # and the date picker offers none
    fact_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", OneLanguageErrorList)  # the services' 中文 / English: one half shown
        super().__init__(*args, **kwargs)
        from django.core.validators import ProhibitNullCharactersValidator

        from jiuye.registry.services import NUL_MESSAGE

        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):  # no date a calendar cannot count working days to
                field.validators.append(_date_in_range)
                if name in self.fact_fields:
                    field.widget.attrs["max"] = today().isoformat()
            # A NUL cannot be stored (PostgreSQL): said in both languages, beside the field.
            field.validators[:] = [ProhibitNullCharactersValidator(message=NUL_MESSAGE)
                                   if isinstance(v, ProhibitNullCharactersValidator) else v for v in field.validators]

    def add_service_errors(self, errors: dict[str, str]) -> None:
        by_column = {column: field for field, column in self.columns.items()}
        for column, message in errors.items():
            field = by_column.get(column)
            self.add_error(field if field in self.fields else None, message)


def today():
    """Today where the register is kept (``TIME_ZONE``), as the services count it."""
    from django.utils import timezone

    return timezone.localdate()


def _choices(values):
    return [("", "—"), *[(v, v) for v in values]]


class PersonForm(RegisterForm):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=_("Name"))
    sex = forms.ChoiceField(label=_("Sex"), choices=_choices(vocab.SEX))
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput())
    relation = forms.ChoiceField(label=_("Relation to head"), choices=_choices(vocab.RELATION), required=False)
    education = forms.ChoiceField(label=_("Education"), choices=_choices(vocab.EDUCATION), required=False)
    residence_start = forms.DateField(label=_("Residence start"), widget=DateInput())
    residence_end = forms.DateField(label=_("Residence end"), widget=DateInput(), required=False)
    categories = forms.MultipleChoiceField(label=_("Categories"), choices=[(v, v) for v in vocab.CATEGORY],
                                           required=False, widget=forms.CheckboxSelectMultiple)
    retirement_category = forms.ChoiceField(label=_("Retirement category"), choices=[("", "—"), ("50", "50")],
                                            required=False)
    phone = forms.CharField(label=_("Phone"), required=False)
    skills = forms.CharField(label=_("Skills"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fact_fields = ("birth_date", "residence_start")
    columns = {"id_number": "身份证号", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
               "relation": "与户主关系", "education": "文化程度", "residence_start": "居住起始日期",
               "residence_end": "居住终止日期", "categories": "人员类别", "retirement_category": "退休年龄类别",
               "phone": "联系电话", "skills": "技能"}

    def _exchange_values(self) -> dict:
        values = {}
        for field, column in self.columns.items():
            value = self.cleaned_data.get(field)
            if isinstance(value, str):
                value = value.strip()
            if field == "categories":
                value = ";".join(value or [])
            values[column] = "" if value is None else value
        return values

    base = forms.CharField(widget=forms.HiddenInput, required=False)  # signed person_snapshot

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:
            # Editing: the full ID and phone numbers are never put in the page; a blank
            # field keeps the stored number, a typed one replaces it.
            from jiuye.registry.rules.idnumber import mask, mask_phone

            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("Now %(masked)s; leave blank to keep it.") % {
                "masked": mask(person.id_number)}
            self.fields["phone"].help_text = (_("Now %(masked)s; leave blank to keep it.") % {
                "masked": mask_phone(person.phone)}) if person.phone else ""
            self.fields["clear_phone"] = forms.BooleanField(label=_("Remove the phone number"), required=False)

    @property
    def base_missing(self) -> bool:
        """The edit was posted without the version it started from (an old page, a client of its own)."""
        return self.person is not None and not (self.cleaned_data or {}).get("base")

    def base_snapshot(self) -> dict:
        """The signed snapshot the editor started from. Without one (a form posted without the
        field) or with a tampered one it is a snapshot of no version: refused as a conflict,
        like a stale one, so an edit is always checked against the stored version."""
        from django.core import signing

        if not self.cleaned_data.get("base"):
            return {"version": None}
        try:
            return signing.loads(self.cleaned_data["base"], salt="person-edit")
        except signing.BadSignature:
            return {"version": None}

    def exchange_values(self) -> dict:
        values = self._exchange_values()
        if self.person is not None:
            if not values["身份证号"]:
                del values["身份证号"]
            if self.cleaned_data.get("clear_phone"):
                values["联系电话"] = ""
            elif not values["联系电话"]:
                del values["联系电话"]
        return values

    @classmethod
    def initial_for(cls, person) -> dict:
        from django.core import signing

        from jiuye.registry.services import person_snapshot

        return {"base": signing.dumps(person_snapshot(person), salt="person-edit"), "name": person.name, "sex": person.sex,
                "birth_date": person.birth_date, "relation": person.relation, "education": person.education,
                "residence_start": person.residence_start, "residence_end": person.residence_end,
                "categories": person.category_list, "retirement_category": person.retirement_category,
                "skills": person.skills}


class HouseholdForm(RegisterForm):
    """A new household of the worker's community (the 家庭 columns). Its members are added on its
    page afterwards; membership has no dates (exchange.md)."""

    code = forms.CharField(label=_("Household number"))
    address = forms.CharField(label=_("Home address"), required=False)
    hukou = forms.ChoiceField(label=_("Hukou"), choices=_choices(vocab.HUKOU))
    columns = {"code": "家庭编号", "address": "住址", "hukou": "户口性质"}

    def exchange_values(self) -> dict:
        return {column: (self.cleaned_data.get(field) or "").strip() for field, column in self.columns.items()}
