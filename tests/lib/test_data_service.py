"""The local tf.data service: real processes on loopback, always stopped."""

import os
import socket
import sys
from collections import Counter

import numpy as np
import pytest

import tutorial_lib as tl
from tutorial_lib import data_service

tf = pytest.importorskip("tensorflow")


def _gone(proc) -> bool:
    if proc.poll() is None:
        return False
    try:
        os.kill(proc.pid, 0)
    except ProcessLookupError:
        return True
    return False  # pid still exists (should have been reaped by wait)


def _distribute(address, mode, n=200):
    ds = tf.data.Dataset.range(n).apply(
        tf.data.experimental.service.distribute(processing_mode=mode, service=address)
    )
    return Counter(int(v) for v in ds)


def test_two_workers_distributed_and_parallel_epochs_and_statistics_then_nothing_left():
    with tl.local_data_service(num_workers=2) as service:
        assert service.address.startswith("grpc://localhost:")
        assert len(service.workers) == 2
        assert all(p.poll() is None for p in service.processes)
        once = _distribute(service.address, "distributed_epoch")
        assert once == Counter(range(200))
        each = _distribute(service.address, "parallel_epochs")
        assert each == Counter({i: 2 for i in range(200)})
        images = np.random.default_rng(0).random((90, 6, 5, 3)).astype(np.float32)
        dataset = tf.data.Dataset.from_tensor_slices(images)
        stats = tl.covariance_stats_on_service(dataset, service.address, batch_size=16)
    one_pass = tl.covariance_stats(images, batch_size=len(images))
    assert stats.count == 90
    for ours, reference in [
        (stats.mean, one_pass.mean),
        (stats.scatter, one_pass.scatter),
        (stats.featurewise().std, tl.featurewise_stats(images).std),
    ]:
        assert np.abs(ours - reference).max() <= 1e-6 * np.abs(reference).max()
    assert all(_gone(p) for p in service.processes)


def _slow_ids(n):
    """The ids 0..n-1, each after a few milliseconds of real work on the worker (graph ops only:
    a worker cannot run Python functions of the client)."""

    def work(i):
        m = tf.random.stateless_uniform((192, 192), seed=tf.stack([i, i]))
        return i + tf.cast(tf.reduce_sum(m @ m @ m) * 0.0, tf.int64)

    return tf.data.Dataset.range(n).map(work)


def test_a_worker_killed_mid_epoch_loses_its_splits_but_duplicates_nothing():
    """TensorFlow's documented guarantee for distributed_epoch when a worker restarts: the splits
    it was processing are not fully visited; every element is seen at most once."""
    n, kill_after = 300, 20
    with tl.local_data_service(num_workers=2) as service:
        ds = _slow_ids(n).apply(
            tf.data.experimental.service.distribute(
                processing_mode="distributed_epoch", service=service.address
            )
        )
        seen = []
        for v in ds:
            seen.append(int(v))
            if len(seen) == kill_after:
                killed = service.workers[0]
                new = service.restart_worker(0)
                assert killed.returncode == -9 and new.poll() is None
                assert service.workers[0] is new and killed not in service.processes
        counts = Counter(seen)
    assert max(counts.values()) == 1  # no element twice
    assert set(counts) <= set(range(n))
    lost = n - len(counts)
    assert len(seen) > kill_after  # the epoch went on after the crash, to its end
    print(f"killed 1 of 2 workers after {kill_after} of {n} elements: lost {lost}")
    assert 0 <= lost < n - kill_after
    assert all(_gone(p) for p in service.processes) and _gone(killed)


def test_restart_worker_checks_its_index():
    service = data_service.LocalDataService("grpc://localhost:5050", None, (), ())
    with pytest.raises(ValueError, match=r"`index` must be below the number of workers \(0\)"):
        service.restart_worker(0)
    with pytest.raises(ValueError, match="`index`"):
        service.restart_worker(-1)


def test_port_taken_is_a_value_error_naming_it():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ValueError, match=rf"`port` {port} is already taken"):
            with tl.local_data_service(1, port=port):
                pass


def test_a_worker_that_exits_early_is_a_runtime_error_and_nothing_is_left(monkeypatch):
    started = []
    real_start = data_service._start

    def start(command, stderr_path):
        proc = real_start(command, stderr_path)
        started.append(proc)
        return proc

    original = data_service._server_command

    def command(role, *args):
        if role == "worker":
            code = "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"
            return [sys.executable, "-c", code]
        return original(role, *args)

    monkeypatch.setattr(data_service, "_start", start)
    monkeypatch.setattr(data_service, "_server_command", command)
    with pytest.raises(RuntimeError, match=r"worker 0 .*exit code 3[\s\S]*boom"):
        with tl.local_data_service(2):
            pass
    assert len(started) == 2  # the dispatcher and the failing worker; no second worker
    assert all(_gone(p) for p in started)


def test_a_server_that_never_comes_up_times_out(monkeypatch):
    started = []
    real_start = data_service._start

    def start(command, stderr_path):
        proc = real_start([sys.executable, "-c", "import time; time.sleep(60)"], stderr_path)
        started.append(proc)
        return proc

    monkeypatch.setattr(data_service, "_start", start)
    with pytest.raises(RuntimeError, match=r"dispatcher .*did not come up within `timeout`=1"):
        with tl.local_data_service(1, timeout=1):
            pass
    assert started and all(_gone(p) for p in started)


def test_an_exception_inside_the_block_still_stops_everything():
    with pytest.raises(KeyError):
        with tl.local_data_service(1) as service:
            assert all(p.poll() is None for p in service.processes)
            raise KeyError("inside")
    assert all(_gone(p) for p in service.processes)


def test_importing_the_module_does_not_import_tensorflow():
    import subprocess

    code = "import sys, tutorial_lib.data_service; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
