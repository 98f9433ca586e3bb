"""The official Python client (`convex` from PyPI) against a deployment: connects over the WebSocket,
queries, runs a mutation that returns, and reports a missing function's error. One JSON line on stdout.
Usage: PYTHONPATH=<the installed client> python python_client.py <deployment url> <admin key> <table>"""

import json
import os
import sys
import threading

from convex import ConvexClient

url, admin_key, table = sys.argv[1:4]
SIZE = "_system/cli/tableSize:default"
report = {}


def failure(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the client's own error types differ between calls
        return f"{type(error).__name__}: {error}"
    return None


def main():
    anonymous = ConvexClient(url)
    report["anonymousSystemQuery"] = failure(lambda: anonymous.query(SIZE, {"tableName": table}))
    client = ConvexClient(url)
    client.set_admin_auth(admin_key)
    report["sizeBefore"] = client.query(SIZE, {"tableName": table})
    report["mutation"] = client.mutation(
        "_system/frontend/addDocument", {"table": table, "documents": [{"via": "python"}]}
    )
    report["sizeAfter"] = client.query(SIZE, {"tableName": table})
    report["missingQuery"] = failure(lambda: client.query("messages:list"))
    report["missingMutation"] = failure(lambda: client.mutation("messages:send"))
    report["missingAction"] = failure(lambda: client.action("messages:notify"))


worker = threading.Thread(target=main, daemon=True)
worker.start()
worker.join(45)  # a call the server never answers would hang the client forever
report["finished"] = not worker.is_alive()
print(json.dumps(report, default=str))
sys.stdout.flush()
os._exit(0)  # not sys.exit: a hung client thread would block the interpreter's exit
