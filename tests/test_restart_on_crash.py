"""bin/restart-on-crash, which keeps the demo's worker and beat running under honcho (Procfile.dev):
honcho stops every process as soon as one exits."""

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = str(ROOT / "bin" / "restart-on-crash")


def test_a_crashed_command_is_started_again_and_given_up_after_three_quick_crashes(tmp_path):
    runs = tmp_path / "runs"
    started = time.monotonic()
    result = subprocess.run(["bash", WRAPPER, "bash", "-c", f"echo run >> {runs}; exit 3"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 3
    assert runs.read_text().count("run") == 3
    assert result.stderr.count("starting it again") == 2
    assert "giving up" in result.stderr
    assert time.monotonic() - started < 10


def test_a_command_that_ends_normally_is_not_started_again(tmp_path):
    runs = tmp_path / "runs"
    result = subprocess.run(["bash", WRAPPER, "bash", "-c", f"echo run >> {runs}"], capture_output=True, timeout=30)
    assert result.returncode == 0
    assert runs.read_text().count("run") == 1


def test_honchos_sigterm_to_the_group_stops_the_command_and_the_wrapper():
    process = subprocess.Popen(["bash", WRAPPER, "sleep", "60"], start_new_session=True)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)  # as honcho stops its processes
    process.wait(timeout=10)
    assert process.returncode != 0  # the command was stopped, not restarted
    remaining = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert remaining.stdout == ""
