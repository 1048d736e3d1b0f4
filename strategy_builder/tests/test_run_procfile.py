"""`make run`'s processes (scripts/run_procfile.py with the real Procfile): Ctrl-C stops all three quietly."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import database_url_for_subprocess

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = ("Quit the server with CONTROL-C", " ready.", "beat: Starting...")  # web, worker, beat
START_TIMEOUT = 120
STOP_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_stops_web_worker_and_beat_quietly_with_exit_0(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url_for_subprocess(),  # migrated: beat's scheduler reads its tables
        "CELERY_BROKER_URL": "filesystem://",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    log_path = tmp_path / "run.log"
    command = [sys.executable, "scripts/run_procfile.py", "--procfile", "Procfile", "--port", str(_free_port())]
    with log_path.open("wb") as log_file:
        runner = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not all(ready in _log(log_path) for ready in READY):
            if runner.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run's processes did not all start:\n{_log(log_path)}")
            time.sleep(0.2)
        os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the foreground process
        returncode = runner.wait(timeout=STOP_TIMEOUT)
        left_running = [pid for pid in _started_pids(log_path) if _group_alive(pid)]
    finally:
        pids = _started_pids(log_path)
        if runner.poll() is None:
            runner.kill()
            runner.wait()
        for pid in pids:  # each process leads its own group; never leave one behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    output = _log(log_path)
    assert returncode == 0, output
    assert "ERROR" not in output and "Traceback" not in output, output
    assert output.rstrip().endswith("all stopped"), output
    assert len(pids) == 3 and not left_running, output


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _started_pids(log_path: Path) -> list[int]:
    lines = _log(log_path).splitlines()
    return [int(line.rsplit("pid ", 1)[1].rstrip(")")) for line in lines if "started (pid" in line]


def _log(path: Path) -> str:
    return path.read_text(errors="replace")
