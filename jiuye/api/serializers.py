"""The API's typed representations. ID and phone numbers are always masked.

Read serializers take the objects (or dicts) the selectors return; write serializers
check types only, the services check everything else.
"""

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiuye.casework.models import AssistanceAction, PolicyBenefit, Training, ZeroEmploymentCase
from jiuye.jobs import models as j
from jiuye.jobs.occupations import normalize_code
from jiuye.registry import models as m
from jiuye.registry import vocab
from jiuye.registry.rules import idnumber

# -- masked values -------------------------------------------------------------------------------------



# A NUL character is refused (400); the schema says so, as a pattern.
NO_NUL = RegexValidator(r"^[^\x00]+$", message="不允许空字符 / NUL characters are not allowed")

class MaskedIdField(serializers.CharField):
    """An ID number shown as 500103********0119; never in clear over the API."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "masked ID number")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return idnumber.mask(value or "")


class MaskedPhoneField(serializers.CharField):
    """A phone number shown as 138****5678."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "masked phone number")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return idnumber.mask_phone(value or "")


@extend_schema_field({"type": "string", "format": "date", "pattern": r"^(19[5-9][0-9]|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
                      "description": "YYYY-MM-DD, 1950-01-01 … 2100-12-31"})
class BoundedDateField(serializers.DateField):
    """A date (YYYY-MM-DD) within the years the register and the calendar can hold."""

    earliest, latest = dt.date(1950, 1, 1), dt.date(2100, 12, 31)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not self.earliest <= day <= self.latest:
            raise serializers.ValidationError(
                f"日期须在 {self.earliest} 至 {self.latest} 之间 / the date must lie between {self.earliest} "
                f"and {self.latest}")
        return day


class OutputSerializer(serializers.ModelSerializer):
    """A model as the API shows it (read only). Text and choices the model allows blank may be
    blank in the output too (DRF drops ``allow_blank`` from read-only fields; the schema needs it)."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            try:
                model_field = self.Meta.model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, serializers.CharField | serializers.ChoiceField) and model_field.blank:
                field.allow_blank = True
        return fields


# -- errors (for the schema) -----------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# -- divisions and references -----------------------------------------------------------------------


class CommunityRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class HouseholdRefSerializer(OutputSerializer):
    community = serializers.CharField(source="community.code", read_only=True)

    class Meta:
        model = m.Household
        fields = ["id", "code", "community"]


class PersonRefSerializer(OutputSerializer):
    id_number = MaskedIdField()

    class Meta:
        model = m.Person
        fields = ["id", "name", "id_number"]


# -- the register ----------------------------------------------------------------------------------------


class PersonSerializer(OutputSerializer):
    id_number = MaskedIdField()
    phone = MaskedPhoneField()
    household = HouseholdRefSerializer(read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), source="category_list", read_only=True)

    class Meta:
        model = m.Person
        fields = ["id", "name", "id_number", "sex", "birth_date", "household", "relation", "education",
                  "residence_start", "residence_end", "categories", "retirement_category", "phone", "skills"]
        read_only_fields = fields


class StatusEpisodeSerializer(OutputSerializer):
    class Meta:
        model = m.StatusEpisode
        fields = ["id", "status", "start", "end", "employment_form", "employer_name", "unemployment_reason"]
        read_only_fields = fields


class RegistrationSerializer(OutputSerializer):
    class Meta:
        model = m.UnemploymentRegistration
        fields = ["id", "registered_on", "cancelled_on", "cancel_reason"]
        read_only_fields = fields


class ServiceRecordSerializer(OutputSerializer):
    class Meta:
        model = m.ServiceRecord
        fields = ["id", "date", "service_type", "handler", "note"]
        read_only_fields = fields


class TrainingSerializer(OutputSerializer):
    class Meta:
        model = Training
        fields = ["id", "course", "provider", "start", "end", "result", "certificate"]
        read_only_fields = fields


class BenefitSerializer(OutputSerializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True, allow_null=True,
                                      read_only=True)

    class Meta:
        model = PolicyBenefit
        fields = ["id", "kind", "amount", "start", "end", "note"]
        read_only_fields = fields


class PersonPageSerializer(serializers.Serializer):
    """A page of persons (``limit``/``offset``), as the paged lists answer."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PersonSerializer(many=True)


class PersonDetailSerializer(serializers.Serializer):
    """``registry.selectors.person_detail``: the person and their dated history."""

    person = PersonSerializer()
    statuses = StatusEpisodeSerializer(many=True)
    registrations = RegistrationSerializer(many=True)
    services = ServiceRecordSerializer(many=True, help_text="the latest 200")
    trainings = TrainingSerializer(many=True)
    benefits = BenefitSerializer(many=True)


class HouseholdSerializer(OutputSerializer):
    community = CommunityRefSerializer(read_only=True)

    class Meta:
        model = m.Household
        fields = ["id", "code", "community", "address", "hukou"]
        read_only_fields = fields


class DibaoSerializer(OutputSerializer):
    class Meta:
        model = m.DibaoEpisode
        fields = ["id", "start", "end"]
        read_only_fields = fields


class AssistanceActionSerializer(OutputSerializer):
    class Meta:
        model = AssistanceAction
        fields = ["id", "date", "action", "handler", "done"]
        read_only_fields = fields


class ZeroCaseSerializer(OutputSerializer):
    actions = AssistanceActionSerializer(many=True, read_only=True)

    class Meta:
        model = ZeroEmploymentCase
        fields = ["id", "detected_on", "recognized_on", "eliminated_on", "plan", "actions"]
        read_only_fields = fields


class HouseholdDetailSerializer(serializers.Serializer):
    """``registry.selectors.household_detail``: the household with its members."""

    household = HouseholdSerializer()
    members = PersonSerializer(many=True)
    dibao = DibaoSerializer(many=True)
    zero_cases = ZeroCaseSerializer(many=True)


# -- casework ------------------------------------------------------------------------------------------


class QueueItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["guidance", "zero", "placement", "follow_up", "long_term", "inactive",
                                            "dibao"])
    urgency = serializers.IntegerField(help_text="days left (negative: overdue); smaller is more urgent")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    person_id = serializers.IntegerField(allow_null=True)
    household_id = serializers.IntegerField(allow_null=True)


class ZeroHouseholdSerializer(serializers.Serializer):
    household = HouseholdSerializer()
    since = serializers.DateField()
    deadline = serializers.DateField()
    days_left = serializers.IntegerField()
    case = ZeroCaseSerializer(allow_null=True)


class EliminatedCaseSerializer(ZeroCaseSerializer):
    household = HouseholdRefSerializer(read_only=True)

    class Meta(ZeroCaseSerializer.Meta):
        fields = [*ZeroCaseSerializer.Meta.fields, "household"]
        read_only_fields = fields


class ZeroBoardSerializer(serializers.Serializer):
    current = ZeroHouseholdSerializer(many=True)
    eliminated = EliminatedCaseSerializer(many=True, help_text="cases eliminated this year")


class TextField(serializers.CharField):
    """Text input: a JSON string only (DRF would turn a number into text)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ServiceInputSerializer(serializers.Serializer):
    date = BoundedDateField()
    service_type = serializers.ChoiceField(choices=vocab.SERVICE_TYPE)
    handler = TextField(required=False, allow_blank=True, default="", max_length=200)
    note = TextField(required=False, allow_blank=True, default="", max_length=2000)


CONFIRM_HELP = ("true: you accept that this write ends or replaces the person's current status episode (or "
                "cancels a registration). Without it such a write is refused with 409 and the changes it would make")


class RegistrationInputSerializer(serializers.Serializer):
    registered_on = BoundedDateField(help_text="YYYY-MM-DD, not after today")
    unemployment_reason = serializers.ChoiceField(choices=vocab.UNEMPLOYMENT_REASON, required=False,
                                                  allow_blank=True, default="")
    confirm = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=vocab.STATUS)
    start = BoundedDateField(help_text="YYYY-MM-DD, not after today")
    employment_form = serializers.ChoiceField(choices=vocab.EMPLOYMENT_FORM, required=False, allow_blank=True,
                                              default="")
    employer_name = TextField(required=False, allow_blank=True, default="", max_length=200)
    unemployment_reason = serializers.ChoiceField(choices=vocab.UNEMPLOYMENT_REASON, required=False,
                                                  allow_blank=True, default="")
    confirm = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class ChangeSerializer(serializers.Serializer):
    """A stored record a write ends, replaces or cancels (``registry.services.EpisodeChange``)."""

    kind = serializers.ChoiceField(choices=["ends", "replaced", "cancelled"],
                                   help_text="ends: the episode ends on `end`; replaced: the episode starting that "
                                             "day is replaced; cancelled: the registration is cancelled on `end`")
    record = serializers.ChoiceField(choices=["status", "registration"])
    id = serializers.IntegerField(source="pk")
    status = serializers.CharField(allow_blank=True, help_text="the episode's status (blank for a registration)")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)
    new_status = serializers.CharField(allow_blank=True, help_text="the status the write records")
    description = serializers.CharField(source="message", help_text="中文 / English")


class ConfirmationNeededSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changes = ChangeSerializer(many=True)


class RegistrationCreatedSerializer(RegistrationSerializer):
    """The registration written, and what it ended (the job covering the day, …)."""

    changes = ChangeSerializer(many=True, read_only=True)

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "changes"]
        read_only_fields = fields


class StatusCreatedSerializer(StatusEpisodeSerializer):
    """The status episode written, and the episode it ended or replaced."""

    changes = ChangeSerializer(many=True, read_only=True)

    class Meta(StatusEpisodeSerializer.Meta):
        fields = [*StatusEpisodeSerializer.Meta.fields, "changes"]
        read_only_fields = fields


class PersonSearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, validators=[NO_NUL],
                              help_text="name, pinyin initials (zjg), full ID number, phone, or (community workers) "
                                        "a phone's last 4–6 digits")


class PersonPatchSerializer(serializers.Serializer):
    """The 人员 columns an edit may change (the ID number and the household are changed on the pages)."""

    name = TextField(required=False)
    sex = serializers.ChoiceField(choices=vocab.SEX, required=False)
    birth_date = BoundedDateField(required=False)
    relation = serializers.ChoiceField(choices=vocab.RELATION, required=False, allow_blank=True)
    education = serializers.ChoiceField(choices=vocab.EDUCATION, required=False, allow_blank=True)
    residence_start = BoundedDateField(required=False)
    residence_end = BoundedDateField(required=False, allow_null=True)
    # (a MultipleChoiceField: its errors are a flat list, as the 400 schema says)
    categories = serializers.MultipleChoiceField(choices=vocab.CATEGORY, required=False, allow_empty=True)
    retirement_category = serializers.ChoiceField(choices=vocab.RETIREMENT_CATEGORY, required=False,
                                                  allow_blank=True)
    phone = TextField(required=False, allow_blank=True, help_text="blank removes the phone number")
    skills = TextField(required=False, allow_blank=True)

    COLUMNS = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "relation": "与户主关系",
               "education": "文化程度", "residence_start": "居住起始日期", "residence_end": "居住终止日期",
               "categories": "人员类别", "retirement_category": "退休年龄类别", "phone": "联系电话", "skills": "技能"}


# -- jobs --------------------------------------------------------------------------------------------------


class EmployerRefSerializer(OutputSerializer):
    class Meta:
        model = j.Employer
        fields = ["id", "name"]


class EmployerSerializer(OutputSerializer):
    community = CommunityRefSerializer(read_only=True)
    contact_phone = MaskedPhoneField()
    vacancy_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = j.Employer
        fields = ["id", "name", "credit_code", "industry", "address", "contact_name", "contact_phone", "note",
                  "community", "vacancy_count"]
        read_only_fields = fields


class AgreementSerializer(OutputSerializer):
    class Meta:
        model = j.EmployerAgreement
        fields = ["id", "kind", "signed_on", "end", "content"]
        read_only_fields = fields


class DemandSerializer(OutputSerializer):
    class Meta:
        model = j.EmployerDemand
        fields = ["id", "occupation_code", "occupation_text", "count", "date", "note"]
        read_only_fields = fields


class VacancySummarySerializer(OutputSerializer):
    community = CommunityRefSerializer(read_only=True)
    employer = EmployerRefSerializer(read_only=True, allow_null=True)
    certificates = serializers.SerializerMethodField()

    class Meta:
        model = j.Vacancy
        fields = ["id", "title", "community", "employer", "occupation_code", "count", "wage_min", "wage_max",
                  "hours", "hours_note", "location_code", "address", "education_min", "age_min", "age_max",
                  "skills", "certificates", "opened_on", "closed_on", "source", "note"]
        read_only_fields = fields

    def get_certificates(self, vacancy) -> list[str]:
        return [c for c in vacancy.certificates.split(";") if c]


class VacancySerializer(VacancySummarySerializer):
    """A vacancy with its places filled (referrals 录用) and free."""

    filled = serializers.IntegerField(read_only=True)
    free = serializers.IntegerField(read_only=True)

    class Meta(VacancySummarySerializer.Meta):
        fields = [*VacancySummarySerializer.Meta.fields, "filled", "free"]
        read_only_fields = fields


class OccupationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class VacancyRefSerializer(OutputSerializer):
    class Meta:
        model = j.Vacancy
        fields = ["id", "title"]


class ReferralSerializer(OutputSerializer):
    vacancy = VacancyRefSerializer(read_only=True)
    person = PersonRefSerializer(read_only=True)
    stage = serializers.CharField(read_only=True)

    class Meta:
        model = j.Referral
        fields = ["id", "vacancy", "person", "referred_on", "handler", "note", "interview_on", "outcome",
                  "decided_on", "reason", "hired_start", "check3_on", "check3_in_work", "check6_on",
                  "check6_in_work", "stage"]
        read_only_fields = fields


class VacancyDetailSerializer(serializers.Serializer):
    """``jobs.selectors.vacancy_detail``."""

    vacancy = VacancySummarySerializer()
    occupation = OccupationSerializer(many=True, help_text="the occupation's path in GB/T 6565, major group first")
    filled = serializers.IntegerField()
    free = serializers.IntegerField()
    referrals = ReferralSerializer(many=True)


class EmployerDetailSerializer(serializers.Serializer):
    """``jobs.selectors.employer_detail``."""

    employer = EmployerSerializer()
    agreements = AgreementSerializer(many=True)
    demands = DemandSerializer(many=True)
    vacancies = VacancySerializer(many=True)


class _MatchSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    parts = serializers.DictField(child=serializers.IntegerField(), help_text="points of each part")
    notes = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="why, per part")
    excluded = serializers.ListField(child=serializers.CharField(), help_text="hard requirements not met")


class VacancyMatchSerializer(_MatchSerializer):
    """An open vacancy ranked for a person (``jobs.matching.vacancies_for_person``)."""

    vacancy = VacancySummarySerializer()


class PersonMatchSerializer(_MatchSerializer):
    """A resident ranked for a vacancy (``jobs.matching.persons_for_vacancy``)."""

    person = PersonRefSerializer()
    tier = serializers.IntegerField()
    tier_label = serializers.CharField()


# -- standards -----------------------------------------------------------------------------------------


def _standard(name: str, **fields) -> type[serializers.Serializer]:
    # "pass" is a keyword: the fields are given as a dict.
    return type(name, (serializers.Serializer,), {"pass": serializers.BooleanField(), **fields})


def _ratio() -> dict:
    return {"value": serializers.FloatField(allow_null=True), "numerator": serializers.IntegerField(),
            "denominator": serializers.IntegerField()}


def _counts(*names: str) -> dict:
    return {name: serializers.IntegerField() for name in names}


def _names() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField())


StandardsSerializer = type("StandardsSerializer", (serializers.Serializer,), {
    "s1": _standard("S1Serializer", **_ratio())(),
    "s2": _standard("S2Serializer", **_counts("zero_employment", "overdue", "eliminated_late"))(),
    "s3": _standard("S3Serializer", **_ratio())(),
    "s4": _standard("S4Serializer", **_counts("numerator", "denominator", "pending"))(),
    "s5": _standard("S5Serializer", **_counts("long_term"))(),
    "s6": _standard("S6Serializer", targets_unmet=_names(),
                    **_counts("valid_complaints", "outreach_numerator", "outreach_denominator"))(),
    "s7": _standard("S7Serializer", **_counts("active_numerator", "active_denominator", "migrant_numerator",
                                              "migrant_denominator"))(),
    "s8": _standard("S8Serializer", missing=_names())(),
})


class ExplainItemSerializer(serializers.Serializer):
    """A person or household behind a failing standard."""

    reason = serializers.CharField()
    person_id = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False, help_text="masked ID number")
    household_id = serializers.IntegerField(required=False)
    household = serializers.CharField(required=False, help_text="家庭编号")
    since = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    eliminated = serializers.DateField(required=False, allow_null=True)
    registered = serializers.DateField(required=False, allow_null=True)
    working_days_late = serializers.IntegerField(required=False, allow_null=True)


class DataQualitySerializer(serializers.Serializer):
    unknown_status = serializers.IntegerField()


CommunityStandingSerializer = type("CommunityStandingSerializer", (serializers.Serializer,), {
    "__doc__": "One community's eight standards (exchange.md's evaluation object).",
    "code": serializers.CharField(),
    "name": serializers.CharField(),
    "pass": serializers.BooleanField(),
    "standards": StandardsSerializer(),
    "data_quality": DataQualitySerializer(),
})


class CommunityExplainedSerializer(CommunityStandingSerializer):
    explain = serializers.DictField(child=ExplainItemSerializer(many=True),
                                    help_text="failing standard (s1…s7) → the persons and households behind it")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class StandingSerializer(serializers.Serializer):
    """The communities in the caller's scope as of a date."""

    as_of = serializers.DateField()
    period = PeriodSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    communities = CommunityStandingSerializer(many=True)


class CommunityStandingDetailSerializer(serializers.Serializer):
    """One community as of a date, with the persons and households behind each failure."""

    as_of = serializers.DateField()
    period = PeriodSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    community = CommunityExplainedSerializer()


# -- query parameters ----------------------------------------------------------------------------------


class AsOfQuery(serializers.Serializer):
    as_of = BoundedDateField(required=False, help_text="YYYY-MM-DD (default: today)")


# In a URL, a search holds no number: 4 or more digits (an ID number, a phone, its last digits) go in the
# body of POST persons/search/ (access logs, proxies and histories keep URLs). No NUL either.
NOT_A_NUMBER = RegexValidator(
    r"^(?!$)[^\x000-9０-９]*(?:[0-9０-９][^\x000-9０-９]*){0,3}$",  # (?!$): blank is the other branch of the schema
    message="身份证号和电话号码不能放在网址中，请改用 POST 方法查找（接口 persons/search/）/ ID and phone numbers must not be sent in a "
            "URL (logs keep them): search with POST persons/search/")


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, validators=[NOT_A_NUMBER],
                              help_text="name or pinyin initials (zjg); none: everyone. At most 3 digits: search by "
                                        "ID number or phone with POST persons/search/")


_DIVISION = serializers.RegexField(r"^(\d{6}|\d{9}|\d{12})$", required=False,
                                   help_text="only this division (6, 9 or 12 digits)")


class HouseholdQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, validators=[NO_NUL], help_text="家庭编号 or address")
    community = _DIVISION


class VacancyQuery(serializers.Serializer):
    open = serializers.BooleanField(required=False, default=False,
                                    help_text="only vacancies open on `on` with a free place")
    on = BoundedDateField(required=False, help_text="YYYY-MM-DD (default: today)")
    occupation = serializers.RegexField(r"^([0-9](-[0-9]{2}){0,3}|[0-9]([0-9]{2}){1,3})?$", required=False,
                                        allow_blank=True, help_text="GB/T 6565 code or group (4-07-05 or 40705)")
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, validators=[NO_NUL], help_text="title, skills, employer")
    community = _DIVISION

    def validate_occupation(self, value):
        try:
            return normalize_code(value) if value else ""
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class EmployerQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, validators=[NO_NUL],
                              help_text="name, credit code or industry")
    community = _DIVISION


MAX_ID = 2**63 - 1  # a 64-bit primary key


class ReferralQuery(serializers.Serializer):
    vacancy = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    stage = serializers.ChoiceField(required=False, choices=["已推荐", "已面试", "未录用", "已录用", "稳岗3个月",
                                                             "稳岗6个月", "已离岗"])


class MatchQuery(serializers.Serializer):
    on = BoundedDateField(required=False, help_text="YYYY-MM-DD (default: today)")
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=100)
    include_excluded = serializers.BooleanField(required=False, default=False,
                                                help_text="also those failing a hard requirement, last")
