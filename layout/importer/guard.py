"""Run a reader in a child process under resource limits: a hostile file costs bounded time
and memory, and a crash of the PDF library (PDFium aborts on some inputs) is an error
message, not a dead command (import-notes §6)."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import resource

from layout.errors import InputError, LayoutError, SourcePos

#: address space (bytes) and CPU seconds of the reading child; the wall clock is twice the CPU
MEMORY = int(os.environ.get("LAYOUT_IMPORT_MEMORY", 2 * 1024**3))
CPU_SECONDS = int(os.environ.get("LAYOUT_IMPORT_CPU", 120))


def _child(conn, func, args):
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))
        result = ("ok", func(*args))
    except LayoutError as exc:
        result = ("error", exc.diagnostics)
    except MemoryError:
        result = ("fail", "it needs more memory than the import allows")
    except Exception as exc:  # noqa: BLE001 - a hostile file: reported, never a traceback
        result = ("fail", f"{type(exc).__name__}: {exc}")
    try:
        conn.send_bytes(pickle.dumps(result))
    finally:
        conn.close()


def in_child(func, path, *args):
    """``func(path, *args)`` in a forked child with limits; its result, or an InputError."""
    return in_children(func, path, [args])[0]


def in_children(func, path, arg_lists: list[tuple]) -> list:
    """``func(path, *args)`` for each ``args``, each in its own forked child with limits, at
    the same time; their results in order, or the first error."""
    ctx = mp.get_context("fork")
    running = []
    for args in arg_lists:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(child, func, (path, *args)))
        proc.start()
        child.close()
        running.append((proc, parent))
    results = []
    try:
        for proc, parent in running:
            results.append(_collect(proc, parent, path))
    finally:
        for proc, _ in running:  # after an error, the others are not waited for
            if proc.is_alive():
                proc.kill()
            proc.join()
    return results


def _collect(proc, parent, path):
    pos = SourcePos(str(path))
    data = None
    try:
        if parent.poll(2 * CPU_SECONDS):
            data = parent.recv_bytes()
    except EOFError:
        data = None
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if data is None:
        code = proc.exitcode
        if code is None or code == -9:
            why = "reading took longer than the import allows"
        elif code and code < 0:
            why = f"the reader was stopped by signal {-code} (over the import's memory or time limit)"
        else:
            why = "the reader stopped"
        raise InputError(f"unreadable file: {why}", pos)
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "error":
        raise InputError(value)
    raise InputError(f"unreadable file: {value}", pos)
