"""Signed one-time rating tokens printed (as a QR link) on receipts and tickets.

A token names a receipt (``a``, an application) or a ticket (``t``) and holds no personal
data. Intake and the queue make them; feedback reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

TOKEN_SALT = "onewindow-feedback-v1"
KINDS = ("a", "t")


def make_token(secret: str, *, kind: str, object_id: int) -> str:
    """A signed token naming a receipt (``a``) or a ticket (``t``)."""
    if kind not in KINDS:
        raise ValueError(kind)
    return URLSafeSerializer(secret, salt=TOKEN_SALT).dumps([kind, int(object_id)])


@dataclass(frozen=True)
class TokenTarget:
    kind: str
    object_id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


def parse_token(secret: str, token: str) -> TokenTarget:
    """The target of a token; ValueError when it is forged, damaged or of another key."""
    try:
        kind, object_id = URLSafeSerializer(secret, salt=TOKEN_SALT).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise ValueError("invalid rating token") from exc
    if kind not in KINDS or not isinstance(object_id, int):
        raise ValueError("invalid rating token")
    return TokenTarget(kind, object_id)
