"""Reading input files and writing output files without surprises.

Reading: only regular files are read, and never past a size limit. A FIFO would
block a reader forever and a device (``/dev/zero``, or a symlink to it) would
be read until memory runs out; checking the size with ``stat`` and then reading
the whole file is not enough, because a device reports size 0 and a file can
grow between the two calls. So the file is opened without blocking, checked
with ``fstat`` on the open descriptor (the same file that will be read, so a
swap in between does not matter), and read in chunks up to the limit.

Writing (``-o FILE``): an existing file is replaced only when asked (``--force``),
never written through a symbolic link (the link itself is replaced), and a
missing folder or a path under a regular file is a clear error, not a traceback.
The new content goes to a temporary file in the same folder first and is renamed
into place, so an interrupted write leaves the old file or the new one.

This module imports nothing from the rest of the program.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class UnsafeInput(Exception):
    """A file that must not be read: not a regular file, or too large. ``str()`` says why."""


class UnsafeOutput(Exception):
    """An output path that cannot or must not be written. ``str()`` says why, naming the path."""


def file_kind(mode: int) -> str:
    """A file type as a person reads it."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def read_limited(path: str | os.PathLike[str], limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises :class:`UnsafeInput` (not a regular file, larger than ``limit``) or
    ``OSError`` (cannot open or read). A symbolic link is followed, and what it
    points at must itself be a regular file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeInput(f"is {file_kind(st.st_mode)}, not a regular file: only regular files are read")
        if st.st_size > limit:
            raise UnsafeInput(_too_large(st.st_size, limit, what))
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew after fstat (or reports a wrong size)
                raise UnsafeInput(_too_large(total, limit, what, grew=True))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_head(path: str | os.PathLike[str], size: int) -> bytes:
    """The first ``size`` bytes of a regular file (less if it is shorter). Raises UnsafeInput or OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeInput(f"is {file_kind(st.st_mode)}, not a regular file: only regular files are read")
        chunks: list[bytes] = []
        total = 0
        while total < size:
            chunk = os.read(fd, size - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int, limit: int, what: str, grew: bool = False) -> str:
    more = "more than " if grew else ""
    return f"{what} is too large ({more}{size:,} bytes; the limit is {limit:,})"


def check_output(path: str, force: bool = False) -> Path:
    """Check that ``path`` may be written, and return it. Raises :class:`UnsafeOutput`.

    Refused: an empty path; a folder; an existing file or symbolic link unless
    ``force``; a path whose folder is missing or is a regular file.
    """
    if not path or not path.strip():
        raise UnsafeOutput("the output path is empty: give a file name")
    p = Path(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise UnsafeOutput(_parent_problem(p)) from None
    except OSError as exc:
        raise UnsafeOutput(f"{path}: cannot write here: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise UnsafeOutput(f"{path}: is a folder: give a file name inside it")
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(p)
            dangling = not p.exists()
            if not force:
                what = f"a symbolic link to {target}" + (", which does not exist" if dangling else "")
                raise UnsafeOutput(f"{path}: is {what}; not written through it "
                                   "(give the real path, or --force to replace the link itself with the file)")
        elif not stat.S_ISREG(st.st_mode):
            raise UnsafeOutput(f"{path}: is {file_kind(st.st_mode)}: only a regular file can be written")
        elif not force:
            raise UnsafeOutput(f"{path}: already exists; not overwritten (use --force to replace it)")
    problem = _parent_problem(p)
    if problem:
        raise UnsafeOutput(problem)
    return p


def _parent_problem(p: Path) -> str:
    """Why the folder of ``p`` cannot hold a new file ('' if it can)."""
    parent = p.parent if str(p.parent) else Path(".")
    for anc in [parent, *parent.parents]:
        try:
            st = os.stat(anc)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            continue
        except OSError as exc:
            return f"{p}: cannot write in {anc}: {exc.strerror or exc}"
        if not stat.S_ISDIR(st.st_mode):
            return f"{p}: {anc} is a file, not a folder"
        if anc != parent:
            return f"{p}: the folder {parent} does not exist (create it first)"
        return ""
    return f"{p}: the folder {parent} does not exist (create it first)"


def write_output(path: str, data: str | bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` after :func:`check_output`, atomically (temp file + rename).

    Without ``force`` the final step refuses to replace a file that appeared meanwhile
    (a hard link, which fails if the name is taken); with it, ``os.replace`` swaps
    the name, so a symbolic link there is replaced, never followed.
    """
    p = check_output(path, force)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    folder = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UnsafeOutput(f"{path}: cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            os.replace(tmp, p)
        else:
            try:
                os.link(tmp, p)
            except FileExistsError:
                raise UnsafeOutput(f"{path}: already exists; not overwritten (use --force to replace it)") from None
            except OSError:  # a file system without hard links: exclusive create instead
                with open(p, "xb") as out:
                    out.write(raw)
            os.unlink(tmp)
    except UnsafeOutput:
        _unlink(tmp)
        raise
    except OSError as exc:
        _unlink(tmp)
        raise UnsafeOutput(f"{path}: cannot write: {exc.strerror or exc}") from None
    return p


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
