"""The binding registry: every key of the app is data with an id, a plain name (shown in the footer, the
help screen and the command palette) and where it works. Operators remap keys by id in config.toml:

    [ui.keys]
    backup_now = "B"            # one key
    delete_backup = "x,delete"  # or several, comma-separated

Ids are stable; keys are defaults. Every id the help screen shows can be remapped: the main screen's and
the app's (declared here as `KeySpec`s) and those other screens declare beside their actions (listed in
`SCREEN_KEY_IDS`: `restore_confirm`, `emergency_run`, ...). `keymap_from_config` turns the `[ui]` table
into what `App.set_keymap` takes, and `effective_keys` is what the help screen shows after remapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class KeySpec:
    id: str
    key: str  # default key(s), comma-separated
    action: str
    name: str  # plain name: footer, help and command palette ("Back up now")
    where: str  # "app", "main", or a screen/dialog name
    show: bool = True  # shown in the footer (always listed in help)
    mutating: bool = False  # changes a deployment: refused on read-only deployments
    help: str = ""  # one line for the help screen
    palette: bool = True  # offered in the command palette
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.name, show=self.show, id=self.id, priority=self.priority)


APP_KEYS: tuple[KeySpec, ...] = (
    KeySpec("help", "question_mark,f1", "help", "Help", "app", help="Keys that work on this screen"),
    KeySpec(
        "command_palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "app",
        show=False,
        palette=False,
        help="Every action by name",
    ),
    KeySpec("quit", "q", "request_quit", "Quit", "app", help="Leave the app (asks first while something is running)"),
    KeySpec("quit_now", "ctrl+q", "request_quit", "Quit", "app", show=False, palette=False, help="Same as q"),
)

MAIN_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "backup_now",
        "b",
        "backup_now",
        "Back up now",
        "main",
        help="Take a backup of the selected deployment (the plan's limit is checked first)",
    ),
    KeySpec(
        "cancel_backup",
        "c",
        "cancel_backup",
        "Cancel backup",
        "main",
        mutating=True,
        help="Cancel the selected running backup",
    ),
    KeySpec(
        "delete_backup",
        "d",
        "delete_backup",
        "Delete backup",
        "main",
        mutating=True,
        help="Delete the selected backup (asks for confirmation with another key)",
    ),
    KeySpec(
        "download_backup",
        "w",
        "download_backup",
        "Download",
        "main",
        help="Download the selected backup to a folder, verified",
    ),
    KeySpec(
        "inspect_backup",
        "i",
        "inspect_backup",
        "Inspect",
        "main",
        help="Tables, counts and sample documents of the selected backup",
    ),
    KeySpec(
        "compare_backup",
        "D",
        "compare_backup",
        "Compare with now",
        "main",
        show=False,
        help="What changed since the selected backup: tables, documents, fields (nothing is changed)",
    ),
    KeySpec(
        "restore_backup",
        "r",
        "restore_backup",
        "Restore",
        "main",
        mutating=True,
        help="Guided restore into the selected deployment: its backup, another deployment's of the team, or a ZIP",
    ),
    KeySpec(
        "import_file",
        "m",
        "import_file",
        "Import ZIP",
        "main",
        show=False,
        mutating=True,
        help="Import a snapshot ZIP from disk into the selected deployment",
    ),
    KeySpec(
        "staged_imports",
        "I",
        "staged_imports",
        "Staged imports",
        "main",
        show=False,
        help="The selected deployment's imports and restores; cancel one left staged (it blocks restores)",
    ),
    KeySpec(
        "periodic",
        "p",
        "periodic",
        "Schedule",
        "main",
        help="Periodic backups of the selected deployment (a Convex Pro feature)",
    ),
    KeySpec(
        "env_vars", "e", "env_vars", "Env vars", "main", help="Environment variables (masked), compared with saved sets"
    ),
    KeySpec(
        "emergency",
        "E,exclamation_mark",
        "emergency",
        "Emergency restore",
        "main",
        help="The emergency-restore checklist for the selected (or the production) deployment",
    ),
    KeySpec("filter", "slash", "filter", "Filter", "main", help="Filter the backups table"),
    KeySpec("sort", "s", "cycle_sort", "Sort", "main", show=False, help="Sort the backups by the next column"),
    KeySpec(
        "exact_time",
        "t",
        "toggle_exact_time",
        "Exact times",
        "main",
        show=False,
        help="Show exact UTC times instead of '3 hours ago'",
    ),
    KeySpec(
        "refresh", "f5,ctrl+r", "refresh", "Refresh", "main", show=False, help="Fetch deployments and backups again"
    ),
    KeySpec(
        "switch_target",
        "ctrl+t",
        "switch_target",
        "Switch target",
        "main",
        show=False,
        help="Open another profile (Convex Cloud, self-hosted, sandbox)",
    ),
    KeySpec(
        "next_pane",
        "tab",
        "app.focus_next",
        "Next pane",
        "main",
        show=False,
        palette=False,
        help="Move between the deployments, backups and detail panes",
    ),
    KeySpec(
        "back",
        "escape",
        "back",
        "Back",
        "main",
        show=False,
        palette=False,
        help="Leave the filter or go back; never quits",
    ),
)

DIALOG_KEYS: tuple[KeySpec, ...] = (
    KeySpec("dialog_cancel", "escape", "cancel", "Cancel", "dialog", help="Close without doing anything"),
)

ALL_KEYS: tuple[KeySpec, ...] = APP_KEYS + MAIN_KEYS + DIALOG_KEYS
_BY_ID = {spec.id: spec for spec in ALL_KEYS}

# The ids of the bindings other screens and dialogs declare themselves (`Binding(..., id=...)` beside the
# actions they run), by family. They are listed here so that config.toml can remap them without importing
# every screen at start-up; tests/ui_main/test_key_remaps.py checks this list against the screens' own.
SCREEN_KEY_IDS: dict[str, tuple[str, ...]] = {
    "backup": ("backup_files", "backup_start"),
    "periodic": ("periodic_save",),
    "staged": ("staged_cancel", "staged_reload"),
    "inspect": ("inspect_back",),
    "diff": ("diff_back", "diff_next_page", "diff_previous_page", "diff_mark", "diff_restore_marked"),
    "documents": ("documents_back", "documents_confirm"),
    "env": ("env_back", "env_save", "env_restore", "env_reload"),
    "restore": (
        "restore_only_tables",
        "restore_back_out",
        "restore_continue",
        "restore_safety_backup",
        "restore_safety_local",
        "restore_safety_oldest",
        "restore_safety_recent",
        "restore_safety_oldest_go",
        "restore_safety_backup_why",
        "restore_safety_oldest_why",
        "restore_safety_recent_why",
        "restore_skip_safety",
        "restore_confirm",
        "restore_follow_again",
        "restore_close",
    ),
    "emergency": (
        "emergency_run",
        "emergency_skip",
        "emergency_redo",
        "emergency_resume",
        "emergency_new",
        "emergency_download",
        "emergency_safety_fresh",
        "emergency_safety_fresh_why",
        "emergency_safety_local",
        "emergency_safety_oldest",
        "emergency_safety_oldest_go",
        "emergency_safety_recent",
        "emergency_toggle",
        "emergency_reveal",
        "emergency_apply",
        "emergency_open_file",
        "emergency_next_set",
        "emergency_project",
        "emergency_pause",
        "emergency_cancel",
        "emergency_mark_done",
        "emergency_mark_done_why",
        "emergency_edit",
        "emergency_delete",
        "emergency_insert",
        "emergency_mutation",
        "emergency_unpause",
        "emergency_inspect",
        "emergency_documents",
        "emergency_next_page",
        "emergency_previous_page",
        "emergency_up",
        "emergency_back",
    ),
}
REMAPPABLE: frozenset[str] = frozenset(_BY_ID).union(*SCREEN_KEY_IDS.values())
# A hidden twin (`<id>_why`: the same key, saying why the action cannot run now) follows its key when only
# the key is remapped, so the remapped key still explains itself.
TWIN_SUFFIX = "_why"
# A confirming key may not be remapped onto a key that started the action: the key that confirms a
# destructive action is never the key that started it. (Delete picks its confirming key at run time.)
_CONFIRMS = {"restore_confirm": "restore_backup"}


def spec(id: str) -> KeySpec:
    return _BY_ID[id]


def bindings(specs: tuple[KeySpec, ...]) -> list[BindingType]:
    return [s.binding() for s in specs]


def keymap_from_config(ui: Mapping[str, Any] | None) -> tuple[dict[str, str], list[str]]:
    """(keymap for `App.set_keymap`, warnings) from the `[ui]` table's `keys` sub-table."""
    keys = (ui or {}).get("keys", {})
    warnings: list[str] = []
    if not isinstance(keys, Mapping):
        return {}, ['[ui.keys] must be a table such as `backup_now = "B"`; it was ignored.']
    keymap: dict[str, str] = {}
    for id, value in keys.items():
        if id not in REMAPPABLE:
            warnings.append(f"[ui.keys] names {id!r}, which is not a binding id (see the help screen).")
        elif not isinstance(value, str) or not value.strip():
            warnings.append(f'[ui.keys] {id} must be a key name such as "b" or "ctrl+b".')
        elif id in ("quit", "quit_now") and "escape" in value.split(","):
            warnings.append(f"[ui.keys] {id} cannot be escape: escape backs out and never quits.")
        else:
            keymap[id] = value.replace(" ", "")
    for confirm, start in _CONFIRMS.items():
        started_by = set(keymap.get(start, _BY_ID[start].key).split(","))
        if confirm in keymap and started_by & set(keymap[confirm].split(",")):
            warnings.append(
                f"[ui.keys] {confirm} cannot be a key of {start}: the key that confirms is never "
                "the key that started it. It was ignored."
            )
            del keymap[confirm]
    for id in list(keymap):
        twin = id + TWIN_SUFFIX
        if twin in REMAPPABLE and twin not in keys:
            keymap[twin] = keymap[id]
    return keymap, warnings


def effective_keys(spec: KeySpec, keymap: Mapping[str, str]) -> str:
    """The keys after remapping, in a form for people (`?`, `F1`, `ctrl+r`)."""
    names = keymap.get(spec.id, spec.key).split(",")
    pretty = {
        "question_mark": "?",
        "slash": "/",
        "escape": "esc",
        "f1": "F1",
        "f5": "F5",
        "tab": "tab",
        "exclamation_mark": "!",
    }
    return " / ".join(pretty.get(name, name) for name in names)
