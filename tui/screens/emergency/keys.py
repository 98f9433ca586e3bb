"""The checklist's keys: every binding of the emergency screen (each step says which it offers, in its
`ACTIONS`), and how a step's status is marked in the list (a mark and the status in words, never colour
alone)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

MARKS = {"pending": "·", "running": "…", "done": "✓", "failed": "✗", "skipped": "–", "rehearsed": "≈"}
SHORT_TITLES = ("Deployment", "Safety backup", "Restore data", "Push code", "Env vars", "Manual fixes", "Close + log")

EMERGENCY_BINDINGS: list[BindingType] = [
    Binding("g", "run_step", "Run step", id="emergency_run"),
    Binding("s", "skip_step", "Skip (say why)", id="emergency_skip"),
    Binding("x", "redo_step", "Redo", id="emergency_redo"),
    Binding("r", "resume", "Resume", id="emergency_resume"),
    Binding("n", "new_checklist", "New checklist", id="emergency_new"),
    Binding("w", "download", "Download", id="emergency_download"),
    Binding("b", "safety_fresh", "Back up now", id="emergency_safety_fresh"),
    Binding("b", "safety_why('b')", show=False, id="emergency_safety_fresh_why"),
    Binding("l", "safety_local", "Local snapshot", id="emergency_safety_local"),
    Binding("o", "safety_oldest", "Free a slot", id="emergency_safety_oldest"),
    Binding("d", "safety_oldest_go", "Download, then delete", id="emergency_safety_oldest_go"),
    Binding("u", "safety_recent", "Use recent", id="emergency_safety_recent"),
    Binding("space", "toggle", "Toggle", id="emergency_toggle"),
    Binding("v", "reveal", "Reveal values", id="emergency_reveal"),
    Binding("a", "apply", "Apply", id="emergency_apply"),
    Binding("o", "open_file", "Compare a file", id="emergency_open_file"),
    Binding("c", "next_set", "Next saved set", id="emergency_next_set"),
    Binding("p", "project", "Project folder", id="emergency_project"),
    Binding("p", "pause", "Pause first", id="emergency_pause"),
    Binding("k", "cancel_run", "Cancel deploy", id="emergency_cancel"),
    Binding("m", "mark_done", "Mark done", id="emergency_mark_done"),
    Binding("m", "mark_done_why", show=False, id="emergency_mark_done_why"),
    Binding("e", "edit_field", "Edit field", id="emergency_edit"),
    Binding("d", "delete_doc", "Delete doc", id="emergency_delete"),
    Binding("i", "insert_doc", "Insert doc", id="emergency_insert"),
    Binding("u", "run_mutation", "Run mutation", id="emergency_mutation"),
    Binding("u", "unpause", "Unpause", id="emergency_unpause"),  # step 6 only; same key, other step
    Binding("i", "inspect_backup", "Inspect", id="emergency_inspect"),
    Binding("D", "restore_documents", "Docs", id="emergency_documents"),
    Binding("right_square_bracket", "next_page", "Next page", id="emergency_next_page"),
    Binding("left_square_bracket", "previous_page", "Prev page", id="emergency_previous_page"),
    Binding("backspace", "up_level", "Up", id="emergency_up", show=False),
    Binding("tab", "app.focus_next", "Next pane", show=False),
    Binding("escape", "back", "Back", id="emergency_back"),
]
