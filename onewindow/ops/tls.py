"""The office's own certificate authority and the server's HTTPS certificate.

Desks open the server by a LAN name or address; the service worker that keeps today's
documents for an outage (and ``Secure`` cookies) need HTTPS there. ``flask tls init`` makes
an office CA once (desks trust it once) and a server certificate signed by it; running it
again keeps the CA and renews the server certificate (new names, a new validity period).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..core import clock

CA_CERT = "office-ca.crt"
CA_KEY = "office-ca.key"
SERVER_CERT = "server.crt"
SERVER_KEY = "server.key"
CADDYFILE = "Caddyfile"
CA_DAYS = 20 * 365
# Apple platforms refuse a locally trusted server certificate valid for longer than 825
# days; Chromium and Windows accept it (their 398-day limit is for public CAs only).
SERVER_DAYS = 825
LOCAL_NAMES = ("localhost",)
LOCAL_IPS = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class Issued:
    directory: Path
    ca_created: bool
    names: tuple[str, ...]
    ips: tuple[str, ...]
    not_after: dt.datetime

    @property
    def ca_cert(self) -> Path:
        return self.directory / CA_CERT

    @property
    def server_cert(self) -> Path:
        return self.directory / SERVER_CERT

    @property
    def server_key(self) -> Path:
        return self.directory / SERVER_KEY


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` with ``mode`` from the first byte (a key is never readable by others)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)  # whatever the umask
    os.replace(tmp, path)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load_ca(directory: Path):
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    if not (cert_path.exists() and key_path.exists()):
        return None
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return cert, key


def _make_ca(directory: Path, *, label: str, now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Одно окно"),
        # At most 64 bytes (UTF-8) in a common name.
        x509.NameAttribute(NameOID.COMMON_NAME, f"ЦС офиса {label[:40]}"),
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(directory / CA_KEY, _key_pem(key), 0o600)
    _write(directory / CA_CERT, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _server_key(directory: Path):
    """The server's key: kept across renewals (a pinned key stays valid), made once."""
    path = directory / SERVER_KEY
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    _write(path, _key_pem(key), 0o600)
    return key


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def issue(directory: Path, *, hosts: list[str], ips: list[str],
          now: dt.datetime | None = None) -> Issued:
    """Make (or keep) the office CA in ``directory`` and issue the server certificate.

    ``now`` is an aware moment (default: the office clock's); certificates are in UTC.
    """
    if now is None:
        zone = clock.office_timezone()
        wall = clock.now()
        now = wall.replace(tzinfo=zone) if zone else wall.astimezone()
    now = now.astimezone(dt.UTC)
    names = _unique([h.strip().lower() for h in hosts] + list(LOCAL_NAMES))
    addresses = _unique([str(ipaddress.ip_address(i.strip())) for i in ips] + list(LOCAL_IPS))
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    loaded = _load_ca(directory)
    created = loaded is None
    ca_cert, ca_key = loaded or _make_ca(directory, label=names[0], now=now)
    key = _server_key(directory)
    not_after = min(now + dt.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc)
    san = [x509.DNSName(n) for n in names] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    # The chain the server presents: its certificate, then the CA's.
    chain = (cert.public_bytes(serialization.Encoding.PEM)
             + ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(directory / SERVER_CERT, chain, 0o644)
    _write(directory / CADDYFILE, caddyfile(directory, names, addresses).encode(), 0o644)
    return Issued(directory=directory, ca_created=created, names=names, ips=addresses,
                  not_after=not_after)


def caddyfile(directory: Path, names, addresses) -> str:
    """A TLS front for waitress (Windows): HTTPS with this certificate, HTTP redirected."""
    sites = ", ".join(list(names) + [f"[{a}]" if ":" in a else a for a in addresses])
    crt = (directory / SERVER_CERT).resolve().as_posix()
    key = (directory / SERVER_KEY).resolve().as_posix()
    return (f"{sites} {{\n\ttls {crt} {key}\n\treverse_proxy 127.0.0.1:8000\n}}\n")


def spki_sha256(cert_path: Path) -> str:
    """Base64 SHA-256 of the first certificate's public key (Chromium's SPKI pin form)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return base64.b64encode(digest.finalize()).decode("ascii")


def instructions(issued: Issued) -> str:
    """What to do next, in Russian: trust the CA on the desks, serve over HTTPS."""
    d = issued.directory
    host = issued.names[0]
    lines = [
        ("Создан центр сертификации офиса: " if issued.ca_created
         else "Центр сертификации офиса сохранён прежний: ") + str(issued.ca_cert),
        f"Сертификат сервера обновлён: {issued.server_cert} (ключ {issued.server_key}), "
        f"действует до {issued.not_after:%d.%m.%Y}.",
        "Имена: " + ", ".join(issued.names) + "; адреса: " + ", ".join(issued.ips) + ".",
        "",
        f"Доверие к центру сертификации — один раз на каждом рабочем месте "
        f"(скопируйте {CA_CERT}; ключ {CA_KEY} не покидает сервер):",
        f"  Windows (командная строка от администратора): certutil -addstore -f Root {CA_CERT}",
        f"  Linux: sudo cp {CA_CERT} /usr/local/share/ca-certificates/onewindow-office-ca.crt "
        "&& sudo update-ca-certificates",
        f"  Chromium/Firefox в Linux (своё хранилище): certutil -d sql:$HOME/.pki/nssdb -A "
        f"-t C,, -n onewindow-office-ca -i {CA_CERT}",
        "",
        "Запуск по HTTPS:",
        f"  Linux: SESSION_COOKIE_SECURE=1 gunicorn -w 4 -b 0.0.0.0:443 "
        f"--certfile {d / SERVER_CERT} --keyfile {d / SERVER_KEY} app:app",
        "    перенаправление с HTTP: FORCE_HTTPS=1 gunicorn -w 1 -b 0.0.0.0:80 app:app",
        "  Windows: set PROXY_FIX=1 & set SESSION_COOKIE_SECURE=1 & waitress-serve "
        "--listen=127.0.0.1:8000 app:app",
        f"    и перед ним Caddy (HTTPS и перенаправление с HTTP): caddy run --config "
        f"{d / CADDYFILE}",
        f"Рабочие места открывают https://{host}/",
    ]
    return "\n".join(lines)
