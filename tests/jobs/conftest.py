"""A real worker process (`manage.py worker`) on the test database."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.proxy.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, log: Path, **env: str):
        self.log = log
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "TASK_RETRY_BACKOFF": "0.5",
            "TASK_WORKER_TIMEOUT": "2",
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            **env,
        }
        self.out = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--no-reload", "--interval", "0.1",
             "--no-startup-delay", "-v2"],
            cwd=ROOT, env=environment, stdout=self.out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self.out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    started = []

    def start(**env) -> WorkerProcess:
        worker = WorkerProcess(tmp_path / f"worker-{len(started)}.log", **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop(signal.SIGKILL)
