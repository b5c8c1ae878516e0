"""The platform's address: https anywhere, plain http only to this machine unless a test lab allows it."""
from __future__ import annotations

import pytest

from workstation.platform_client import InsecureAddress, PlatformClient, check_address


@pytest.mark.parametrize("address", ["https://hotline.example.gov.cn", "https://10.1.2.3:8443",
                                     "http://127.0.0.1:8345", "http://localhost:8345", "http://[::1]:8345",
                                     "http://127.8.9.10"])
def test_https_anywhere_and_plain_http_on_this_machine_are_taken(address: str) -> None:
    check_address(address, allow_plain_http=False)


@pytest.mark.parametrize("address", ["http://10.1.2.3:8345", "http://hotline.example.gov.cn",
                                     "http://localhost.example.com", "ftp://127.0.0.1", "hotline:8345", "",
                                     "https://"])
def test_plain_http_elsewhere_and_non_addresses_are_refused(address: str) -> None:
    with pytest.raises(InsecureAddress):
        check_address(address, allow_plain_http=False)


def test_a_test_lab_may_allow_plain_http_by_setting_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    check_address("http://10.1.2.3:8345", allow_plain_http=True)
    monkeypatch.setenv("HOTLINE_ALLOW_PLAIN_HTTP", "1")
    check_address("http://10.1.2.3:8345")
    monkeypatch.setenv("HOTLINE_ALLOW_PLAIN_HTTP", "0")
    with pytest.raises(InsecureAddress):
        PlatformClient("http://10.1.2.3:8345")
