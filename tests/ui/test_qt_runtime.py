"""The Qt binding under the event loop survives a long shift: PySide6 6.12.0 over-released the
return values of Python slots, so a qasync loop died ("deallocating None") after some 10,000
callbacks. Run in a child process: the failure is a crash of the interpreter."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import asyncio, sys
    import qasync
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication

    app = QApplication([])

    class Source(QObject):
        fired = Signal(object)

    source = Source()
    source.fired.connect(lambda value: None)
    for _ in range(30000):
        source.fired.emit(None)

    async def many_callbacks():
        for _ in range(30000):
            await asyncio.sleep(0)

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(many_callbacks())
    print("survived")
""")


def test_a_long_run_of_slots_and_loop_callbacks_does_not_crash():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0 and "survived" in result.stdout, result.stderr[-2000:]
