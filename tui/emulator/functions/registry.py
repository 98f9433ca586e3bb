"""The registry of system functions (`_system/...`) served by /api/query, /api/mutation and the sync socket.

Each module that defines functions registers them with `@system_function`; `load_all()` imports them.
A function runs in a worker thread with (deployment, args) and returns a Convex value (Python form).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.emulator.deployment.deployment import Deployment

FunctionBody = Callable[["Deployment", dict[str, Any]], Any]

_MODULES = (
    "tui.emulator.functions.exports",
    "tui.emulator.functions.imports",
    "tui.emulator.functions.env",
    "tui.emulator.functions.data_browse",
    "tui.emulator.functions.data_edit",
    "tui.emulator.deployment.backend_state",
)


@dataclass(frozen=True)
class SystemFunction:
    path: str  # always `module:export`
    kind: str  # "query" or "mutation"
    action: str | None  # the deployment operation it needs; None: any admin identity
    body: FunctionBody


REGISTRY: dict[str, SystemFunction] = {}


def normalize(path: str) -> str:
    path = path.removesuffix(".js") if ":" not in path else path
    return path if ":" in path else f"{path}:default"


def system_function(path: str, kind: str, action: str | None) -> Callable[[FunctionBody], FunctionBody]:
    def register(body: FunctionBody) -> FunctionBody:
        key = normalize(path)
        REGISTRY[key] = SystemFunction(key, kind, action, body)
        return body

    return register


def resolve(path: str) -> SystemFunction | None:
    return REGISTRY.get(normalize(path))


def load_all() -> None:
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module
                raise


class FunctionError(Exception):
    """A function-level failure: reported in the `{status: "error"}` envelope, not as an HTTP error."""

    def __init__(self, message: str, data: Any = None):
        super().__init__(message)
        self.message = message
        self.data = data
