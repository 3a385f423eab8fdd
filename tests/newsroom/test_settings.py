"""Production settings: safe defaults, loud failures, `check --deploy` clean."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
                         "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_BACKEND"}}  # fmt: skip
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY="a-long-and-random-production-secret-" + "x7Kp2Qm9Zr4Tw8Lb" * 3,
        ALLOWED_HOSTS="lindenau-nachrichten.de", SITE_URL="https://lindenau-nachrichten.de",
        DEFAULT_FROM_EMAIL="Lindenau Nachrichten <redaktion@lindenau-nachrichten.de>",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_the_site_address_and_sender():
    result = run_manage(
        "check", "--deploy", SECRET_KEY="a-long-and-random-production-secret-" + "x7Kp2Qm9" * 6,
        ALLOWED_HOSTS="lindenau-nachrichten.de",
    )  # fmt: skip
    # Mails would come from redaktion@localhost with links to nowhere.
    assert "newsroom.W001" in result.stdout + result.stderr
    assert "newsroom.W002" in result.stdout + result.stderr


def test_check_deploy_warns_about_a_local_site_address():
    result = run_manage(
        "check", "--deploy", SECRET_KEY="a-long-and-random-production-secret-" + "x7Kp2Qm9" * 6,
        ALLOWED_HOSTS="lindenau-nachrichten.de", SITE_URL="http://127.0.0.1:8000",
        DEFAULT_FROM_EMAIL="redaktion@localhost",
    )  # fmt: skip
    assert "newsroom.W001" in result.stdout + result.stderr
    assert "newsroom.W002" in result.stdout + result.stderr


def test_without_debug_a_missing_secret_key_stops_the_start():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="k" * 60,
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
