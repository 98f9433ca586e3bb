"""System queries the CLI's `npx convex env list|get` subscribes to (cli-wire 6)."""

from __future__ import annotations

from typing import Any

from tui.emulator.deployment import environment
from tui.emulator.deployment.auth import VIEW_ENV
from tui.emulator.functions.args import STRING, check_args
from tui.emulator.functions.registry import system_function


@system_function("_system/cli/queryEnvironmentVariables", "query", VIEW_ENV)
def list_variables(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {})
    return environment.list_documents(deployment.db.connection())


@system_function("_system/cli/queryEnvironmentVariables:get", "query", VIEW_ENV)
def get_variable(deployment, args: dict[str, Any]) -> Any:
    """The stored document, a built-in as `{name, value}`, or null."""
    check_args(args, {"name": STRING})
    name = args["name"]
    builtins = environment.builtin_values(deployment.url)
    if name in builtins:
        return {"name": name, "value": builtins[name]}
    return environment.find(deployment.db.connection(), name)
