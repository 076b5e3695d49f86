import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jiuye.standards.selectors import community_standing, standing_for_user

LABELS = [
    ("S1", _("Employment rate ≥ 95%")),
    ("S2", _("Zero-employment households cleared within a month")),
    ("S3", _("低保 members able to work: not employed ≤ 30%")),
    ("S4", _("Vocational guidance within 3 working days")),
    ("S5", _("No long-term unemployed among the registered")),
    ("S6", _("Policies, targets, complaints")),
    ("S7", _("Everyone unemployed is active; migrant workers served")),
    ("S8", _("Organization in place")),
]


@login_required
def standing(request):
    result = standing_for_user(request.user, dt.date.today())
    return render(request, "standards/standing.html", {"result": result, "labels": LABELS})


@login_required
def community(request, code: str):
    result = community_standing(request.user, code, dt.date.today())
    if result is None:
        raise Http404
    rows = [
        {"key": key, "label": label, "result": result["community"]["standards"][key.lower()],
         "explain": result["community"].get("explain", {}).get(key.lower(), [])}
        for key, label in LABELS
    ]
    return render(request, "standards/community.html", {"result": result, "rows": rows})
