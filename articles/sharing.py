"""Share links: plain addresses of the networks' own share pages, nothing loaded before
the reader clicks (no third-party script, image or font)."""

from urllib.parse import quote

from django.utils.translation import gettext as _


def _q(text: str) -> str:
    return quote(text, safe="")


def share_links(url: str, title: str) -> list[tuple[str, str, str]]:
    """(network, accessible name, address) for sharing the page at the absolute `url`."""
    on = _("Share on %(network)s")
    mail_body = f"{title}\n\n{url}"
    return [
        ("WhatsApp", on % {"network": "WhatsApp"}, f"https://wa.me/?text={_q(f'{title} {url}')}"),
        (
            "Facebook",
            on % {"network": "Facebook"},
            f"https://www.facebook.com/sharer/sharer.php?u={_q(url)}",
        ),
        ("X", on % {"network": "X"}, f"https://x.com/intent/post?url={_q(url)}&text={_q(title)}"),
        (
            "LinkedIn",
            on % {"network": "LinkedIn"},
            f"https://www.linkedin.com/sharing/share-offsite/?url={_q(url)}",
        ),
        ("E-Mail", _("Share by e-mail"), f"mailto:?subject={_q(title)}&body={_q(mail_body)}"),
    ]
