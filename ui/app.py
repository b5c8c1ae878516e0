"""`hotline-workstation`: start-up, shutdown and the process-wide pieces (logging, translation,
font, crash hook). Start-up order: arguments, logging, QApplication, translation, font, event loop,
main window, then the platform (demo or address)."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import socket
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

import platformdirs
import qasync
from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QSettings,
    QSize,
    Qt,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

import resources.i18n
from ui import self_test
from ui.main_window import LAST_ADDRESS_KEY, LAST_USER_KEY, MainWindow
from ui.settings import load_telephony, save_telephony
from workstation.calls import AgentState
from workstation.demo import DEMO_PASSWORD, DEMO_USERNAME, DemoPlatform, DemoPlatformError
from workstation.platform_client import InsecureAddress, PlatformClient, check_address
from workstation.telephony.settings import Adapter, BadTelephonySettings

log = logging.getLogger(__name__)

APP_NAME = "hotline-workstation"
ORGANIZATION = "hotline12345"
LANGUAGE_KEY = "ui/language"  # str, "zh_CN" (default) or "en": the language of the user interface
LANGUAGES = ("zh_CN", "en")
SCREENSHOT_SIZE = QSize(1280, 800)
CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Micro Hei")  # Noto first: it has Simplified glyph forms
# An installed (PyInstaller) workstation carries no reference platform, so it offers no --demo.
FROZEN = bool(getattr(sys, "frozen", False))
NO_DEMO_WHEN_FROZEN = ("--demo 需要参考平台，安装版工作台不包含它：请用 --platform 地址 连接平台，"
                       "或在源代码目录中运行 ./dev demo。 / --demo runs the reference platform, which the "
                       "installed workstation does not include: connect with --platform URL, or run "
                       "./dev demo in a source checkout.")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=APP_NAME, description="The 12345 hotline agent workstation.")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--demo", action="store_true",
                       help=argparse.SUPPRESS if FROZEN else
                       "run the reference platform locally with demo data and sign in as the demo agent")
    where.add_argument("--platform", metavar="URL", help="address of the central platform, e.g. http://host:8345")
    p.add_argument("--lang", choices=LANGUAGES, default=None,
                   help=f"interface language for this run (default: the saved setting {LANGUAGE_KEY}, else zh_CN)")
    p.add_argument("--screenshot", metavar="PATH", type=Path,
                   help="render the main window to a PNG after start-up and exit")
    phone = p.add_argument_group("telephony (saved for the next runs)")
    phone.add_argument("--telephony", choices=[str(a) for a in Adapter],
                       help="where calls come from: the platform (default), a local baresip softphone over "
                            "ctrl_tcp, or a FreeSWITCH event socket")
    phone.add_argument("--phone-address", metavar="HOST:PORT",
                       help="the softphone's ctrl_tcp (default 127.0.0.1:4444) or the event socket "
                            "(default 127.0.0.1:8021); the event socket's password is read from the keyring")
    phone.add_argument("--extension", metavar="NUMBER", help="the agent's extension on the switch")
    phone.add_argument("--callcenter-agent", metavar="NAME", help="the agent's mod_callcenter name, e.g. 1001@default")
    p.add_argument("--ready-probe", action="store_true", help=argparse.SUPPRESS)  # benchmarks.startup
    p.add_argument("--self-test", metavar="QUERY", help=argparse.SUPPRESS)  # ui/self_test.py
    return p


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return round(kb / 1024, 1)


def _setup_logging() -> Path:
    folder = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "workstation.log"
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    qt_log = logging.getLogger("qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING}
    qInstallMessageHandler(lambda kind, _ctx, message: qt_log.log(levels.get(kind, logging.ERROR), "%s", message))
    return path


def install_translators(app: QApplication, language: str) -> list[QTranslator]:
    """English is the source language: no translator. The translators are children of `app`, so
    they live as long as it does."""
    if language == "en":
        return []
    translators = []
    ours = QTranslator(app)
    if ours.load(f"hotline_{language}", str(Path(resources.i18n.__file__).parent)):
        translators.append(ours)
    else:
        log.warning("no translation for %s; the interface stays in English", language)
    qt_own = QTranslator(app)  # Qt's standard buttons and dialogs
    if qt_own.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        translators.append(qt_own)
    for translator in translators:
        app.installTranslator(translator)
    return translators


def use_cjk_font(app: QApplication) -> None:
    families = set(QFontDatabase.families())
    for name in CJK_FONTS:
        if name in families:
            font = app.font()
            font.setFamily(name)
            app.setFont(font)
            return
    log.warning("no CJK font found (%s); Chinese may render as boxes", ", ".join(CJK_FONTS))


class CrashReporter:
    """sys.excepthook: log every unhandled exception; show one dialog per run, not one per error."""

    def __init__(self, log_path: Path) -> None:
        self.log_path, self.shown = log_path, False
        self.dialog: QMessageBox | None = None  # a reference keeps the non-modal box alive

    def __call__(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("unhandled exception", exc_info=(kind, exc, tb))
        if self.shown or QApplication.instance() is None:
            return
        self.shown = True
        text = QCoreApplication.translate("app", "An unexpected error occurred. Please save your work and restart "
                                                 "the workstation.\nDetails are in the log file:\n{path}")
        box = QMessageBox(QMessageBox.Icon.Critical, QCoreApplication.translate("app", "Workstation error"),
                          text.format(path=self.log_path))
        box.setDetailedText("".join(traceback.format_exception(kind, exc, tb)))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.show()  # not exec(): a nested loop inside the asyncio loop would re-enter running tasks

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        if exc is None:
            log.error("event loop: %s", context.get("message"))
        else:
            self(type(exc), exc, exc.__traceback__)


async def _start_platform(window: MainWindow, args: argparse.Namespace, demo: DemoPlatform | None) -> bool:
    """Connect the window to its platform. False when the demo platform did not start."""
    if demo is not None:
        window.set_link_message(QCoreApplication.translate("app", "Starting the demo platform…"))
        try:
            await demo.start()
        except DemoPlatformError as exc:
            log.error("%s", exc)
            window.set_link_message(QCoreApplication.translate(
                "app", "The demo platform did not start; see the log file"), error=True)
            return False
        window.set_client(PlatformClient(demo.url))
        await window.sign_in(DEMO_USERNAME, DEMO_PASSWORD)
        if window.seat_session is not None:  # the demo agent takes calls at once
            await window.call_bar.change_state(AgentState.ready)
    else:
        if args.platform:
            window.set_client(PlatformClient(args.platform))
            await window.check_platform()
        address = args.platform or str(QSettings().value(LAST_ADDRESS_KEY, ""))
        username = str(QSettings().value(LAST_USER_KEY, ""))
        if not (address and await window.resume(address, username)):
            window.show_sign_in(address, username)
    return True


async def _run(args: argparse.Namespace) -> int:
    window = MainWindow(seat=socket.gethostname())
    closed = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.show()
    if args.self_test is not None:
        return await self_test.run(window, args.platform, args.self_test)
    demo = DemoPlatform(departments=True) if args.demo else None
    start = asyncio.ensure_future(_start_platform(window, args, demo))
    try:
        await asyncio.wait([start, closed], return_when=asyncio.FIRST_COMPLETED)
        if not start.done():  # closed during start-up: stop waiting for the platform
            start.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await start
            return 0
        started = start.result()
        if args.ready_probe:
            await asyncio.sleep(0)  # the window has been laid out and painted once
            print(json.dumps({"ready": True, "rss_mb": _rss_mb()}), flush=True)
            window.close()
            return 0
        if args.screenshot is not None:
            window.resize(SCREENSHOT_SIZE)  # the same picture whatever the screen or saved geometry
            await asyncio.sleep(0)  # let pending layout and paint events run
            saved = window.grab().save(str(args.screenshot), "PNG")
            window.close()
            return 0 if saved and started else 1
        await closed
        return 0
    finally:
        await window.shutdown()
        if window.client is not None:
            await window.client.close()
        if demo is not None:
            demo.stop()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.demo and FROZEN:
        parser.error(NO_DEMO_WHEN_FROZEN)
    if args.self_test is not None and not args.platform:
        parser.error("--self-test needs --platform URL")
    if args.platform:
        try:
            check_address(args.platform)
        except InsecureAddress as exc:
            parser.error(f"--platform: {exc}")
    log_path = _setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)  # the event loop ends when _run returns, not before
    language = args.lang or str(QSettings().value(LANGUAGE_KEY, "zh_CN"))
    install_translators(app, language if language in LANGUAGES else "zh_CN")
    use_cjk_font(app)
    if args.telephony or args.phone_address or args.extension or args.callcenter_agent:
        saved = load_telephony()
        try:
            adapter = args.telephony or saved.adapter
            save_telephony(adapter, args.phone_address or (saved.address if adapter == saved.adapter else ""),
                           args.extension if args.extension is not None else saved.extension,
                           args.callcenter_agent if args.callcenter_agent is not None else saved.agent)
        except BadTelephonySettings as exc:
            print(f"{APP_NAME}: {exc}", file=sys.stderr)
            return 2
    reporter = CrashReporter(log_path)
    sys.excepthook = reporter
    log.info("start-up: language %s, %s", language, "demo" if args.demo else (args.platform or "no platform"))
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.get_loop().set_exception_handler(reporter.loop_handler)
        code = runner.run(_run(args))
    log.info("shut down with exit code %s", code)
    return code


if __name__ == "__main__":
    sys.exit(main())
