"""The cache at rest: SQLCipher (SQLite whose pages are encrypted, AES-256 with an HMAC per page),
through the `sqlcipher3` binding, with a 32-byte random key that lives in the OS keyring only.

Connections made here behave as the standard library's: they raise `sqlite3`'s own exceptions
(with `sqlite_errorcode`), so that the rest of the workstation, which catches `sqlite3.Error`,
does not know which SQLite library is underneath. The key is given raw (no passphrase
derivation: it is random already), so opening a connection costs no more than with SQLite.

A cache and the files SQLite makes beside it (-wal, -shm, -journal: SQLite gives them the mode of
the database file) are readable by their user only (0600), in a folder only its user can enter
(0700).
"""
from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from sqlcipher3 import dbapi2 as _sqlcipher

KEY_BYTES = 32
Row = _sqlcipher.Row
sqlite_version = _sqlcipher.sqlite_version
_MAGIC = b"SQLite format 3\x00"
_NOT_A_DATABASE = 26  # SQLITE_NOTADB: what SQLCipher answers for a wrong key


class KeyRejected(sqlite3.DatabaseError):
    """The key does not open this cache file: another key encrypted it (its key was lost, or it
    was copied from another user or computer), or its first page is damaged; the two cannot be told
    apart."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"the key does not open the cache {Path(path).name}: {detail}")
        self.path = Path(path)
        self.sqlite_errorcode = _NOT_A_DATABASE
        self.sqlite_errorname = "SQLITE_NOTADB"


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _translated(exc: _sqlcipher.Error) -> sqlite3.Error:
    """The standard library's exception of the same kind and code."""
    kind = getattr(sqlite3, type(exc).__name__, None)
    if not (isinstance(kind, type) and issubclass(kind, sqlite3.Error)):
        kind = sqlite3.DatabaseError
    same = kind(*exc.args)
    same.sqlite_errorcode = getattr(exc, "sqlite_errorcode", None)
    same.sqlite_errorname = getattr(exc, "sqlite_errorname", None)
    return same


class Cursor(_sqlcipher.Cursor):
    def execute(self, *args, **kwargs) -> Cursor:  # noqa: ANN002, ANN003
        try:
            return super().execute(*args, **kwargs)
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def executemany(self, *args, **kwargs) -> Cursor:  # noqa: ANN002, ANN003
        try:
            return super().executemany(*args, **kwargs)
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def executescript(self, *args, **kwargs) -> Cursor:  # noqa: ANN002, ANN003
        try:
            return super().executescript(*args, **kwargs)
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def __next__(self):  # noqa: ANN204
        try:
            return super().__next__()
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def fetchone(self):  # noqa: ANN201
        try:
            return super().fetchone()
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def fetchmany(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        try:
            return super().fetchmany(*args, **kwargs)
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def fetchall(self):  # noqa: ANN201
        try:
            return super().fetchall()
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc


class Connection(_sqlcipher.Connection):
    """An SQLCipher connection that raises the standard library's sqlite3 exceptions."""

    def cursor(self, factory: type = Cursor) -> Cursor:  # execute() and friends make theirs here
        try:
            return super().cursor(factory)
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def executescript(self, *args, **kwargs) -> Cursor:  # noqa: ANN002, ANN003
        try:
            return super().executescript(*args, **kwargs)
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def commit(self) -> None:
        try:
            super().commit()
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def rollback(self) -> None:
        try:
            super().rollback()
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc

    def close(self) -> None:
        try:
            super().close()
        except _sqlcipher.Error as exc:
            raise _translated(exc) from exc


def connect(path: Path | str, key: bytes | None, *, factory: type[Connection] = Connection,
            uri: bool = False, **kwargs) -> Connection:
    """A connection to the cache `path` (made 0600 when it does not exist yet) with `key` set
    first; None: a plaintext file. A wrong key is only found at the first read (see `probe`)."""
    if not uri:
        private_file(Path(path))
    try:
        conn = _sqlcipher.connect(str(path), factory=factory, uri=uri, **kwargs)
    except _sqlcipher.Error as exc:
        raise _translated(exc) from exc
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our error to report, not stderr's
        if key is not None:
            if len(key) != KEY_BYTES:
                raise ValueError(f"a cache key has {KEY_BYTES} bytes")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    except BaseException:
        conn.close()
        raise
    return conn


def probe(conn: sqlite3.Connection, path: Path) -> None:
    """Read the schema: raises KeyRejected when the key (or its absence) does not open the file."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == _NOT_A_DATABASE:
            raise KeyRejected(path, str(exc)) from exc
        raise


def is_plaintext(path: Path) -> bool:
    """An SQLite file as the standard library writes it (a cache from before encryption)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_MAGIC)) == _MAGIC
    except FileNotFoundError:
        return False


def encrypt(path: Path, key: bytes) -> None:
    """Turn a plaintext cache into an encrypted one in place: everything (schema, rows, full-text
    index, user_version) is exported into a new file, which then replaces it. A crash before the
    replacement leaves the plaintext cache as it was (the export is made again at the next open);
    after it, the encrypted one. Raises sqlite3.DatabaseError when the plaintext file is damaged
    (the caller rescues it as any damaged cache)."""
    target = path.with_name(path.name + ".encrypting")
    for suffix in ("", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    private_file(target)
    conn = connect(path, None, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(target), f"x'{key.hex()}'"))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA encrypted.user_version = {int(version):d}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()  # the last connection folds the WAL back and removes -wal and -shm
    check = connect(target, key)
    try:
        probe(check, target)
    finally:
        check.close()
    _fsync(target)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(target, path)
    _fsync_folder(path.parent)


def private_folder(folder: Path) -> None:
    """Make the folder (and its parents) and let only its user in."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(folder, 0o700)


def private_file(path: Path) -> None:
    """Create the file empty with mode 0600, or bring an existing one (and its -wal, -shm) to 0600:
    SQLite gives the files it makes beside a database the database file's mode."""
    if os.name != "posix":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.chmod(f"{path}{suffix}", 0o600)
        except FileNotFoundError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    if os.name == "posix":
        _fsync(folder)
