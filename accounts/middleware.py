from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import services


class SecondFactorMiddleware:
    """Keeps staff out of the admin until their second factor is settled.

    The login form asks everyone with a device for a code. A session without one (opened
    before the device was set up, e.g. in another browser) must log in again; staff who must
    use a second factor and have none yet reach only the setup pages.

    Decided on the resolved view (the admin's and the setup's), so reading pages pay nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        in_admin = match is not None and "admin" in match.app_names
        in_setup = match is not None and "accounts" in match.app_names
        if not (in_admin or in_setup) or match.url_name == "logout":
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff) or user.is_verified():
            return None
        if services.has_second_factor(user):
            logout(request)
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if in_admin and services.second_factor_required(user):
            setup_url = reverse("accounts:setup")
            return redirect(f"{setup_url}?{urlencode({'next': request.get_full_path()})}")
        return None
