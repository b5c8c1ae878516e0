"""A minimal signal for the client core, which has no Qt: the UI re-emits these as Qt signals so
that its handlers run on the GUI thread.

A bound method is held weakly: a listener nobody else keeps is collected (and forgotten) rather
than kept alive by the service it listens to. Plain functions and lambdas are held as they are.
A listener that raises is logged and the others still run: one broken listener must not stop the
service that emits (psygnal, which we looked at, stops at the first and raises into the emitter).

Whoever listens to several signals keeps a `Subscriptions` and undoes them all with one `close()`;
disconnecting twice, or a slot never connected, is harmless.
"""
from __future__ import annotations

import logging
import types
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Slot = Callable[..., Any]


class _Ref:
    """A slot, weakly when it is a bound method."""

    __slots__ = ("_strong", "_weak")

    def __init__(self, slot: Slot) -> None:
        self._strong: Slot | None = None
        self._weak: weakref.WeakMethod | None = None
        if isinstance(slot, types.MethodType):
            try:
                self._weak = weakref.WeakMethod(slot)
                return
            except TypeError:  # its object takes no weak references
                pass
        self._strong = slot

    def __call__(self) -> Slot | None:
        return self._weak() if self._weak is not None else self._strong

    def is_(self, slot: Slot) -> bool:
        live = self()
        return live is not None and (live is slot or live == slot)


class Signal:
    def __init__(self, name: str) -> None:
        self.name = name
        self._slots: list[_Ref] = []

    def connect(self, slot: Slot) -> None:
        self._slots.append(_Ref(slot))

    def disconnect(self, slot: Slot) -> None:
        """Forget the slot (its first connection); nothing happens when it is not connected."""
        for i, ref in enumerate(self._slots):
            if ref.is_(slot):
                del self._slots[i]
                return

    def connected(self, slot: Slot) -> bool:
        return any(ref.is_(slot) for ref in self._slots)

    def __len__(self) -> int:
        """How many live listeners there are."""
        return sum(1 for ref in self._slots if ref() is not None)

    def emit(self, *args: Any) -> None:
        dead = False
        for ref in list(self._slots):
            slot = ref()
            if slot is None:
                dead = True
                continue
            try:
                slot(*args)
            except Exception:  # one broken listener must not stop the service that emits
                log.exception("listener of %s failed", self.name)
        if dead:
            self._slots = [ref for ref in self._slots if ref() is not None]


class Subscriptions:
    """The connections one listener made, undone together by `close()` (which may run twice)."""

    def __init__(self) -> None:
        self._pairs: list[tuple[Signal, Slot]] = []

    def connect(self, signal: Signal, slot: Slot) -> None:
        signal.connect(slot)
        self._pairs.append((signal, slot))

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def close(self) -> None:
        pairs, self._pairs = self._pairs, []
        for signal, slot in reversed(pairs):
            signal.disconnect(slot)
