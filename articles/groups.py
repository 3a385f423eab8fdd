"""The "Redaktion" group: journalists who write and publish articles."""

from newsroom.groups import ensure_group

GROUP_NAME = "Redaktion"

# Write and publish articles, keep author profiles and tags tidy; categories and deleting
# articles stay with the editors-in-chief (superusers).
PERMISSIONS = {
    "articles": [
        "view_article", "add_article", "change_article",
        "view_author", "add_author", "change_author",
        "view_tag", "add_tag", "change_tag",
        "view_category",
    ],
}  # fmt: skip


def ensure_newsroom_group(group_model, permission_model):
    return ensure_group(group_model, permission_model, GROUP_NAME, PERMISSIONS)
