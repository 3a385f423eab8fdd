from django.conf import settings
from django.urls import path

from . import renditions, views

app_name = "images"

# Under MEDIA_URL, where the files are stored: the web server answers for existing ones.
_prefix = f"{settings.MEDIA_URL.strip('/')}/{renditions.DIRECTORY}"
urlpatterns = [
    path(f"{_prefix}/<int:pk>/<slug:key>/<str:name>", views.rendition, name="rendition"),
]
