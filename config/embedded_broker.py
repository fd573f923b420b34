"""The embedded configuration's Celery broker: a private ``redis-server`` (Debian's package) on a Unix
socket, started by ``bash bin/dev run`` beside web, worker and beat (Procfile.dev), and by the tests
in a temporary folder of their own (tests/conftest.py).

Only its owner may connect (socket mode 700, in a folder of mode 700); it listens on no TCP port and
writes nothing to disk: a queued task lives as long as the instance, as the outbox rows make
every task redundant (the periodic sweeps find what is pending).

    python -m config.embedded_broker [SOCKET]   # runs redis-server in the foreground
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SOCKET = Path(__file__).resolve().parent.parent / "var" / "redis" / "redis.sock"
# The kernel's limit for a Unix socket path (sun_path) is 108 bytes with the final NUL.
MAX_SOCKET_PATH = 107


def url(socket: Path) -> str:
    """The broker URL of the instance on ``socket`` (kombu's ``redis+socket://`` form)."""
    return f"redis+socket://{socket}"


def command(socket: Path) -> list[str]:
    """The redis-server command line for an instance on ``socket``: no TCP port, no persistence."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server が見つかりません。bash bin/dev setup で入ります (Debian package redis-server).")
    if len(str(socket)) > MAX_SOCKET_PATH:
        raise RuntimeError(f"The broker's socket path is longer than {MAX_SOCKET_PATH} characters, which Unix "
                         f"sockets do not allow: {socket}. Clone the repository into a shorter path.")
    socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    socket.parent.chmod(0o700)
    return [
        executable,
        "--port", "0",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(socket.parent),
        "--daemonize", "no",
    ]


def start(socket: Path, *, timeout: float = 10) -> subprocess.Popen:
    """Start an instance on ``socket`` and return once it answers (for the tests)."""
    import redis

    process = subprocess.Popen(command(socket), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(unix_socket_path=str(socket), socket_timeout=1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"redis-server did not start on {socket}") from None
            time.sleep(0.05)
        finally:
            client.close()


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    socket = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else SOCKET
    try:
        argv = command(socket)
    except RuntimeError as error:
        sys.exit(str(error))
    # redis-server takes this process's place, so honcho's SIGTERM reaches it directly.
    os.execv(argv[0], argv)
