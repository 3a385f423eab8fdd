"""What an import did, told at the end of the command (German through gettext), and its
progress while it runs."""

import time
from collections import Counter
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import MISSING, ImportedItem

Kind = ImportedItem.Kind
PROGRESS_EVERY = 5  # seconds between plain progress lines when not on a terminal

# WordPress's names of what is left out, as the report says them; others stay as they are.
LEFT_OUT = {
    "trash": gettext_lazy("posts in the trash"),
    "auto-draft": gettext_lazy("automatic drafts"),
    "nav_menu": gettext_lazy("menus"),
    "nav_menu_item": gettext_lazy("menu entries"),
    "wp_block": gettext_lazy("reusable blocks"),
    "wp_template": gettext_lazy("templates"),
    "wp_template_part": gettext_lazy("templates"),
    "wp_template_part_area": gettext_lazy("templates"),
    "wp_theme": gettext_lazy("themes"),
    "wp_navigation": gettext_lazy("menus"),
    "wp_global_styles": gettext_lazy("styles"),
    "post_format": gettext_lazy("post formats"),
    "wpcf7_contact_form": gettext_lazy("contact forms"),
}


def shortened(titles: list[str], limit: int = 20) -> str:
    """The first `limit` titles; how many more there are."""
    text = "; ".join(titles[:limit])
    if len(titles) > limit:
        text += " " + _("… and %(n)s more") % {"n": len(titles) - limit}
    return text


@dataclass
class Report:
    """What the import did, for the end of the command's output (German through gettext)."""

    dry_run: bool = False
    counts: Counter = field(default_factory=Counter)  # (kind, outcome) -> n
    left_out: Counter = field(default_factory=Counter)  # what is not brought over
    not_public: list[str] = field(default_factory=list)
    edited_here: list[str] = field(default_factory=list)
    incomplete: int = 0
    missing: Counter = field(default_factory=Counter)  # ImportedItem.missing code -> n
    missing_files: list[str] = field(default_factory=list)
    refused_images: list[str] = field(default_factory=list)
    shortcodes: Counter = field(default_factory=Counter)
    embeds: int = 0
    galleries: int = 0
    deep_categories: list[str] = field(default_factory=list)
    several_categories: int = 0
    without_category: int = 0
    pages_kept: list[str] = field(default_factory=list)
    redirects: int = 0
    seconds: float = 0.0

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind, outcome] += 1

    def lines(self) -> list[str]:
        out = [_("Dry run: nothing was written.") if self.dry_run else _("Import finished.")]
        names = {
            Kind.AUTHOR: _("Authors"), Kind.CATEGORY: _("Categories"), Kind.TAG: _("Tags"),
            Kind.ATTACHMENT: _("Images"), Kind.POST: _("Articles"), Kind.PAGE: _("Pages"),
        }  # fmt: skip
        outcomes = {
            "created": _("new"), "updated": _("updated"), "unchanged": _("unchanged"),
            "edited": _("changed here, left alone"), "reused": _("already there, used"),
            "failed": _("not imported"), "skipped": _("skipped"),
        }  # fmt: skip
        for kind, name in names.items():
            parts = [
                f"{outcomes[o]} {self.counts[kind, o]}" for o in outcomes if self.counts[kind, o]
            ]
            out.append(f"  {name}: {', '.join(parts) or '0'}")
        out.append("  " + _("Redirects from old addresses: %(n)s new") % {"n": self.redirects})
        if self.not_public:
            out.append(
                _("Private or password-protected, imported as drafts (never public): %(t)s")
                % {"t": shortened(self.not_public)}
            )
        if self.edited_here:
            out.append(
                _("Changed in Newsroom since the last import, left as they are: %(t)s")
                % {"t": shortened(self.edited_here)}
            )
        if self.incomplete:
            out.append(
                ngettext(
                    "%(n)s article lacks something today's publishing requires; the article "
                    "list's filter “from WordPress, incomplete” shows it.",
                    "%(n)s articles lack something today's publishing requires; the article "
                    "list's filter “from WordPress, incomplete” shows them.",
                    self.incomplete,
                )
                % {"n": self.incomplete}
            )
            for code, n in self.missing.most_common():
                out.append(f"    {MISSING.get(code, code)}: {n}")
        if self.missing_files:
            out.append(
                _("Image files not found (the articles were imported without them): %(f)s")
                % {"f": shortened(self.missing_files)}
            )
        if self.refused_images:
            out.append(_("Images refused: %(f)s") % {"f": shortened(self.refused_images)})
        if self.deep_categories:
            out.append(
                _(
                    "Categories below the second level are kept with their articles; the "
                    "menu shows two levels, deeper ones are linked from their parent's page: "
                    "%(c)s"
                )
                % {"c": "; ".join(self.deep_categories)}
            )
        if self.several_categories:
            out.append(
                _("%(n)s posts had several categories; each article is in the first one.")
                % {"n": self.several_categories}
            )
        if self.without_category:
            out.append(
                _("%(n)s posts had no category; they are in “Allgemein”.")
                % {"n": self.without_category}
            )
        for title in self.pages_kept:
            out.append(_("Page left out, the site has its own: %(t)s") % {"t": title})
        converted = []
        if self.embeds:
            converted.append(_("%(n)s embeds as links") % {"n": self.embeds})
        if self.galleries:
            converted.append(_("%(n)s galleries as images") % {"n": self.galleries})
        if converted:
            out.append(_("In the texts: %(list)s.") % {"list": ", ".join(converted)})
        if self.shortcodes:
            listed = ", ".join(f"[{name}] × {n}" for name, n in self.shortcodes.most_common())
            out.append(_("Shortcodes removed (their text kept): %(list)s") % {"list": listed})
        if self.left_out:
            named = Counter()
            for what, n in self.left_out.items():
                named[str(LEFT_OUT.get(what, what))] += n
            listed = ", ".join(f"{what}: {n}" for what, n in sorted(named.items()))
            out.append(_("Not brought over: %(list)s") % {"list": listed})
        out.append(_("Time: %(s)s s") % {"s": number_format(self.seconds, 1)})
        return out


class Progress:
    """A bar on a terminal (tqdm), a plain line every few seconds otherwise."""

    def __init__(self, stream, label: str, total: int | None, unit: str):
        self.stream, self.label, self.total, self.unit = stream, label, total, unit
        self.done, self.last = 0, time.monotonic()
        self.bar = None
        if getattr(stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit=unit, file=stream, unit_scale=True)

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif time.monotonic() - self.last >= PROGRESS_EVERY:
            self.last = time.monotonic()
            if self.total:
                line = f"{self.label}: {100 * self.done // self.total} %"
            else:
                line = f"{self.label}: {self.done} {self.unit}"
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
