"""Step 5, manual fixes: browse a deployment's tables and edit documents through its own system
functions (data-and-functions §4–5): `addDocument`, `patchDocumentsFields`, `deleteDocuments`. No textual.
"""

from __future__ import annotations

from typing import Any

from tui.api.deployment_client import DeploymentClient
from tui.services.protocol import BackupTarget, DeploymentRef

ADD = "_system/frontend/addDocument"
PATCH = "_system/frontend/patchDocumentsFields"
DELETE = "_system/frontend/deleteDocuments"
NO_USER_FUNCTIONS = ("Running a mutation by name needs the app's own functions. The sandbox has no user "
                     "functions (code cannot be pushed to it), so there is nothing to run here; fix data with "
                     "the edits above, or push code (step 3) to a real deployment and use `npx convex run`.")


async def client_for(target: BackupTarget, ref: DeploymentRef) -> DeploymentClient:
    """The deployment's API client with the target's credential (Cloud and sandbox: `directory.client`;
    self-hosted: the target's own client)."""
    directory = getattr(target, "directory", None)
    if directory is not None and hasattr(directory, "client"):
        return await directory.client(ref.name)
    client = getattr(target, "client", None)
    if isinstance(client, DeploymentClient):
        return client
    raise NotImplementedError("This target gives no access to the deployment's data API.")


def _check(value: Any, what: str) -> None:
    if isinstance(value, dict) and value.get("success") is False:
        raise ValueError(f"Could not {what}: {value.get('error') or 'the deployment said no'}")


class DataEditor:
    """Tables, pages, one document; patch a field, delete, insert. Every write is one atomic mutation."""

    def __init__(self, client: DeploymentClient):
        self.client = client

    async def tables(self) -> dict[str, int]:
        names = await self.client.user_tables()
        return await self.client.table_sizes(names)

    async def page(self, table: str, *, cursor: str | None = None, size: int = 50) -> tuple[list[dict], str | None]:
        page = await self.client.page_documents(table, cursor=cursor, num_items=size, order="asc")
        return list(page.documents), (None if page.is_done else page.continue_cursor)

    async def patch_field(self, table: str, doc_id: str, field: str, value: Any) -> None:
        if field.startswith("_"):
            raise ValueError("System fields (_id, _creationTime) cannot be edited.")
        _check(await self.client.mutation(PATCH, {"table": table, "ids": [doc_id], "fields": {field: value}}),
               f"edit {field} of {doc_id}")

    async def delete(self, table: str, doc_ids: list[str]) -> None:
        _check(await self.client.mutation(DELETE, {"toDelete": [{"id": i, "tableName": table} for i in doc_ids]}),
               f"delete {len(doc_ids)} document(s)")

    async def insert(self, table: str, document: dict) -> None:
        if not isinstance(document, dict) or any(k.startswith("_") for k in document):
            raise ValueError("A new document is a JSON object without _id or _creationTime.")
        _check(await self.client.mutation(ADD, {"table": table, "documents": [document]}), f"insert into {table}")


async def has_user_functions(target: BackupTarget) -> bool:
    info = await target.info()
    return info.kind != "sandbox"
