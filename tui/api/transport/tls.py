"""The verifying TLS context, built once per process."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The CA bundle (with `SSL_CERT_FILE`/`SSL_CERT_DIR`) loaded once: loading it takes about 50 ms, which
    every new client paid before."""
    return httpx.create_ssl_context(trust_env=True)
