"""The core's signals: a broken listener does not stop the others, a forgotten listener is not kept
alive, and subscriptions are undone by one close() that may run twice."""
from __future__ import annotations

import gc
import logging

import pytest

from workstation.observable import Signal, Subscriptions


class Listener:
    def __init__(self) -> None:
        self.heard: list[object] = []

    def hear(self, value: object) -> None:
        self.heard.append(value)


def test_a_broken_listener_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    signal, heard = Signal("s"), []
    signal.connect(lambda _v: 1 / 0)
    signal.connect(heard.append)
    with caplog.at_level(logging.ERROR, "workstation.observable"):
        signal.emit(1)
    assert heard == [1] and "listener of s failed" in caplog.text


def test_disconnecting_twice_or_before_connecting_is_harmless() -> None:
    signal, listener = Signal("s"), Listener()
    signal.disconnect(listener.hear)  # never connected
    signal.connect(listener.hear)
    assert signal.connected(listener.hear)
    signal.disconnect(listener.hear)
    signal.disconnect(listener.hear)
    signal.emit(1)
    assert listener.heard == [] and len(signal) == 0


def test_a_forgotten_listener_is_not_kept_alive_by_the_signal() -> None:
    signal, listener = Signal("s"), Listener()
    signal.connect(listener.hear)
    signal.emit(1)
    assert listener.heard == [1]
    del listener
    gc.collect()
    assert len(signal) == 0
    signal.emit(2)  # nothing left to call, and no error


def test_functions_and_lambdas_are_held_as_they_are() -> None:
    signal, heard = Signal("s"), []
    signal.connect(lambda v: heard.append(v))
    gc.collect()
    signal.emit(1)
    assert heard == [1]


def test_subscriptions_are_undone_by_one_close_that_may_run_twice() -> None:
    a, b, listener, subs = Signal("a"), Signal("b"), Listener(), Subscriptions()
    subs.connect(a, listener.hear)
    subs.connect(b, listener.hear)
    a.emit(1)
    b.emit(2)
    subs.close()
    subs.close()
    a.emit(3)
    b.emit(4)
    assert listener.heard == [1, 2] and not subs
