"""The worker as a real process on the test database: retries with backoff, a task that
keeps failing, a worker killed mid-task, a graceful stop, renditions after an upload."""

import signal

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from images.models import Image
from tests.factories import ImageFactory
from tests.proxy.conftest import eventually

from . import tasks


def row(result) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=result.id)


def finished(result):
    def check():
        current = row(result)
        return current if current.status in ("SUCCESSFUL", "FAILED") else None

    return check


def times(log) -> list[float]:
    return [float(line.split()[0]) for line in log.read_text().splitlines()]


def test_a_failing_task_is_retried_with_backoff_until_it_succeeds(start_worker, tmp_path):
    log = tmp_path / "flaky.log"
    result = tasks.flaky.enqueue(str(log), 2)
    worker = start_worker(TASK_RETRY_BACKOFF="0.5")

    done = eventually(finished(result), timeout=30, interval=0.1)

    assert done.status == TaskResultStatus.SUCCESSFUL, worker.output()
    assert done.return_value == "done"
    assert len(done.worker_ids) == 3  # two failures, then the success
    first, second, third = times(log)
    assert second - first >= 0.5  # the backoff, doubled for the next attempt
    assert third - second >= 1.0


def test_a_task_that_keeps_failing_ends_failed_after_its_attempts(start_worker, tmp_path):
    log = tmp_path / "hopeless.log"
    result = tasks.hopeless.enqueue(str(log))
    start_worker(TASK_RETRY_BACKOFF="0.2")

    done = eventually(finished(result), timeout=30, interval=0.1)

    assert done.status == TaskResultStatus.FAILED
    assert len(times(log)) == 2  # its max_attempts, no more
    assert "ValueError: this never works" in done.traceback


def test_the_task_of_a_killed_worker_is_run_by_another(start_worker, tmp_path):
    log = tmp_path / "slow.log"
    result = tasks.slow.enqueue(str(log), 600)
    first = start_worker()
    eventually(lambda: log.exists() and "started" in log.read_text(), timeout=30)

    first.stop(signal.SIGKILL)  # mid-task: no chance to record anything
    assert row(result).status == TaskResultStatus.RUNNING
    start_worker()

    done = eventually(finished(result), timeout=30, interval=0.1)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert len(set(done.worker_ids)) == 2
    assert log.read_text().count("finished") == 1


def test_a_stopped_worker_finishes_its_task_first(start_worker, tmp_path):
    log = tmp_path / "slow.log"
    result = tasks.slow.enqueue(str(log), 1.5)
    worker = start_worker()
    eventually(lambda: log.exists() and "started" in log.read_text(), timeout=30)

    assert worker.stop(signal.SIGTERM) == 0  # as systemd stops it

    done = row(result)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert len(done.worker_ids) == 1


def test_renditions_are_made_right_after_an_upload(start_worker, settings):
    image = ImageFactory()
    names = [image.renditions.name(*item) for item in image.renditions.all()]
    folder = settings.MEDIA_ROOT
    assert not any((folder / name).exists() for name in names)  # no reader made one yet

    start_worker()

    eventually(lambda: all((folder / name).exists() for name in names), timeout=60)
    assert len(names) > 10
    assert Image.objects.get(pk=image.pk).rendition_key == image.rendition_key
