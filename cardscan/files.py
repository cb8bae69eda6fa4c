"""Private folders, and OS errors in words a person can act on.

Shared by the scan run's outputs (:mod:`cardscan.run`) and the contact store
(:mod:`cardscan.book.store`), so both say "disk full" and "no write access" the same way.
"""

from __future__ import annotations

import errno
from pathlib import Path


def make_private_dirs(path: Path) -> None:
    """``mkdir -p`` where every folder made is private (0700).

    ``Path.mkdir(parents=True)`` gives the parents the umask's mode: 0777 at umask 000.
    """
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            if not folder.is_dir():
                raise


def why(error: OSError) -> str:
    """An OSError in words a person can act on: disk full, no write access, or its own."""
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "disk full"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "no write access"
    return error.strerror or str(error)
