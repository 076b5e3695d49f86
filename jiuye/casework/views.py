"""The community worker's desk: today's queue."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jiuye.casework.selectors import today_queue


@login_required
def today(request):
    if request.user.role and request.user.role != "community" and not request.GET.get("queue"):
        return redirect("standing")
    items = today_queue(request.user, dt.date.today())
    return render(request, "desk/today.html", {"items": items, "today": dt.date.today()})
