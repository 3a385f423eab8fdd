from django.urls import path

from . import views

app_name = "readership"

urlpatterns = [
    path("gelesen/", views.article_read, name="read"),
]
