"""Which Web Push subscriptions the server may push to.

An endpoint is a URL the patient's browser hands us, so it is hostile input: the server only POSTs to
``https://`` endpoints, without user info, on a browser's push service (``PUSH_SERVICE_HOSTS``), whose
every address is a public one. The check runs when a subscription is stored and again before each
push (DNS can change). The keys must be what a browser makes: a P-256 public key and a 16-byte secret.
"""

import base64
import binascii
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext as _

# RFC 8291: the browser's key is an uncompressed P-256 point, its auth secret 16 random bytes.
P256_UNCOMPRESSED_POINT_BYTES = 65
AUTH_SECRET_BYTES = 16
# NAT64 (RFC 6052) addresses carry an IPv4 address that a NAT64 gateway would reach.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")

BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def host_is_push_service(host: str, patterns: list[str]) -> bool:
    """Return whether ``host`` is one of ``patterns``: an exact name, or ``*.name`` for any
    subdomain of name (never name itself, nor a name that merely ends in the same letters)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            suffix = pattern[1:]  # ".notify.windows.com": the dot keeps "evilnotify.windows.com" out
            if host.endswith(suffix) and len(host) > len(suffix):
                return True
        elif host == pattern:
            return True
    return False


def _embedded_ipv4(address: Address) -> Address | None:
    """Return the IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_is_public(address: Address) -> bool:
    """Return whether ``address`` is a public unicast address (not loopback, private, link-local,
    shared, reserved, multicast or unspecified), looking through IPv6 forms of an IPv4 address."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and not address_is_public(embedded):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int) -> list[Address]:
    """Return every address ``host`` resolves to (IPv4 and IPv6). Raises OSError when it does not."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 scope ("fe80::1%eth0") is not part of the address.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(endpoint: str) -> str | None:
    """Return why the server must not push to ``endpoint`` (a sentence for the patient), or None when
    it may. Resolves the host name: every address must be public."""
    try:
        url = urlsplit(endpoint)
        port = url.port
    except ValueError:
        return _("Enter a valid URL.")
    host = url.hostname or ""
    if url.username is not None or url.password is not None or "@" in url.netloc:
        return _("A push endpoint must not contain a user name or password.")
    # Tests and the benchmark: a fake push service on this machine (never in production: settings).
    local = settings.PUSH_ALLOW_LOCAL_ENDPOINTS and _is_loopback_name(host)
    if url.scheme != "https" and not (local and url.scheme == "http"):
        return _("A push endpoint must be an https:// address.")
    if not local and not host_is_push_service(host, settings.PUSH_SERVICE_HOSTS):
        return _("This is not the address of a browser's push service.")
    if not local and port not in (None, 443):  # every push service listens on HTTPS's own port
        return _("A push endpoint must not name a port.")
    try:
        addresses = resolve(host, port or 443)
    except (OSError, UnicodeError, ValueError):
        return _("The push service's address cannot be found.")
    if not addresses:
        return _("The push service's address cannot be found.")
    for address in addresses:
        if not (address_is_public(address) or (local and address.is_loopback)):
            return _("The push service's address is not a public one.")
    return None


def _b64url_decode(text: str) -> bytes | None:
    """Return the bytes of base64url ``text`` (padding optional), or None when it is not base64url."""
    if not BASE64URL.fullmatch(text):
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def p256dh_problem(p256dh: str) -> str | None:
    """Return why ``p256dh`` is not a browser's push key (an uncompressed P-256 point on the curve,
    base64url), or None."""
    raw = _b64url_decode(p256dh)
    if raw is None or len(raw) != P256_UNCOMPRESSED_POINT_BYTES or raw[0] != 4:
        return _("Must be an uncompressed P-256 public key, base64url-encoded.")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return _("Must be an uncompressed P-256 public key, base64url-encoded.")
    return None


def auth_problem(auth: str) -> str | None:
    """Return why ``auth`` is not a push subscription's auth secret (16 bytes, base64url), or None."""
    raw = _b64url_decode(auth)
    if raw is None or len(raw) != AUTH_SECRET_BYTES:
        return _("Must be a 16-byte secret, base64url-encoded.")
    return None
