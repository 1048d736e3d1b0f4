"""Run the Procfile's processes together, as `make run` does (scripts/run.sh).

    python scripts/run_procfile.py [--procfile Procfile] [--port 8000]

Each process's output is relayed line by line, prefixed with the time and its name. When one process stops,
the others are stopped. Ctrl-C (SIGINT) or SIGTERM stops all of them quietly and exits 0.

Stopping sends SIGINT to each process's group, the signal Ctrl-C in a terminal sends: the Celery worker then
makes a warm shutdown of its own pool, and runserver and beat stop without a word. (honcho, used before,
sends SIGTERM to each group, which reaches the worker's pool children directly, so the worker logged each
child's death as an ERROR; and it exits 130 or 143 after a Ctrl-C.) A process still running GRACE_SECONDS
after being asked to stop is killed, and the exit code is then 1. When a process stops on its own, the exit
code is its own (128 + N for a process ended by signal N), or 1 if it exited 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

GRACE_SECONDS = 30


def read_procfile(path: Path) -> dict[str, str]:
    """`name: command` lines, in order; blank lines and comments are skipped."""
    processes = {}
    for line in path.read_text().splitlines():
        name, colon, command = line.partition(":")
        if colon and name.strip() and not line.lstrip().startswith("#"):
            processes[name.strip()] = command.strip()
    return processes


class Group:
    def __init__(self, processes: dict[str, str], env: dict[str, str]) -> None:
        self.width = max(len(name) for name in [*processes, "system"])
        self._output = threading.Lock()
        self.running: dict[str, subprocess.Popen] = {}
        self._relays = []
        for name, command in processes.items():
            process = subprocess.Popen(  # noqa: S602 (the Procfile's own commands, as any Procfile runner)
                command,
                shell=True,
                env=env,
                start_new_session=True,  # Ctrl-C reaches this runner only; it decides how each process stops
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            self.running[name] = process
            self.say("system", f"{name} started (pid {process.pid})")
            relay = threading.Thread(target=self._relay, args=(name, process), daemon=True)
            relay.start()
            self._relays.append(relay)

    def say(self, name: str, text: str) -> None:
        with self._output:
            sys.stdout.write(f"{datetime.now():%H:%M:%S} {name:<{self.width}} | {text}\n")
            sys.stdout.flush()

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.say(name, line.rstrip("\n"))

    def first_ended(self) -> str | None:
        return next((name for name, process in self.running.items() if process.poll() is not None), None)

    def stop(self) -> list[str]:
        """Interrupt every process still running, wait for them, kill those that outlast the grace period;
        the names of the killed ones."""
        for process in self.running.values():
            if process.poll() is None:
                _signal_group(process, signal.SIGINT)
        deadline = time.monotonic() + GRACE_SECONDS
        killed = []
        for name, process in self.running.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
                killed.append(name)
        for relay in self._relays:
            relay.join(timeout=5)
        return killed


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended
        os.killpg(process.pid, signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procfile", default="Procfile", type=Path)
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    args = parser.parse_args(argv)

    asked_to_stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: asked_to_stop.set())

    group = Group(read_procfile(args.procfile), {**os.environ, "PORT": str(args.port)})
    ended = None
    while ended is None and not asked_to_stop.wait(0.1):
        ended = group.first_ended()

    if ended is None:
        group.say("system", "stopping (Ctrl-C or SIGTERM received)")
    else:
        group.say("system", f"{ended} stopped (exit {group.running[ended].returncode}): stopping the others")
    killed = group.stop()
    if killed:
        group.say("system", f"killed {', '.join(killed)}: still running {GRACE_SECONDS} s after being asked to stop")
        return 1
    group.say("system", "all stopped")
    if ended is None:
        return 0
    code = group.running[ended].returncode
    return 128 - code if code < 0 else code or 1


if __name__ == "__main__":
    sys.exit(main())
