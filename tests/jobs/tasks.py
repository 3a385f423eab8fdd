"""Tasks the worker tests enqueue: each leaves a line in a file per attempt, so a test sees
what the worker process did."""

import time
from pathlib import Path

from django_tasks import task


def _attempt(log: str, line: str) -> int:
    path = Path(log)
    with path.open("a") as out:
        out.write(f"{time.time()} {line}\n")
    return len(path.read_text().splitlines())


@task()
def flaky(log: str, failures: int) -> str:
    """Fails its first `failures` attempts."""
    if _attempt(log, "attempt") <= failures:
        raise ConnectionError("the mail server is away")
    return "done"


@task()
def hopeless(log: str) -> None:
    _attempt(log, "attempt")
    raise ValueError("this never works")


hopeless.func.max_attempts = 2


@task()
def slow(log: str, seconds: float) -> str:
    """Sleeps on its first attempt (killed then), finishes at once on the next."""
    if _attempt(log, "started") == 1:
        time.sleep(seconds)
    _attempt(log, "finished")
    return "done"
