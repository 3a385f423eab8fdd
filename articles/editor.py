"""Image upload for CKEditor 5, replacing django-ckeditor-5's built-in view.

The built-in view lets a decompression bomb raise a server error and stores the file as
sent (EXIF and GPS data included). This one validates and re-encodes like every other
image upload of the portal, is for staff only, and puts the image into the library, where
it gets its credit (required before the article is published) and can be reused.
"""

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from images.models import Image
from newsroom.images import validate_image
from newsroom.uploads import StorageFailed, storing_files


def _error(message: str, status: int) -> JsonResponse:
    # The shape CKEditor's upload adapter shows to the editor.
    return JsonResponse({"error": {"message": message}}, status=status)


@require_POST
def editor_upload(request):
    if not request.user.is_authenticated:  # the session ended while the editor was open
        return _error(
            _("You are no longer logged in. Log in again in a new tab, then upload the image "
              "again; your text stays in the editor."),
            403,
        )  # fmt: skip
    if not (request.user.is_active and request.user.has_perm("images.add_image")):
        return _error(_("You are not allowed to upload images."), 403)
    upload = request.FILES.get("upload")
    if upload is None:
        return _error(_("No file was sent."), 400)
    try:
        validate_image(upload)  # before anything reads the size: a bomb would stop Pillow
        image = Image(
            title=PurePosixPath(upload.name).stem[:200], file=upload, uploaded_by=request.user
        )
        # Alt text and credit are asked for in the library; the size comes from the file.
        image.full_clean(exclude=["alt_text", "credit", "width", "height"])
    except ValidationError as exc:
        return _error(" ".join(exc.messages), 400)
    try:
        with storing_files(), transaction.atomic():
            image.save()
    except StorageFailed as failure:
        return _error(str(failure.message), 503)
    return JsonResponse({"url": image.file.url})
