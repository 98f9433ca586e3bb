"""What the UI uses to keep credentials out of text, re-exported from `tui.api.secrets` so that screens and
widgets take no types from `tui.api` (the layers in pyproject.toml's import contracts)."""

from tui.api.secrets import Secret, mask, reveal, scrub

__all__ = ["Secret", "mask", "reveal", "scrub"]
