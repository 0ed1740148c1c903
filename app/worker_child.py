"""The worker's child process (app/workers.py starts it): it imports TensorFlow once, runs
the named tasks (app/engine/tasks.py) one at a time, and reads cancels while one runs."""

from __future__ import annotations

import contextlib
import os
import threading
from multiprocessing.connection import Connection
from typing import Any

from app.errors import LabError


def main(conn: Connection, nice: int, tf_threads: int, warm_up: bool, ready: Any) -> None:
    """The child's loop: ("run", id, task, args) and ("cancel", id) in; ("event", id, event),
    ("done", id, result), ("error", id, (class, message, code, detail)) and
    ("cancelled", id, None) out. `ready` gets True once warmed up."""
    with contextlib.suppress(OSError):
        os.nice(nice)  # heavy work yields the CPU to the web process
    # bounded TF threads: read by app.engine's configure() when TensorFlow is imported (0: as
    # many as the CPUs it may use, like the web process, so a trace is the same bit for bit)
    if tf_threads:
        threads = str(tf_threads)
        os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = threads
    from app.engine import tasks

    if warm_up:
        tasks.warm_up()
    ready.send(True)
    cancelled: set[int] = set()
    inbox: list[tuple[Any, ...]] = []
    ready = threading.Condition()

    def read() -> None:  # cancels must arrive while a task runs
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                os._exit(0)  # the parent is gone
            with ready:
                if message[0] == "cancel":
                    cancelled.add(message[1])
                else:
                    inbox.append(message)
                ready.notify()

    threading.Thread(target=read, daemon=True).start()
    while True:
        with ready:
            while not inbox:
                ready.wait()
            _, call_id, task, args = inbox.pop(0)
        if call_id in cancelled:
            conn.send(("cancelled", call_id, None))
            continue

        def emit(event: dict[str, Any], call_id: int = call_id) -> None:
            conn.send(("event", call_id, event))

        def is_cancelled(call_id: int = call_id) -> bool:
            return call_id in cancelled

        try:
            result = tasks.TASKS[task](*args, emit=emit, cancelled=is_cancelled)
        except LabError as exc:
            conn.send(("error", call_id, (type(exc).__name__, exc.message, exc.code, exc.detail)))
        except Exception as exc:
            if is_cancelled():
                conn.send(("cancelled", call_id, None))
            else:
                conn.send(("error", call_id, (type(exc).__name__, str(exc)[:500], "", {})))
        else:
            conn.send(("done", call_id, result))
        cancelled.discard(call_id)
