"""The site's URLs plus one view that fails, to see the 500 page a reader would get."""

from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns

handler500 = "newsroom.views.server_error"


def broken(request):
    raise RuntimeError("simulated failure")


urlpatterns = [path("kaputt/", broken), *site_urlpatterns]
