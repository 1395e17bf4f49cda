"""Files only the service's own user may read: the SQLite database and the secret key beside it.

Both hold what must not leak (everyone's personal data; the key that signs links and keys the
suppression list), so they are created with mode 0600 whatever the umask, and a file an older
version left readable by others loses that access when the service next opens it.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE = 0o600
_OTHERS = stat.S_IRWXO


def create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when this call made it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, PRIVATE)  # a umask can only take bits away, but be exact
    finally:
        os.close(descriptor)
    return True


def publish_private(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` with mode 0600 unless it exists, so that nobody ever reads it
    half-written: True when this call wrote it, False when another got there first."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    draft = Path(name)
    try:
        os.fchmod(descriptor, PRIVATE)
        os.write(descriptor, text.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(draft, path)  # atomic, and refuses to replace what another process published
    except FileExistsError:
        return False
    finally:
        draft.unlink()
    return True


def keep_private(path: Path) -> None:
    """Take others' access away from ``path`` if it has any (group access is the operator's);
    a file that is not there, or not ours to change, is left as it is, with a warning."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not mode & _OTHERS:
        return
    try:
        path.chmod(mode & ~_OTHERS)
    except PermissionError:
        log.warning("%s is open to every user here (mode %04o): chmod o-rwx it", path, mode)
        return
    log.warning("%s was open to every user here (mode %04o): now %04o", path, mode, mode & ~_OTHERS)
