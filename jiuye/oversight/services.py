"""Writes of the oversight workflow: certification (验收), re-check (复查), recommendations,
the December filing (备案) and subsidies.

Conventions (README "Architecture"): keyword-only ``<entity>_<action>``, one
transaction, one audit event each (saving an evaluation snapshot adds the snapshot's
own ``evaluation.save`` event). Rows are fetched through the scoped managers; the
wrong role or a division outside the user's scope raises ``PermissionDenied``; an
invalid transition or input raises ``OversightError`` (a ``ValueError``) with a
bilingual message, and nothing is written.

Who acts (``accounts.Role``): a community worker applies for their own community;
a street user whose scope contains it reviews; the district user of its district
(the first six digits of its code, also for a development-zone community) accepts,
returns, revokes, clears re-checks, recommends and grants subsidies; the city picks
model communities. Every step of a certification is a ``CertificationStep`` row:
who, when, why, and the snapshot it used.
"""

import datetime as dt
import hashlib
import json
import os
import zipfile

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuye.accounts.models import Role
from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level
from jiuye.divisions.revisions import register_changed
from jiuye.oversight.models import (
    Certification,
    CertificationLocked,
    CertificationStatus,
    CertificationStep,
    Evidence,
    EvidenceStandard,
    Filing,
    NoticeContact,
    NoticeSupervision,
    OversightError,
    Recheck,
    RecheckStatus,
    Recommendation,
    RecommendationLevel,
    StepAction,
    Subsidy,
    SubsidyKind,
)
from jiuye.oversight.subsidies import DEFAULTS as OVERSIGHT_DEFAULTS
from jiuye.oversight.subsidies import oversight_parameters, subsidy_amount
from jiuye.registry.scoping import scope_prefix
from jiuye.standards.models import EvaluationSnapshot, PolicyParameter
from jiuye.standards.snapshots import snapshot_save


def evaluate(*args, **kwargs) -> dict:
    """``jiuye.standards.evaluate.evaluate``, imported on first use: it loads pandas, which the
    command line does not need to start (``python -m bench.startup``)."""
    from jiuye.standards.evaluate import evaluate as run

    return run(*args, **kwargs)


__all__ = [
    "CertificationLocked",
    "OversightError",
    "certification_accept",
    "certification_apply",
    "certification_review",
    "certification_revoke",
    "evidence_check",
    "filing_submit",
    "notice_contact_set",
    "notice_supervision_set",
    "oversight_parameter_set",
    "recheck_clear",
    "recheck_run",
    "recommendation_add",
    "recommendation_withdraw",
    "subsidy_grant",
]

OUTSIDE_SCOPE = "不在您的管辖范围内 / outside your scope"
ROLE_LABELS = {Role.COMMUNITY: ("社区劳动保障协理员", "community worker"), Role.STREET: ("街道", "street"),
               Role.DISTRICT: ("区县", "district"), Role.CITY: ("市", "city")}
STANDARD_LABELS = {"s1": "S1", "s2": "S2", "s3": "S3", "s4": "S4", "s5": "S5", "s6": "S6", "s7": "S7", "s8": "S8"}

# Evidence files: what may be uploaded, and how large (JIUYE_EVIDENCE_MAX_BYTES overrides 20 MB).
EVIDENCE_TYPES = {".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".xlsx": "xlsx", ".docx": "docx"}
EVIDENCE_REQUIRED = (EvidenceStandard.S6, EvidenceStandard.S7, EvidenceStandard.S8)
EVIDENCE_MAX_BYTES_DEFAULT = 20 * 1024 * 1024


# -- helpers -------------------------------------------------------------------------------------


def _is_active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _require(user, role: str, code: str, doing: tuple[str, str]) -> None:
    """The user has ``role`` and the division ``code`` lies within their scope."""
    zh, en = ROLE_LABELS[role]
    if not _is_active(user) or getattr(user, "role", "") != role:
        raise PermissionDenied(f"只有{zh}用户可以{doing[0]} / only a {en} user may {doing[1]}")
    prefix = scope_prefix(user)
    if prefix is None or not code.startswith(prefix):
        raise PermissionDenied(OUTSIDE_SCOPE)


def _certification(user, certification, *, lock: bool = True) -> Certification:
    """The certification as the user may see it, fresh from the database (row-locked)."""
    pk = getattr(certification, "pk", certification)
    queryset = Certification.objects.for_user(user).select_related("community", "snapshot")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=pk)
    except (Certification.DoesNotExist, ValueError, TypeError):
        raise PermissionDenied(OUTSIDE_SCOPE) from None


def _actor(user) -> str:
    return user.get_username() if _is_active(user) else "cli"


def _step(certification, action: str, user, *, reason: str = "", snapshot=None) -> CertificationStep:
    return CertificationStep.objects.create(
        certification=certification, action=action, user=user if getattr(user, "pk", None) else None,
        actor=_actor(user), role=getattr(user, "role", "") or "", at=timezone.now(), reason=reason,
        snapshot=snapshot,
    )


def _audit(user, action: str, target: str, code: str, **detail) -> None:
    audit_event_record(user=user, action=action, target=target, division_code=code, detail=detail)
    register_changed(code)  # the pages of that division (a policy parameter: "", every page) are out of date


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _status_refused(certification: Certification, doing: tuple[str, str]) -> OversightError:
    status = CertificationStatus(certification.status)
    return OversightError(
        f"该验收当前状态为“{status.label}”，不能{doing[0]} / the certification is {status.value}: "
        f"it cannot be {doing[1]}"
    )


def _date(value, what: tuple[str, str]) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        raise OversightError(f"{what[0]}格式应为 YYYY-MM-DD / {what[1]} must be YYYY-MM-DD: {value!r}") from None


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise OversightError(f"年度无效 / not a year: {value!r}") from None
    if not 2000 <= year <= 2200:
        raise OversightError(f"年度无效 / not a year: {value!r}")
    return year


def _failed_standards(entry: dict | None) -> list[str]:
    if entry is None:
        return ["not_evaluated"]
    return [key for key, value in entry["standards"].items() if not value["pass"]]


def _failed_text(failed: list[str]) -> str:
    return "、".join(STANDARD_LABELS.get(f, "未评估 / not evaluated") for f in failed)


def _entry(result: dict, code: str) -> dict | None:
    return next((c for c in result["communities"] if c["code"] == code), None)


# -- evidence ------------------------------------------------------------------------------------


def _max_evidence_bytes() -> int:
    return int(getattr(settings, "JIUYE_EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES_DEFAULT))


def evidence_check(upload) -> dict:
    """Validate one uploaded evidence file: type (extension and content), size. Returns its facts."""
    name = os.path.basename(_text(getattr(upload, "name", "")).replace("\\", "/"))
    ext = os.path.splitext(name)[1].lower()
    if ext not in EVIDENCE_TYPES:
        raise OversightError(
            f"不支持的文件类型：{name or '（无文件名）'}，只接受 PDF、JPG、PNG、XLSX、DOCX / file type not "
            f"allowed: {name or '(no name)'} (PDF, JPG, PNG, XLSX, DOCX only)"
        )
    kind = EVIDENCE_TYPES[ext]
    limit = _max_evidence_bytes()
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise OversightError(
                f"文件过大：{name} 超过 {limit / 1024 / 1024:.0f} MB / file too large: {name} is over "
                f"{limit / 1024 / 1024:.0f} MB"
            )
        digest.update(chunk)
    if size == 0:
        raise OversightError(f"文件为空：{name} / the file is empty: {name}")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    ok = {
        "pdf": head.startswith(b"%PDF-"),
        "jpg": head.startswith(b"\xff\xd8\xff"),
        "png": head.startswith(b"\x89PNG\r\n\x1a\n"),
    }.get(kind)
    if ok is None:  # xlsx, docx: an Office Open XML package
        ok = False
        if head.startswith(b"PK\x03\x04"):
            try:
                with zipfile.ZipFile(upload) as package:
                    names = set(package.namelist())
                ok = "[Content_Types].xml" in names and (
                    "xl/workbook.xml" in names if kind == "xlsx" else "word/document.xml" in names
                )
            except (zipfile.BadZipFile, OSError, ValueError):
                ok = False
            upload.seek(0)
    if not ok:
        raise OversightError(
            f"文件内容与类型不符：{name} 不是有效的 {kind.upper()} 文件 / {name} is not a valid {kind.upper()} file"
        )
    return {"name": name[-200:], "kind": kind, "size": size, "sha256": digest.hexdigest()}


def _evidence_items(evidence) -> list[tuple[str, object]]:
    items = []
    for key, value in (evidence or {}).items():
        standard = _text(key).lower()
        if standard not in EvidenceStandard.values:
            raise OversightError(f"材料须对应 S6、S7 或 S8 / evidence must be for S6, S7 or S8: {key!r}")
        uploads = value if isinstance(value, (list, tuple)) else [value]
        items += [(standard, upload) for upload in uploads if upload is not None]
    missing = [s for s in EVIDENCE_REQUIRED if s not in {standard for standard, _ in items}]
    if missing:
        listed = "、".join(s.upper() for s in missing)
        raise OversightError(f"缺少验收材料：{listed} / evidence files missing for {listed.replace('、', ', ')}")
    return items


# -- certification ---------------------------------------------------------------------------------


@transaction.atomic
def certification_apply(*, user, community, snapshot=None, evidence: dict | None = None,
                        note: str = "") -> Certification:
    """The community worker applies for certification of their community (成熟一个，验收一个).

    ``snapshot``: a saved evaluation including the community, at most
    ``certification_snapshot_max_age_days`` old; None evaluates the community today
    and saves that snapshot. The community must pass in it. ``evidence`` maps
    ``"s6"``, ``"s7"``, ``"s8"`` each to an uploaded file (or a list of them).
    """
    code = _text(getattr(community, "code", community))
    _require(user, Role.COMMUNITY, code, ("申请验收", "apply for certification"))
    division = Division.objects.select_for_update().filter(code=code, level=Level.COMMUNITY).first()
    if division is None:
        raise PermissionDenied(OUTSIDE_SCOPE)
    current = Certification.objects.filter(community=division, status__in=[
        CertificationStatus.APPLIED, CertificationStatus.REVIEWED, CertificationStatus.CERTIFIED]).first()
    if current is not None:
        status = CertificationStatus(current.status)
        raise OversightError(f"该社区已有验收（{status.label}），不能重复申请 / the community already has a "
                             f"certification that is {status.value}")
    today = timezone.localdate()
    if snapshot is None:
        result = evaluate(today, prefix=code)
        if _entry(result, code) is None:
            raise OversightError("该社区没有评估结果 / the community has no evaluation")
        if not _entry(result, code)["pass"]:
            _refuse_failing(_entry(result, code), today)
        snapshot = snapshot_save(result=result, division_code=code, user=user)
    else:
        snapshot = EvaluationSnapshot.objects.filter(pk=getattr(snapshot, "pk", snapshot)).first()
        if snapshot is None:
            raise OversightError("评估快照不存在 / no such saved evaluation")
        max_age = int(oversight_parameters()["certification_snapshot_max_age_days"])
        if snapshot.as_of > today:
            raise OversightError(f"评估日期 {snapshot.as_of} 晚于今天 / the evaluation is dated after today")
        if (today - snapshot.as_of).days > max_age:
            raise OversightError(f"评估快照已过期（评估日期 {snapshot.as_of}，有效期 {max_age} 天），请重新评估 / the "
                                 f"saved evaluation of {snapshot.as_of} is older than {max_age} days: evaluate again")
        entry = _entry(snapshot.result, code)
        if entry is None:
            raise OversightError(f"评估快照中没有社区 {code} / the saved evaluation does not include {code}")
        if not entry["pass"]:
            _refuse_failing(entry, snapshot.as_of)
    items = _evidence_items(evidence)
    checked = [(standard, upload, evidence_check(upload)) for standard, upload in items]

    certification = Certification(
        community=division, status=CertificationStatus.APPLIED, snapshot=snapshot, note=_text(note),
        applied_by=user, applied_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            certification.save()
    except IntegrityError:
        raise OversightError("该社区已有验收申请 / the community already has an application") from None

    stored: list = []
    try:
        for standard, upload, facts in checked:
            item = Evidence(certification=certification, standard=standard, original_name=facts["name"],
                            kind=facts["kind"], size=facts["size"], sha256=facts["sha256"], uploaded_by=user,
                            uploaded_at=certification.applied_at)
            item.file.save(facts["name"], upload, save=False)
            stored.append(item.file)
            item.save()
        _step(certification, StepAction.APPLY, user, reason=certification.note, snapshot=snapshot)
        _audit(user, "certification.apply", f"certification:{certification.pk}", code,
               certification=certification.pk, snapshot=snapshot.pk, as_of=snapshot.as_of.isoformat(),
               evidence=[{"standard": s, "name": f["name"], "size": f["size"], "sha256": f["sha256"]}
                         for s, _, f in checked])
    except BaseException:
        for stored_file in stored:  # the rows roll back; so do the files
            stored_file.storage.delete(stored_file.name)
        raise
    return certification


def _refuse_failing(entry: dict, as_of: dt.date):
    failed = _failed_text(_failed_standards(entry))
    raise OversightError(
        f"社区 {entry['code']} 在 {as_of} 的评估未达标（{failed} 未达标），不能申请验收 / community "
        f"{entry['code']} does not pass on {as_of} ({failed.replace('、', ', ')} not met): it cannot apply "
        f"for certification"
    )


@transaction.atomic
def certification_review(*, user, certification, approve: bool, reason: str = "") -> Certification:
    """The street reviews an application: approve (forwarded to the district) or return with reasons."""
    certification = _certification(user, certification)
    _require(user, Role.STREET, certification.community.code, ("审核验收申请", "review an application"))
    if certification.status != CertificationStatus.APPLIED:
        raise _status_refused(certification, ("审核", "reviewed"))
    reason = _text(reason)
    if not approve and not reason:
        raise OversightError("退回须说明理由 / a reason is required to return an application")
    certification.reviewed_by, certification.reviewed_at = user, timezone.now()
    if approve:
        certification.status = CertificationStatus.REVIEWED
    else:
        certification.status, certification.returned_reason = CertificationStatus.RETURNED, reason
    certification.save()
    _step(certification, StepAction.REVIEW_APPROVE if approve else StepAction.REVIEW_RETURN, user, reason=reason)
    _audit(user, "certification.review", f"certification:{certification.pk}", certification.community.code,
           certification=certification.pk, approve=bool(approve), reason=reason)
    return certification


@transaction.atomic
def certification_accept(*, user, certification, accept: bool, reason: str = "",
                         accepted_on=None) -> Certification:
    """The district accepts (certified on ``accepted_on``, default today, with the application's
    snapshot) or returns the application with reasons."""
    certification = _certification(user, certification)
    _require(user, Role.DISTRICT, certification.community.code, ("验收", "accept a certification"))
    if certification.status != CertificationStatus.REVIEWED:
        raise _status_refused(certification, ("验收", "accepted"))
    reason = _text(reason)
    today = timezone.localdate()
    if accept:
        day = today if accepted_on is None else _date(accepted_on, ("验收日期", "accepted_on"))
        applied = timezone.localdate(certification.applied_at)
        if day > today:
            raise OversightError(f"验收日期 {day} 晚于今天 / the acceptance date is after today")
        if day < applied:
            raise OversightError(f"验收日期 {day} 早于申请日期 {applied} / accepted before the application")
        certification.status, certification.certified_on = CertificationStatus.CERTIFIED, day
    else:
        if not reason:
            raise OversightError("退回须说明理由 / a reason is required to return an application")
        certification.status, certification.returned_reason = CertificationStatus.RETURNED, reason
    certification.accepted_by, certification.accepted_at = user, timezone.now()
    certification.save()
    _step(certification, StepAction.ACCEPT if accept else StepAction.ACCEPT_RETURN, user, reason=reason,
          snapshot=certification.snapshot if accept else None)
    _audit(user, "certification.accept", f"certification:{certification.pk}", certification.community.code,
           certification=certification.pk, accept=bool(accept), reason=reason,
           certified_on=certification.certified_on.isoformat() if accept else None,
           snapshot=certification.snapshot_id)
    return certification


@transaction.atomic
def certification_revoke(*, user, certification, reason: str) -> Certification:
    """The district revokes an accepted certification, with a reason (the only change it allows)."""
    certification = _certification(user, certification)
    _require(user, Role.DISTRICT, certification.community.code, ("撤销验收", "revoke a certification"))
    if certification.status != CertificationStatus.CERTIFIED:
        raise _status_refused(certification, ("撤销", "revoked"))
    reason = _text(reason)
    if not reason:
        raise OversightError("撤销须说明理由 / a reason is required to revoke a certification")
    certification.status = CertificationStatus.REVOKED
    certification.revoked_by, certification.revoked_at = user, timezone.now()
    certification.revoked_on, certification.revoke_reason = timezone.localdate(), reason
    certification.save()
    _step(certification, StepAction.REVOKE, user, reason=reason)
    _audit(user, "certification.revoke", f"certification:{certification.pk}", certification.community.code,
           certification=certification.pk, reason=reason, revoked_on=certification.revoked_on.isoformat())
    return certification


# -- re-check --------------------------------------------------------------------------------------


def _recheck_prefix(user) -> str:
    """The scope a re-check runs over: everything from the command line, else the district or city."""
    if user is None:
        return ""
    if not _is_active(user) or getattr(user, "role", "") not in (Role.DISTRICT, Role.CITY):
        raise PermissionDenied("只有区县或市级用户可以复查 / only a district or city user may run the re-check")
    prefix = scope_prefix(user)
    if prefix is None:
        raise PermissionDenied(OUTSIDE_SCOPE)
    return prefix


def _recheck_line(recheck: Recheck) -> dict:
    return {"certification": recheck.certification_id, "code": recheck.community.code,
            "name": recheck.community.name, "status": recheck.status, "failed": recheck.failed,
            "due_on": recheck.due_on, "cleared_on": recheck.cleared_on}


@transaction.atomic
def recheck_run(*, user=None, year: int, as_of=None) -> dict:
    """The year's re-check (复查) of every community certified before ``year`` in the scope.

    One evaluation of the scope as of ``as_of`` (default: today, or 31 December of a
    past year), saved as a snapshot. A community that passes is ``passed``; one that
    fails is ``flagged`` with a due date ``recheck_due_months`` after ``as_of``; a
    community flagged earlier this year that passes now is ``cleared``. Communities
    already re-checked this year are otherwise left as they are.
    """
    prefix = _recheck_prefix(user)
    year = _year(year)
    today = timezone.localdate()
    if as_of is None:
        if year > today.year:
            raise OversightError(f"{year} 年尚未开始 / {year} has not begun")
        as_of = today if year == today.year else dt.date(year, 12, 31)
    as_of = _date(as_of, ("评估日期", "as_of"))
    if as_of.year != year:
        raise OversightError(f"复查评估日期须在 {year} 年内 / the re-check date must lie in {year}: {as_of}")
    if as_of > today:
        raise OversightError(f"复查评估日期 {as_of} 晚于今天 / the re-check date is after today")
    params = oversight_parameters()
    certifications = list(
        Certification.objects.select_for_update(of=("self",)).select_related("community")
        .filter(status=CertificationStatus.CERTIFIED, certified_on__year__lt=year,
                community__code__startswith=prefix)
        .order_by("community__code")
    )
    summary = {"year": year, "as_of": as_of, "snapshot": None, "checked": len(certifications),
               "passed": [], "flagged": [], "cleared": [], "unchanged": []}
    if not certifications:
        _audit(user, "recheck.run", f"recheck:{year}", prefix, year=year, as_of=as_of.isoformat(), checked=0)
        return summary
    result = evaluate(as_of, prefix=prefix, rollups=True)
    snapshot = snapshot_save(result=result, division_code=prefix or settings.JIUYE_CITY_CODE, user=user)
    summary["snapshot"] = snapshot.pk
    by_code = {c["code"]: c for c in result["communities"]}
    existing = {r.certification_id: r for r in Recheck.objects.select_for_update(of=("self",)).select_related(
        "community").filter(year=year, certification__in=certifications)}
    due_on = as_of + relativedelta(months=int(params["recheck_due_months"]))
    for certification in certifications:
        entry = by_code.get(certification.community.code)
        passed = bool(entry and entry["pass"])
        failed = [] if passed else _failed_standards(entry)
        recheck = existing.get(certification.pk)
        if recheck is None:
            recheck = Recheck.objects.create(
                certification=certification, community=certification.community, year=year, as_of=as_of,
                snapshot=snapshot, status=RecheckStatus.PASSED if passed else RecheckStatus.FLAGGED,
                failed=failed, due_on=None if passed else due_on, created_by=user if getattr(user, "pk", None) else None,
            )
            if passed:
                _step(certification, StepAction.RECHECK_PASS, user, reason=f"{year} 年复查合格 / passed", snapshot=snapshot)
                summary["passed"].append(_recheck_line(recheck))
            else:
                _step(certification, StepAction.RECHECK_FLAG, user, snapshot=snapshot,
                      reason=f"{year} 年复查未达标：{_failed_text(failed)}，限 {due_on} 前整改 / failed "
                             f"{_failed_text(failed).replace('、', ', ')}; due {due_on}")
                summary["flagged"].append(_recheck_line(recheck))
        elif recheck.status == RecheckStatus.FLAGGED and passed:
            _clear(recheck, user, as_of, snapshot)
            summary["cleared"].append(_recheck_line(recheck))
        else:
            summary["unchanged"].append(_recheck_line(recheck))
    _audit(user, "recheck.run", f"recheck:{year}", prefix, year=year, as_of=as_of.isoformat(), snapshot=snapshot.pk,
           checked=len(certifications), passed=len(summary["passed"]), flagged=len(summary["flagged"]),
           cleared=len(summary["cleared"]))
    return summary


def _clear(recheck: Recheck, user, as_of: dt.date, snapshot) -> None:
    recheck.status, recheck.cleared_on, recheck.clear_snapshot = RecheckStatus.CLEARED, as_of, snapshot
    recheck.save(update_fields=["status", "cleared_on", "clear_snapshot"])
    _step(recheck.certification, StepAction.RECHECK_CLEAR, user, snapshot=snapshot,
          reason=f"{recheck.year} 年复查整改后于 {as_of} 合格 / passes again on {as_of}")


@transaction.atomic
def recheck_clear(*, user, recheck, as_of=None) -> Recheck:
    """The district re-evaluates a flagged community (as of ``as_of``, default today): passing clears it."""
    pk = getattr(recheck, "pk", recheck)
    try:
        recheck = (Recheck.objects.for_user(user).select_for_update(of=("self",))
                   .select_related("community", "certification").get(pk=pk))
    except (Recheck.DoesNotExist, ValueError, TypeError):
        raise PermissionDenied(OUTSIDE_SCOPE) from None
    code = recheck.community.code
    _require(user, Role.DISTRICT, code, ("确认整改", "clear a re-check"))
    if recheck.status != RecheckStatus.FLAGGED:
        raise OversightError(f"该复查为“{RecheckStatus(recheck.status).label}”，无需整改 / the re-check is "
                             f"{recheck.status}: nothing to clear")
    if recheck.certification.status != CertificationStatus.CERTIFIED:
        raise _status_refused(recheck.certification, ("确认整改", "cleared"))
    today = timezone.localdate()
    as_of = today if as_of is None else _date(as_of, ("评估日期", "as_of"))
    if as_of > today or as_of < recheck.as_of:
        raise OversightError(f"评估日期须在 {recheck.as_of} 与今天之间 / the date must lie between {recheck.as_of} "
                             f"and today: {as_of}")
    result = evaluate(as_of, prefix=code)
    entry = _entry(result, code)
    if not (entry and entry["pass"]):
        failed = _failed_text(_failed_standards(entry))
        raise OversightError(f"社区 {code} 在 {as_of} 仍未达标（{failed}）/ community {code} still fails on "
                             f"{as_of} ({failed.replace('、', ', ')})")
    snapshot = snapshot_save(result=result, division_code=code, user=user)
    _clear(recheck, user, as_of, snapshot)
    _audit(user, "recheck.clear", f"recheck:{recheck.pk}", code, recheck=recheck.pk, year=recheck.year,
           as_of=as_of.isoformat(), snapshot=snapshot.pk)
    return recheck


# -- recommendations ---------------------------------------------------------------------------------


def _certified_in(certification: Certification, year: int) -> bool:
    return (certification.status == CertificationStatus.CERTIFIED and certification.certified_on is not None
            and certification.certified_on.year <= year)


@transaction.atomic
def recommendation_add(*, user, certification, year: int, level: str, reason: str = "") -> Recommendation:
    """The district recommends an excellent certified community for the year; the city picks model
    communities among those its districts recommended."""
    if level not in RecommendationLevel.values:
        raise OversightError(f"推荐级别须为 district 或 city / level must be district or city: {level!r}")
    certification = _certification(user, certification)
    code = certification.community.code
    if level == RecommendationLevel.DISTRICT:
        _require(user, Role.DISTRICT, code, ("推荐优秀社区", "recommend a community"))
    else:
        _require(user, Role.CITY, code, ("评选示范社区", "pick a model community"))
    year = _year(year)
    if year > timezone.localdate().year:
        raise OversightError(f"{year} 年尚未开始 / {year} has not begun")
    if not _certified_in(certification, year):
        raise OversightError(f"社区 {code} 在 {year} 年不是已验收社区 / community {code} is not certified in {year}")
    flagged = Recheck.objects.filter(certification=certification, year=year, status=RecheckStatus.FLAGGED).exists()
    if flagged:
        raise OversightError(f"社区 {code} {year} 年复查未达标，不能推荐 / community {code} failed its {year} "
                             f"re-check: it cannot be recommended")
    if level == RecommendationLevel.CITY and not Recommendation.objects.filter(
            community=certification.community, year=year, level=RecommendationLevel.DISTRICT).exists():
        raise OversightError(f"示范社区须从区县推荐的社区中评选 / a model community must first be recommended by "
                             f"its district ({code}, {year})")
    if Recommendation.objects.filter(community=certification.community, year=year, level=level).exists():
        raise OversightError(f"社区 {code} {year} 年已被推荐 / community {code} is already recommended for {year}")
    try:
        with transaction.atomic():
            recommendation = Recommendation.objects.create(
                certification=certification, community=certification.community, year=year, level=level,
                reason=_text(reason), created_by=user)
    except IntegrityError:
        raise OversightError(f"社区 {code} {year} 年已被推荐 / community {code} is already recommended") from None
    _audit(user, "recommendation.add", f"recommendation:{recommendation.pk}", code, certification=certification.pk,
           year=year, level=level, reason=recommendation.reason)
    return recommendation


@transaction.atomic
def recommendation_withdraw(*, user, recommendation, reason: str = "") -> None:
    """Withdraw a recommendation (by the level that made it); a district's goes only while the city
    has not picked the community."""
    pk = getattr(recommendation, "pk", recommendation)
    try:
        recommendation = (Recommendation.objects.for_user(user).select_for_update(of=("self",))
                          .select_related("community").get(pk=pk))
    except (Recommendation.DoesNotExist, ValueError, TypeError):
        raise PermissionDenied(OUTSIDE_SCOPE) from None
    code = recommendation.community.code
    role = Role.DISTRICT if recommendation.level == RecommendationLevel.DISTRICT else Role.CITY
    _require(user, role, code, ("撤回推荐", "withdraw a recommendation"))
    if role == Role.DISTRICT and Recommendation.objects.filter(
            community=recommendation.community, year=recommendation.year, level=RecommendationLevel.CITY).exists():
        raise OversightError("市级已评为示范社区，区县不能撤回推荐 / the city has picked this community: the "
                             "district cannot withdraw its recommendation")
    detail = {"recommendation": recommendation.pk, "year": recommendation.year, "level": recommendation.level,
              "reason": _text(reason)}
    recommendation.delete()
    _audit(user, "recommendation.withdraw", f"recommendation:{detail['recommendation']}", code, **detail)


# -- December filing -------------------------------------------------------------------------------


@transaction.atomic
def filing_submit(*, user, district_code: str, year: int) -> Filing:
    """The district submits (报送) its December filing of ``year``: the list as built now, frozen."""
    from jiuye.oversight.filing import filing_build

    district_code = _text(district_code)
    _require(user, Role.DISTRICT, district_code, ("报送备案", "submit the filing"))
    content = filing_build(user=user, district_code=district_code, year=year)
    district = Division.objects.get(code=district_code, level=Level.DISTRICT)
    filing = Filing.objects.create(district=district, year=content["year"], submitted_by=user,
                                   submitted_at=timezone.now(),
                                   content=json.loads(json.dumps(content, cls=DjangoJSONEncoder)))
    _audit(user, "filing.submit", f"filing:{filing.pk}", district_code, filing=filing.pk, year=filing.year,
           certified=content["totals"]["certified"], recommended=content["totals"]["recommended"])
    return filing


# -- subsidies -----------------------------------------------------------------------------------------


@transaction.atomic
def subsidy_grant(*, user, certification, kind: str, amount, year: int, note: str = "") -> Subsidy:
    """The district grants a subsidy for a certified community, its amount within the kind's range.

    ``first``: to the community, once, when first certified; ``street``: to its
    street, once per certified community; ``yearly``: to the community, once a year,
    when it passed that year's re-check (a cleared one only with
    ``subsidy_yearly_after_rectification``).
    """
    if kind not in SubsidyKind.values:
        raise OversightError(f"补贴类型须为 first、street 或 yearly / kind must be first, street or yearly: {kind!r}")
    certification = _certification(user, certification)
    community = certification.community
    code = community.code
    _require(user, Role.DISTRICT, code, ("核定补贴", "grant a subsidy"))
    year = _year(year)
    params = oversight_parameters()
    value = subsidy_amount(kind, amount, params)
    if certification.status != CertificationStatus.CERTIFIED:
        raise _status_refused(certification, ("发放补贴", "subsidised"))
    if year < certification.certified_on.year or year > timezone.localdate().year:
        raise OversightError(f"补贴年度须在验收年度 {certification.certified_on.year} 与今年之间 / the year must lie "
                             f"between the certification's ({certification.certified_on.year}) and this year: {year}")
    if kind in (SubsidyKind.FIRST, SubsidyKind.STREET):
        if Subsidy.objects.filter(community=community, kind=kind).exists():
            label = "首次验收补贴" if kind == SubsidyKind.FIRST else "街道补贴"
            raise OversightError(f"社区 {code} 的{label}已发放过（只发一次）/ the {kind} subsidy for {code} has "
                                 f"already been granted (once only)")
    else:
        allowed = [RecheckStatus.PASSED]
        if params["subsidy_yearly_after_rectification"]:
            allowed.append(RecheckStatus.CLEARED)
        recheck = Recheck.objects.filter(certification=certification, year=year).first()
        if recheck is None or recheck.status not in allowed:
            state = "尚未复查" if recheck is None else RecheckStatus(recheck.status).label
            raise OversightError(f"社区 {code} {year} 年复查未通过（{state}），不能发放年度补贴 / community {code} has "
                                 f"not passed its {year} re-check ({recheck.status if recheck else 'not re-checked'}): "
                                 f"no yearly subsidy")
        if Subsidy.objects.filter(community=community, kind=kind, year=year).exists():
            raise OversightError(f"社区 {code} {year} 年的年度补贴已发放 / the {year} yearly subsidy for {code} has "
                                 f"already been granted")
    recipient = code[:9] if kind == SubsidyKind.STREET else code
    try:
        with transaction.atomic():
            subsidy = Subsidy.objects.create(certification=certification, community=community, kind=kind, year=year,
                                             amount=value, recipient_code=recipient, note=_text(note),
                                             granted_by=user, granted_at=timezone.now())
    except IntegrityError:
        raise OversightError(f"该补贴已发放 / this subsidy has already been granted ({code}, {kind}, {year})") from None
    _audit(user, "subsidy.grant", f"subsidy:{subsidy.pk}", code, subsidy=subsidy.pk, certification=certification.pk,
           kind=kind, year=year, amount=str(value), recipient=recipient)
    return subsidy


# -- policy values of the workflow -------------------------------------------------------------------


@transaction.atomic
def oversight_parameter_set(*, user=None, key: str, value) -> PolicyParameter:
    """Set one of ``subsidies.DEFAULTS`` (city users, superusers or the command line)."""
    from jiuye.oversight.subsidies import NOTES

    if user is not None and not (_is_active(user) and (user.is_superuser or getattr(user, "role", "") == Role.CITY)):
        raise PermissionDenied("只有市级用户可以修改补贴参数 / only a city user may change these parameters")
    if key not in OVERSIGHT_DEFAULTS:
        raise OversightError(f"未知参数 / unknown parameter: {key} ({', '.join(sorted(OVERSIGHT_DEFAULTS))})")
    default = OVERSIGHT_DEFAULTS[key]
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    if not ok:
        raise OversightError(f"参数 {key} 的类型不对 / {key} must be like {default!r}")
    params = {**oversight_parameters(), key: value}
    for kind in SubsidyKind.values:
        if params[f"subsidy_{kind}_min"] > params[f"subsidy_{kind}_max"]:
            raise OversightError(f"补贴下限不能高于上限 / the least {kind} subsidy exceeds the largest")
    parameter, _ = PolicyParameter.objects.get_or_create(key=key, defaults={"value": value, "note": NOTES.get(key, "")})
    before = parameter.value
    parameter.value = value
    parameter.save()
    _audit(user, "policy.set", key, "", before=before, after=value)
    return parameter


# -- the notice board's contact and supervision line -----------------------------------------------

NOTICE_PERIOD_DAYS = 7  # a 公示期 given by its first day only lasts a week
NOTICE_PERIOD_MAX_DAYS = 366


def _office_phone(value, what: tuple[str, str]) -> str:
    """An office phone number as printed: digits with spaces, hyphens, brackets, a leading + or 转."""
    phone = _text(value)
    digits = sum(ch.isascii() and ch.isdigit() for ch in phone)
    allowed = all((ch.isascii() and ch.isdigit()) or ch in " -()+转" for ch in phone)
    if not phone or not allowed or not 5 <= digits <= 20 or len(phone) > 40:
        raise OversightError(f"{what[0]}应为电话号码（5 至 20 位数字，可含 - 和括号），例如 023-63891234 或 12333 / "
                             f"{what[1]} must be a phone number (5 to 20 digits, - and brackets allowed), "
                             f"e.g. 023-63891234 or 12333")
    return phone


def _short_text(value, limit: int, what: tuple[str, str], *, required: bool) -> str:
    text = " ".join(_text(value).split())
    if required and not text:
        raise OversightError(f"请填写{what[0]} / {what[1]} is required")
    if len(text) > limit:
        raise OversightError(f"{what[0]}不能超过 {limit} 个字 / {what[1]} is longer than {limit} characters")
    return text


def _changed(instance, values: dict) -> list[str]:
    return sorted(key for key, value in values.items() if getattr(instance, key, None) != value)


@transaction.atomic
def notice_contact_set(*, user, community, contact_name: str, station_phone: str, issuer: str = "",
                       period_start=None, period_end=None) -> NoticeContact:
    """The community's worker sets what its notice board names beside the figures: the worker to
    contact, the service station's phone, the public-notice period (公示期; the end defaults to a
    week after the start) and the issuing body (blank: the community's residents' committee)."""
    code = _text(getattr(community, "code", community))
    _require(user, Role.COMMUNITY, code, ("设置公示牌", "set the notice board"))
    division = Division.objects.filter(code=code, level=Level.COMMUNITY).first()
    if division is None:
        raise PermissionDenied(OUTSIDE_SCOPE)
    values = {
        "contact_name": _short_text(contact_name, 40, ("联系人", "the contact's name"), required=True),
        "station_phone": _office_phone(station_phone, ("服务站电话", "the service station's phone")),
        "issuer": _short_text(issuer, 100, ("发布单位", "the issuing body"), required=False),
        "period_start": None if _text(period_start) == "" else _date(period_start, ("公示开始日期", "the start")),
        "period_end": None if _text(period_end) == "" else _date(period_end, ("公示结束日期", "the end")),
    }
    start, end = values["period_start"], values["period_end"]
    if end is not None and start is None:
        raise OversightError("请先填写公示开始日期 / give the first day of the public-notice period")
    if start is not None:
        if end is None:
            end = values["period_end"] = start + dt.timedelta(days=NOTICE_PERIOD_DAYS - 1)
        if end < start:
            raise OversightError(f"公示结束日期 {end} 早于开始日期 {start} / the period ends before it begins")
        if (end - start).days >= NOTICE_PERIOD_MAX_DAYS:
            raise OversightError("公示期不能超过一年 / the public-notice period cannot exceed a year")
        if not dt.date(2000, 1, 1) <= start <= dt.date(2100, 12, 31) or end > dt.date(2100, 12, 31):
            raise OversightError("公示日期须在 2000 年至 2100 年之间 / the dates must lie between 2000 and 2100")
    contact = NoticeContact.objects.select_for_update().filter(community=division).first()
    created = contact is None
    if created:
        contact = NoticeContact(community=division)
    changed = _changed(contact, values)
    for key, value in values.items():
        setattr(contact, key, value)
    contact.updated_by, contact.updated_at = user, timezone.now()
    contact.save()
    # The detail names the fields changed, never the phone number itself.
    _audit(user, "notice.contact.set", f"notice:{code}", code, created=created, changed=changed,
           period=[start.isoformat(), end.isoformat()] if start else None)
    return contact


@transaction.atomic
def notice_supervision_set(*, user, district, phone: str, body: str = "") -> NoticeSupervision:
    """The district sets the supervision line (监督电话) of its communities' notice boards and the
    body that answers it (blank: the district's human resources and social security bureau)."""
    code = _text(getattr(district, "code", district))
    _require(user, Role.DISTRICT, code, ("设置监督电话", "set the supervision line"))
    division = Division.objects.filter(code=code, level=Level.DISTRICT).first()
    if division is None:
        raise PermissionDenied(OUTSIDE_SCOPE)
    values = {"phone": _office_phone(phone, ("监督电话", "the supervision phone")),
              "body": _short_text(body, 100, ("监督单位", "the supervising body"), required=False)}
    line = NoticeSupervision.objects.select_for_update().filter(district=division).first()
    created = line is None
    if created:
        line = NoticeSupervision(district=division)
    changed = _changed(line, values)
    for key, value in values.items():
        setattr(line, key, value)
    line.updated_by, line.updated_at = user, timezone.now()
    line.save()
    _audit(user, "notice.supervision.set", f"notice:{code}", code, created=created, changed=changed)
    return line
