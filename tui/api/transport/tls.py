"""The verifying TLS context, built once per process, and what each scheme's transport is given."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The CA bundle (with `SSL_CERT_FILE`/`SSL_CERT_DIR`) loaded once: loading it takes about 50 ms, which
    every new client paid before."""
    return httpx.create_ssl_context(trust_env=True)


def tls_verify(scheme: str) -> ssl.SSLContext | bool:
    """httpx's `verify` for a transport of `scheme`: the shared context for https, and False for plain http,
    which makes a context without loading the CA bundle (the loopback sandbox never pays for it) and never
    uses it."""
    return tls_context() if scheme != "http" else False
