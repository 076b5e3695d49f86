"""The oversight's small forms: what a community prints on its notice board, and the district's
supervision line. The services validate; their messages land on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuye.registry.forms import DateInput


class NoticeContactForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact person"), max_length=40,
                                   help_text=_("A worker's name as residents may address them, e.g. 钱老师"))
    station_phone = forms.CharField(label=_("Service station phone"), max_length=40,
                                    help_text=_("The office number of the community's service station"))
    period_start = forms.DateField(label=_("Public notice from"), required=False, widget=DateInput(),
                                   help_text=_("Blank: a standing notice with figures updated daily"))
    period_end = forms.DateField(label=_("Public notice until"), required=False, widget=DateInput(),
                                 help_text=_("Blank: one week from the first day"))
    issuer = forms.CharField(label=_("Issued by"), max_length=100, required=False)

    def __init__(self, *args, default_issuer: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].help_text = _("Blank: %(issuer)s") % {"issuer": default_issuer}
        self.fields["issuer"].widget.attrs["placeholder"] = default_issuer


class NoticeSupervisionForm(forms.Form):
    phone = forms.CharField(label=_("Supervision line"), max_length=40,
                            help_text=_("The number residents call about the community's work"))
    body = forms.CharField(label=_("Answered by"), max_length=100, required=False)

    def __init__(self, *args, default_body: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Blank: %(body)s") % {"body": default_body}
        self.fields["body"].widget.attrs["placeholder"] = default_body
