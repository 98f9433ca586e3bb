"""Refusing, before any request, a credential or URL that could only fail or leak: a key an HTTP header
cannot carry (a line break, a control or non-ASCII character) and a URL with a `user:password@` part.

Neither refusal quotes the value: what follows a line break is often another variable of a pasted `.env`
file, and a URL's password is a secret. A URL is named by its scheme, host and port only.

Why a URL with credentials is refused rather than used (tui/commands/README.md, "Self-hosted URLs with a user
name or password"): Convex's CLI sends its HTTP requests (export, import, setting variables) with `fetch`, which
refuses such a URL, and Convex's credential is the admin key; sending the pair as Basic authentication
would replace the admin key's Authorization header, and keeping it would put the password into messages
and folder names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tui.api.errors import CredentialsError
from tui.api.secrets import Secret, reveal


def header_problem(value: str) -> str | None:
    """Why `value` cannot be sent in an HTTP header, naming the position but not the character; None if it can."""
    for index, char in enumerate(value):
        if char in "\r\n":
            return f"a line break after its first {index} characters (a key is one line)"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"a control character at position {index + 1}"
        if not char.isascii():
            return (
                f"a character that is not ASCII at position {index + 1} (keys are plain ASCII: it was probably "
                "changed while being copied)"
            )
    if value != value.strip(" \t"):
        return "a space at its start or end"
    return None


def require_sendable(value: str | Secret | None, what: str, *, advice: str = "") -> None:
    """Raise `CredentialsError` when `value` (a key or token) cannot go in a header."""
    raw = reveal(value)
    problem = header_problem(raw) if raw else None
    if problem:
        hint = f" {advice}" if advice else ""
        raise CredentialsError(
            f"{what} holds {problem}; nothing was sent.{hint}", code="MalformedCredential", secrets=[raw]
        )


def has_userinfo(url: str) -> bool:
    try:
        return "@" in (urlsplit(url).netloc or "")
    except ValueError:
        return False


def without_userinfo(url: str) -> str:
    """`scheme://host[:port]` with any `user:password@` left out, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}" if parts.scheme else host


def require_no_userinfo(url: str | None, what: str) -> None:
    """Raise `CredentialsError` when `url` carries a user name or password (see the module's docstring)."""
    if url and has_userinfo(url):
        raise CredentialsError(
            f"{what} holds a user name or password (`user:password@` before the host), which convex-backups never "
            "sends (Convex's CLI cannot export or import through such a URL either): set it to "
            f"{without_userinfo(url)}; the admin key is the credential. A password for a proxy goes in HTTPS_PROXY.",
            code="UrlWithCredentials",
        )
