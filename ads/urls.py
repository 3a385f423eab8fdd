from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "ads"

# Translated to German in ads/locale: /stellenmarkt/..., /anzeigen/...
urlpatterns = [
    path(_("jobs/"), views.job_list, name="job-list"),
    path(_("jobs/submit/"), views.job_submit, name="job-submit"),
    path(_("jobs/submit/thanks/"), views.job_submit_done, name="job-submit-done"),
    path(_("jobs/<int:pk>-<slug:slug>/"), views.job_detail, name="job-detail"),
    path(_("ads/"), views.ads_index, name="index"),
    path(_("ads/click/<int:pk>/"), views.banner_click, name="banner-click"),
    path(_("ads/apply/<int:pk>/"), views.job_apply, name="job-apply"),
    path(_("ads/seen/"), views.ads_seen, name="seen"),
]
