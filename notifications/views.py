from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import MailSettingsForm
from .models import MailSettings, Notification

PER_PAGE = 25


def _render(request, template, context):
    return render(request, template, {**admin.site.each_context(request), **context})


@never_cache
@staff_member_required
def notification_list(request):
    """The user's notifications, newest first; each link opens its page and marks it read."""
    page = Paginator(Notification.objects.for_list(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "title": _("Notifications"),
        "page": page,
        "unread": any(n.read_at is None for n in page),
    }
    return _render(request, "notifications/list.html", context)


@never_cache
@staff_member_required
def notification_open(request, pk):
    """Mark one's own notification read and go to what it is about."""
    notification = get_object_or_404(
        Notification.objects.only("kind", "article_id", "pending_change_id", "read_at"),
        pk=pk,
        recipient=request.user,
    )
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return redirect(notification.get_target_url())


@require_POST
@staff_member_required
def mark_all_read(request):
    Notification.objects.filter(recipient=request.user).mark_read()
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@never_cache
@staff_member_required
def mail_settings(request):
    settings, _created = MailSettings.objects.get_or_create(user=request.user)
    form = MailSettingsForm(request.POST if request.method == "POST" else None, instance=settings)
    if form.is_valid():
        form.save()
        if not form.instance.enabled:  # what waited for the next digest stays in the admin
            Notification.objects.filter(recipient=request.user, mail_pending=True).update(
                mail_pending=False
            )
        messages.success(request, _("Your setting is saved."))
        return redirect("notifications:settings")
    context = {"title": _("E-mail notifications"), "form": form}
    return _render(request, "notifications/settings.html", context)
