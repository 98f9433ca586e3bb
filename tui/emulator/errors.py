"""Convex's `{code, message}` errors as exceptions the routes turn into responses."""

from __future__ import annotations


class ConvexError(Exception):
    """An error the deployment reports to the client as HTTP `status` with `{code, message}`."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def bad_request(code: str, message: str) -> ConvexError:
    return ConvexError(400, code, message)


def not_found(code: str, message: str) -> ConvexError:
    return ConvexError(404, code, message)


def internal(message: str = "Your request couldn't be completed. Try again later.") -> ConvexError:
    return ConvexError(500, "InternalServerError", message)
