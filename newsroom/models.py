import re
from html import unescape

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from newsroom import brand, caching
from newsroom.sanitize import RichTextField
from newsroom.validators import validate_http_url, validate_single_line

# The address of the Impressum (§ 5 DDG): /impressum/, whatever the static pages are called.
IMPRINT_SLUG = "impressum"

validate_phone = RegexValidator(
    r"^\+?[0-9][0-9 ()/-]{4,}$",
    _("Please enter a telephone number of digits, spaces and + ( ) / - only."),
)
validate_vat_id = RegexValidator(
    r"^[A-Z]{2}[0-9A-Z]{2,12}$",
    _("Please enter the VAT identification number without spaces, e.g. DE123456789."),
)


class SiteSettings(models.Model):
    """The portal's name, town, promo box and Impressum: one row, edited in the admin."""

    site_name = models.CharField(
        _("site name"), max_length=100, default="Newsroom", validators=[validate_single_line]
    )
    town = models.CharField(
        _("town"),
        max_length=100,
        default="",
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "The town the portal reports on, named in the home page's heading "
            "(read out by screen readers, read by search engines)."
        ),
    )
    # Called "claim" since the brand settings; the column kept its name.
    tagline = models.CharField(
        _("claim"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "A short line about the portal, shown in the header and the footer, e.g. "
            "“Das Nachrichtenportal für Lindenau und die Region”."
        ),
    )
    logo = models.FileField(
        _("logo"),
        upload_to="brand/",
        blank=True,
        validators=[brand.validate_logo],
        help_text=_(
            "An SVG or PNG file of at most 1 MB. From SVG files, scripts, links to other "
            "sites and embedded images are removed."
        ),
    )
    # Filled on saving, for the page's width and height attributes (no layout shift).
    logo_width = models.PositiveIntegerField(null=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, editable=False)
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default=brand.DEFAULT_COLOR,
        validators=[brand.validate_color],
        help_text=_(
            "For links, buttons and lines. It must be dark enough to read on white "
            "(WCAG AA contrast)."
        ),
    )
    promo_title = models.CharField(
        _("promo box title"),
        max_length=120,
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "Shown under every article, e.g. “Neuer WhatsApp-Kanal”. "
            "Leave empty to hide the promo box."
        ),
    )
    promo_text = models.TextField(_("promo box text"), blank=True)
    promo_link_label = models.CharField(
        _("promo box button label"), max_length=60, blank=True, validators=[validate_single_line]
    )
    promo_link_url = models.URLField(
        _("promo box link"),
        blank=True,
        validators=[validate_http_url],
        help_text=_("An http or https address."),
    )

    # The Impressum (§ 5 DDG, § 18 (2) MStV). Blank in the database so that migrations and
    # an empty install work; the admin form requires IMPRINT_REQUIRED and the admin warns
    # while one of them is empty.
    publisher_name = models.CharField(
        _("publisher"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "The company (with its legal form) or the person publishing the portal, "
            "e.g. “Lindenauer Medien GmbH”."
        ),
    )
    publisher_representative = models.CharField(
        _("represented by"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "For a company: who may represent it, e.g. “Geschäftsführerin: Dorothea "
            "Brinkhaus”. Empty for a person."
        ),
    )
    publisher_address = models.TextField(
        _("publisher's address"),
        blank=True,
        help_text=_("Street and number, postcode and town, one per line (no P.O. box)."),
    )
    contact_email = models.EmailField(_("e-mail address"), blank=True)
    contact_phone = models.CharField(
        _("telephone"), max_length=40, blank=True, validators=[validate_phone]
    )
    register_court = models.CharField(
        _("register court"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("e.g. “Amtsgericht Lindenau”; empty when not registered."),
    )
    register_number = models.CharField(
        _("register number"),
        max_length=50,
        blank=True,
        validators=[validate_single_line],
        help_text=_("e.g. “HRB 12345”; empty when not registered."),
    )
    vat_id = models.CharField(
        _("VAT identification number"),
        max_length=20,
        blank=True,
        validators=[validate_vat_id],
        help_text=_("Under § 27a UStG, where there is one, e.g. DE123456789."),
    )
    responsible_name = models.CharField(
        _("responsible for the content"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("The person responsible for the journalistic content (§ 18 (2) MStV)."),
    )
    responsible_address = models.TextField(
        _("address of the person responsible"),
        blank=True,
        help_text=_("Street and number, postcode and town, one per line."),
    )
    publishing_principles_url = models.URLField(
        _("editorial principles"),
        blank=True,
        validators=[validate_http_url],
        help_text=_(
            "The address of the page with the newsroom's editorial principles, e.g. a static "
            "page; search engines learn it from the home page."
        ),
    )
    imprint_text = RichTextField(
        _("further Impressum text"),
        config_name="default",
        blank=True,
        help_text=_(
            "Shown below the details above, e.g. the supervisory authority, "
            "dispute resolution or picture credits."
        ),
    )

    # What § 5 DDG and § 18 (2) MStV ask of every publisher (the register and the VAT id
    # only where there are any).
    IMPRINT_REQUIRED = (
        "publisher_name",
        "publisher_address",
        "contact_email",
        "contact_phone",
        "responsible_name",
        "responsible_address",
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self):
        return self.site_name

    def save(self, *args, **kwargs):
        self.pk = 1  # a single row
        if self.logo and not self.logo._committed:
            # The cleaned copy is stored, never the upload itself.
            logo = brand.read_logo(self.logo)
            clean = logo.as_file()
            self.logo.save(clean.name, clean, save=False)
            self.logo_width, self.logo_height = logo.width, logo.height
        elif not self.logo:
            self.logo_width = self.logo_height = None
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

    @classmethod
    def from_cache(cls) -> "SiteSettings":
        """The settings as the app cache holds them, else the defaults: never the database
        (for the 500 page, which must render while the database is down)."""
        try:
            return caching.peek("site-settings", [caching.ALL]) or cls(pk=1)
        except Exception:  # the cache may be down too (Redis)
            return cls(pk=1)

    @property
    def has_promo(self) -> bool:
        return bool(self.promo_title and self.promo_link_url)

    @property
    def imprint_missing(self) -> list[str]:
        """The names of the mandatory Impressum fields that are still empty."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.IMPRINT_REQUIRED
            if not getattr(self, name).strip()
        ]

    @property
    def contact_phone_uri(self) -> str:
        """`tel:` wants the digits (and a leading +) only."""
        return "tel:" + re.sub(r"[^0-9+]", "", self.contact_phone)


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Page(models.Model):
    """A static page such as Impressum, Datenschutz or Kontakt, linked in the footer."""

    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
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

    @property
    def excerpt(self) -> str:
        """The start of the text as plain text, for the meta description."""
        return Truncator(unescape(strip_tags(self.body)).strip()).words(30)

    def clean(self):
        if self.slug == IMPRINT_SLUG:
            message = _("The Impressum is edited in the site settings; please choose another slug.")
            raise ValidationError({"slug": message})
