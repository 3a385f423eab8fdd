"""The job market's section of the sitemap index (newsroom.sitemaps)."""

from newsroom.caching import ADS
from newsroom.sitemaps import OnePageSection, Sections

from .models import JOBS, JobAd


class JobSitemap(OnePageSection):
    """The job board and the page of every ad readers may open (approved and running):
    the pages with JobPosting data. Ads start and end at midnight, when `ads` changes."""

    changefreq = "daily"
    cache_tags = (ADS, JOBS)

    def items(self):
        return ["ads:job-list", *JobAd.objects.for_board().only("title")]


def sitemap_sections() -> Sections:
    return {"jobs": JobSitemap()}
