"""Old addresses that lead somewhere new: stored data an editor can see and change.

The WordPress import fills them (every old permalink, ?p=123, /category/…, /tag/…,
/author/…, attachment pages, uploads); editors may add their own. They are looked up only
where the site has nothing (a 404) or where WordPress used query strings on the home page
(`/?p=123`): see middleware.py.
"""

from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newsroom.validators import validate_single_line

# Query strings WordPress answered on its home page (plain permalinks and shortlinks).
QUERY_KEYS = ("p", "page_id", "attachment_id", "cat", "tag", "author")
# Where WordPress answered them: the home page and its front controller.
QUERY_PATHS = ("/", "/index.php")


def old_path_key(path: str, query: dict | None = None) -> str:
    """The stored form of an old address: "/2019/05/stadtfest/" (decoded, no host), or
    "/?p=123" for WordPress's query-string addresses (other parameters ignored)."""
    path = unquote(path) or "/"
    if query and path in QUERY_PATHS:
        for key in QUERY_KEYS:
            value = query.get(key)
            if value:
                return f"/?{key}={value}"
    return path


def old_path_from_url(url: str) -> str:
    """old_path_key() of a full or relative URL ("https://portal.de/?p=5" -> "/?p=5")."""
    parts = urlsplit(url.strip())
    return old_path_key(parts.path or "/", dict(parse_qsl(parts.query)))


def lookup_keys(key: str) -> list[str]:
    """The key, and for a path the same with or without its trailing slash: an old link may
    have either, and one query finds both."""
    if key.startswith("/?") or key == "/":
        return [key]
    return [key, key[:-1]] if key.endswith("/") else [key, key + "/"]


# What a target needs: an article's address and whether readers may see it (no text).
TARGET_FIELDS = ["old_path", "new_path", "article__slug", "article__status",
                 "article__published_at", "article__expires_at",
                 "article__category__path"]  # fmt: skip


class RedirectQuerySet(models.QuerySet):
    def target_for(self, key: str) -> str | None:
        """Where the old address `key` leads now, in one query; None: nowhere (or to an
        article readers cannot see)."""
        redirect = (
            self.filter(old_path__in=lookup_keys(key))
            .select_related("article__category")
            .only(*TARGET_FIELDS)
            .first()
        )
        return redirect.target if redirect else None


class Redirect(models.Model):
    old_path = models.CharField(
        _("old address"),
        max_length=500,
        unique=True,
        validators=[validate_single_line],
        help_text=_(
            "Without the domain, e.g. “/2019/05/stadtfest/” or “/?p=123”. It works only where "
            "the site has no page of its own."
        ),
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The article it leads to; it follows the article when its address changes."),
    )
    new_path = models.CharField(
        _("new address"),
        max_length=500,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Instead of an article: an address on this site, e.g. “/dorsten/”."),
    )
    from_wordpress = models.BooleanField(_("from the WordPress import"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RedirectQuerySet.as_manager()

    class Meta:
        ordering = ["old_path"]
        verbose_name = _("redirect")
        verbose_name_plural = _("redirects")
        constraints = [
            models.CheckConstraint(
                condition=(Q(article__isnull=False) & Q(new_path=""))
                | (Q(article__isnull=True) & ~Q(new_path="")),
                name="redirect_one_target",
                violation_error_message=_("Choose an article or enter a new address, not both."),
            ),
        ]

    def __str__(self):
        return self.old_path

    @property
    def target(self) -> str | None:
        if self.article_id:
            return self.article.get_absolute_url() if self.article.is_public else None
        return self.new_path

    def clean(self):
        self.old_path = old_path_from_url(self.old_path) if self.old_path else ""
        if self.old_path and not self.old_path.startswith("/"):
            raise ValidationError({"old_path": _("Please enter an address starting with “/”.")})
        if self.new_path and (not self.new_path.startswith("/") or self.new_path.startswith("//")):
            raise ValidationError(
                {"new_path": _("Please enter an address on this site, starting with “/”.")}
            )
        if self.new_path and self.new_path == self.old_path:
            raise ValidationError({"new_path": _("The new address is the old one.")})
