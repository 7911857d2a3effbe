"""A stand-in for DNS, so no test looks a name up on the internet: names resolve to the addresses a
test gives them; IP literals and ``localhost`` resolve as usual; any other name does not exist."""

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_getaddrinfo = socket.getaddrinfo


class FakeDNS:
    """``names[host]`` is the list of addresses ``host`` resolves to; ``lookups`` records each name asked."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def getaddrinfo(self, host: str | bytes, port: int | str | None, *args: Any, **kwargs: Any) -> list:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
            return _real_getaddrinfo(host, port, *args, **kwargs)
        except ValueError:
            pass
        if name == "localhost":
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups.append(name)
        addresses = self.names.get(name.lower().rstrip("."))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0)),
            )
            for address in addresses
        ]


# Public addresses of the real push services, as their names resolved from Europe (December 2026).
PUSH_SERVICE_ADDRESSES = {
    "fcm.googleapis.com": ["142.250.185.106", "2a00:1450:4001:82b::200a"],
    "updates.push.services.mozilla.com": ["34.117.65.55"],
    "wns2-par02p.notify.windows.com": ["20.199.120.182"],
    "web.push.apple.com": ["17.188.182.10"],
}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDNS]:
    """Replace ``socket.getaddrinfo`` for the test, with the real push services' names known."""
    dns = FakeDNS()
    dns.names.update({name: list(addresses) for name, addresses in PUSH_SERVICE_ADDRESSES.items()})
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    yield dns
