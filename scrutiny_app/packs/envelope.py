"""The sealed files a pack and a return are: a magic line, a JSON header in clear, then the
payload (zlib-compressed JSON) encrypted with AES-256-GCM.

The header says what the file is and how to open it (format, version, key derivation, nonce,
the ids the officer's app routes by); it is the AEAD's associated data, so changing a byte of
it, or of the ciphertext, makes the file refuse to open. Nothing personal is in the header.

A pack's key comes from the member's passphrase (scrypt, its parameters in the header); a
return's from the pack's random secret (HKDF-SHA256), which only the pack and the officer's
database hold: a return that opens was written from that pack and not altered since.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from scrutiny_app.errors import UserError

PACK_MAGIC = b"SCRUTINY-PACK\n"
RETURN_MAGIC = b"SCRUTINY-RETURN\n"
MAX_HEADER = 16 * 1024
MAX_PAYLOAD = 512 * 1024 * 1024  # what a pack may hold once decompressed
# scrypt at OWASP's recommended cost (2**17, 8, 1): about 0.3 s and 128 MB to open a pack.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1


class PackError(UserError):
    """A pack or return cannot be used; the message says why in one line."""


class WrongPassphrase(PackError):
    pass


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class Kdf:
    """scrypt with its parameters, as written in a pack's header."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def new(cls, n: int = SCRYPT_N) -> Kdf:
        return cls(secrets.token_bytes(16), n)

    def header(self) -> dict[str, Any]:
        return {"name": "scrypt", "salt": b64(self.salt), "n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_header(cls, h: dict[str, Any]) -> Kdf:
        if h.get("name") != "scrypt":
            raise PackError(f"unknown key derivation {h.get('name')!r}")
        try:
            n, r, p = int(h["n"]), int(h["r"]), int(h["p"])
            salt = unb64(h["salt"])
        except (KeyError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
            raise PackError("the key derivation parameters are damaged") from exc
        # At most 128 MiB of scrypt memory (128 * n * r bytes): a crafted header cannot make
        # the app reach for gigabytes before the passphrase is even checked.
        if not (n >= 2**10 and n & (n - 1) == 0 and r >= 1 and n * r <= 2**20 and 1 <= p <= 4):
            raise PackError("the key derivation parameters are out of range")
        return cls(salt, n, r, p)

    def derive(self, passphrase: str) -> bytes:
        kdf = Scrypt(salt=self.salt, length=32, n=self.n, r=self.r, p=self.p)
        return kdf.derive(passphrase.encode("utf-8"))


def return_key(secret: bytes) -> bytes:
    """The key a pack's returns are sealed with, from the pack's secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"scrutiny-return/1").derive(
        secret
    )


def seal(magic: bytes, header: dict[str, Any], payload: Any, key: bytes) -> bytes:
    """The file's bytes: ``header`` (a fresh nonce added) in clear, ``payload`` sealed."""
    nonce = secrets.token_bytes(12)
    head = json.dumps({**header, "nonce": b64(nonce)}, sort_keys=True).encode("utf-8")
    plain = zlib.compress(json.dumps(payload, separators=(",", ":")).encode("utf-8"), 6)
    return magic + head + b"\n" + AESGCM(key).encrypt(nonce, plain, magic + head)


@dataclass(frozen=True)
class Sealed:
    """A file read up to its ciphertext: the header is parsed, nothing is decrypted yet."""

    header: dict[str, Any]
    aad: bytes
    ciphertext: bytes

    def open(self, key: bytes, wrong_key: PackError) -> Any:
        """The payload; ``wrong_key`` is raised if the key is wrong or a byte was changed."""
        try:
            plain = AESGCM(key).decrypt(unb64(self.header["nonce"]), self.ciphertext, self.aad)
        except (InvalidTag, ValueError, KeyError):
            raise wrong_key from None
        inflate = zlib.decompressobj()
        data = inflate.decompress(plain, MAX_PAYLOAD)
        if inflate.unconsumed_tail:
            raise PackError("the file holds more than a pack may")
        return json.loads(data)


def read_sealed(data: bytes, magic: bytes, *, what: str, name: str, versions: set[int]) -> Sealed:
    """Parse a sealed file's header; a file that is not one (or is cut short) is refused."""
    not_one = PackError(f"{name} is not a {what} (or it is incomplete).")
    if not data.startswith(magic):
        raise not_one
    end = data.find(b"\n", len(magic), len(magic) + MAX_HEADER)
    if end < 0:
        raise not_one
    head = data[len(magic) : end]
    try:
        header = json.loads(head)
    except ValueError:
        raise not_one from None
    if not isinstance(header, dict) or "nonce" not in header:
        raise not_one
    version = header.get("version")
    if version not in versions:
        newest = max(versions)
        if isinstance(version, int) and version > newest:
            raise PackError(
                f"{name} was made by a newer version of the app ({what} format {version}; "
                f"this version reads up to {newest}): update the app to open it."
            )
        raise not_one
    ciphertext = data[end + 1 :]
    if len(ciphertext) < 16:
        raise not_one
    return Sealed(header, data[:end], ciphertext)


def read_file(path: Path, magic: bytes, *, what: str, versions: set[int]) -> Sealed:
    """Read and parse a sealed file; an unreadable one is refused with the OS's reason."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    return read_sealed(data, magic, what=what, name=path.name, versions=versions)


def check_output(path: Path, magic: bytes, what: str, *, not_this: Path | None = None) -> None:
    """Refuse to write over anything but an earlier file of the same kind (never over the
    database or the pack a command reads)."""
    path = Path(path)
    if not_this is not None and path.resolve() == Path(not_this).resolve():
        raise PackError(f"{path.name} is the file being read: write the {what} to another name.")
    if path.is_dir():
        raise PackError(f"{path} is a folder: give a file name for the {what}.")
    if path.exists():
        with open(path, "rb") as f:
            start = f.read(len(magic))
        if start != magic and path.stat().st_size > 0:
            raise PackError(
                f"{path.name} exists and is not a {what}: it was left as it is. Choose another "
                "name."
            )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new, never half."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # the user's only
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # Windows: no directory handles; the replace is already durable enough
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
