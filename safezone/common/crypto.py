"""Encryption at rest: the Fernet keys, and encrypting or decrypting one value.

Keys, newest first, come from SAFEZONE_FERNET_KEYS (comma-separated) or else from
var/fernet_keys (one a line), which is generated on first run. They are never kept in the
database: a copy of the database alone must not be readable. The newest key encrypts; every
key decrypts, so adding a key never makes stored values unreadable (`manage.py rotate_keys`).
"""

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV_VAR = "SAFEZONE_FERNET_KEYS"
FILE_NAME = "fernet_keys"
# 32 bytes in url-safe base64. Checked here because Fernet's own decoder skips stray characters.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}=")
_HOW_TO_MAKE = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class UnreadableCiphertext(ValueError):
    """A stored value that none of the configured keys opens."""


@dataclass(frozen=True)
class _Keys:
    multi: MultiFernet
    newest: Fernet
    path: Path | None  # None: the keys came from the environment
    stamp: tuple | None  # the key file as it was when read


_loaded: _Keys | None = None


def key_file() -> Path | None:
    """The key file in use, or None when the keys come from SAFEZONE_FERNET_KEYS."""
    if os.environ.get(ENV_VAR, "").strip():
        return None
    return Path(settings.VAR_DIR) / FILE_NAME


def _fernet(text: str, where: str) -> Fernet:
    """One key, or a clear error that says where the bad key is without showing it."""
    if _KEY_SHAPE.fullmatch(text):
        try:
            return Fernet(text)
        except ValueError:
            pass
    raise ImproperlyConfigured(
        f"{where} is not a Fernet key (44 characters of url-safe base64 ending in '='); make one with: {_HOW_TO_MAKE}"
    ) from None


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _create_key_file(path: Path) -> None:
    try:
        # Owner-only from the first byte; O_EXCL so two processes starting at once keep one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as fh:
        fh.write(Fernet.generate_key().decode("ascii") + "\n")


def _read_key_file(path: Path) -> list[str]:
    """The keys in the file, checked, newest first."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not plain ASCII text"
        raise ImproperlyConfigured(f"cannot read the Fernet keys in {path}: {reason}") from None
    keys = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            _fernet(line.strip(), f"{path} line {number}")
            keys.append(line.strip())
    if not keys:
        raise ImproperlyConfigured(f"{path} holds no Fernet key: put one key per line, newest first")
    return keys


def _write_key_file(path: Path, keys: list[str]) -> None:
    # A process starting meanwhile must read either the old list or the new one, never half a
    # file: write a temporary file (mkstemp makes it 0600) and rename it over the old one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(key + "\n" for key in keys))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load() -> _Keys:
    path = key_file()
    if path is None:
        entries = os.environ[ENV_VAR].split(",")
        fernets = [_fernet(text.strip(), f"{ENV_VAR} key {n}") for n, text in enumerate(entries, 1) if text.strip()]
        if not fernets:
            raise ImproperlyConfigured(f"{ENV_VAR} holds no Fernet key: give keys separated by commas, newest first")
        return _Keys(MultiFernet(fernets), fernets[0], None, None)
    if not path.exists():
        _create_key_file(path)
    stamp = _stamp(path)  # before reading: a change after this is seen on the next call
    fernets = [Fernet(key) for key in _read_key_file(path)]
    return _Keys(MultiFernet(fernets), fernets[0], path, stamp)


def _keys() -> _Keys:
    global _loaded
    loaded = _loaded
    if loaded is not None and loaded.path is not None:
        # A running process picks up a key added or dropped by rotate_keys, so it does not
        # go on writing with a key that is about to be retired. A vanished file changes nothing.
        stamp = _stamp(loaded.path)
        if stamp is not None and stamp != loaded.stamp:
            loaded = None
    if loaded is None:
        loaded = _loaded = _load()
    return loaded


def reset_keys() -> None:
    """Forget the loaded keys; the next call reads them again (tests, key rotation)."""
    global _loaded
    _loaded = None


def fernet() -> MultiFernet:
    """All configured keys: the newest encrypts, any of them decrypts."""
    return _keys().multi


def encrypt(text: str) -> str:
    """The Fernet token for `text`, made with the newest key."""
    return _keys().multi.encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The text inside a token made by `encrypt` with any configured key."""
    try:
        return _keys().multi.decrypt(token.encode("utf-8")).decode("utf-8")
    except InvalidToken:
        raise _unreadable() from None


def rotate(token: str) -> str:
    """The same value encrypted with the newest key; a token already made with it comes back as is.

    Returning it unchanged is what makes a second rotation write nothing.
    """
    keys = _keys()
    data = token.encode("utf-8")
    try:
        keys.newest.decrypt(data)
        return token
    except InvalidToken:
        pass
    try:
        return keys.multi.rotate(data).decode("ascii")
    except InvalidToken:
        raise _unreadable() from None


def _unreadable() -> UnreadableCiphertext:
    # Never quote the value: it may be clear text that was stored by mistake.
    return UnreadableCiphertext(
        "no configured Fernet key opens this value: it was encrypted with a key that is no longer "
        f"configured, or it is not encrypted at all (keys: {ENV_VAR} or var/{FILE_NAME})"
    )


def add_new_key() -> None:
    """Put a freshly generated key first in the key file; the keys already there stay after it."""
    path = key_file()
    if path is None:
        raise ImproperlyConfigured(
            f"the Fernet keys come from {ENV_VAR}, which SafeZone cannot change: put a new key first in "
            f"{ENV_VAR} (keep the old ones after it), restart the application, then rerun with --no-new-key. "
            f"Make a key with: {_HOW_TO_MAKE}"
        )
    if not path.exists():
        _create_key_file(path)
    _write_key_file(path, [Fernet.generate_key().decode("ascii"), *_read_key_file(path)])
    reset_keys()


def drop_old_keys() -> None:
    """Keep only the newest key in the key file.

    Every stored value must already be encrypted with it (rotate_keys checks that first):
    values made with a dropped key can never be read again.
    """
    path = key_file()
    if path is None:
        raise ImproperlyConfigured(
            f"the Fernet keys come from {ENV_VAR}, which SafeZone cannot change: remove the old keys from it yourself"
        )
    _write_key_file(path, _read_key_file(path)[:1])
    reset_keys()
