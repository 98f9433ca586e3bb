"""The import worker: one import at a time on one thread; parses `uploaded` imports before it executes
`in_progress` ones.

Uploads are files under the imports folder: `uploads/<token>.part` while they arrive, then
`<importId>.<ext>` (the import's `object_key`) until the import ends, when the file is deleted.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from tui.emulator.imports import attempts as import_attempts
from tui.emulator.imports import state as imports
from tui.emulator.clock import Clock
from tui.emulator.deployment.database import Database
from tui.emulator.deployment.tables import purge_dropped
from tui.emulator.throttle import Throttle
from tui.emulator.worker_thread import WorkerThread

log = logging.getLogger(__name__)
UPLOADS = "uploads"
STALE_UPLOAD_S = 24 * 3600
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def internal_error_message(exc: BaseException) -> str:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"{imports.ERROR_PREFIX}Internal error while importing ({reason})."


class ImportWorker(WorkerThread):
    def __init__(self, db: Database, imports_dir: Path, throttle: Throttle, clock: Clock):
        self.db = db
        self.dir = Path(imports_dir)
        self.uploads = self.dir / UPLOADS
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.throttle = throttle
        self.clock = clock
        super().__init__(f"import-{self.dir.parent.name}")

    # -- life cycle ---------------------------------------------------------------------------------

    def recover(self) -> None:
        """At startup: drop every hidden tablet (imports killed mid-way start their execution over),
        fail the imports the process died reading or writing too often (import_attempts), forget
        unfinished uploads and delete files no running import needs."""
        with self.db.write() as txn:
            txn.execute("UPDATE tablets SET state = 'dropped', import_id = NULL WHERE state = 'hidden'")
            for document in imports.in_state(txn.conn, "uploaded"):  # read again, as Convex does
                if self._died_too_often(document, import_attempts.READING):
                    imports.fail(
                        txn,
                        document["_id"],
                        import_attempts.died_message(import_attempts.READING, document.get("requestor")),
                    )
            for document in imports.in_state(txn.conn, "in_progress"):
                if self._died_too_often(document, import_attempts.WRITING):
                    imports.fail(
                        txn,
                        document["_id"],
                        import_attempts.died_message(import_attempts.WRITING, document.get("requestor")),
                    )
                else:
                    imports.reset_for_restart(txn, document)
        shutil.rmtree(self.uploads, ignore_errors=True)
        self.uploads.mkdir(parents=True, exist_ok=True)
        self._sweep(orphans=True)

    def _died_too_often(self, document: dict[str, Any], phase: str) -> bool:
        return import_attempts.attempts(self.dir, document["_id"], phase) >= import_attempts.MAX_ATTEMPTS

    def interrupt(self) -> None:
        self.throttle.set(self.throttle.step_delay)  # cut a throttled sleep short

    # -- upload files -------------------------------------------------------------------------------

    def new_upload(self) -> str:
        token = secrets.token_urlsafe(32)
        self.upload_path(token).touch(mode=0o600)
        return token

    def upload_path(self, token: str) -> Path:
        return self.uploads / f"{token}.part"

    def is_upload_token(self, token: Any) -> bool:
        return (
            isinstance(token, str)
            and 16 <= len(token) <= 100
            and set(token) <= _TOKEN_CHARS
            and self.upload_path(token).is_file()
        )

    def file_path(self, document: dict[str, Any]) -> Path:
        return self.dir / (document.get("object_key") or imports.file_name(document))

    def import_file(
        self,
        source: Path,
        *,
        mode: str,
        requestor: dict[str, Any] | None = None,
        format_: str = "zip",
        table: str | None = None,
        component_path: str | None = None,
    ) -> dict[str, Any]:
        """Create an import from a file on disk, as if it had been uploaded: the file is copied (the
        source stays), the import starts `uploaded` and the worker parses it next. `mode` and `format_`
        are the stored forms (`ReplaceAll`, `zip`). Used by the platform's restore from a cloud backup."""
        upload = self.upload_path(self.new_upload())
        try:
            shutil.copyfile(source, upload)
            with self.db.write() as txn:
                document = imports.create(
                    txn,
                    format_=format_,
                    table=table,
                    mode=mode,
                    component_path=component_path,
                    now_s=self.clock.now(),
                    on_created=lambda d: self.adopt_upload(upload, d),
                    requestor=requestor,
                )
        except BaseException:
            upload.unlink(missing_ok=True)
            raise
        self.notify()
        return document

    def adopt_upload(self, upload: Path, document: dict[str, Any]) -> str:
        """Move a finished upload to the import's object key (called inside the creating transaction)."""
        key = imports.file_name(document)
        os.replace(upload, self.dir / key)
        return key

    # -- the loop -----------------------------------------------------------------------------------

    def _run(self) -> None:
        while self._looking():
            try:
                job = self._next_job()
                if job is None:
                    self._sweep()
                    self._wait()
                    continue
                kind, document = job
                if kind == "parse":
                    self._parse(document)
                else:
                    self._execute(document)
            except Exception:  # a worker that dies silently would leave imports pending forever
                log.exception("import worker error; retrying")
                self._stop.wait(1.0)

    def _next_job(self) -> tuple[str, dict[str, Any]] | None:
        conn = self.db.connection()
        for kind, state in (("parse", "uploaded"), ("execute", "in_progress")):
            waiting = imports.in_state(conn, state)
            if waiting:
                return kind, waiting[0]
        return None

    def _too_old(self, document: dict[str, Any]) -> bool:
        return self.clock.now() - document["_creationTime"] / 1000 > imports.MAX_IMPORT_AGE_S

    def _parse(self, document: dict[str, Any]) -> None:
        # Parsing and executing are imported when an import first needs them: every deployment starts an
        # import worker, and the app waits for the sandbox to start.
        from tui.emulator.imports.parse import ParseStopped, parse
        from tui.emulator.imports.failures import ImportFailure
        from tui.emulator.imports.formats import open_source

        import_id = document["_id"]
        if self._too_old(document):
            return self._fail(import_id, imports.TOO_OLD_MESSAGE)
        try:
            with (
                import_attempts.attempt(self.dir, import_id, import_attempts.READING),
                open_source(self.file_path(document), document["format"], document.get("component_path")) as source,
            ):
                self.throttle.pause()  # `uploaded` (and reading) stays visible for one step
                checkpoints, message, require = parse(self.db.connection(), source, document["mode"], self._stop.is_set)
        except ParseStopped:
            return
        except ImportFailure as failure:
            return self._fail(import_id, failure.text)
        except Exception as exc:
            log.exception("import %s: parsing failed", import_id)
            return self._fail(import_id, internal_error_message(exc))
        with self.db.write() as txn:
            current = imports.current(txn, import_id, "uploaded")
            if current is not None:
                state = {
                    "state": "waiting_for_confirmation",
                    "message_to_confirm": message,
                    "require_manual_confirmation": require,
                }
                imports.set_state(txn, current, state, checkpoints=checkpoints)

    def _execute(self, document: dict[str, Any]) -> None:
        from tui.emulator.imports.execute import Canceled, Executor, Stopped
        from tui.emulator.imports.failures import ImportFailure
        from tui.emulator.imports.formats import open_source

        import_id = document["_id"]
        self.throttle.pause()
        if self._too_old(document):
            return self._fail(import_id, imports.TOO_OLD_MESSAGE)
        with self.db.write() as txn:  # an earlier attempt in this process left tablets: start over
            current = imports.current(txn, import_id, "in_progress")
            if imports.drop_hidden_tablets(txn, import_id) and current is not None:
                document = imports.reset_for_restart(txn, current)
        try:
            with (
                import_attempts.attempt(self.dir, import_id, import_attempts.WRITING),
                open_source(self.file_path(document), document["format"], document.get("component_path")) as source,
            ):
                Executor(self.db, self.throttle, document, source, self._stop.is_set).run()
        except Stopped:
            return  # hidden tablets stay until recover() drops them at the next start
        except Canceled:
            self._fail(import_id, imports.CANCELED_MESSAGE)
        except ImportFailure as failure:
            self._fail(import_id, failure.text)
        except Exception as exc:
            log.exception("import %s: execution failed", import_id)
            self._fail(import_id, internal_error_message(exc))
        else:
            self.file_path(document).unlink(missing_ok=True)
        purge_dropped(self.db)

    def _fail(self, import_id: str, message: str) -> None:
        """Fail the import unless it already ended; its hidden tablets go either way."""
        with self.db.write() as txn:
            document = imports.get(txn.conn, import_id)
            imports.fail(txn, import_id, message)
        if document is not None:
            self.file_path(document).unlink(missing_ok=True)

    def _sweep(self, orphans: bool = False) -> None:
        """Delete the files of imports that ended (canceled before they ran, for instance) and uploads
        abandoned for a day; with `orphans`, also files no import refers to (a crash between moving
        a file and committing)."""
        cutoff = time.time() - STALE_UPLOAD_S
        for path in self.uploads.iterdir():
            try:
                if path.stat().st_mtime < cutoff:  # an upload nobody finished
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass
        conn = self.db.connection()
        for path in self.dir.iterdir():
            if not path.is_file():
                continue
            import_id = path.name.split(".", 1)[0]
            document = imports.get(conn, import_id) if imports.is_import_id(import_id) else None
            if document is None:
                if orphans:
                    path.unlink(missing_ok=True)
            elif document["state"]["state"] in imports.TERMINAL_STATES:
                path.unlink(missing_ok=True)
