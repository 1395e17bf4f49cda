"""Password hashes at OWASP's scrypt minimum (N=2^17, r=8, p=1), and hashes stored with less
work by older versions still accepted, and told apart so they can be replaced."""

from __future__ import annotations

import base64
import hashlib

from campaign.kernel.security import hash_password, password_hash_outdated, verify_password


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _stored_as_before(password: str, n: int = 2**14) -> str:
    """A hash as versions before decision 0034 stored it: scrypt at N=2^14."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}$8$1${_b64(salt)}${_b64(digest)}"


def test_a_new_hash_takes_scrypt_at_2_to_the_17() -> None:
    stored = hash_password("correct horse battery")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**17), "8", "1")
    assert len(base64.urlsafe_b64decode(salt + "==")) == 16
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not password_hash_outdated(stored)


def test_a_hash_made_with_less_work_still_verifies_and_is_outdated() -> None:
    stored = _stored_as_before("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("wrong horse battery", stored)
    assert password_hash_outdated(stored)
    assert password_hash_outdated("garbage")


def test_a_stored_hash_asking_for_gigabytes_is_refused_without_computing_it() -> None:
    # N=2^30 would take 1 TiB: a damaged or planted row must not take the machine down.
    huge = _stored_as_before("x").replace(f"${2**14}$", f"${2**30}$", 1)
    assert not verify_password("x", huge)
    assert not verify_password("x", "bcrypt$1$2$3$4$5")
