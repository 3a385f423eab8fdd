"""The demo data: job ads in every state and a banner for each slot, loaded idempotently."""

import re
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from ads import demo
from ads.models import Banner, JobAd

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_and_every_slot_and_can_run_twice():
    demo.load(stdout=StringIO())
    counts = (JobAd.objects.count(), Banner.objects.count())
    demo.load(stdout=StringIO())
    assert (JobAd.objects.count(), Banner.objects.count()) == counts
    states = {ad.state_label() for ad in JobAd.objects.all()}
    assert {"eingereicht", "läuft", "abgelaufen", "abgelehnt"} <= states
    assert JobAd.objects.live().count() >= 3
    assert sorted(Banner.objects.live().values_list("slot", flat=True)) == sorted(Banner.SLOT_SIZES)
    for banner in Banner.objects.all():
        assert (banner.image_width, banner.image_height) == banner.slot_size
        assert banner.target_url.startswith("https://example.org/")
    assert all(ad.employer_logo and ad.logo_width for ad in JobAd.objects.all())
    assert all("Lindenau" in ad.place for ad in JobAd.objects.all())


def test_every_image_the_demo_job_market_shows_exists(client):
    """The logos' smaller copies too: the job board and the job box load them by name."""
    demo.load(stdout=StringIO())
    html = client.get(reverse("ads:job-list")).content.decode()
    shown = set(re.findall(r"/media/([^\"' ,]+\.(?:png|webp|jpg))", html))
    assert any("-96w." in name or "-192w." in name for name in shown), shown
    missing = [name for name in shown if not default_storage.exists(name)]
    assert missing == []
