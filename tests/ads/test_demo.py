"""The demo data: job ads in every state and a banner for each slot, loaded idempotently."""

from io import StringIO

import pytest

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
