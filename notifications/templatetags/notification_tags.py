from django import template

from ..models import COUNT_LIMIT, Notification

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    """The header's link to the notifications with the unread count: one indexed query."""
    user = context["request"].user
    count = Notification.objects.unread_count(user)
    return {"count": count, "shown": f"{COUNT_LIMIT - 1}+" if count >= COUNT_LIMIT else count}
