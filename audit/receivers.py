"""What Django, django-axes and the admin report, written to the audit log."""

import json

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from newsroom.models import SiteSettings
from newsroom.net import client_ip

from .models import Action
from .services import audit_entry_create, bulk_deleting


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def on_login(sender, request, user, **kwargs):
    audit_entry_create(action=Action.LOGIN, actor=user, ip=_ip(request))


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials`; only the name is kept.
    user_model = get_user_model()
    audit_entry_create(
        action=Action.LOGIN_FAILED,
        content_type=ContentType.objects.get_for_model(user_model),
        object_repr=str(credentials.get(user_model.USERNAME_FIELD, "")),
        ip=_ip(request),
    )


def on_locked_out(sender, request=None, username="", ip_address="", **kwargs):
    audit_entry_create(
        action=Action.LOCKOUT,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_repr=str(username or ""),
        ip=_ip(request) or ip_address,
    )


def _access(user) -> str:
    """A user's access after a change: the flags that are set, the groups, own permissions."""
    flags = [
        str(user._meta.get_field(name).verbose_name)
        for name in ("is_active", "is_staff", "is_superuser")
        if getattr(user, name)
    ]
    return _("Now: %(flags)s; groups: %(groups)s; own permissions: %(permissions)d") % {
        "flags": ", ".join(flags) or "–",
        "groups": ", ".join(user.groups.order_by("name").values_list("name", flat=True)) or "–",
        "permissions": user.user_permissions.count(),
    }


def _change_text(entry: LogEntry, model) -> str:
    """The admin's change message with the fields' German names: Django keeps the English
    labels ("Superuser status"), which its translations do not match."""
    try:
        messages = json.loads(entry.change_message or "[]")
    except json.JSONDecodeError:
        return entry.change_message
    if not isinstance(messages, list):
        return entry.change_message
    with translation.override(None):
        english = {
            capfirst(str(f.verbose_name)): f.verbose_name
            for f in [*model._meta.fields, *model._meta.many_to_many]
        }
    for message in messages:
        if "changed" in message:
            fields = message["changed"].get("fields", [])
            message["changed"]["fields"] = [str(capfirst(english.get(f, f))) for f in fields]
    return LogEntry(change_message=json.dumps(messages)).get_change_message()


def on_admin_log(sender, instance, created, raw=False, **kwargs):
    """The admin's own log ("Verlauf") sees every deletion and every change in it.
    Deletions of several objects at once are bulk-inserted there (no signal) and recorded
    by audit.admin.delete_selected instead, which also handles a single selected object."""
    if not created or raw:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    model, user_model = content_type.model_class(), get_user_model()
    if instance.is_deletion():
        if bulk_deleting.get():
            return
        action, detail = Action.DELETE, ""
    elif model is SiteSettings:
        action, detail = Action.SETTINGS_CHANGE, _change_text(instance, model)
    elif model in (user_model, Group):
        action, detail = Action.USER_CHANGE, _change_text(instance, model)
        if model is user_model and (user := model.objects.filter(pk=instance.object_id).first()):
            detail = f"{detail} {_access(user)}".strip()
    else:
        return
    audit_entry_create(
        action=action,
        actor=instance.user,
        content_type=content_type,
        object_id=instance.object_id,
        object_repr=instance.object_repr,
        detail=detail,
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    post_save.connect(on_admin_log, sender=LogEntry, dispatch_uid="audit_admin_log")
    if apps.is_installed("axes"):  # login throttling (accounts/), when installed
        from axes.signals import user_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="audit_locked_out")
