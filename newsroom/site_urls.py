from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "newsroom"

urlpatterns = [
    path(_("page/<slug:slug>/"), views.page_detail, name="page"),
    path(_("imprint/"), views.imprint, name="imprint"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("brand.css", views.brand_css, name="brand-css"),
]
