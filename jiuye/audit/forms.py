from django import forms
from django.utils.translation import gettext_lazy as _

from jiuye.audit.actions import ACTIONS, AREA_CODES, AREAS

AREA_PREFIX = "area:"


def action_choices(seen=()) -> list:
    """The choice list: every action by area (an area's first choice is all of it), then codes
    found in the log that have no name (from an older version)."""
    choices = [("", _("All actions"))]
    for key, label, codes in AREAS:
        choices.append((label, [(AREA_PREFIX + key, _("All: %(area)s") % {"area": label}),
                                *((code, name) for code, name in codes.items())]))
    unknown = sorted(set(seen) - set(ACTIONS))
    if unknown:
        choices.append((_("Other"), [(code, code) for code in unknown]))
    return choices


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=action_choices)
    target = forms.CharField(label=_("Target record"), required=False, max_length=300)
    division = forms.RegexField(label=_("Division code"), required=False, regex=r"^\d{1,12}$", max_length=12,
                                error_messages={"invalid": _("Digits only, up to 12.")})
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, seen=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = action_choices(seen)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> dict:
        """The selector's filters: the chosen action, or every action of the chosen area."""
        data = dict(self.cleaned_data)
        action = data.pop("action", "")
        if action.startswith(AREA_PREFIX):
            data["actions"] = AREA_CODES.get(action[len(AREA_PREFIX):], [])
        elif action:
            data["actions"] = [action]
        return data
