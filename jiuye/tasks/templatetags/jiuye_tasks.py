"""What background work adds to pages of the layers below (which may not import it)."""

import datetime as dt

from django import template

from jiuye.tasks.selectors import morning_digest as digest_of

register = template.Library()


@register.inclusion_tag("tasks/morning_digest.html", takes_context=True)
def morning_digest(context):
    """This morning's count of the user's queue (the morning run's ``MorningDigest``), if any."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"digest": digest_of(user, dt.date.today()) if user is not None else None}
