"""Random keys handed to people once (API tokens, invitation links) and stored only as hashes.

The keys carry 256 bits of randomness, so a plain SHA-256 is the right hash: it is not a
password that needs stretching, and it lets us find the row by the hash in one indexed lookup.
"""

import hashlib
import secrets

API_TOKEN_PREFIX = "vip_"  # noqa: S105 - a prefix, not a secret


def new_key(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
