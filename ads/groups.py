"""The "Anzeigen" group: the ad staff who moderate job ads and manage banners."""

from newsroom.groups import ensure_group

GROUP_NAME = "Anzeigen"

# Exactly what the work needs: moderate and edit job ads (also ones taken by phone),
# delete spam, manage banners. Statistics are shown on the ads' own admin pages.
PERMISSIONS = [
    "view_jobad",
    "add_jobad",
    "change_jobad",
    "delete_jobad",
    "moderate_jobad",
    "view_banner",
    "add_banner",
    "change_banner",
    "delete_banner",
]


def ensure_ads_group(group_model, permission_model):
    """Create the group with exactly PERMISSIONS (used by a data migration and tests)."""
    return ensure_group(group_model, permission_model, GROUP_NAME, {"ads": PERMISSIONS})
