"""The workstation as it ships: `pyinstaller build.spec` builds a bundle, and the bundle, started
offscreen against the real platform on loopback, signs in, opens its cache, syncs and finds a
knowledge entry by its pinyin initials (`--self-test`, ui/self_test.py).

The bundle is built once per test session into a temporary folder (45-75 s on two busy cores).
The same self-test also runs from the source tree, so that a break in the self-test itself shows
without a build.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.seed import DEMO_PASSWORD
from central.server import ThreadedPlatform

ROOT = Path(__file__).resolve().parents[1]
NAME = "hotline-workstation"
ENTRY = {"id": "kb-frozen-1", "title": "住房公积金提取需要哪些材料？",
         "answer": "您好，提取住房公积金需要身份证、银行卡和购房合同。", "category_path": ["住房与物业", "住房公积金", "提取"],
         "source_department": "市住房公积金管理中心", "policy_basis": "《住房公积金管理条例》第二十四条",
         "keywords": ["公积金提取"], "valid_from": "2024-01-01", "valid_to": None, "version": 1, "status": "published"}
QUERY = "gjjtq"  # 公积金提取 by its pinyin initials: the bundle must carry the pinyin table


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The frozen workstation's executable, built from build.spec."""
    folder = tmp_path_factory.mktemp("pyinstaller")
    log = folder / "build.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        built = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(folder / "dist"),
                                "--workpath", str(folder / "build"), str(ROOT / "build.spec")],
                               cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
    assert built.returncode == 0, f"pyinstaller build.spec failed:\n{tail}"
    executable = folder / "dist" / NAME / NAME
    size = sum(p.lstat().st_size for p in executable.parent.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nbundle built in {time.monotonic() - started:.0f} s, {size / 2**20:.0f} MiB")
    return executable


@pytest.fixture
def loopback_platform(platform: ThreadedPlatform, sign_in) -> Iterator[str]:  # noqa: ANN001
    """The platform with one knowledge entry for the seat to sync and find."""
    r = sign_in("admin").post("/api/v1/kb/import", content=json.dumps(ENTRY, ensure_ascii=False).encode())
    assert r.status_code == 200, r.text
    yield platform.url


def _environment(home: Path, **extra: str) -> dict[str, str]:
    """A user with nothing saved yet: settings, cache and log in `home`."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"), "HOTLINE_USER": "agent", "HOTLINE_PASSWORD": DEMO_PASSWORD, **extra}


def _self_test(command: list[str], url: str, env: dict[str, str]) -> dict:
    run = subprocess.run([*command, "--platform", url, "--self-test", QUERY], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    lines = run.stdout.strip().splitlines()
    assert lines, f"no report (exit code {run.returncode}):\n{run.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert run.returncode == 0 and report["ok"], f"{report}\n{run.stderr[-3000:]}"
    assert DEMO_PASSWORD not in run.stdout + run.stderr
    return report


def _check(report: dict, *, frozen: bool) -> None:
    assert report["frozen"] is frozen
    assert report["signed_in"] == "agent"
    assert report["title"] == "12345 热线座席工作台"  # the zh_CN translation was loaded
    # the entry was imported before the seat signed in: only the first sync brings it into the cache
    assert report["kb_hits"] >= 1 and report["kb_first"] == ENTRY["title"]
    assert report["synced_cursor"] is None or report["synced_cursor"] > 0
    assert report["phone"]["province"] and report["phone"]["carrier"]


def _no_password_in_files(home: Path) -> None:
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "workstation.log" for p in files)
    assert not any(DEMO_PASSWORD.encode() in p.read_bytes() for p in files)


def _keyring_here(env: dict[str, str]) -> bool:
    """Whether the workstation run from source finds a usable keyring in this environment."""
    out = subprocess.run([sys.executable, "-c", "from workstation.credentials import Credentials; "
                          "print(Credentials().available)"], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    return out.stdout.strip() == "True"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_self_test_runs_from_source(loopback_platform: str, tmp_path: Path) -> None:
    env = _environment(tmp_path)
    _check(_self_test([sys.executable, "-m", "ui.app"], loopback_platform, env), frozen=False)
    _no_password_in_files(tmp_path)


@pytest.mark.slow
@pytest.mark.timeout(900)  # the build (a session fixture) counts towards the first test using it
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_bundle_signs_in_syncs_and_searches(bundle: Path, loopback_platform: str, tmp_path: Path) -> None:
    env = _environment(tmp_path / "with-keyring")
    report = _self_test([str(bundle)], loopback_platform, env)
    _check(report, frozen=True)
    assert report["keyring"] is _keyring_here(env)  # the bundle found the keyring backends the source finds
    assert report["token_kept"] is report["keyring"]
    _no_password_in_files(tmp_path / "with-keyring")
    # a seat with no Secret Service still signs in; the password is asked each time
    env = _environment(tmp_path / "no-keyring", DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    report = _self_test([str(bundle)], loopback_platform, env)
    _check(report, frozen=True)
    assert report["keyring"] is False and report["token_kept"] is False
    _no_password_in_files(tmp_path / "no-keyring")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_bundle_refuses_demo_with_a_clear_message(bundle: Path, tmp_path: Path) -> None:
    run = subprocess.run([str(bundle), "--demo"], env=_environment(tmp_path), capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 2
    assert "安装版工作台不包含" in run.stderr and "./dev demo" in run.stderr
    help_text = subprocess.run([str(bundle), "--help"], env=_environment(tmp_path), capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL, check=True).stdout
    assert "--platform" in help_text and "--demo" not in help_text
