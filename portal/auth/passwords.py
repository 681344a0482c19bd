"""Password hashing and policy (SECURITY.md: scrypt n=2^15, r=8, p=3)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

METHOD = "scrypt:32768:8:3"
MIN_LENGTH = 8
MAX_LENGTH = 128
MAX_INPUT = 1024  # longer input is refused before hashing (cheap DoS guard)

# Computed once so that an unknown e-mail costs the same scrypt work as a wrong password.
_DUMMY_HASH = generate_password_hash("jobbro-timing-equaliser", method=METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, burn the same time and return False."""
    if len(password) > MAX_INPUT:
        return False
    if not stored_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than :data:`METHOD`."""
    return not stored_hash.startswith(METHOD + "$")


def policy_errors(password: str, email: str = "") -> list[str]:
    """Danish messages for every way the password breaks the policy (empty: fine)."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"Adgangskoden skal være mindst {MIN_LENGTH} tegn.")
    if len(password) > MAX_LENGTH:
        errors.append(f"Adgangskoden må højst være {MAX_LENGTH} tegn.")
    if errors:
        return errors
    # zxcvbn knows English dictionaries and common-password lists; the local
    # Danish words are fed in as user inputs so their variants score low too.
    hints = [*_common_passwords(), email, email.split("@")[0]]
    if password.casefold() in _common_passwords() or zxcvbn(password[:MAX_LENGTH], user_inputs=hints)["score"] < 2:
        errors.append("Adgangskoden er for let at gætte. Vælg en længere eller mindre almindelig.")
    return errors


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text().splitlines() if line.strip())
