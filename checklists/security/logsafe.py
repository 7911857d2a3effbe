"""Values from requests, made safe to log: one line each, nothing that could forge or hide a line.

Every log call of ours that carries request data passes each value through ``log_safe``. Django
escapes its own request logs (django.utils.log.log_message); django-axes masks the typed username
and the address in its lines (AXES_SENSITIVE_PARAMETERS, AXES_VERBOSE off).
"""

from typing import Any

# A value longer than this is cut: a log line is for reading, not for storing a client's payload.
LOG_VALUE_MAX_CHARS = 300


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def log_safe(value: Any, *, max_chars: int = LOG_VALUE_MAX_CHARS) -> str:
    """Return ``value`` as text for a log line: control and other non-printable characters (newlines,
    line and paragraph separators, escape sequences, lone surrogates) escaped as ``\\n``, ``\\xNN``
    or ``\\uNNNN``, backslashes doubled so an escape cannot be faked, and cut to ``max_chars``."""
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > max_chars
    text = text[:max_chars]
    if not text.isprintable() or "\\" in text:
        named = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
        text = "".join(named.get(char) or (char if char.isprintable() else _escape(char)) for char in text)
    return f"{text}…[cut]" if cut else text
