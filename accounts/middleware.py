from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import services


class SecondFactorMiddleware:
    """Keeps staff sessions useless until their second factor is settled.

    The login form asks everyone with a device for a code. A session without one (opened
    before the device was set up, e.g. in another browser) must log in again; staff who must
    use a second factor and have none yet reach only the setup pages: not the admin, nor
    what staff may do outside it (previews of drafts, the editor's image upload).

    Requests without a session cookie (readers) are not looked at: no session is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
            or match is None
            or match.view_name == "admin:logout"
        ):
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff) or user.is_verified():
            return None
        if services.has_second_factor(user):
            logout(request)
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        in_setup = "accounts" in match.app_names
        if not in_setup and services.second_factor_required(user):
            setup_url = reverse("accounts:setup")
            return redirect(f"{setup_url}?{urlencode({'next': request.get_full_path()})}")
        return None
