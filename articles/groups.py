"""The newsroom's roles: "Redaktion" writes, the "Chef vom Dienst" decides what goes live.

Kept current by data migrations (ensure_groups() resets both to exactly these permissions).
Deleting articles, categories and the site's pages stay with administrators (superusers).
"""

from newsroom.groups import ensure_group

GROUP_NAME = "Redaktion"
EDITOR_GROUP_NAME = "Chef vom Dienst"

# Write articles and edit the colleagues' drafts, submit them for review; a change to a
# published article waits for approval (articles.workflow). Nothing readers see: author
# profiles and tag names are public, so they are only read here.
PERMISSIONS = {
    "articles": [
        "view_article", "add_article", "change_article",
        "view_author", "view_tag", "view_category",
        "view_pendingchange",
    ],
    # The image library: upload, describe and reuse; deleting is for the editor on duty.
    "images": ["view_image", "add_image", "change_image"],
}  # fmt: skip

# Everything the newsroom does with articles, plus publishing and the public names.
EDITOR_PERMISSIONS = {
    "articles": [
        "view_article", "add_article", "change_article", "publish_article",
        "view_author", "add_author", "change_author",
        "view_tag", "add_tag", "change_tag",
        "view_category",
        "view_pendingchange", "change_pendingchange",
    ],
    "images": ["view_image", "add_image", "change_image", "delete_image"],
    # Old addresses (the WordPress import's and their own) lead where they decide.
    "redirects": ["view_redirect", "add_redirect", "change_redirect", "delete_redirect"],
}  # fmt: skip


def ensure_newsroom_group(group_model, permission_model):
    return ensure_group(group_model, permission_model, GROUP_NAME, PERMISSIONS)


def ensure_groups(group_model, permission_model):
    ensure_newsroom_group(group_model, permission_model)
    ensure_group(group_model, permission_model, EDITOR_GROUP_NAME, EDITOR_PERMISSIONS)
