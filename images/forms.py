"""The library's admin form: an upload kept across errors, a title from the file name."""

from pathlib import PurePosixPath

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from newsroom.uploads import KeepUploadsMixin
from newsroom.validators import validate_tag_lengths

from .models import Image


class ImageAdminForm(KeepUploadsMixin, forms.ModelForm):
    keep_uploads = ["file"]  # a chosen image survives a missing credit or alt text

    class Meta:
        model = Image
        fields = ["file", "title", "alt_text", "caption", "credit", "tags", "focal_x", "focal_y"]

    class Media:
        # The preview's focal-point picker (templates/admin/images/image/change_form.html).
        js = ["admin/js/image_focal.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = _(
                "For finding the image in the library. Left empty, the file name is used."
            )
        for name in ("focal_x", "focal_y"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"step": 1, "class": "image-focal-input"})

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        validate_tag_lengths(tags, Tag)
        return tags

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("title") or "title" not in self.fields:
            return cleaned
        upload = cleaned.get("file")
        if isinstance(upload, UploadedFile):
            # The name the journalist chose, also for an upload kept from an earlier submit
            # (its stored copy has a random name).
            kept = self._kept.get("file")
            name = kept.name if kept is not None else upload.name
            cleaned["title"] = PurePosixPath(name or "").stem[:200]
        elif self.instance.pk:
            cleaned["title"] = self.instance.title  # stored files have random names
        return cleaned
