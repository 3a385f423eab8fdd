"""Renditions follow their image: those of an earlier file or focal point are removed on
save, all of them (and the original) once a delete is committed. New ones are made by the
worker right after the upload (images.tasks), or on a first request that comes sooner
(images.views), or ahead of time by `manage.py renditions`."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import renditions
from .models import Image
from .tasks import make_renditions


@receiver(post_save, sender=Image, dispatch_uid="images:outdated-renditions")
def delete_outdated_renditions(sender, instance, raw=False, **kwargs):
    if not raw:
        renditions.delete_outdated(instance)
        if instance.file:
            # Written in the same transaction: the task exists exactly when the image does.
            make_renditions.enqueue(instance.pk, instance.rendition_key)


@receiver(post_delete, sender=Image, dispatch_uid="images:delete-files")
def delete_files(sender, instance, **kwargs):
    name, folder = instance.file.name, f"{renditions.DIRECTORY}/{instance.pk}"
    storage = instance.file.storage

    def delete():
        renditions.delete_folder(folder)
        if name:
            storage.delete(name)

    transaction.on_commit(delete)
