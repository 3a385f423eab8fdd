"""Newest-first article lists read page by page at a cost set by the page, not the archive.

The first NUMBERED_PAGES pages keep their `?seite=N` addresses; they and the "Seite N von M"
line come from one bounded read of at most NUMBERED_PAGES pages of ids. Older pages continue
from a cursor (`?vor=…`, the last article shown), so page 5000 costs what page 2 costs.
"""

from datetime import UTC, datetime, timedelta
from math import ceil

from django.http import Http404

PAGE_SIZE = 12
NUMBERED_PAGES = 20
CURSOR_PARAM = "vor"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def make_cursor(row: tuple) -> str:
    pk, published_at = row
    return f"{(published_at - EPOCH) // MICROSECOND}_{pk}"


def parse_cursor(value: str) -> tuple:
    try:
        micros, pk = value.split("_")
        return int(pk), EPOCH + int(micros) * MICROSECOND
    except (ValueError, OverflowError):
        raise Http404 from None


class ArchivePage:
    """Quacks like django.core.paginator.Page for templates/includes/pagination.html."""

    def __init__(self, object_list, *, number, num_pages, next_number=None, next_cursor=""):
        self.object_list = object_list
        self.number = number  # None on a cursor page
        self.num_pages = num_pages  # None when there are more than NUMBERED_PAGES
        self.next_number = next_number
        self.next_cursor = next_cursor

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def paginator(self):
        return self

    @property
    def is_cursor_page(self) -> bool:
        return self.number is None

    def has_previous(self) -> bool:
        return bool(self.number and self.number > 1)

    def previous_page_number(self) -> int:
        return self.number - 1

    def has_next(self) -> bool:
        return bool(self.next_number or self.next_cursor)

    def next_page_number(self) -> int | None:
        return self.next_number

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next() or self.is_cursor_page


def paginate(request, newest_ids, load) -> ArchivePage:
    """newest_ids(limit, before=None) -> [(pk, published_at), ...] newest first (bounded by
    `limit`); load(rows) -> the articles of those rows in that order."""
    cursor = request.GET.get(CURSOR_PARAM)
    if cursor is not None:
        rows = newest_ids(PAGE_SIZE + 1, before=parse_cursor(cursor))
        shown = rows[:PAGE_SIZE]
        more = len(rows) > PAGE_SIZE
        return ArchivePage(
            load(shown),
            number=None,
            num_pages=None,
            next_cursor=make_cursor(shown[-1]) if more else "",
        )
    try:
        number = max(1, int(request.GET.get("seite", 1)))
    except ValueError:
        number = 1
    # Read up to two pages beyond this one: enough for the total of a short list ("Seite 1
    # von 3"), while page 1 of a long one reads 37 ids, not all twenty pages' worth.
    limit = min(number + 2, NUMBERED_PAGES) * PAGE_SIZE
    rows = newest_ids(limit + 1)
    more = len(rows) > limit
    num_pages = None if more else max(1, ceil(len(rows) / PAGE_SIZE))
    if number > NUMBERED_PAGES and more:
        # Deep numbered addresses would need an OFFSET; older pages go by cursor.
        raise Http404
    number = min(number, num_pages or NUMBERED_PAGES)
    shown = rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    page = ArchivePage(load(shown), number=number, num_pages=num_pages)
    if number < (num_pages or NUMBERED_PAGES):
        page.next_number = number + 1
    elif more:
        page.next_cursor = make_cursor(shown[-1])
    return page
