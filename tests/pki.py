"""Certificates and JWTs made in tests with `cryptography` (for cert and JWT auth, and the
servers of the platform stand-ins)."""

import base64
import datetime
import ipaddress
import json
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _certificate(subject: str, key, issuer_name, issuer_key, *, ca: bool, names=()):
    """A CA, a client certificate, or (with `names`: host names and IP addresses) a server's."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(name) for name in names]), critical=False
        ).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def server_ca_and_cert(*names: str) -> dict:
    """A CA and a server certificate it signed for `names` (host names or IP addresses)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test server CA")])
    ca = _certificate("Test server CA", ca_key, ca_name, ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(names[0], key, ca_name, ca_key, ca=False, names=names)
    return {
        "ca": ca.public_bytes(serialization.Encoding.PEM).decode(),
        "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "key": _pem_key(key),
    }


def client_ca_and_cert(common_name: str = "partner-app") -> dict:
    """A CA and a client certificate it signed: PEM strings."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Partner client CA")])
    ca = _certificate("Partner client CA", ca_key, ca_name, ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(common_name, key, ca_name, ca_key, ca=False)
    return {
        "ca": ca.public_bytes(serialization.Encoding.PEM).decode(),
        "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "key": _pem_key(key),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_signer() -> tuple[str, callable]:
    """(public key PEM, sign(claims) -> RS256 JWT)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    def sign(claims: dict) -> str:
        now = int(time.time())
        body = {"iat": now, "nbf": now - 5, "exp": now + 600, **claims}
        signing_input = (
            _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
            + "."
            + _b64(json.dumps(body).encode())
        )
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(signature)

    return public, sign
