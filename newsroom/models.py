from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from newsroom import caching
from newsroom.sanitize import RichTextField
from newsroom.validators import validate_http_url


class SiteSettings(models.Model):
    """The portal's name, town and promo box: one row, edited in the admin."""

    site_name = models.CharField(_("site name"), max_length=100, default="Newsroom")
    town = models.CharField(
        _("town"),
        max_length=100,
        default="",
        blank=True,
        help_text=_(
            "The town the portal reports on, named in the home page's heading "
            "(read out by screen readers, read by search engines)."
        ),
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    promo_title = models.CharField(
        _("promo box title"),
        max_length=120,
        blank=True,
        help_text=_(
            "Shown under every article, e.g. “Neuer WhatsApp-Kanal”. "
            "Leave empty to hide the promo box."
        ),
    )
    promo_text = models.TextField(_("promo box text"), blank=True)
    promo_link_label = models.CharField(_("promo box button label"), max_length=60, blank=True)
    promo_link_url = models.URLField(
        _("promo box link"),
        blank=True,
        validators=[validate_http_url],
        help_text=_("An http or https address."),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self):
        return self.site_name

    def save(self, *args, **kwargs):
        self.pk = 1  # a single row
        super().save(*args, **kwargs)

    @classmethod
    def load(cls, request=None) -> "SiteSettings":
        """The settings row, from the cache when possible (read on every page)."""
        return caching.cached(
            "site-settings",
            [caching.ALL],
            lambda: cls.objects.filter(pk=1).first() or cls(pk=1),
            request,
        )

    @property
    def has_promo(self) -> bool:
        return bool(self.promo_title and self.promo_link_url)


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Page(models.Model):
    """A static page such as Impressum, Datenschutz or Kontakt, linked in the footer."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    body = RichTextField(_("text"), config_name="default", blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    in_footer = models.BooleanField(_("link in footer"), default=True)
    position = models.PositiveSmallIntegerField(_("position in footer"), default=0)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("newsroom:page", kwargs={"slug": self.slug})
