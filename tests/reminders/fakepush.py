"""A faithful local fake of a Web Push service (RFC 8030/8291/8292) on 127.0.0.1, for tests and bench.

It checks what a real push service checks (the VAPID JWT's ES256 signature against the key in the
Authorization header, its audience and expiry, the TTL header, ``Content-Encoding: aes128gcm``) and,
playing the browser, decrypts each message with the subscription's private key and auth secret.

By default it speaks HTTP/1.1 on http://127.0.0.1; ``http2=True`` makes it speak HTTP/2 over TLS (ALPN
"h2", as the browsers' push services do) on https://127.0.0.1 with a certificate of its own
(``ca_file``, for REMINDER_PUSH_CA_FILE); ``tls=True`` alone, HTTP/1.1 over TLS (ALPN "http/1.1": a
service that does not negotiate h2).
"""

import asyncio
import base64
import datetime
import json
import re
import secrets
import socket
import ssl
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import h2.config
import h2.connection
import h2.events
import http_ece
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """A browser's side of a push subscription: its key pair and auth secret."""

    name: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def new(cls, name: str) -> "Subscriber":
        return cls(name, ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass
class Received:
    subscriber: str
    payload: dict
    ttl: int
    topic: str | None
    at: float
    protocol: str = "HTTP/1.1"  # "h2" over HTTP/2


@dataclass
class FakePushService:
    """Start with ``start()``; register subscribers with ``subscriber(name)``; read ``received``."""

    vapid_public_key: str
    delay: float = 0.0
    decrypt: bool = True
    statuses: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    http2: bool = False
    tls: bool = False
    protocols: Counter = field(default_factory=Counter)
    connections: int = 0  # HTTP/2 connections opened

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        # Signatures already verified: a sender reuses its VAPID token for hours (RFC 8292 allows it),
        # and checking the same signature once per push would make the fake the bottleneck.
        self._verified: set[str] = set()
        self.tls = self.tls or self.http2
        self.ca_file = ""
        self._public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(self.vapid_public_key)
        )

    # -- lifecycle
    def start(self) -> "FakePushService":
        """Bind (if not yet) and serve from a background thread of this process."""
        if self._server is None and self._socket is None:
            self.bind()
        if self.http2:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._serve_http2, daemon=True)
            self._thread.start()
            return self
        assert self._server is not None
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _serve_http2(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Http2Server(self), sock=self._socket, ssl=self._tls(["h2"]))
        )
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    def _tls(self, protocols: list[str]) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, self._key_file)
        context.set_alpn_protocols(protocols)
        return context

    def _make_certificate(self) -> None:
        """Write a self-signed certificate for 127.0.0.1 (``ca_file``) and its key."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake push service")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256())
        )
        folder = Path(tempfile.mkdtemp(prefix="fakepush-"))
        self.ca_file, self._key_file = str(folder / "cert.pem"), str(folder / "key.pem")
        Path(self.ca_file).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        Path(self._key_file).write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    def bind(self) -> "FakePushService":
        """Open the listening socket (so ``endpoint()`` works) without serving yet."""
        service = self
        if self.tls:
            self._make_certificate()
        if self.http2:
            self._socket = socket.create_server(("127.0.0.1", 0), backlog=1024)
            return self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                code, text = service._handle(self.path, headers, body, "HTTP/1.1")
                data = text.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                if code == 429:
                    self.send_header("Retry-After", "120")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls:
            self._server.socket = self._tls(["http/1.1"]).wrap_socket(self._server.socket, server_side=True)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if self._socket:
            self._socket.close()

    @property
    def origin(self) -> str:
        if self._socket is not None:
            port = self._socket.getsockname()[1]
        else:
            assert self._server is not None
            port = self._server.server_address[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"

    def subscriber(self, name: str) -> Subscriber:
        with self._lock:
            self.subscribers.setdefault(name, Subscriber.new(name))
            return self.subscribers[name]

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    # -- checks
    def _check_vapid(self, authorization: str) -> str | None:
        match = re.fullmatch(r"vapid t=([\w\-.]+),\s*k=([\w\-]+)", authorization or "")
        if not match:
            return f"Authorization is not 'vapid t=..., k=...': {authorization!r}"
        token, key = match.groups()
        if key != self.vapid_public_key:
            return "VAPID key is not the server's public key"
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        if header.get("alg") != "ES256":
            return f"JWT alg {header.get('alg')!r}"
        if token not in self._verified:
            signature = b64url_decode(signature_b64)
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            try:
                self._public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
            except InvalidSignature:
                return "JWT signature does not verify against the VAPID public key"
            self._verified.add(token)
        claims = json.loads(b64url_decode(claims_b64))
        if claims.get("aud") != self.origin:
            return f"JWT aud {claims.get('aud')!r} is not {self.origin}"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return "JWT exp not within the next 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "JWT sub is not a mailto: or https: contact"
        return None

    def _handle(self, path: str, headers: dict[str, str], body: bytes, protocol: str) -> tuple[int, str]:
        """Answer one push (``headers`` with lower-case names): its status and body text."""
        if self.delay:
            time.sleep(self.delay)
        name = path.rsplit("/", 1)[-1]
        subscriber = self.subscribers.get(name)
        if not path.startswith("/push/") or subscriber is None:
            return 404, "no such subscription"
        if name in self.statuses:
            return self.statuses[name], "configured answer"
        problem = self._check_vapid(headers.get("authorization", ""))
        ttl = headers.get("ttl", "")
        if problem is None and not ttl.isdigit():
            problem = f"TTL header missing or not a number: {ttl!r}"
        if problem is None and headers.get("content-encoding") != "aes128gcm":
            problem = f"Content-Encoding {headers.get('content-encoding')!r}"
        payload: dict = {}
        if problem is None and self.decrypt:
            try:
                plain = http_ece.decrypt(
                    body, private_key=subscriber.private_key, auth_secret=subscriber.auth_secret
                )
                payload = json.loads(plain)
            except Exception as exc:
                problem = f"cannot decrypt: {exc!r}"
        if problem:
            with self._lock:
                self.rejected.append(problem)
            return 400, problem
        with self._lock:
            self.received.append(
                Received(name, payload, int(ttl), headers.get("topic"), time.time(), protocol)
            )
            self.protocols[protocol] += 1
        return 201, ""


class _Http2Server(asyncio.Protocol):
    """One HTTP/2 connection to the fake service: each request is answered as it ends."""

    def __init__(self, service: FakePushService) -> None:
        self.service = service
        # Header validation off: the checks that matter are the service's own (_handle), and h2's
        # per-header checks cost about as much CPU as the decryption.
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(
                client_side=False,
                header_encoding="utf-8",
                validate_inbound_headers=False,
                normalize_inbound_headers=False,
            )
        )
        self.requests: dict[int, tuple[dict[str, str], bytearray]] = {}
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.service.connections += 1
        self.h2.initiate_connection()
        transport.write(self.h2.data_to_send())

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        for event in self.h2.receive_data(data):
            if isinstance(event, h2.events.RequestReceived) and event.stream_id:
                headers: dict[Any, Any] = dict(event.headers or [])  # str: header_encoding is set
                self.requests[event.stream_id] = (headers, bytearray())
            elif isinstance(event, h2.events.DataReceived) and event.stream_id:
                self.requests[event.stream_id][1].extend(event.data or b"")
                self.h2.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id:
                self._answer(event.stream_id, *self.requests.pop(event.stream_id))
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.transport.close()
                return
        self.transport.write(self.h2.data_to_send())

    def _answer(self, stream: int, headers: dict[str, str], body: bytearray) -> None:
        code, text = self.service._handle(headers.get(":path", ""), headers, bytes(body), "h2")
        data = text.encode()
        answer = [(":status", str(code)), ("content-length", str(len(data)))]
        if code == 429:
            answer.append(("retry-after", "120"))
        self.h2.send_headers(stream, answer, end_stream=not data)
        if data:
            self.h2.send_data(stream, data, end_stream=True)
