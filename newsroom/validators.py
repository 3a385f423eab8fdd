from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

# Links readers can follow: web addresses only (no ftp:, javascript:, data: ...).
validate_http_url = URLValidator(
    schemes=["http", "https"],
    message=_("Please enter an address starting with http:// or https://."),
)
