"""The refresh token in the OS keyring, and nowhere else; so is each cache's key (32 random bytes,
hex, under the name `cache:<cache file path>`).

Where the machine has no keyring (a bare server, a kiosk without a desktop session) the seat says so
and the agent types the password at each sign-in: the token is never written to a file. File-based
backends (keyrings.alt) are refused for the same reason."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "hotline-workstation"
CACHE_KEY_BYTES = 32


class KeyringFailed(Exception):
    """The keyring is there but did not answer (locked, its service gone)."""


def _stores_in_files(backend: KeyringBackend) -> bool:
    return type(backend).__module__.startswith("keyrings.alt")


def _keyring_error() -> type[Exception]:
    import keyring.errors

    return keyring.errors.KeyringError


class Credentials:
    """The OS keyring is found on first use, not at start-up: finding it loads every backend the
    keyring library knows (about 0.2 s), and the main window need not wait for that."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._chosen = backend

    @property
    def _backend(self) -> KeyringBackend:
        if self._chosen is None:
            import keyring

            self._chosen = keyring.get_keyring()
        return self._chosen

    async def find(self) -> bool:
        """Whether a keyring is usable, found on a worker thread so the window stays live meanwhile."""
        if self._chosen is None:
            await asyncio.to_thread(lambda: self._backend)
        return self.available

    @property
    def found(self) -> bool:
        """Whether the keyring has been looked for already (`available` answers without waiting)."""
        return self._chosen is not None

    @property
    def available(self) -> bool:
        backend = self._backend
        usable = getattr(backend, "priority", 0) > 0 and not _stores_in_files(backend)
        return usable and type(backend).__module__ != "keyring.backends.fail"

    @staticmethod
    def _key(address: str, username: str) -> str:
        return f"{username}@{address}"

    def load(self, address: str, username: str) -> str | None:
        if not self.available:
            return None
        try:
            return self._backend.get_password(SERVICE, self._key(address, username))
        except _keyring_error() as exc:
            log.warning("keyring read failed: %s", type(exc).__name__)
            return None

    def save(self, address: str, username: str, refresh_token: str) -> bool:
        if not self.available:
            return False
        try:
            self._backend.set_password(SERVICE, self._key(address, username), refresh_token)
        except _keyring_error() as exc:
            log.warning("keyring write failed: %s", type(exc).__name__)
            return False
        return True

    def forget(self, address: str, username: str) -> None:
        if not self.available:
            return
        try:
            self._backend.delete_password(SERVICE, self._key(address, username))
        except _keyring_error():
            pass  # nothing stored: nothing to forget

    # -- the caches' keys ----------------------------------------------------------------------

    @staticmethod
    def _cache_key_name(cache: Path) -> str:
        return f"cache:{Path(cache).resolve()}"

    def load_cache_key(self, cache: Path) -> bytes | None:
        """The key of the cache file `cache`; None when none is kept (or no keyring). Raises
        KeyringFailed when the keyring did not answer: the key may be there, nothing may be assumed."""
        if not self.available:
            return None
        try:
            value = self._backend.get_password(SERVICE, self._cache_key_name(cache))
        except _keyring_error() as exc:
            raise KeyringFailed(type(exc).__name__) from exc
        if value is None:
            return None
        try:
            key = bytes.fromhex(value)
        except ValueError:
            key = b""
        if len(key) != CACHE_KEY_BYTES:
            log.warning("the keyring's cache key is not %d bytes: ignored", CACHE_KEY_BYTES)
            return None
        return key

    def save_cache_key(self, cache: Path, key: bytes) -> bool:
        if not self.available:
            return False
        try:
            self._backend.set_password(SERVICE, self._cache_key_name(cache), key.hex())
        except _keyring_error() as exc:
            log.warning("keyring write failed: %s", type(exc).__name__)
            return False
        return True

    def forget_cache_key(self, cache: Path) -> None:
        if not self.available:
            return
        try:
            self._backend.delete_password(SERVICE, self._cache_key_name(cache))
        except _keyring_error():
            pass  # nothing stored: nothing to forget
