"""A local tf.data service: one dispatcher and N workers, each in its own process.

The tf.data service runs an input pipeline on other machines: a *dispatcher*
hands out work and *workers* run the pipeline and stream elements to the
trainer (``dataset.apply(tf.data.experimental.service.distribute(...))``).
:func:`local_data_service` starts the same servers on this machine, each as a
separate ``python -m tutorial_lib.data_service`` process on a free loopback
port, waits until every one is up, and always stops them all on exit. This
module does not import TensorFlow; only the server processes do.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._checks import check_nonnegative_int, check_positive_int, check_positive_number

__all__ = ["LocalDataService", "local_data_service"]

_HOST = "localhost"
_READY = "ready"
_STOP_TIMEOUT = 10.0


@dataclass
class LocalDataService:
    """A running local tf.data service, as yielded by :func:`local_data_service`.

    :meth:`restart_worker` simulates a crashed worker that comes back.

    Attributes
    ----------
    address : str
        The dispatcher's address, ``"grpc://localhost:PORT"``: pass it as
        ``service=`` to ``tf.data.experimental.service.distribute``.
    dispatcher : subprocess.Popen
        The dispatcher's process.
    workers : tuple of subprocess.Popen
        One process per worker.
    worker_ports : tuple of int
        The port each worker listens on.

    Examples
    --------
    Normally built by :func:`local_data_service`; here by hand around a finished process:

    >>> done = subprocess.Popen([sys.executable, "-c", "pass"])
    >>> done.wait()
    0
    >>> service = LocalDataService("grpc://localhost:5050", done, (), ())
    >>> service.address, len(service.processes)
    ('grpc://localhost:5050', 1)
    """

    address: str
    dispatcher: subprocess.Popen
    workers: tuple
    worker_ports: tuple
    _start_worker: Callable | None = field(default=None, repr=False, compare=False)

    @property
    def processes(self) -> tuple:
        """The dispatcher's and the workers' processes."""
        return (self.dispatcher, *self.workers)

    def restart_worker(self, index: int) -> subprocess.Popen:
        """Kill worker ``index`` (``SIGKILL``, as a crash) and start a new one on its port.

        The new worker registers with the dispatcher at the same address, as
        a restarted machine would; :attr:`workers` then holds it in place of
        the killed one, and the context manager stops it on exit. Returns
        when the new worker is up.

        Parameters
        ----------
        index : int
            ``0 <= index < len(workers)``.

        Returns
        -------
        subprocess.Popen
            The new worker's process.
        """
        index = check_nonnegative_int(index, "index")
        if index >= len(self.workers):
            raise ValueError(
                f"`index` must be below the number of workers ({len(self.workers)}), got {index}."
            )
        if self._start_worker is None:
            raise ValueError("This service was not started by `local_data_service`.")
        old = self.workers[index]
        old.kill()
        old.wait()
        new = self._start_worker(index, self.worker_ports[index])
        self.workers = (*self.workers[:index], new, *self.workers[index + 1 :])
        return new


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_port(port) -> int | None:
    if port is None:
        return None
    port = check_positive_int(port, "port")
    if port > 65535:
        raise ValueError(f"`port` must be at most 65535, got {port}.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ValueError(f"`port` {port} is already taken on 127.0.0.1 ({exc}).") from None
    return port


def _server_command(role: str, *args: str) -> list[str]:
    """The command line that runs one server process (replaceable in tests)."""
    return [sys.executable, "-m", "tutorial_lib.data_service", role, *args]


def _start(command: list[str], stderr_path: str) -> subprocess.Popen:
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    with open(stderr_path, "wb") as err:
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=env
        )


def _tail(path: str, lines: int = 8) -> str:
    text = Path(path).read_text(errors="replace").strip().splitlines()
    return "\n".join(text[-lines:]) or "(no output on stderr)"


def _wait_ready(proc: subprocess.Popen, name: str, stderr_path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(
                f"{name} did not come up within `timeout`={timeout} s; stderr tail:\n"
                + _tail(stderr_path)
            )
        readable, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        line = proc.stdout.readline().decode(errors="replace") if readable else ""
        if line.strip() == _READY:
            return
        if (readable and not line) or proc.poll() is not None:
            code = proc.wait()
            raise RuntimeError(
                f"{name} exited before it was up (exit code {code}); stderr tail:\n"
                + _tail(stderr_path)
            )


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@contextlib.contextmanager
def local_data_service(
    num_workers: int = 2, *, port: int | None = None, timeout: float = 60
) -> Iterator[LocalDataService]:
    """Start a tf.data service on loopback: one dispatcher and ``num_workers`` workers.

    Each server runs in its own process on a free port of ``localhost``. The
    context manager waits until every server is up and stops every process
    on exit -- also after an exception or ``KeyboardInterrupt`` (terminate,
    then kill after 10 s).

    Parameters
    ----------
    num_workers : int
        Number of worker processes, ``>= 1``.
    port : int, optional
        The dispatcher's port; a free one is picked when omitted.
    timeout : float
        Seconds each server may take to come up.

    Yields
    ------
    LocalDataService
        With the dispatcher ``address`` (``"grpc://localhost:PORT"``) and the
        processes.

    Raises
    ------
    ValueError
        If ``port`` is already taken, or an argument is out of range.
    RuntimeError
        If a server exits early or does not come up within ``timeout``,
        naming it and quoting its exit code and the tail of its stderr.

    Examples
    --------
    >>> import tensorflow as tf
    >>> with local_data_service(num_workers=1) as service:
    ...     ds = tf.data.Dataset.range(5).apply(tf.data.experimental.service.distribute(
    ...         processing_mode="distributed_epoch", service=service.address))
    ...     sorted(int(v) for v in ds)
    [0, 1, 2, 3, 4]
    >>> [p.poll() is not None for p in service.processes]
    [True, True]
    """
    num_workers = check_positive_int(num_workers, "num_workers")
    port = _check_port(port)
    timeout = check_positive_number(timeout, "timeout")
    dispatcher_port = port if port is not None else _free_port()
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="tf_data_service_") as logs:
        try:
            err = os.path.join(logs, "dispatcher.err")
            dispatcher = _start(_server_command("dispatcher", str(dispatcher_port)), err)
            processes.append(dispatcher)
            _wait_ready(dispatcher, f"the dispatcher (port {dispatcher_port})", err, timeout)

            def start_worker(i: int, worker_port: int) -> subprocess.Popen:
                err = os.path.join(logs, f"worker{i}_{len(processes)}.err")
                command = _server_command("worker", f"{_HOST}:{dispatcher_port}", str(worker_port))
                worker = _start(command, err)
                processes.append(worker)
                _wait_ready(worker, f"worker {i} (port {worker_port})", err, timeout)
                return worker

            workers, worker_ports = [], []
            for i in range(num_workers):  # one port at a time: each is taken before the next
                worker_ports.append(_free_port())
                workers.append(start_worker(i, worker_ports[-1]))
            yield LocalDataService(
                address=f"grpc://{_HOST}:{dispatcher_port}",
                dispatcher=dispatcher,
                workers=tuple(workers),
                worker_ports=tuple(worker_ports),
                _start_worker=start_worker,
            )
        finally:
            _stop_all(processes)


def _serve(argv: list[str]) -> None:
    """Run one server until terminated: ``dispatcher PORT`` or ``worker DISPATCHER PORT``."""
    import tensorflow as tf

    service = tf.data.experimental.service
    if argv[0] == "dispatcher":
        server = service.DispatchServer(service.DispatcherConfig(port=int(argv[1])))
    elif argv[0] == "worker":
        config = service.WorkerConfig(
            dispatcher_address=argv[1], worker_address=f"{_HOST}:%port%", port=int(argv[2])
        )
        server = service.WorkerServer(config)
    else:
        raise SystemExit(f"unknown role {argv[0]!r}; expected 'dispatcher' or 'worker'")
    print(_READY, flush=True)
    server.join()


if __name__ == "__main__":
    _serve(sys.argv[1:])
