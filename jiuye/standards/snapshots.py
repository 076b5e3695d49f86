"""Saved evaluations: immutable, dated, parameters included."""

import datetime as dt

from django.db import transaction

from jiuye.audit.services import audit_event_record
from jiuye.standards.models import EvaluationSnapshot


@transaction.atomic
def snapshot_save(*, result: dict, division_code: str = "", user=None) -> EvaluationSnapshot:
    snapshot = EvaluationSnapshot.objects.create(
        as_of=dt.date.fromisoformat(result["as_of"]),
        division_code=division_code,
        created_by=user if getattr(user, "pk", None) else None,
        result=result,
    )
    audit_event_record(
        user=user, action="evaluation.save", target=f"snapshot:{snapshot.pk}", division_code=division_code,
        detail={"as_of": result["as_of"], "communities": len(result["communities"])},
    )
    return snapshot
