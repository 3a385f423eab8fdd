"""The sitemap index, its sections and robots.txt; the section of the site's own pages.

Each app brings its sections (`Section`s by name, from a `sitemap_sections()` function of
its own); the URL conf hands the views the list of those functions, so that this module
imports no app.

A section that lists nothing is left out of the index and of robots.txt, and its address
answers 404: a <urlset> without <url> is invalid under sitemap.xsd. Whether each section
lists something is asked in one query for all of them, an EXISTS each (`Section.probe`)
that stops at the first row: the index's cost does not grow with the archive.
"""

from collections.abc import Callable, Iterable

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse

from .caching import add_cache_tags
from .models import Page
from .replicas import read_connection

Sections = dict[str, "Section"]
Providers = Iterable[Callable[[], Sections]]


class Section(Sitemap):
    """A section of the index. `cache_tags`: what it lists (newsroom.caching), so that a
    change bans it; `template_name`: its XML; `in_robots`: named in robots.txt as well."""

    cache_tags: tuple[str, ...] = ()
    template_name = "sitemap.xml"
    in_robots = False

    def probe(self) -> QuerySet | tuple[str, list] | None:
        """Rows if and only if the section lists something: a queryset, or SQL with its
        parameters. None: the section always lists something."""
        return None

    def location(self, item):
        # Pages without an object of their own (the home page, the job board) by URL name.
        return reverse(item) if isinstance(item, str) else item.get_absolute_url()


class OnePagePaginator(Paginator):
    """A section that never holds more than `per_page` items: one page, no COUNT."""

    num_pages = 1

    def __init__(self, items, per_page):
        super().__init__([], per_page)
        self.items = items  # read only for the page itself, not for the index

    def page(self, number):
        number = self.validate_number(number)
        return self._get_page(self.items()[: self.per_page], number, self)


class OnePageSection(Section):
    """A section whose `items()` returns at most `limit` rows: one page, no COUNT."""

    @property
    def paginator(self):
        return OnePagePaginator(self.items, self.limit)


class PageSitemap(OnePageSection):
    """The home page, the Impressum and the published static pages (a few dozen at most)."""

    def items(self):
        return ["articles:home", "newsroom:imprint", *Page.objects.published().only("slug")]


def sitemap_sections() -> Sections:
    return {"pages": PageSitemap()}


def nonempty(sections: Sections) -> Sections:
    """`sections` without those that list nothing, from one query: an EXISTS each."""
    probes = {name: section.probe() for name, section in sections.items()}
    probes = {name: probe for name, probe in probes.items() if probe is not None}
    if not probes:
        return sections
    parts, params = [], []
    for probe in probes.values():
        if isinstance(probe, QuerySet):
            probe = probe.order_by().values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({probe[0]})")
        params.extend(probe[1])
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        found = dict(zip(probes, cursor.fetchone(), strict=True))
    return {name: section for name, section in sections.items() if found.get(name, True)}


def all_sections(providers: Providers) -> Sections:
    return {name: section for provide in providers for name, section in provide().items()}


def _add_tags(request, sections: Sections) -> None:
    # Every section's tags, the empty ones' too: their first item must reach the index.
    add_cache_tags(request, *{tag for section in sections.values() for tag in section.cache_tags})


def index(request, sections: Providers):
    everything = all_sections(sections)
    _add_tags(request, everything)
    return sitemap_views.index(request, nonempty(everything), sitemap_url_name="sitemap-section")


def section(request, section: str, sections: Providers):
    found = all_sections(sections).get(section)
    if found is None:
        raise Http404
    add_cache_tags(request, *found.cache_tags)
    response = sitemap_views.sitemap(
        request, {section: found}, section=section, template_name=found.template_name
    )
    if not response.context_data["urlset"]:
        raise Http404  # nothing to list: an empty <urlset> is invalid
    return response


def robots_txt(request, sections: Providers):
    """The sitemap index, and for crawlers that read only this, the sections that ask to
    be named here (the news sitemap) while they list something."""
    named = {name: s for name, s in all_sections(sections).items() if s.in_robots}
    _add_tags(request, named)
    urls = [reverse("sitemap")]
    urls += [reverse("sitemap-section", kwargs={"section": name}) for name in nonempty(named)]
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /anzeigen/"]
    lines += [f"Sitemap: {request.build_absolute_uri(url)}" for url in urls]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
