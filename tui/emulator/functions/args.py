"""Argument checks shared by the emulated system functions: a small stand-in for Convex's argument
validators, and the resolution of the `componentId` and user-table arguments."""

from __future__ import annotations

from typing import Any

from tui.emulator.functions.registry import FunctionError
from tui.emulator.deployment.tables import components

STRING, NUMBER, OBJECT, ARRAY, NULL = (str,), (float,), (dict,), (list,), (type(None),)
COMPONENT_ID = {"componentId": STRING + NULL}
_KIND_NAMES = {str: "v.string()", float: "v.number()", dict: "v.object()", list: "v.array()", type(None): "v.null()"}


def check_args(
    args: dict[str, Any], required: dict[str, tuple], optional: dict[str, tuple] | None = None, *, where: str = ""
) -> None:
    """Reject missing, extra and mistyped fields as Convex validators do (values are never quoted).

    `where` prefixes paths for nested objects, e.g. ".paginationOpts".
    """
    optional = optional or {}
    for name in args:
        if name not in required and name not in optional:
            raise FunctionError(
                f"ArgumentValidationError: Object contains extra field `{name}` that is not in the validator.\n"
                f"Path: {where or '.'}"
            )
    for name in required:
        if name not in args:
            raise FunctionError(
                f"ArgumentValidationError: Object is missing the required field `{name}`.\nPath: {where or '.'}"
            )
    for name, kinds in {**required, **optional}.items():
        # isinstance is exact enough: bool is not a float, and an Int64 (int) is not a v.number().
        if name in args and not isinstance(args[name], kinds):
            expected = " | ".join(_KIND_NAMES[k] for k in kinds)
            raise FunctionError(
                f"ArgumentValidationError: Value does not match validator.\nPath: {where}.{name}\nValidator: {expected}"
            )


def component_of(conn, args: dict[str, Any]) -> str:
    """The emulator has no `_components` table: a component is named by its path ('' is the root)."""
    component_id = args.get("componentId")
    if component_id is None:
        return ""
    if component_id in components(conn):
        return component_id
    raise FunctionError(f"Component {component_id!r} not found.")


def user_table(name: str) -> str:
    if name.startswith("_"):
        raise FunctionError(f"Table {name!r} is a system table; these functions only read and write user tables.")
    return name
