#!/usr/bin/env python3
"""Exercise Python multiprocessing's shared memory and semaphores from a test snap.

Usage: mp_probe.py OP [ARGS] [OP [ARGS]]...

  shm-pass NAME MARKER   parent creates SharedMemory NAME ("-" lets Python pick a
                         psm_* name), writes MARKER; a child process attaches and
                         reads it back
  pool N                 a ProcessPoolExecutor sums the squares below N; its queues
                         need named semaphores (sem_open)

Prints one line per operation in harness/probe's format and exits 0 when all
succeeded, 1 when any failed and 2 on a usage error.
"""

import concurrent.futures
import errno
import multiprocessing
import multiprocessing.shared_memory
import sys
from urllib.parse import quote

SEGMENT_SIZE = 4096
STATUS_OK = "ok"
STATUS_ERROR = "ERROR"


def escape(value):
    # Must stay byte-identical to harness/probe's escape: same safe set, upper-case hex.
    return quote(value, safe="/:,+@", encoding="utf-8", errors="surrogateescape")


def format_result(op, name, status, data):
    fields = [("op", op), ("name", name), ("status", status)] + sorted(data.items())
    return "RESULT " + " ".join(escape(k) + "=" + escape(v) for k, v in fields)


def failure(exc):
    """Return the status and message for a failed operation, as the Go probe does."""
    if isinstance(exc, OSError) and exc.errno in errno.errorcode:
        return errno.errorcode[exc.errno], exc.strerror or str(exc)
    return STATUS_ERROR, "%s: %s" % (type(exc).__name__, exc)


def read_marker(name, conn):
    """Child side of shm-pass: attach by name and send back what the parent wrote."""
    try:
        segment = multiprocessing.shared_memory.SharedMemory(name=name)
        marker = bytes(segment.buf).split(b"\0", 1)[0].decode()
        segment.close()
        conn.send(("ok", marker))
    except Exception as exc:  # the parent reports it; a child traceback helps nobody
        conn.send(("failed", failure(exc)))


def shm_pass(name, marker):
    # A pipe rather than a Queue: a Queue needs a semaphore, and this operation must
    # fail only for shared memory reasons.
    segment = multiprocessing.shared_memory.SharedMemory(
        name=None if name == "-" else name, create=True, size=SEGMENT_SIZE)
    try:
        encoded = marker.encode()[: SEGMENT_SIZE - 1]
        segment.buf[: len(encoded)] = encoded
        return child_reads_marker(segment.name)
    finally:
        segment.close()
        segment.unlink()


def child_reads_marker(segment_name):
    parent_end, child_end = multiprocessing.Pipe()
    child = multiprocessing.Process(target=read_marker, args=(segment_name, child_end))
    child.start()
    outcome, value = parent_end.recv()
    child.join()
    data = {"segment": segment_name, "start-method": multiprocessing.get_start_method()}
    if outcome != "ok":
        status, message = value
        data["error"] = "child: " + message
        return status, data
    data["marker"] = value
    return STATUS_OK, data


def square_sum(chunk):
    return sum(x * x for x in chunk)


def pool(limit):
    chunks = [range(start, min(start + 100, limit)) for start in range(0, limit, 100)]
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as executor:
        total = sum(executor.map(square_sum, chunks))
    expected = sum(x * x for x in range(limit))
    data = {"result": str(total), "expected": str(expected)}
    if total != expected:
        data["error"] = "pool computed a wrong sum"
        return STATUS_ERROR, data
    return STATUS_OK, data


def run_shm_pass(args):
    return shm_pass(args[0], args[1])


def run_pool(args):
    return pool(int(args[0]))


OPERATIONS = {
    "shm-pass": ("py-shm-pass", ["NAME", "MARKER"], run_shm_pass),
    "pool": ("py-pool", ["N"], run_pool),
}


class UsageError(Exception):
    pass


def parse_steps(args):
    if not args:
        raise UsageError("no operation given")
    steps = []
    while args:
        word = args[0]
        if word not in OPERATIONS:
            raise UsageError("unknown operation %r" % word)
        arg_names = OPERATIONS[word][1]
        if len(args) - 1 < len(arg_names):
            raise UsageError("operation %r needs %s" % (word, " ".join(arg_names)))
        if word == "pool" and not args[1].isdigit():
            raise UsageError("pool needs a whole number, not %r" % args[1])
        steps.append((word, args[1 : 1 + len(arg_names)]))
        args = args[1 + len(arg_names) :]
    return steps


def execute(word, args):
    op, _, runner = OPERATIONS[word]
    try:
        status, data = runner(args)
    except Exception as exc:
        status, message = failure(exc)
        data = {"error": message}
    return format_result(op, args[0], status, data), status == STATUS_OK


def main(argv):
    try:
        steps = parse_steps(argv)
    except UsageError as exc:
        sys.stderr.write("mp-probe: %s\n%s" % (exc, __doc__))
        return 2
    all_ok = True
    for word, args in steps:
        line, ok = execute(word, args)
        print(line, flush=True)
        all_ok = all_ok and ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
