from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import editor, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("search/"), views.search, name="search"),
    path(_("tag/<slug:slug>/"), views.tag_detail, name="tag"),
    path(_("author/<slug:slug>/"), views.author_detail, name="author"),
    path(_("editor/image-upload/"), editor.editor_upload, name="editor-upload"),
    # Categories and articles share the tree of addresses; this pattern must stay last.
    path("<path:path>/", views.path_dispatch, name="path"),
]
