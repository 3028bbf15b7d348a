"""HTTPS on the office network: ``flask tls init`` and FORCE_HTTPS (issue #22, item 1)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from onewindow.core import clock
from onewindow.extensions import db
from onewindow.ops import tls

from ..conftest import make_test_app


@pytest.fixture
def bare_app(tmp_path):
    """An app for commands and redirects that touch no table."""
    return make_test_app("sqlite:///" + str(tmp_path / "bare.sqlite3"))


def _chain(path):
    return x509.load_pem_x509_certificates(path.read_bytes())


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _init(app, out, *args):
    result = app.test_cli_runner().invoke(
        args=["tls", "init", "--host", "ow-server", "--ip", "10.0.0.5", "--out", str(out),
              *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_init_makes_an_office_ca_and_a_server_certificate(bare_app, tmp_path):
    out = tmp_path / "tls"
    output = _init(bare_app, out, "--host", "OW-Server.office.local", "--ip", "192.168.1.10")
    server, ca_in_chain = _chain(out / tls.SERVER_CERT)
    (ca,) = _chain(out / tls.CA_CERT)
    assert ca_in_chain == ca  # the server presents the chain up to the office CA

    # The CA: a CA, for signing certificates only, issued by itself.
    assert ca.subject == ca.issuer
    basic = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    ca.verify_directly_issued_by(ca)

    # The server: signed by the CA, for TLS servers, with every name and address.
    server.verify_directly_issued_by(ca)
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = server.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [
        "ow-server", "ow-server.office.local", "localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address(a) for a in ("10.0.0.5", "192.168.1.10", "127.0.0.1", "::1")]

    # Valid from now (a day's slack for desks whose clock runs late) for 825 days.
    now = clock.now().replace(tzinfo=clock.office_timezone())
    assert server.not_valid_before_utc <= now <= server.not_valid_after_utc
    assert server.not_valid_after_utc - server.not_valid_before_utc == dt.timedelta(days=826)
    assert ca.not_valid_after_utc > server.not_valid_after_utc

    # Keys are the owner's only; the directory too.
    assert _mode(out / tls.CA_KEY) == 0o600
    assert _mode(out / tls.SERVER_KEY) == 0o600
    assert _mode(out) == 0o700
    assert _mode(out / tls.CA_CERT) == 0o644

    # What to do next, in Russian, with the one-line commands.
    assert "certutil -addstore -f Root office-ca.crt" in output
    assert "update-ca-certificates" in output
    assert "/usr/local/share/ca-certificates/" in output
    assert f"--certfile {out / tls.SERVER_CERT} --keyfile {out / tls.SERVER_KEY}" in output
    assert "Создан центр сертификации офиса" in output
    assert "reverse_proxy 127.0.0.1:8000" in (out / tls.CADDYFILE).read_text()


def test_keys_are_never_readable_by_others_whatever_the_umask(bare_app, tmp_path):
    old = os.umask(0)
    try:
        _init(bare_app, tmp_path / "tls")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "tls" / tls.CA_KEY) == 0o600
    assert _mode(tmp_path / "tls" / tls.SERVER_KEY) == 0o600


def test_running_again_keeps_the_ca_and_renews_the_server_certificate(bare_app, tmp_path):
    out = tmp_path / "tls"
    _init(bare_app, out)
    ca_before = (out / tls.CA_CERT).read_bytes()
    ca_key_before = (out / tls.CA_KEY).read_bytes()
    server_before = _chain(out / tls.SERVER_CERT)[0]
    pin_before = tls.spki_sha256(out / tls.SERVER_CERT)

    output = _init(bare_app, out, "--host", "ow-server2")
    assert "сохранён прежний" in output
    assert (out / tls.CA_CERT).read_bytes() == ca_before
    assert (out / tls.CA_KEY).read_bytes() == ca_key_before
    server_after = _chain(out / tls.SERVER_CERT)[0]
    assert server_after.serial_number != server_before.serial_number
    server_after.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_before))
    san = server_after.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "ow-server2" in san.get_values_for_type(x509.DNSName)
    # The server's key stays (a key pinned on a desk keeps working).
    assert tls.spki_sha256(out / tls.SERVER_CERT) == pin_before


def test_a_bad_address_is_refused(bare_app, tmp_path):
    result = bare_app.test_cli_runner().invoke(
        args=["tls", "init", "--host", "ow-server", "--ip", "10.0.0.300",
              "--out", str(tmp_path / "tls")])
    assert result.exit_code != 0 and "не IP-адрес" in result.output
    assert not (tmp_path / "tls").exists()


@pytest.fixture
def https_app(app, database_url):
    """FORCE_HTTPS on the migrated test database (the health check reads it)."""
    forced = make_test_app(database_url, FORCE_HTTPS=True)
    yield forced
    with forced.app_context():
        db.session.remove()
        db.engine.dispose()


def test_force_https_redirects_plain_http_but_the_health_check(https_app):
    app = https_app
    client = app.test_client()
    response = client.get("/login?next=/applicants/", base_url="http://ow-server")
    assert response.status_code == 308
    assert response.headers["Location"] == "https://ow-server/login?next=/applicants/"
    # A POST stays a POST (308), to the same path.
    response = client.post("/login", base_url="http://10.0.0.5:8000")
    assert response.status_code == 308
    assert response.headers["Location"] == "https://10.0.0.5/login"
    assert client.get("/healthz", base_url="http://ow-server").status_code == 200
    # Over HTTPS nothing changes.
    assert client.get("/login", base_url="https://ow-server").status_code == 200

    app.config["HTTPS_PORT"] = 8443
    response = client.get("/", base_url="http://[::1]:8000")
    assert response.headers["Location"] == "https://[::1]:8443/"


def test_force_https_behind_a_tls_front_trusts_its_scheme(tmp_path):
    app = make_test_app("sqlite:///" + str(tmp_path / "p.sqlite3"), FORCE_HTTPS=True,
                        PROXY_FIX=1)
    client = app.test_client()
    front = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.21"}
    assert client.get("/login", base_url="http://ow-server", headers=front).status_code == 200
    plain = client.get("/login", base_url="http://ow-server",
                       headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 308


def test_without_force_https_plain_http_is_served(bare_app):
    assert bare_app.test_client().get("/login", base_url="http://ow-server").status_code == 200
