from django import template

from .. import mail
from ..models import COUNT_LIMIT, Notification

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    """The header's link to the notifications with the unread count: one indexed query.
    It also sends the e-mail that has become due, at most once a minute (see mail.py)."""
    user = context["request"].user
    mail.send_due_throttled()
    count = Notification.objects.unread_count(user)
    return {"count": count, "shown": f"{COUNT_LIMIT - 1}+" if count >= COUNT_LIMIT else count}
