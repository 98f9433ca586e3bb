"""Typed errors: the class and message for each known code, guidance a person can act on, and no secret
in any text."""

from __future__ import annotations

import pickle

import orjson
import pytest

from tui.api.errors import (
    AuthError,
    Conflict,
    ConvexApiError,
    FunctionError,
    FunctionPermissionDenied,
    ImportFailed,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    PlanLimit,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    Target,
    error_from_response,
    function_error,
    parse_error_body,
)
from tui.api.secrets import Secret, mask, scrub

TARGET = Target("playful-otter-123")
KEY = "prod:playful-otter-123|0123456789abcdef0123456789abcdef"


def _error(status: int, code: str | None, message: str, **kwargs) -> ConvexApiError:
    body = orjson.dumps({"code": code, "message": message}) if code else message.encode()
    return error_from_response(status, body, target=TARGET, method="GET", path="/api/x", **kwargs)


@pytest.mark.parametrize(
    ("status", "code", "cls", "words"),
    [
        (401, "BadAdminKey", AuthError, ["rejected by playful-otter-123", "get a fresh one"]),
        (403, "BadDeployKey", AuthError, ["CONVEX_DEPLOY_KEY"]),
        (401, "AccessTokenInvalid", AuthError, ["npx convex login"]),
        (400, "ExportInProgress", Conflict, ["one at a time"]),
        (400, "ExportNotComplete", Conflict, ["not finished"]),
        (404, "ExportNotFound", NotFound, ["no longer exists"]),
        (400, "ImportFailed", ImportFailed, ["import into playful-otter-123 failed", "the file is broken"]),
        (400, "CannotCancelImport", Conflict, ["cannot be canceled"]),
        (404, "DeploymentNotFound", NotFound, ["not found"]),
        (400, "ExceededSpendingLimit", PlanLimit, ["spending limit"]),
        (400, "InvalidZip", ImportFailed, ["the file is broken"]),
        (400, "TableExists", ImportFailed, ["replaceAll"]),
    ],
)
def test_known_codes(status, code, cls, words):
    error = _error(status, code, "the file is broken")
    assert type(error) is cls
    assert error.code == code and error.status == status
    for word in words:
        assert word in str(error)


@pytest.mark.parametrize(
    "said", ["Team acme requires single sign-on: log in through Okta at acme.okta.com.", "SSO enforced for this team"]
)
def test_sso_required_shows_the_servers_message_then_advice(said):
    """What big brain says with `SSORequired` is not known in detail: its words are shown as sent, first."""
    error = _error(403, "SSORequired", said)
    assert type(error) is AuthError
    assert str(error).startswith(said) and "npx convex login" in str(error)


def test_permission_denied_names_the_missing_action():
    error = _error(
        403,
        "OperationNotPermitted",
        "You do not have permission to perform this operation (deployment:backups:create).",
    )
    assert isinstance(error, PermissionDenied)
    assert error.action == "deployment:backups:create"
    assert "deployment:backups:create" in str(error)


def test_plan_limits_by_code_shape():
    error = _error(400, "CloudBackupLimitReached", "The Starter plan keeps at most 2 backups per deployment.")
    assert isinstance(error, PlanLimit) and isinstance(error, Conflict)
    assert str(error) == (
        "The Starter plan keeps at most 2 backups per deployment: delete an older backup "
        "first, or move to a plan that keeps more."
    )
    periodic = _error(403, "PeriodicBackupsNotEnabled", "Periodic backups are not available on your plan")
    assert isinstance(periodic, PlanLimit) and "Convex Pro" in str(periodic)
    actionable = "The Starter plan keeps at most 2 backups per deployment. Delete one first (x has 2)."
    assert str(_error(400, "CloudBackupLimitReached", actionable)) == actionable  # no advice added twice


def test_backup_state_rules_are_conflicts():
    error = _error(400, "BackupInProgress", "A backup of x is already requested or in progress. Wait for it.")
    assert isinstance(error, Conflict) and str(error).startswith("A backup of x")


def test_status_fallbacks():
    assert isinstance(_error(500, None, "<html>oops</html>"), ServerError)
    assert "try again later" in str(_error(500, "InternalServerError", "Your request couldn't be completed."))
    assert isinstance(_error(503, None, ""), ServiceUnavailable)
    assert isinstance(_error(502, None, "bad gateway"), ServiceUnavailable)
    limited = _error(429, None, "", retry_after=7)
    assert isinstance(limited, RateLimited) and limited.retry_after == 7 and "7 s" in str(limited)
    assert limited.retryable and not _error(400, "BadJsonBody", "x").retryable
    missing = _error(404, None, "Not Found")
    assert isinstance(missing, NotFound) and "GET /api/x" in str(missing)
    odd = _error(400, "SomethingNew", "the server's own words")
    assert isinstance(odd, InvalidRequest) and str(odd) == "the server's own words (SomethingNew)"


def test_parse_error_body():
    assert parse_error_body(b'{"code":"X","message":"m"}') == ("X", "m")
    assert parse_error_body(b"<html>\n  <b>boom</b>\n</html>") == (None, "<html> <b>boom</b> </html>")
    assert parse_error_body(b'["not", "an", "error"]')[0] is None


def test_function_errors():
    error = function_error(
        "[Request ID: abc] Server Error\nUncaught Error: kaboom\n    at handler (x.js:1)\n",
        {"why": 1},
        target=TARGET,
        path="messages:send",
    )
    assert type(error) is FunctionError
    assert str(error) == "messages:send failed on playful-otter-123: Uncaught Error: kaboom"
    assert error.data == {"why": 1} and "x.js" in error.detail
    denied = function_error(
        "You do not have permission to perform this operation",
        None,
        target=TARGET,
        path="_system/cli/queryImport:default",
    )
    assert isinstance(denied, FunctionPermissionDenied) and isinstance(denied, PermissionDenied)


def test_no_secret_in_any_text():
    message = (
        f"key {KEY} was sent as\nAuthorization: Convex {KEY}\nto https://x.convex.cloud/api/export/zip/1"
        f"?adminKey={KEY}&x=1 and Bearer abcdefghijklmnopqrstuvwx"
    )
    error = _error(401, "BadAdminKey", message, secrets=[Secret("opaque-token-value")])
    for text in (str(error), repr(error), error.detail, error.message):
        assert "0123456789abcdef" not in text
        assert "abcdefghijklmnopqrstuvwx" not in text
    assert "adminKey=***" in error.detail
    literal = _error(400, "X", "the value hunter2-secret leaked", secrets=["hunter2-secret"])
    assert "hunter2-secret" not in str(literal) + repr(literal)
    again = pickle.loads(pickle.dumps(literal))
    assert type(again) is InvalidRequest and again.code == "X" and str(again) == str(literal)


def test_scrub_leaves_prose_alone():
    prose = "Convex deployment tall-sheep-123 | table | create | and the token: expired"
    assert scrub(prose) == prose
    assert scrub("convex-self-hosted|01ab23cd45ef") == "convex-self-hosted|***"
    assert scrub('{"adminKey": "abc", "accessToken": "def"}') == '{"adminKey": "***", "accessToken": "***"}'


def test_secret_wrapper():
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret) + str(secret) + f"{secret}" + repr([secret]) + repr({"k": secret})
    assert secret.reveal() == "s3cr3t-value" and secret == Secret("s3cr3t-value") and bool(secret)
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert mask(KEY) == "prod:playful-otter-123|***"
    assert mask("plain-token") == "***" and mask(None) == "(none)"
