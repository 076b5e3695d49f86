"""Certification (验收) and re-check (复查) of the worked example's communities: who may act at
each step, what each step records, what can no longer change."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.casework import services as cw
from jiuye.divisions.models import Division, Level
from jiuye.oversight import selectors as sel
from jiuye.oversight import services as sv
from jiuye.oversight.models import (
    Certification,
    CertificationLocked,
    CertificationStatus,
    CertificationStep,
    Evidence,
    OversightError,
    Recheck,
    RecheckStatus,
)
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash
from jiuye.standards.evaluate import evaluate
from jiuye.standards.models import EvaluationSnapshot, PolicyParameter
from jiuye.standards.snapshots import snapshot_save

pytestmark = pytest.mark.django_db

PASSWORD = "Gongzuo-2026!x"
A = "500103001001"  # 示例甲社区: passes on 2026-06-30
B = "500103001002"  # 示例乙社区: fails on 2026-06-30
ZHANG = "500103198003150119"  # 张建国, A1, 就业
CHEN = "500103199001010117"  # 陈勇, A3, 农民工 (S7 needs a visit within the period)
D = dt.date(2026, 6, 30)
TZ = ZoneInfo("Asia/Shanghai")


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


# -- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def example(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return example_dir


@pytest.fixture
def users(example):
    made = {}
    for name, role, code in [
        ("worker", "community", A), ("worker_b", "community", B), ("street", "street", "500103001"),
        ("street_other", "street", "500105002"), ("district", "district", "500103"),
        ("district_other", "district", "500105"), ("city", "city", "500000"),
    ]:
        made[name] = user_add(username=name, role=role, scope_code=code, password=PASSWORD)
    return made


def pdf_file(name="s6.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf")


def png_file(name="s7.png"):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")


def xlsx_file(name="s8.xlsx"):
    from openpyxl import Workbook

    out = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "组织建设"
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def docx_file(name="s8.docx"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    return SimpleUploadedFile(name, out.getvalue())


def evidence(**overrides):
    files = {"s6": pdf_file(), "s7": png_file(), "s8": xlsx_file()}
    files.update(overrides)
    return {k: v for k, v in files.items() if v is not None}


def person(id_number):
    return m.Person.objects.with_id_number(id_number).get()


def keep_passing(year: int):
    """What 甲 needs to pass again a year on: the year's 组织建设 row and a visit to its migrant worker."""
    m.OrganizationRecord.objects.create(
        community=Division.objects.get(code=A), year=year, service_station=True, staff_count=2, staff_funds=True,
        work_funds=True, premises=True, facilities=True,
    )
    worker = m.Person.objects.with_id_number(CHEN).get()
    m.ServiceRecord.objects.create(person=worker, date=dt.date(year, 1, 10), service_type="上门走访",
                                   row_hash=f"test-visit-{year}")


def certify(users, accepted_on=dt.date(2026, 7, 10)) -> Certification:
    with on(D):
        certification = sv.certification_apply(user=users["worker"], community=A, evidence=evidence())
    with on(dt.date(2026, 7, 2)):
        sv.certification_review(user=users["street"], certification=certification, approve=True)
    with on(accepted_on):
        return sv.certification_accept(user=users["district"], certification=certification, accept=True)


def actions(certification):
    return [s.action for s in CertificationStep.objects.filter(certification=certification).order_by("at", "id")]


# -- the full walk -------------------------------------------------------------------------------------


def test_full_walk_apply_review_accept_recheck_flag_and_clear(users, media):
    worker, street, district = users["worker"], users["street"], users["district"]
    with on(D):
        certification = sv.certification_apply(user=worker, community=A, evidence=evidence(), note="材料齐全")
    assert certification.status == CertificationStatus.APPLIED
    snapshot = certification.snapshot
    assert snapshot.as_of == D and snapshot.division_code == A
    assert next(c for c in snapshot.result["communities"] if c["code"] == A)["pass"] is True
    files = list(Evidence.objects.filter(certification=certification).order_by("standard"))
    assert [(e.standard, e.kind) for e in files] == [("s6", "pdf"), ("s7", "png"), ("s8", "xlsx")]
    for item in files:
        assert item.file.name.startswith(f"evidence/{A}/")
        assert (media / item.file.name).exists() and item.size == (media / item.file.name).stat().st_size
        assert len(item.sha256) == 64
    assert list(sel.certifications_pending(street)) == [certification]
    assert list(sel.certifications_pending(district)) == []
    assert sel.certification_allowed_actions(street, certification) == {"review"}

    with on(dt.date(2026, 7, 2)):
        certification = sv.certification_review(user=street, certification=certification, approve=True, reason="同意")
    assert certification.status == CertificationStatus.REVIEWED and certification.reviewed_by == street
    assert list(sel.certifications_pending(district)) == [certification]
    assert sel.certification_allowed_actions(district, certification) == {"accept"}

    with on(dt.date(2026, 7, 10)):
        certification = sv.certification_accept(user=district, certification=certification, accept=True)
    assert certification.status == CertificationStatus.CERTIFIED
    assert certification.certified_on == dt.date(2026, 7, 10)
    assert certification.snapshot == snapshot and certification.accepted_by == district
    steps = list(sel.certification_steps(district, certification))
    assert [(s.action, s.actor, s.role) for s in steps] == [
        ("apply", "worker", "community"), ("review_approve", "street", "street"), ("accept", "district", "district"),
    ]
    assert steps[0].reason == "材料齐全" and steps[1].reason == "同意" and steps[2].snapshot == snapshot
    assert steps[0].at.astimezone(TZ).date() == D and steps[1].at.astimezone(TZ).date() == dt.date(2026, 7, 2)
    audited = list(AuditEvent.objects.filter(action__startswith="certification.").order_by("id")
                   .values_list("action", "actor", "division_code"))
    assert audited == [("certification.apply", "worker", A), ("certification.review", "street", A),
                       ("certification.accept", "district", A)]
    assert [c.community.code for c in sel.certified_communities(user=district)] == [A]
    assert [c.community.code for c in sel.certified_communities(user=users["city"], year=2026)] == [A]
    assert list(sel.certified_communities(user=district, year=2025)) == []
    assert list(sel.certified_communities(user=users["district_other"])) == []

    # A year later 甲 keeps its ledgers up (so it would pass) but 张建国 becomes unemployed: S1 fails.
    due = dt.date(2027, 9, 30)
    with on(dt.date(2027, 6, 30)):
        keep_passing(2027)
        cw.registration_create(user=worker, person=person(ZHANG), registered_on=dt.date(2027, 6, 1),
                               unemployment_reason="单位解除合同")
        cw.guidance_record(user=worker, person=person(ZHANG), date=dt.date(2027, 6, 2))
        cw.policy_outreach(user=worker, person=person(ZHANG), date=dt.date(2027, 6, 2), kind="政策宣传")
        summary = sv.recheck_run(user=district, year=2027, as_of=dt.date(2027, 6, 30))
    assert summary["checked"] == 1 and summary["passed"] == [] and summary["cleared"] == []
    [flagged] = summary["flagged"]
    assert flagged["code"] == A and flagged["due_on"] == due and flagged["failed"] == ["s1"]
    recheck = Recheck.objects.get(certification=certification, year=2027)
    assert recheck.status == RecheckStatus.FLAGGED and recheck.due_on == due and recheck.as_of == dt.date(2027, 6, 30)
    assert recheck.snapshot_id == summary["snapshot"] and recheck.snapshot.division_code == "500103"
    assert next(c for c in recheck.snapshot.result["communities"] if c["code"] == A)["pass"] is False
    assert "rollups" in recheck.snapshot.result
    assert actions(certification)[-1] == "recheck_flag"
    assert "S1" in CertificationStep.objects.filter(certification=certification).last().reason
    # Still certified: only the district's revocation takes that away.
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.CERTIFIED
    with on(dt.date(2027, 7, 1)):
        due_list = sel.rechecks_due(district)
    assert [(r.community.code, r.overdue) for r in due_list] == [(A, False)]
    assert [r.overdue for r in sel.rechecks_due(district, dt.date(2027, 10, 1))] == [True]
    # Running the year's re-check again changes nothing while it still fails.
    with on(dt.date(2027, 7, 1)):
        again = sv.recheck_run(user=district, year=2027, as_of=dt.date(2027, 7, 1))
    assert [line["code"] for line in again["unchanged"]] == [A] and again["flagged"] == []

    # Clearing needs a pass: refused while 张建国 is unemployed, accepted once he works again.
    with on(dt.date(2027, 7, 5)), pytest.raises(OversightError, match="仍未达标.*still fails"):
        sv.recheck_clear(user=district, recheck=recheck)
    with on(dt.date(2027, 7, 15)):
        cw.employment_record(user=worker, person=person(ZHANG), start=dt.date(2027, 7, 1),
                             employment_form="单位就业", employer_name="重庆某公司")
        registration = m.UnemploymentRegistration.objects.get(person__id_hash=lookup_hash(ZHANG), registered_on=dt.date(2027, 6, 1))
        assert registration.cancelled_on == dt.date(2027, 7, 1)  # working again cancels the registration
        with pytest.raises(PermissionDenied):
            sv.recheck_clear(user=users["street"], recheck=recheck)
        cleared = sv.recheck_clear(user=district, recheck=recheck)
    assert cleared.status == RecheckStatus.CLEARED and cleared.cleared_on == dt.date(2027, 7, 15)
    assert cleared.clear_snapshot.as_of == dt.date(2027, 7, 15)
    assert actions(certification)[-1] == "recheck_clear"
    assert sel.rechecks_due(district) == []
    with pytest.raises(OversightError, match="无需整改"):
        sv.recheck_clear(user=district, recheck=recheck)


def test_apply_with_a_saved_snapshot_and_its_age(users):
    with on(D):
        snapshot = snapshot_save(result=evaluate(D, prefix="500103"), division_code="500103")
    with on(dt.date(2026, 10, 15)), pytest.raises(OversightError, match="已过期.*older than 92 days"):
        sv.certification_apply(user=users["worker"], community=A, snapshot=snapshot, evidence=evidence())
    with on(dt.date(2026, 7, 2)):
        certification = sv.certification_apply(user=users["worker"], community=A, snapshot=snapshot.pk,
                                               evidence=evidence(s8=docx_file()))
    assert certification.snapshot == snapshot
    assert EvaluationSnapshot.objects.count() == 1  # no new evaluation saved


def test_a_failing_community_cannot_apply(users, media):
    before = (EvaluationSnapshot.objects.count(), AuditEvent.objects.count())
    with on(D), pytest.raises(OversightError) as info:
        sv.certification_apply(user=users["worker_b"], community=B, evidence=evidence())
    message = str(info.value)
    assert "未达标" in message and "does not pass" in message and "S1" in message and "cannot apply" in message
    assert not Certification.objects.exists() and not Evidence.objects.exists()
    assert (EvaluationSnapshot.objects.count(), AuditEvent.objects.count()) == before
    assert not (media / "evidence").exists() or not any((media / "evidence").rglob("*.*"))
    # A saved evaluation in which 乙 fails is refused too.
    with on(D):
        snapshot = snapshot_save(result=evaluate(D, prefix=B), division_code=B)
        with pytest.raises(OversightError, match="does not pass"):
            sv.certification_apply(user=users["worker_b"], community=B, snapshot=snapshot, evidence=evidence())
        # … and one without the community at all.
        with pytest.raises(OversightError, match="does not include"):
            sv.certification_apply(user=users["worker"], community=A, snapshot=snapshot, evidence=evidence())


def test_evidence_is_validated_and_nothing_is_kept_when_refused(users, media, settings):
    cases = [
        (evidence(s8=None), "缺少验收材料.*S8"),
        (evidence(s6=SimpleUploadedFile("virus.exe", b"MZ....")), "file type not allowed"),
        (evidence(s6=SimpleUploadedFile("fake.pdf", b"\x89PNG\r\n\x1a\n....")), "not a valid PDF"),
        (evidence(s8=SimpleUploadedFile("fake.xlsx", b"PK\x03\x04 not a zip")), "not a valid XLSX"),
        (evidence(s8=docx_file("wrong.xlsx")), "not a valid XLSX"),
        (evidence(s7=SimpleUploadedFile("empty.png", b"")), "empty"),
        ({**evidence(), "s9": pdf_file()}, "S6, S7 or S8"),
    ]
    for files, message in cases:
        with on(D), pytest.raises(OversightError, match=message):
            sv.certification_apply(user=users["worker"], community=A, evidence=files)
    settings.JIUYE_EVIDENCE_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    with on(D), pytest.raises(OversightError, match="too large"):
        sv.certification_apply(user=users["worker"], community=A, evidence=evidence(s6=big))
    assert not Certification.objects.exists() and not Evidence.objects.exists()
    assert not EvaluationSnapshot.objects.exists()
    assert not (media / "evidence").exists() or not any((media / "evidence").rglob("*.*"))
    # Several files for one standard are fine.
    settings.JIUYE_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    with on(D):
        certification = sv.certification_apply(user=users["worker"], community=A,
                                               evidence=evidence(s7=[png_file("a.png"), pdf_file("b.pdf")]))
    assert certification.evidence.filter(standard="s7").count() == 2


def test_wrong_role_or_scope_is_refused_at_each_step(users):
    u = users
    with on(D):
        for who in ("street", "district", "city", "worker_b"):
            with pytest.raises(PermissionDenied):
                sv.certification_apply(user=u[who], community=A, evidence=evidence())
        with pytest.raises(PermissionDenied):
            sv.certification_apply(user=u["worker"], community=B, evidence=evidence())
        certification = sv.certification_apply(user=u["worker"], community=A, evidence=evidence())
    with on(dt.date(2026, 7, 2)):
        for who in ("worker", "worker_b", "street_other", "district", "city"):
            with pytest.raises(PermissionDenied):
                sv.certification_review(user=u[who], certification=certification, approve=True)
        with pytest.raises(OversightError, match="cannot be accepted"):
            sv.certification_accept(user=u["district"], certification=certification, accept=True)
        sv.certification_review(user=u["street"], certification=certification, approve=True)
    with on(dt.date(2026, 7, 10)):
        for who in ("worker", "street", "district_other", "city"):
            with pytest.raises(PermissionDenied):
                sv.certification_accept(user=u[who], certification=certification, accept=True)
        sv.certification_accept(user=u["district"], certification=certification, accept=True)
        for who in ("worker", "street", "district_other", "city"):
            with pytest.raises(PermissionDenied):
                sv.certification_revoke(user=u[who], certification=certification, reason="x")
        for who in ("worker", "street"):
            with pytest.raises(PermissionDenied):
                sv.recheck_run(user=u[who], year=2026)
    assert actions(certification) == ["apply", "review_approve", "accept"]
    # Reads are scoped as well.
    assert sel.certification_detail(u["worker_b"], certification.pk) is None
    assert sel.certification_detail(u["street_other"], certification.pk) is None
    assert sel.certification_detail(u["worker"], certification.pk) == certification
    assert sel.certification_allowed_actions(u["district_other"], certification) == set()


def test_returns_need_reasons_and_the_community_may_apply_again(users):
    u = users
    with on(D):
        first = sv.certification_apply(user=u["worker"], community=A, evidence=evidence())
        with pytest.raises(OversightError, match="已有验收.*already has"):
            sv.certification_apply(user=u["worker"], community=A, evidence=evidence())
    with on(dt.date(2026, 7, 1)):
        with pytest.raises(OversightError, match="reason is required"):
            sv.certification_review(user=u["street"], certification=first, approve=False, reason="  ")
        first = sv.certification_review(user=u["street"], certification=first, approve=False, reason="S8 材料不清晰")
    assert first.status == CertificationStatus.RETURNED and first.returned_reason == "S8 材料不清晰"
    assert actions(first) == ["apply", "review_return"]
    with pytest.raises(OversightError, match="cannot be reviewed"):
        sv.certification_review(user=u["street"], certification=first, approve=True)

    with on(D + dt.timedelta(days=2)):
        second = sv.certification_apply(user=u["worker"], community=A, snapshot=first.snapshot, evidence=evidence())
    with on(dt.date(2026, 7, 3)):
        sv.certification_review(user=u["street"], certification=second, approve=True)
        with pytest.raises(OversightError, match="reason is required"):
            sv.certification_accept(user=u["district"], certification=second, accept=False)
        second = sv.certification_accept(user=u["district"], certification=second, accept=False, reason="现场核查未通过")
    assert second.status == CertificationStatus.RETURNED and second.certified_on is None
    assert actions(second) == ["apply", "review_approve", "accept_return"]
    assert CertificationStep.objects.get(certification=second, action="accept_return").reason == "现场核查未通过"


def test_acceptance_dates_are_checked(users):
    with on(D):
        certification = sv.certification_apply(user=users["worker"], community=A, evidence=evidence())
    with on(dt.date(2026, 7, 2)):
        sv.certification_review(user=users["street"], certification=certification, approve=True)
        with pytest.raises(OversightError, match="after today"):
            sv.certification_accept(user=users["district"], certification=certification, accept=True,
                                    accepted_on=dt.date(2026, 7, 3))
        with pytest.raises(OversightError, match="before the application"):
            sv.certification_accept(user=users["district"], certification=certification, accept=True,
                                    accepted_on="2026-06-29")
        with pytest.raises(OversightError, match="YYYY-MM-DD"):
            sv.certification_accept(user=users["district"], certification=certification, accept=True,
                                    accepted_on="1 July")
        certification = sv.certification_accept(user=users["district"], certification=certification, accept=True,
                                                accepted_on="2026-07-01")
    assert certification.certified_on == dt.date(2026, 7, 1)


def test_an_accepted_certification_cannot_be_edited_only_revoked(users):
    certification = certify(users)
    with pytest.raises(CertificationLocked):
        certification.certified_on = dt.date(2026, 1, 1)
        certification.save()
    certification.refresh_from_db()
    with pytest.raises(CertificationLocked):
        certification.status = CertificationStatus.APPLIED
        certification.save()
    certification.refresh_from_db()
    with pytest.raises(CertificationLocked):
        certification.delete()
    with pytest.raises(OversightError, match="cannot be reviewed"):
        sv.certification_review(user=users["street"], certification=certification, approve=False, reason="x")
    with pytest.raises(OversightError, match="cannot be accepted"):
        sv.certification_accept(user=users["district"], certification=certification, accept=True)
    with pytest.raises(OversightError, match="reason is required"):
        sv.certification_revoke(user=users["district"], certification=certification, reason=" ")
    with on(dt.date(2026, 9, 1)):
        revoked = sv.certification_revoke(user=users["district"], certification=certification, reason="弄虚作假")
    assert revoked.status == CertificationStatus.REVOKED and revoked.revoked_on == dt.date(2026, 9, 1)
    assert revoked.revoke_reason == "弄虚作假" and revoked.certified_on == dt.date(2026, 7, 10)
    assert actions(revoked)[-1] == "revoke"
    with pytest.raises(OversightError, match="cannot be revoked"):
        sv.certification_revoke(user=users["district"], certification=revoked, reason="again")
    with pytest.raises(CertificationLocked):
        revoked.revoke_reason = "changed"
        revoked.save()
    # Revoked in 2026: certified neither now nor at the end of 2026.
    assert list(sel.certified_communities(user=users["district"])) == []
    assert list(sel.certified_communities(user=users["district"], year=2026)) == []
    # The community may apply again (here with its June evaluation, still recent enough).
    with on(dt.date(2026, 9, 20)):
        again = sv.certification_apply(user=users["worker"], community=A, snapshot=revoked.snapshot,
                                       evidence=evidence())
    assert again.status == CertificationStatus.APPLIED and again.pk != revoked.pk


def test_a_development_zone_community_is_accepted_by_its_district(users):
    zone = Division.objects.get(code="Z01", level=Level.ZONE)
    Division.objects.filter(code=A).update(zone=zone)
    certification = certify(users)
    assert certification.status == CertificationStatus.CERTIFIED
    assert [c.community.zone.code for c in sel.certified_communities(user=users["district"])] == ["Z01"]


def test_recheck_covers_earlier_certifications_and_dates(users, jiuye):
    certification = certify(users)
    with on(dt.date(2026, 12, 31)):
        summary = sv.recheck_run(user=users["district"], year=2026)
    assert summary["checked"] == 0 and summary["snapshot"] is None  # certified this year: no re-check yet
    with on(dt.date(2027, 3, 1)):
        with pytest.raises(OversightError, match="must lie in 2027"):
            sv.recheck_run(user=users["district"], year=2027, as_of=dt.date(2026, 12, 31))
        with pytest.raises(OversightError, match="after today"):
            sv.recheck_run(user=users["district"], year=2027, as_of=dt.date(2027, 6, 30))
        with pytest.raises(OversightError, match="has not begun"):
            sv.recheck_run(user=users["district"], year=2028)
    # The other district's re-check does not touch 甲.
    with on(dt.date(2027, 6, 30)):
        keep_passing(2027)
        other = sv.recheck_run(user=users["district_other"], year=2027)
        assert other["checked"] == 0
        result = jiuye("recheck", "--year", "2027", "--as-of", "2027-06-30")
    assert result.code == 0, result.stderr
    assert "合格 1" in result.stdout and "passed 1" in result.stdout
    recheck = Recheck.objects.get(certification=certification, year=2027)
    assert recheck.status == RecheckStatus.PASSED and recheck.due_on is None
    assert recheck.snapshot.division_code == "500000"
    assert actions(certification)[-1] == "recheck_pass"
    assert AuditEvent.objects.filter(action="recheck.run", actor__startswith="cli").count() == 1
    bad = jiuye("recheck", "--year", "2027", "--as-of", "2026-01-01")
    assert bad.code != 0 and "2027" in bad.stderr


def test_due_months_come_from_policy(users):
    certify(users)
    PolicyParameter.objects.create(key="recheck_due_months", value=6)
    with on(dt.date(2027, 6, 30)):
        summary = sv.recheck_run(user=users["city"], year=2027)
    assert [line["due_on"] for line in summary["flagged"]] == [dt.date(2027, 12, 30)]
    assert set(summary["flagged"][0]["failed"]) == {"s7", "s8"}  # no visit, no 2027 组织建设 row
    # The district revokes a community that does not rectify.
    with on(dt.date(2028, 1, 5)):
        revoked = sv.certification_revoke(user=users["district"], certification=summary["flagged"][0]["certification"],
                                          reason="逾期未整改")
    assert revoked.status == CertificationStatus.REVOKED
    assert sel.rechecks_due(users["district"]) == []
