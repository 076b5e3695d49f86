from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=50,
                             widget=forms.TextInput(attrs={"list": "audit-actions"}))
    target = forms.CharField(label=_("Target record"), required=False, max_length=300)
    division = forms.RegexField(label=_("Division code"), required=False, regex=r"^\d{1,12}$", max_length=12,
                                error_messages={"invalid": _("Digits only, up to 12.")})
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
