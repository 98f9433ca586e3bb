"""Convex's values, shared by `tui.api` (what goes over the wire) and `tui.archive` (what a snapshot ZIP
holds): the JSON encoding of every Convex type (`encoding`) and the rules for field names (`field_names`).

Imports only the standard library and `orjson`: both `tui.api` and `tui.archive` import it, and it imports
neither.
"""
