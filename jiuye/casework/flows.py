"""The casework flows a worker runs on a person: each a form and one service call.

``run(user, person, cleaned_data, confirm)``: ``confirm`` is what the worker confirmed (the
token of the changes shown, or False); a write that would end or change a current episode
without it raises ``ConfirmationRequired`` and the page shows what would change.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jiuye.casework import forms
from jiuye.casework import services as cs
from jiuye.registry import services as rs


@dataclass(frozen=True)
class Flow:
    title: str
    form: type
    run: Callable  # (user, person, cleaned_data, confirm) -> message for the worker


def _register(user, person, d, confirm):
    from jiuye.standards.rules.s4 import guidance_deadline  # loads pandas: not at start-up

    registration = cs.registration_create(user=user, person=person, registered_on=d["date"],
                                          unemployment_reason=d["reason"], confirm=confirm)
    deadline = guidance_deadline(registration.registered_on)
    return _("Registered. Vocational guidance is due by %(deadline)s (3 working days).") % {
        "deadline": deadline.isoformat()}


def _service(kind):
    def run(user, person, d, confirm):
        rs.service_record(user=user, person=person, date=d["date"], service_type=kind,
                          handler=d.get("handler", ""), note=d.get("note", ""))
        return _("Recorded: %(kind)s on %(date)s.") % {"kind": kind, "date": d["date"].isoformat()}
    return run


def _outreach(user, person, d, confirm):
    rs.service_record(user=user, person=person, date=d["date"], service_type=d["kind"],
                      handler=d.get("handler", ""), note=d.get("note", ""))
    return _("Recorded: %(kind)s on %(date)s.") % {"kind": d["kind"], "date": d["date"].isoformat()}


def _training(user, person, d, confirm):
    cs.training_record(user=user, person=person, course=d["course"], start=d["start"], end=d["end"],
                       result=d["result"], certificate=d["certificate"], provider=d["provider"])
    return _("Training recorded.")


def _benefit(user, person, d, confirm):
    cs.benefit_grant(user=user, person=person, kind=d["kind"], amount=d["amount"], start=d["start"], end=d["end"],
                     note=d["note"])
    return _("Policy benefit recorded.")


def _employment(user, person, d, confirm):
    cs.employment_record(user=user, person=person, start=d["start"], employment_form=d["form"],
                         employer_name=d["employer"], confirm=confirm)
    return _("Employment recorded: the unemployment episode and registration are closed.")


def _cancel(user, person, d, confirm):
    registration = person.registrations.filter(cancelled_on__isnull=True).order_by("-registered_on").first()
    if registration is None:
        raise rs.ValidationFailed([_problem("注销日期", "没有有效的失业登记 / no active registration")])
    rs.registration_cancel(user=user, registration=registration, cancelled_on=d["date"], reason=d["reason"])
    return _("Registration cancelled.")


def _status(user, person, d, confirm):
    rs.status_change(user=user, person=person, status=d["status"], start=d["start"],
                     employment_form=d["employment_form"], employer_name=d["employer"],
                     unemployment_reason=d["reason"], confirm=confirm)
    return _("Status changed.")


def _problem(column, message):
    from jiuye.registry.rules.problems import Problem

    return Problem("-", None, column, message)


FLOWS: dict[str, Flow] = {
    "register": Flow(_("Unemployment registration"), forms.RegistrationForm, _register),
    "guidance": Flow(_("Vocational guidance"), forms.ServiceForm, _service("职业指导")),
    "referral": Flow(_("Job referral"), forms.ServiceForm, _service("职业介绍")),
    "training": Flow(_("Training"), forms.TrainingForm, _training),
    "outreach": Flow(_("Policy outreach or consultation"), forms.OutreachForm, _outreach),
    "benefit": Flow(_("Policy benefit granted"), forms.BenefitForm, _benefit),
    "visit": Flow(_("Home visit"), forms.ServiceForm, _service("上门走访")),
    "employment": Flow(_("Employment"), forms.EmploymentForm, _employment),
    "cancel": Flow(_("Cancel registration"), forms.CancelForm, _cancel),
    "status": Flow(_("Change status"), forms.StatusForm, _status),
}
