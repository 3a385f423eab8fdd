"""factory_boy factories for the ads app."""

from datetime import timedelta

import factory
from django.db.models import Sum
from django.utils import timezone

from ads.models import Banner, JobAd, ads_today
from tests.factories import image_upload


def counted(model, ad, day=None) -> tuple[int, int]:
    """(impressions, clicks) of an ad, over all its rows (of `day`, if given)."""
    rows = model.objects.filter(ad=ad, **({"day": day} if day else {}))
    totals = rows.aggregate(impressions=Sum("impressions"), clicks=Sum("clicks"))
    return totals["impressions"] or 0, totals["clicks"] or 0


def banner_image(slot: str = "sidebar", name: str = "banner.png"):
    return image_upload(name, size=Banner.SLOT_SIZES[slot], fmt="PNG")


class JobAdFactory(factory.django.DjangoModelFactory):
    """A live (approved, running) job ad unless told otherwise."""

    class Meta:
        model = JobAd

    employer_name = factory.Sequence(lambda n: f"Tischlerei Nummer {n}")
    title = factory.Sequence(lambda n: f"Tischler {n} (m/w/d)")
    place = "Lindenau"
    teaser = "Wir bauen Möbel für die Region und suchen Verstärkung."
    description = "<p>Eine schöne Stelle.</p>"
    apply_url = factory.Sequence(lambda n: f"https://example.org/bewerbung/{n}")
    first_day = factory.LazyFunction(lambda: ads_today() - timedelta(days=1))
    last_day = factory.LazyFunction(lambda: ads_today() + timedelta(days=10))
    status = JobAd.Status.APPROVED
    reviewed_at = factory.LazyFunction(timezone.now)
    contact_name = "Erika Musterfrau"
    contact_email = "erika@example.org"
    contact_phone = "0123 45678"

    class Params:
        submitted = factory.Trait(status=JobAd.Status.SUBMITTED, reviewed_at=None)
        rejected = factory.Trait(status=JobAd.Status.REJECTED, rejection_reason="Unseriös.")
        expired = factory.Trait(
            first_day=factory.LazyFunction(lambda: ads_today() - timedelta(days=20)),
            last_day=factory.LazyFunction(lambda: ads_today() - timedelta(days=1)),
        )


class BannerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Banner

    name = factory.Sequence(lambda n: f"Kampagne {n}")
    slot = "sidebar"
    image = factory.LazyAttribute(lambda o: banner_image(o.slot))
    alt_text = factory.Sequence(lambda n: f"Sommerfest Nummer {n}")
    target_url = factory.Sequence(lambda n: f"https://example.org/kampagne/{n}")
    first_day = factory.LazyFunction(lambda: ads_today() - timedelta(days=1))
    last_day = factory.LazyFunction(lambda: ads_today() + timedelta(days=10))
    weight = 1
