"""A helper process for large ZIP imports, so that a second core shares the work (the worker's own
threads share one GIL).

Parse phase (`scan_table`): the worker inflates a table's `documents.jsonl` once and splits it into
blocks of lines; it sends most blocks to the helper, which checks them, and checks the others itself
(inflating is its share of the work). Results are taken in line order, so the outcome is exactly
that of one scan from the first line to the last.

Execute phase (`row_blocks`): the helper reads the table (inflating, splitting lines, finding each
line's `_id` and `_creationTime`) and streams the rows to the worker, whose process then does little
but write them to SQLite (which runs without the GIL).

Either way, if the helper cannot be started or stops answering, the worker does the work itself.
The helper exits when the worker closes its stdin (or dies).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import struct
import subprocess
import sys
import threading
from array import array
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from typing import Any, BinaryIO

from tui.archive.errors import ArchiveError
from tui.emulator.import_failures import ImportFailure, from_archive_error
from tui.emulator.import_helper_wire import ANSWER, END, ERROR, FRAME, LINES, ROWS, pack_rows, read_frame, unpack_rows
from tui.emulator.import_row_checks import check_body

log = logging.getLogger(__name__)

HELPER_MIN_BYTES = 48 * 1024 * 1024  # smaller tables are not worth a process
HELPER_BLOCKS = 8  # of every ten blocks of lines, those the helper checks in the parse phase



def _usable() -> bool:
    """A second core to use, and an interpreter that can run `-m` (not a frozen application)."""
    return (os.cpu_count() or 1) > 1 and not getattr(sys, "frozen", False)


# -- parse phase ------------------------------------------------------------------------------------


def scan_table(source: Any, table: Any, fact: Any, should_stop: Any) -> None:
    """Fill `fact` (an import_parse.TableFacts) for `table` of a ZipSource; raise as one scan would.

    The worker inflates the table once and splits it into blocks of lines; of every ten blocks it
    sends HELPER_BLOCKS to the helper, which checks them, and checks the others itself. The results
    of both are taken in line order, so the first problem is the one a single scan would find.
    """
    from tui.emulator.import_parse import scan_rows

    size = source.table_size(table)
    helper = _start({"mode": "scan", "entry": _entry_fields(table.entry)}) if _worth_it(size) else None
    if helper is None:
        scan_rows(source, table, fact, should_stop)
        return
    try:
        complete = _scan_shared(source, table, helper, fact, should_stop)
    finally:
        _stop(helper)
    if not complete:  # the helper is gone: check everything here, from a clean slate
        fact.__init__()
        scan_rows(source, table, fact, should_stop)


def _worth_it(size: int) -> bool:
    return size >= HELPER_MIN_BYTES and _usable()


class _HelperGone(Exception):
    pass


def _scan_shared(source: Any, table: Any, helper: subprocess.Popen, fact: Any, should_stop: Any) -> bool:
    """The worker's side of scan_table; False if the helper stopped answering (nothing raised)."""
    from tui.emulator.import_parse import ParseStopped, absorb_rows

    assert helper.stdin is not None and helper.stdout is not None
    answers: queue.Queue = queue.Queue()
    threading.Thread(target=_collect_answers, args=(helper.stdout, answers), daemon=True).start()
    entry = table.entry
    # Blocks in line order: the worker's own results, or None for a block the helper checks (its
    # answers arrive in the order the blocks were sent).
    order: deque = deque()

    def advance(wait: bool) -> None:
        """Absorb results in line order as far as they are known (with `wait`, all of them); raise
        the first problem."""
        while order:
            result = order[0]
            if result is None:
                if not wait and answers.empty():
                    return
                result = answers.get()
                if result is _GONE:
                    raise _HelperGone()
            order.popleft()
            first, numbers, problem = result
            absorb_rows(fact, table.name, first, numbers)
            if problem is not None:
                raise problem

    # A thread writes to the helper, so that the worker goes on while a block waits in the pipe.
    outbox: queue.Queue = queue.Queue(maxsize=4)
    writer = threading.Thread(target=_send_blocks, args=(helper.stdin, outbox), daemon=True)
    writer.start()
    try:
        index = 0
        try:
            bodies = source.reader.iter_line_bodies(entry.documents_member)
            with closing(bodies):
                for first, body in bodies:
                    if index % 10 < HELPER_BLOCKS:
                        outbox.put((LINES.pack(ROWS, first, len(body)), body))
                        order.append(None)
                    else:
                        numbers, problem = check_body(entry, first, body)
                        order.append((first, numbers, problem))
                        if problem is not None:
                            break
                    index += 1
                    advance(wait=False)
                    if index % 50 == 0 and should_stop():
                        raise ParseStopped()
        except ArchiveError as err:  # after all the lines before it
            order.append((0, [], from_archive_error(err)))
        outbox.put((LINES.pack(END, 0, 0), b""))
        advance(wait=True)
    except _HelperGone:
        log.warning("import helper stopped answering; the worker checks the table itself")
        return False
    finally:
        while True:  # blocks not written yet are no longer needed
            try:
                outbox.get_nowait()
            except queue.Empty:
                break
        outbox.put(None)  # the writer stops
    return True


def _send_blocks(stream: BinaryIO, outbox: queue.Queue) -> None:
    """On a thread: write what the worker queues to the helper, until None; after a failed write
    (the helper stopped reading) only take the items, so that the worker never blocks."""
    failed = False
    while True:
        item = outbox.get()
        if item is None:
            return
        if failed:
            continue
        head, body = item
        try:
            stream.write(head)
            stream.write(body)
            if not body:  # the end
                stream.flush()
        except (OSError, ValueError):
            failed = True


_GONE = object()


def _collect_answers(stream: BinaryIO, answers: queue.Queue) -> None:
    """On a thread: the helper's results, in order, then _GONE."""
    try:
        while True:
            head = stream.read(ANSWER.size)
            if len(head) != ANSWER.size:
                break
            first, count, size = ANSWER.unpack(head)
            payload = stream.read(size)
            if len(payload) != size or size < 4 * count:
                break
            numbers = array("I")
            numbers.frombytes(payload[: 4 * count])
            problem = None
            if size > 4 * count:
                code, text = json.loads(payload[4 * count :])
                problem = ImportFailure(code, text)
            answers.put((first, [n or None for n in numbers], problem))
            if problem is not None:
                break
    except (OSError, ValueError):
        pass
    answers.put(_GONE)


def _scan(request: dict[str, Any], stdin: BinaryIO, out: BinaryIO) -> None:
    """The helper's side: check the blocks of lines the worker sends, answer each in turn, and stop
    at the first problem."""
    from tui.archive.reader import TableEntry

    entry = TableEntry(**request["entry"])
    while True:
        try:
            head = stdin.read(LINES.size)
            kind, first, size = LINES.unpack(head)
            body = stdin.read(size)
        except (OSError, ValueError, struct.error):
            return  # the worker is gone
        if kind != ROWS or len(body) != size or not size:
            return  # the end
        numbers, problem = check_body(entry, first, body)
        payload = array("I", [n or 0 for n in numbers]).tobytes()
        if problem is not None:
            payload += json.dumps([problem.code, problem.text]).encode()
        out.write(ANSWER.pack(first, len(numbers), len(payload)) + payload)
        out.flush()
        if problem is not None:
            return




def _entry_fields(entry: Any) -> dict[str, Any]:
    return {
        "component_path": entry.component_path,
        "name": entry.name,
        "documents_member": entry.documents_member,
        "schema_member": entry.schema_member,
        "uniform": entry.uniform,
        "size": entry.size,
    }


# -- execute phase ----------------------------------------------------------------------------------


def row_blocks(source: Any, table: Any) -> Iterator[list[Any]]:
    """ZipSource.row_blocks for a large table, read by a helper process."""
    helper = _start(_rows_request(source, table)) if _usable() else None
    if helper is None:
        yield from source.local_row_blocks(table)
        return
    entry = table.entry
    done = 0
    try:
        assert helper.stdout is not None
        while True:
            frame = read_frame(helper.stdout)
            if frame is None:
                log.warning("import helper stopped answering; the worker reads the rest itself")
                yield from source.local_row_blocks(table, skip=done)
                return
            kind, count, payload = frame
            if kind == END:
                return
            if kind == ERROR:
                code, text = json.loads(payload)
                raise ImportFailure(code, text)
            items = unpack_rows(count, payload)
            done += count
            if not set(map(type, items)) <= {tuple}:
                items = [item if type(item) is tuple else source.finish_row(entry, item) for item in items]
            yield items
    finally:
        _stop(helper)


def _rows(request: dict[str, Any], out: BinaryIO) -> None:
    source, table = _open(request)
    with closing(source):
        try:
            for items in source.stored_items(table):
                payload = pack_rows(items)
                out.write(FRAME.pack(ROWS, len(items), len(payload)))
                out.write(payload)
        except ImportFailure as exc:
            payload = json.dumps([exc.code, exc.text]).encode()
            out.write(FRAME.pack(ERROR, 0, len(payload)) + payload)
            return
    out.write(FRAME.pack(END, 0, 0))


# -- the helper process -----------------------------------------------------------------------------


def _rows_request(source: Any, table: Any) -> dict[str, Any]:
    return {
        "mode": "rows",
        "path": os.path.abspath(source.reader.path),
        "base": source.base,
        "component": table.component,
        "name": table.name,
    }


def _start(request: dict[str, Any]) -> subprocess.Popen | None:
    try:
        helper = subprocess.Popen(
            [sys.executable, "-m", "tui.emulator.import_helper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        assert helper.stdin is not None
        helper.stdin.write(json.dumps(request).encode() + b"\n")
        helper.stdin.flush()
    except (OSError, ValueError) as exc:
        log.warning("import helper could not be started (%s); the worker works alone", exc)
        return None
    return helper


def _stop(helper: subprocess.Popen | None) -> None:
    """End the helper: it is killed if still running, so that no thread waits on its pipes."""
    if helper is None:
        return
    if helper.poll() is None:
        helper.kill()
    helper.wait()
    for stream in (helper.stdin, helper.stdout):
        try:
            if stream is not None:
                stream.close()
        except (OSError, ValueError):
            pass


def _open(request: dict[str, Any]) -> tuple[Any, Any]:
    from tui.emulator.import_zip_source import ZipSource

    source = ZipSource(request["path"], request["base"])
    wanted = (request["component"], request["name"])
    (table,) = [t for t in source.tables if (t.component, t.name) == wanted]
    return source, table


def _main() -> None:
    stdin, out = sys.stdin.buffer, sys.stdout.buffer
    request = json.loads(stdin.readline())
    if request["mode"] == "scan":
        _scan(request, stdin, out)  # reads its lines from stdin; stops at its end
    else:
        # The worker closes stdin once it no longer needs the rows, or when it dies: stop then.
        threading.Thread(target=_exit_at_eof, daemon=True).start()
        _rows(request, out)
    out.flush()


def _exit_at_eof() -> None:
    try:
        while sys.stdin.buffer.read(1 << 16):
            pass
    finally:
        os._exit(0)


if __name__ == "__main__":
    _main()
