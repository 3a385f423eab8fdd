"""The systemd units operators copy (deploy/systemd/), checked by systemd itself.

`systemd-analyze verify` checks each unit's directives and that the programs it starts
exist. The shipped files name the server's checkout (/srv/newsroom) and its user
(`newsroom`); the tests write them into a temp dir with those two replaced by this checkout
and whoever runs the tests, nothing else. A missing systemd-analyze skips them, except with
CI=true, where scripts/test.sh installs it.
"""

import grp
import os
import pwd
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
UNIT_DIR = ROOT / "deploy" / "systemd"
SERVICES = ("newsroom.service", "newsroom-worker.service", "newsroom-schedule.service")
UNITS = (*SERVICES, "newsroom-schedule.timer")
INSTALL_DIR = "/srv/newsroom"  # where deploy/README.md puts the checkout
IN_CI = os.environ.get("CI") == "true"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or next(
    (p for p in ("/usr/bin/systemd-analyze", "/bin/systemd-analyze") if os.path.exists(p)), None
)


def systemd_analyze(*args: str) -> subprocess.CompletedProcess:
    if not SYSTEMD_ANALYZE:
        if IN_CI:
            raise RuntimeError(
                "CI=true but systemd-analyze is missing (scripts/test.sh installs it)"
            )
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return subprocess.run(
        [SYSTEMD_ANALYZE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": ""},
    )


def render(text: str) -> str:
    """The unit as it would be on a server whose checkout is this one and whose `newsroom`
    user is the one running the tests: verify wants the programs (and, depending on the
    version, the user) to exist."""
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    text = text.replace(INSTALL_DIR, str(ROOT))
    text = re.sub(r"^User=newsroom$", f"User={user}", text, flags=re.M)
    return re.sub(r"^Group=newsroom$", f"Group={group}", text, flags=re.M)


def directives(text: str) -> dict[str, list[str]]:
    """`Section.Key` -> its values in order (no line continuations in our units)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return found


def unit(name: str) -> dict[str, list[str]]:
    return directives((UNIT_DIR / name).read_text())


def seconds(span: str) -> float:
    """A systemd time span ("15min", "45") in seconds, as systemd reads it."""
    result = systemd_analyze("timespan", span)
    assert result.returncode == 0, result.stderr
    return int(re.search(r"μs: (\d+)", result.stdout).group(1)) / 1e6


def verify(paths: list[Path]) -> list[str]:
    """What `systemd-analyze verify` says about these unit files; empty when they are fine.
    Unknown directives are only warnings (exit status 0), so every line naming one of the
    files counts, besides a failing exit status."""
    result = systemd_analyze("verify", "--man=no", "--recursive-errors=no", *map(str, paths))
    output = (result.stdout + result.stderr).splitlines()
    problems = [line for line in output if any(path.name in line for path in paths)]
    if result.returncode != 0:
        problems += [line for line in output if line not in problems]
        problems = problems or [f"systemd-analyze verify exited with {result.returncode}"]
    return problems


@pytest.fixture
def rendered(tmp_path) -> dict[str, Path]:
    paths = {}
    for name in UNITS:
        paths[name] = tmp_path / name
        paths[name].write_text(render((UNIT_DIR / name).read_text()))
    return paths


def test_every_unit_is_checked():
    assert sorted(p.name for p in UNIT_DIR.iterdir()) == sorted(UNITS)


def test_shipped_units_name_the_server_paths_and_user():
    """What operators copy is the real thing: only the tests replace these."""
    for name in SERVICES:
        service = unit(name)
        assert service["Service.User"] == ["newsroom"], name
        assert service["Service.Group"] == ["newsroom"], name
        assert service["Service.WorkingDirectory"] == [INSTALL_DIR], name
        # The env file the README's commands read (`set -a && . ./.env`).
        assert service["Service.EnvironmentFile"] == [f"{INSTALL_DIR}/.env"], name
        assert service["Service.ExecStart"][0].startswith(f"{INSTALL_DIR}/.venv/bin/"), name


def test_units_pass_systemd_analyze_verify(rendered):
    assert verify(list(rendered.values())) == []


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("newsroom.service", "ExecReload=", "ExecRelaod="),  # a misspelt directive
        ("newsroom.service", "/.venv/bin/gunicorn ", "/.venv/bin/gunicorn-missing "),
        ("newsroom-worker.service", "KillMode=mixed", "KillMode=gently"),
        ("newsroom-schedule.timer", "OnCalendar=*-*-* *:*:00", "OnCalendar=every minute"),
    ],
)
def test_verify_finds_a_broken_unit(rendered, name, old, new):
    path = rendered[name]
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert verify(list(rendered.values())), f"{new!r} in {name} went unnoticed"


def test_hardening_is_the_same_in_every_service():
    """One block, copied into each service (systemd has no include): kept in step here."""

    def hardening(name: str) -> str:
        text = (UNIT_DIR / name).read_text()
        return text[text.index("# Hardening") :].split("\n[", 1)[0].strip()

    blocks = {name: hardening(name) for name in SERVICES}
    assert len(set(blocks.values())) == 1, blocks
    block = directives("[Service]\n" + blocks["newsroom.service"])
    assert block["Service.ProtectSystem"] == ["strict"]
    assert block["Service.ReadWritePaths"] == [f"{INSTALL_DIR}/var {INSTALL_DIR}/media"]
    assert block["Service.NoNewPrivileges"] == ["yes"]


@pytest.mark.parametrize("name", SERVICES)
def test_services_stay_hardened(rendered, name):
    # systemd rates them "OK", about 2 of 10 (a little more when the tests run as root,
    # which the rendered User= then is); a unit without any hardening gets 9.6.
    result = systemd_analyze("security", "--offline=true", str(rendered[name]))
    assert result.returncode == 0, result.stdout + result.stderr
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout).group(1))
    assert exposure <= 2.5, result.stdout


def test_timer_runs_the_schedule_every_minute():
    timer = unit("newsroom-schedule.timer")
    assert timer["Timer.Unit"] == ["newsroom-schedule.service"]
    assert timer["Timer.Persistent"] == ["true"]
    assert timer["Install.WantedBy"] == ["timers.target"]
    (spec,) = timer["Timer.OnCalendar"]
    result = systemd_analyze("calendar", "--iterations=3", spec)
    assert result.returncode == 0, result.stderr
    times = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \d\d:\d\d:\d\d)", result.stdout)
    assert len(times) == 3, result.stdout
    minutes = [int(t[-8:-6]) * 60 + int(t[-5:-3]) for t in times]
    assert all(t.endswith(":00") for t in times), times
    assert [(b - a) % (24 * 60) for a, b in zip(minutes, minutes[1:], strict=False)] == [1, 1]


def manage_py_commands() -> list[tuple[str, str, list[str]]]:
    """(unit, command, arguments) of every `manage.py` command line in the services."""
    found = []
    for name in SERVICES:
        for key, values in unit(name).items():
            for value in values:
                if key.startswith("Service.Exec") and "manage.py" in value:
                    argv = shlex.split(value)
                    rest = argv[argv.index("manage.py") + 1 :]
                    found.append((name, rest[0], rest[1:]))
    return found


def test_units_run_commands_that_exist():
    commands = manage_py_commands()
    assert {(name, command) for name, command, _ in commands} == {
        ("newsroom-worker.service", "worker"),
        ("newsroom-schedule.service", "run_schedule"),
    }
    known = get_commands()  # what `manage.py help --commands` lists
    for name, command, args in commands:
        assert command in known, f"{name}: manage.py has no command {command!r}"
        parser = load_command_class(known[command], command).create_parser("manage.py", command)
        parser.parse_args(args)  # the command's own options: a misspelt one raises


def test_gunicorn_command_line_loads_the_app(rendered, tmp_path):
    """gunicorn reads the unit's options and imports the app as systemd would start it."""
    service = directives(rendered["newsroom.service"].read_text())
    (exec_start,) = service["Service.ExecStart"]
    runtime = tmp_path / "run"  # %t: /run for system units
    (runtime / "newsroom" / "metrics").mkdir(parents=True)
    argv = shlex.split(exec_start.replace("%t", str(runtime)))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "check-only",
        "DEBUG": "false",
        **dict(item.split("=", 1) for item in service["Service.Environment"]),
    }
    env = {key: value.replace("%t", str(runtime)) for key, value in env.items()}
    result = subprocess.run(
        [*argv, "--check-config", "--print-config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config = dict(
        re.match(r"(\w+)\s+= (.*)", line).groups()
        for line in result.stdout.splitlines()
        if re.match(r"\w+\s+= ", line)
    )
    assert config["bind"] == "['127.0.0.1:8000']"  # behind Varnish only (deploy/README.md)
    assert config["workers"] == env["WEB_CONCURRENCY"]
    assert config["preload_app"] == "False"  # `systemctl reload` must load the new code
    assert service["Service.Type"] == ["notify"]
    assert seconds(service["Service.TimeoutStopSec"][0]) > float(config["graceful_timeout"])
    assert "PROMETHEUS_MULTIPROC_DIR=%t/newsroom/metrics" in service["Service.Environment"]
    assert service["Service.RuntimeDirectory"] == ["newsroom newsroom/metrics"]


def test_worker_stops_gracefully():
    worker = unit("newsroom-worker.service")
    assert worker["Service.Restart"] == ["always"]
    assert worker["Service.KillSignal"] == ["SIGTERM"]
    # SIGTERM to the worker alone: a task's own program (pg_dump) is not cut off.
    assert worker["Service.KillMode"] == ["mixed"]
    # Long enough for the longest task: a weather refresh within its budget.
    longest = settings.WEATHER_REFRESH_BUDGET + settings.WEATHER_TIMEOUT
    assert seconds(worker["Service.TimeoutStopSec"][0]) > longest


def test_worker_counts_into_the_web_servers_metrics():
    """/metrics adds up the files in newsroom.service's runtime directory, which exists only
    while that unit runs and is emptied when it starts: the worker writes there too, starts
    after it, restarts with it, and may write there despite ProtectSystem=strict."""
    web, worker = unit("newsroom.service"), unit("newsroom-worker.service")
    (metrics,) = [e for e in web["Service.Environment"] if e.startswith("PROMETHEUS_")]
    assert metrics in worker["Service.Environment"]
    path = metrics.split("=", 1)[1]
    assert path.startswith("%t/") and path[3:] in web["Service.RuntimeDirectory"][0].split()
    assert path in worker["Service.ReadWritePaths"]
    for key in ("Requires", "After", "PartOf"):
        assert "newsroom.service" in worker[f"Unit.{key}"], key
