"""Errors a user can act on.

Anything raised as `PulseError` is printed by the command line as one sentence, with
no traceback: it describes a problem with input or environment, not a bug.
"""

from __future__ import annotations

import errno


class PulseError(Exception):
    """A problem the user can fix; the message says what is wrong and what to do."""


# What an operator does about each way the file system refuses a write or a read.
_FIXES = {
    errno.EROFS: (
        "the file system is read-only",
        "remount it read-write or point PULSE_DATA_DIR at a writable directory",
    ),
    errno.EACCES: (
        "permission denied",
        "give the user running pulse write access there or point PULSE_DATA_DIR elsewhere",
    ),
    errno.ENOSPC: (
        "the disk is full",
        "free space there (a build needs room for two copies of the warehouse) and retry",
    ),
    errno.ENOENT: (
        "a directory on the path does not exist",
        "create it or fix the path in PULSE_DATA_DIR (or pulse.toml)",
    ),
    errno.ENOTDIR: (
        "a part of the path is a file, not a directory",
        "fix the path in PULSE_DATA_DIR (or pulse.toml)",
    ),
}
_FIXES[errno.EPERM] = _FIXES[errno.EACCES]
_FIXES[errno.EDQUOT] = ("the disk quota is used up", _FIXES[errno.ENOSPC][1])
# The errors that are always the machine's state, never the code's: a full disk, a
# read-only mount, missing rights. (A missing file can be either.)
ENVIRONMENT_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT})


def data_dir_error(exc: OSError, doing: str) -> PulseError:
    """One sentence for an OSError on the data directory: what failed, why, what to do.

    `doing` names the step and the path ("cannot build: cannot copy A to B"); the cause
    and the remedy come from the error number, so every caller says the same thing
    about a full disk or a read-only mount.
    """
    reason, fix = _FIXES.get(exc.errno or 0, (exc.strerror or str(exc), "check it and retry"))
    return PulseError(f"{doing}: {reason}; {fix}")
