"""Writes on the policy tables: one transaction, one audit event each."""

from django.db import transaction

from jiuye.audit.services import audit_event_record
from jiuye.divisions.revisions import policy_changed
from jiuye.standards.models import PolicyParameter
from jiuye.standards.parameters import DEFAULTS


def _same_shape(default, value) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and value >= 0
    return type(default) is type(value)


@transaction.atomic
def policy_parameter_set(*, key: str, value, user=None) -> PolicyParameter:
    if key not in DEFAULTS:
        raise ValueError(f"未知参数 / unknown parameter: {key}")
    if not _same_shape(DEFAULTS[key], value):
        raise ValueError(f"参数 {key} 的类型不对 / {key} must be like {DEFAULTS[key]!r}")
    parameter, _ = PolicyParameter.objects.get_or_create(key=key, defaults={"value": value})
    before = parameter.value
    parameter.value = value
    parameter.save()
    audit_event_record(user=user, action="policy.set", target=key, detail={"before": before, "after": value})
    policy_changed()
    return parameter
