from django_tasks import task

from .models import Image


@task()
def make_renditions(image_pk: int, rendition_key: str) -> int:
    """Every rendition of a new or changed image, right after the upload, so that no
    reader waits for one. Nothing to do if the image changed again or was deleted
    meanwhile (that change brought its own task); existing renditions are kept."""
    image = Image.objects.filter(pk=image_pk).first()
    if image is None or not image.file or image.rendition_key != rendition_key:
        return 0
    return image.renditions.generate()
