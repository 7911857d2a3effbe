"""A faithful local fake of a Web Push service (RFC 8030/8291/8292) on 127.0.0.1, for tests and bench.

It checks what a real push service checks (the VAPID JWT's ES256 signature against the key in the
Authorization header, its audience and expiry, the TTL header, ``Content-Encoding: aes128gcm``) and,
playing the browser, decrypts each message with the subscription's private key and auth secret.
"""

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


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

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(self.vapid_public_key)
        )

    # -- lifecycle
    def start(self) -> "FakePushService":
        """Bind (if not yet) and serve from a background thread of this process."""
        if self._server is None:
            self.bind()
        assert self._server is not None
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def bind(self) -> "FakePushService":
        """Open the listening socket (so ``endpoint()`` works) without serving yet."""
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                code, text = service._handle(self.path, self.headers, body)
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
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

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
        signature = b64url_decode(signature_b64)
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            self._public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "JWT signature does not verify against the VAPID public key"
        claims = json.loads(b64url_decode(claims_b64))
        if claims.get("aud") != self.origin:
            return f"JWT aud {claims.get('aud')!r} is not {self.origin}"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return "JWT exp not within the next 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "JWT sub is not a mailto: or https: contact"
        return None

    def _handle(self, path: str, headers, body: bytes) -> tuple[int, str]:
        if self.delay:
            time.sleep(self.delay)
        name = path.rsplit("/", 1)[-1]
        subscriber = self.subscribers.get(name)
        if not path.startswith("/push/") or subscriber is None:
            return 404, "no such subscription"
        if name in self.statuses:
            return self.statuses[name], "configured answer"
        problem = self._check_vapid(headers.get("Authorization", ""))
        ttl = headers.get("TTL", "")
        if problem is None and not ttl.isdigit():
            problem = f"TTL header missing or not a number: {ttl!r}"
        if problem is None and headers.get("Content-Encoding") != "aes128gcm":
            problem = f"Content-Encoding {headers.get('Content-Encoding')!r}"
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
            self.received.append(Received(name, payload, int(ttl), headers.get("Topic"), time.time()))
        return 201, ""
