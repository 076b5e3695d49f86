from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jiuye.registry.rules.schema import TABLE_BY_NAME


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:  # no file at all: refused here, not later by the job
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Exchange-format file"),
        help_text=_("One .xlsx workbook, or the CSV files named after their tables (人员.csv, 家庭.csv, …)."),
        error_messages={
            "required": _("Choose the file to import: one .xlsx workbook, or the CSV files of the tables."),
            "empty": _("The file is empty: choose the exchange-format file to import."),
        },
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.JIUYE_IMPORT_MAX_FILE_BYTES
        names = set()
        for upload in files:
            name = upload.name.rsplit("/", 1)[-1]
            stem, _dot, suffix = name.rpartition(".")
            if suffix.lower() not in ("csv", "xlsx"):
                raise forms.ValidationError(_("Only CSV or .xlsx files: %(name)s") % {"name": name})
            if upload.size > limit:
                raise forms.ValidationError(
                    _("%(name)s exceeds the size limit of %(limit)s bytes") % {"name": name, "limit": limit})
            if suffix.lower() == "csv" and stem.strip() not in TABLE_BY_NAME:
                raise forms.ValidationError(_("%(name)s is not named after a table") % {"name": name})
            if name in names:
                raise forms.ValidationError(_("%(name)s is given twice") % {"name": name})
            names.add(name)
        if len(files) > 1 and any(n.lower().endswith(".xlsx") for n in names):
            raise forms.ValidationError(_("Give one .xlsx workbook, or CSV files, not both"))
        return files


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV files (.zip)"))],
        initial="xlsx",
        widget=forms.RadioSelect,
    )
