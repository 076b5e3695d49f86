"""The register: households, persons and their dated facts (exchange.md's tables).

Every model holding citizens' data is read through ``objects.for_user(user)``,
which restricts it to the user's divisions (deny by default).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jiuye.registry import vocab
from jiuye.registry.crypto import EncryptedTextField, lookup_hash, phone_hash
from jiuye.registry.scoping import ScopedManager, ScopedQuerySet


class DigestField(models.CharField):
    """A hex digest (a keyed hash, a row's hash): compared byte for byte. On PostgreSQL its
    column is declared ``COLLATE "C"``: a digest has no language order, and under the
    database's own collation (``C.UTF-8``, ``zh_CN.UTF-8``) every comparison calls ``strcoll``
    and sorts without abbreviated keys, which made its unique index the slowest part of
    writing a large register (bench/README.md, "the floor"). SQLite compares bytes already."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class Household(models.Model):
    code = models.TextField(_("家庭编号"), unique=True)
    community = models.ForeignKey(
        "divisions.Division", on_delete=models.PROTECT, related_name="households", verbose_name=_("社区")
    )
    address = models.TextField(_("住址"), blank=True)
    hukou = models.CharField(_("户口性质"), max_length=4, choices=vocab.choices(vocab.HUKOU))

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")

    def __str__(self) -> str:
        return self.code


class PersonQuerySet(ScopedQuerySet):
    def with_id_number(self, *id_numbers: str):
        """Persons by full ID number (exact), through the keyed hash."""
        return self.filter(id_hash__in=[lookup_hash(i) for i in id_numbers])

    def with_phone(self, phone: str):
        """Persons by phone number (exact, digits only), through the keyed hash."""
        hashed = phone_hash(phone)
        return self.filter(phone_hash=hashed) if hashed else self.none()


class Person(models.Model):
    # ID and phone numbers are encrypted at rest (jiuye/registry/crypto.py); they are
    # found by their keyed hashes, which ``save`` keeps in step (bulk writers set them).
    id_number = EncryptedTextField(_("身份证号"))
    # The hashes are found by equality only: their unique constraint and index are declared in
    # Meta, without the second ("_like", for LIKE) index PostgreSQL would get for unique=True or
    # db_index=True, which no query uses and every insert and bulk load has to build.
    id_hash = DigestField(max_length=32, editable=False)
    name = models.TextField(_("姓名"))
    sex = models.CharField(_("性别"), max_length=1, choices=vocab.choices(vocab.SEX))
    birth_date = models.DateField(_("出生日期"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("家庭")
    )
    relation = models.CharField(_("与户主关系"), max_length=4, blank=True, choices=vocab.choices(vocab.RELATION))
    education = models.CharField(_("文化程度"), max_length=8, blank=True, choices=vocab.choices(vocab.EDUCATION))
    residence_start = models.DateField(_("居住起始日期"))
    residence_end = models.DateField(_("居住终止日期"), null=True, blank=True)
    categories = models.TextField(_("人员类别"), blank=True, help_text=_("以;分隔"))
    retirement_category = models.CharField(_("退休年龄类别"), max_length=2, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = DigestField(max_length=32, blank=True, editable=False)
    skills = models.TextField(_("技能"), blank=True)
    # Raised by every change (page, API, import): an edit based on an older version is
    # refused and shown the other change (registry.services.person_update).
    version = models.PositiveIntegerField(default=1, editable=False)

    scope_lookup = "household__community__code"
    objects = ScopedManager.from_queryset(PersonQuerySet)()
    history = HistoricalRecords(excluded_fields=["id_number", "id_hash", "phone", "phone_hash"])

    class Meta:
        ordering = ["household_id", "id"]
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="person_id_hash_uniq")]
        indexes = [models.Index(fields=["phone_hash"], name="person_phone_hash")]
        permissions = [("view_full_id", _("可查看完整身份证号和电话 / may reveal full ID and phone numbers"))]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.id_hash, self.phone_hash = lookup_hash(self.id_number), phone_hash(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "id_hash", "phone_hash"}
        super().save(*args, **kwargs)

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(";") if c]


class StatusEpisode(models.Model):
    # No index of its own on ``person``: the unique (person, start) leads with it (as below).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="statuses", db_index=False)
    status = models.CharField(_("状态"), max_length=8, choices=vocab.choices(vocab.STATUS))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    employment_form = models.CharField(
        _("就业形式"), max_length=8, blank=True, choices=vocab.choices(vocab.EMPLOYMENT_FORM)
    )
    employer_name = models.TextField(_("单位名称"), blank=True)
    unemployment_reason = models.CharField(
        _("失业原因"), max_length=8, blank=True, choices=vocab.choices(vocab.UNEMPLOYMENT_REASON)
    )

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id", "start"]
        constraints = [models.UniqueConstraint(fields=["person", "start"], name="status_person_start_uniq")]
        verbose_name = _("就业状态")
        verbose_name_plural = _("就业状态")


class UnemploymentRegistration(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="registrations", db_index=False)
    registered_on = models.DateField(_("登记日期"))
    cancelled_on = models.DateField(_("注销日期"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("注销原因"), max_length=4, blank=True, choices=vocab.choices(vocab.CANCEL_REASON)
    )

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id", "registered_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "registered_on"], name="registration_person_date_uniq")
        ]
        verbose_name = _("失业登记")
        verbose_name_plural = _("失业登记")


class DibaoEpisode(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="dibao", db_index=False)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    scope_lookup = "household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["household_id", "start"]
        constraints = [models.UniqueConstraint(fields=["household", "start"], name="dibao_household_start_uniq")]
        verbose_name = _("低保")
        verbose_name_plural = _("低保")


class ServiceRecord(models.Model):
    """A service given to a person. Its key is the whole row (``row_hash``)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="services", db_index=False)
    date = models.DateField(_("服务日期"))
    service_type = models.CharField(_("服务类型"), max_length=8, choices=vocab.choices(vocab.SERVICE_TYPE))
    handler = models.TextField(_("经办人"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    row_hash = DigestField(max_length=40, editable=False)  # unique: Meta (as Person.id_hash)

    scope_lookup = "person__household__community__code"
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["row_hash"])

    class Meta:
        ordering = ["person_id", "date", "service_type"]
        constraints = [models.UniqueConstraint(fields=["row_hash"], name="service_row_hash_uniq")]
        indexes = [models.Index(fields=["person", "service_type", "date"], name="service_person_type_date")]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")


class Complaint(models.Model):
    """A complaint against a community. Its key is the whole row (``row_hash``)."""

    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="complaints")
    date = models.DateField(_("投诉日期"))
    valid = models.BooleanField(_("是否有效"))
    content = models.TextField(_("内容"), blank=True)
    row_hash = DigestField(max_length=40, editable=False)  # unique: Meta (as Person.id_hash)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["row_hash"])

    class Meta:
        ordering = ["community_id", "date"]
        constraints = [models.UniqueConstraint(fields=["row_hash"], name="complaint_row_hash_uniq")]
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")


class Target(models.Model):
    """A yearly target (目标任务) of a community."""

    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.TextField(_("指标"))
    target = models.IntegerField(_("目标值"))
    actual = models.IntegerField(_("实际值"), null=True, blank=True)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["community_id", "year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year", "indicator"], name="target_key_uniq")
        ]
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")


class OrganizationRecord(models.Model):
    """A community's organization (组织建设) for one year; blank cells stay None."""

    community = models.ForeignKey("divisions.Division", on_delete=models.PROTECT, related_name="organization")
    year = models.PositiveSmallIntegerField(_("年度"))
    service_station = models.BooleanField(_("服务站"), null=True)
    staff_count = models.IntegerField(_("专职人员数"), null=True, blank=True)
    staff_funds = models.BooleanField(_("人员经费"), null=True)
    work_funds = models.BooleanField(_("工作经费"), null=True)
    premises = models.BooleanField(_("固定场所"), null=True)
    facilities = models.BooleanField(_("办公服务设施"), null=True)

    scope_lookup = "community__code"
    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["community_id", "year"]
        constraints = [models.UniqueConstraint(fields=["community", "year"], name="organization_key_uniq")]
        verbose_name = _("组织建设")
        verbose_name_plural = _("组织建设")
