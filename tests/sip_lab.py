"""A loopback SIP lab for tests and benchmarks: a real baresip softphone (the agent's phone, driven
over ctrl_tcp) and real SIP callers placed by sipp. Every process listens on 127.0.0.1 only, on
ports picked free at start, and is stopped by the lab."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SCENARIOS = Path(__file__).parent / "sip"
BARESIP_MODULES = Path("/usr/lib/baresip/modules")


def missing_tools() -> str:
    """Why the lab cannot run here, or "" when it can."""
    missing = [tool for tool in ("baresip", "sipp") if shutil.which(tool) is None]
    if missing:
        return (f"{' and '.join(missing)} not installed (Debian packages baresip-core and sip-tester; "
                "./dev test installs them)")
    if not (BARESIP_MODULES / "ctrl_tcp.so").exists():
        return f"baresip's ctrl_tcp module is missing from {BARESIP_MODULES}"
    return ""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PortTaken(Exception):
    pass


def _free(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_ports(count: int) -> list[int]:
    """Ports free for both UDP and TCP, distinct from each other."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(socket.SOCK_DGRAM)
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        if port not in ports:
            ports.append(port)
    return ports


_CONFIG = """\
poll_method epoll
sip_listen 127.0.0.1:{sip_port}
net_interface 127.0.0.1
call_local_timeout 120
call_max_calls 4
audio_player aubridge,spk
audio_source aubridge,mic
audio_alert aubridge,alert
audio_level no
rtp_stats no
rtp_ports {rtp_port}-{rtp_port_end}
module_path {modules}
module g711.so
module aubridge.so
module_tmp uuid.so
module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{ctrl_port}
"""


@dataclass
class Softphone:
    """baresip as the agent's softphone with extension `extension`. No sound card: aubridge stands
    in for the microphone and the speaker."""

    folder: Path
    extension: str = "1001"
    process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 10.0, attempts: int = 3) -> Softphone:
        """Start baresip; a port taken between our check and its bind (exit 98) gets new ports."""
        for attempt in range(attempts):
            try:
                return self._start(timeout_s)
            except PortTaken:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start(self, timeout_s: float) -> Softphone:
        # baresip listens on the SIP port (UDP and TCP) and on the next one (TLS): both must be free
        self.sip_port = next(p for p in iter(lambda: free_ports(1)[0], None) if _free(p + 1))
        self.ctrl_port, rtp = free_ports(2)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "config").write_text(_CONFIG.format(
            sip_port=self.sip_port, ctrl_port=self.ctrl_port, rtp_port=rtp, rtp_port_end=rtp + 1,
            modules=BARESIP_MODULES))
        (self.folder / "accounts").write_text(
            f'"Agent {self.extension}" <sip:{self.extension}@127.0.0.1:{self.sip_port}>;regint=0;'
            "answermode=manual;audio_codecs=pcmu,pcma\n")
        self.log = (self.folder / "baresip.log").open("wb")
        self.process = subprocess.Popen(["baresip", "-4", "-f", str(self.folder)], stdin=subprocess.DEVNULL,
                                         stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:  # ready once ctrl_tcp accepts (it is loaded last)
            if self.process.poll() is not None:
                self.log.close()
                if self.process.returncode == 98:  # EADDRINUSE
                    raise PortTaken()
                raise RuntimeError(f"baresip exited with {self.process.returncode}; see {self.folder / 'baresip.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)  # a child process, not Qt: polling its port is the only way to know
        self.stop()
        raise RuntimeError("baresip did not open ctrl_tcp in time")

    @property
    def control_address(self) -> str:
        return f"127.0.0.1:{self.ctrl_port}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def place_calls(softphone: Softphone, scenario: str, folder: Path, callers: list[tuple[str, str]], *,
                ring_ms: int = 1500, concurrent: int = 1, rate_per_s: float = 10.0,
                trace: bool = False, timeout_s: int = 60) -> subprocess.Popen:
    """Start sipp placing one call per (name, number) to the softphone; returns the running sipp.
    With `trace`, sipp logs every message it sends with its time (folder/sipp_messages.log)."""
    folder.mkdir(parents=True, exist_ok=True)
    callers_file = folder / "callers.csv"
    callers_file.write_text("SEQUENTIAL\n" + "".join(f"{name};{number};\n" for name, number in callers),
                            encoding="utf-8")
    sip_port, media_port = free_ports(2)
    command = ["sipp", "-sf", str(SCENARIOS / scenario), "-inf", str(callers_file), "-s", softphone.extension,
               f"127.0.0.1:{softphone.sip_port}", "-i", "127.0.0.1", "-p", str(sip_port), "-mi", "127.0.0.1",
               "-mp", str(media_port), "-m", str(len(callers)), "-l", str(concurrent), "-r", str(rate_per_s),
               "-d", str(ring_ms), "-timeout", str(timeout_s), "-timeout_error", "-nostdin",
               "-trace_err", "-error_file", str(folder / "sipp_errors.log")]
    if trace:
        command += ["-trace_msg", "-message_file", str(folder / "sipp_messages.log")]
    with (folder / "sipp_stderr.log").open("wb") as stderr:
        return subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=stderr)
