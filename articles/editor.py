"""Image upload for CKEditor 5, replacing django-ckeditor-5's built-in view.

The built-in view lets a decompression bomb raise a server error and stores the file as
sent (EXIF and GPS data included). This one validates and re-encodes like every other
image upload of the portal, and is for staff only.
"""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newsroom.images import reencode_image


def _error(message: str, status: int) -> JsonResponse:
    # The shape CKEditor's upload adapter shows to the editor.
    return JsonResponse({"error": {"message": message}}, status=status)


@require_POST
def editor_upload(request):
    if not (request.user.is_active and request.user.is_staff):
        return _error(_("You are not allowed to upload images."), 403)
    upload = request.FILES.get("upload")
    if upload is None:
        return _error(_("No file was sent."), 400)
    try:
        clean = reencode_image(upload)
    except ValidationError as exc:
        return _error(" ".join(exc.messages), 400)
    name = default_storage.save(f"editor/{timezone.now():%Y/%m}/{clean.name}", clean)
    return JsonResponse({"url": default_storage.url(name)})
