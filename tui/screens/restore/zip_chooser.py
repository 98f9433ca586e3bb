"""`ZipChooser`: the first step of restoring from a snapshot ZIP on disk, shared by the ZIP import and the
restore wizard's "a ZIP on disk" source. The path is checked at once (exists, a .zip, starts like one),
then the file itself is verified in a worker, as the headless `convex-backups import` does before anything
else (every entry's CRC and size, the stored files' sha256, and the `.sha256` file beside it when there is
one). A damaged file is refused here, before any safety backup or upload, with the command that says more.
Posts `Verified(path, outcome)`; the documents themselves are decoded again while staging, before upload."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui.screens.restore.text import zip_accepted, zip_refused, zip_unreadable
from tui.services.snapshots.verify import VerifyOutcome, verify_file


def check_path(text: str) -> tuple[Path | None, str]:
    """(the file, "") when it can be imported, else (None, why not)."""
    if not text.strip():
        return None, "Type the path of a snapshot ZIP (from convex-backups download or npx convex export)."
    path = Path(text.strip()).expanduser()
    if not path.exists():
        return None, f"{path} does not exist."
    if path.is_dir():
        return None, f"{path} is a folder; give the ZIP file inside it."
    if path.suffix.lower() != ".zip":
        return None, f"{path.name} is not a .zip file."
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        return None, f"{path} cannot be read ({exc.strerror})."
    if magic != b"PK\x03\x04":
        return None, f"{path.name} is not a ZIP archive (it does not start like one)."
    return path, ""


class ZipChooser(Vertical):
    """The path box and what the check found. `checking` is True while a file is being verified."""

    DEFAULT_CSS = """
    ZipChooser { height: auto; }
    ZipChooser > Static { height: auto; }
    """

    class Verified(Message):
        def __init__(self, path: Path, outcome: VerifyOutcome) -> None:
            super().__init__()
            self.path = path
            self.outcome = outcome

    def __init__(self, path: Path | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.initial = path
        self.checking = False
        self.refused: str | None = None  # the last refusal, in words (tests and the checklist read it)

    def compose(self) -> ComposeResult:
        yield Input(value=str(self.initial or ""), placeholder="/path/to/snapshot.zip", id="file-path")
        yield Static("", id="file-note", markup=False)

    @on(Input.Submitted, "#file-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.checking:
            return
        path, why = check_path(event.value)
        if path is None:
            self._refuse(f"Refused: {why}")
            return
        self._verify(path)

    @work(exclusive=True, group="zip-verify", exit_on_error=False)
    async def _verify(self, path: Path) -> None:
        self.checking = True
        self._say(
            f"Checking {path.name}: every entry's CRC and size, the stored files' sha256… Nothing is uploaded yet."
        )
        loop = asyncio.get_running_loop()

        def progress(line: str) -> None:
            loop.call_soon_threadsafe(self._say, f"Checking {path.name}: {line}")

        try:
            outcome = await asyncio.to_thread(verify_file, path, full=False, progress=progress)
        except OSError as exc:
            self._refuse(zip_unreadable(path, exc))
            return
        finally:
            self.checking = False
        if not outcome.ok:
            self._refuse(zip_refused(path, outcome))
            return
        self.refused = None
        note = self.query_one("#file-note", Static)
        note.remove_class("error-text")
        note.update(zip_accepted(path, outcome))
        self.post_message(self.Verified(path, outcome))

    def _refuse(self, text: str) -> None:
        self.refused = text
        note = self.query_one("#file-note", Static)
        note.update(text)
        note.add_class("error-text")

    def _say(self, text: str) -> None:
        note = self.query_one("#file-note", Static)
        note.remove_class("error-text")
        note.update(text)

    def hint(self, text: str) -> None:
        """What to type, until a file is checked."""
        if not self.checking and self.refused is None:
            self._say(text)

    def focus_path(self) -> None:
        self.query_one("#file-path", Input).focus()
