"""Password hashing and policy (SECURITY.md: scrypt n=2^15, r=8, p=3)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

METHOD = "scrypt:32768:8:3"
MIN_LENGTH = 8
MAX_LENGTH = 128
MAX_INPUT = 1024  # longer input is refused before hashing (cheap DoS guard)

# Checked against for an unknown e-mail, so it costs the same scrypt work as a wrong password.
# A fixed hash of a throw-away word made with METHOD (the salt need not be secret: nothing it
# guards); written out rather than computed at import, which cost every process 0.2 s of scrypt.
# A test holds it to METHOD.
_DUMMY_HASH = ("scrypt:32768:8:3$6tWBaTLnNQBYGx4P$6916aab088b3930bd827f1fbc3"
               "273a33488948c04d218dbfd702af2f646849a6cf055a65b9e68d66f624dba16ea03728f03c68a18e438b2275fa9c4e7d2c08a0")


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


def personal_words(*, name: str = "", email: str = "", company: str = "") -> list[str]:
    """What a user's password must not be built on: name, e-mail and its parts, company name.

    The whole values and their words of three or more letters, casefolded.
    """
    local, _, domain = email.casefold().partition("@")
    values = [name, email, local, domain, company]
    words = {value.casefold().strip() for value in values if value and value.strip()}
    for value in values:
        words.update(word for word in re.split(r"[\W_]+", value.casefold()) if len(word) >= 3)
    return sorted(words - {"aps", "com", "org", "net"})  # legal forms and TLDs say nothing


def policy_errors(password: str, *personal: str) -> list[str]:
    """Danish messages for every way the password breaks the policy (empty: fine).

    ``personal`` are the user's own words (:func:`personal_words`, or just the e-mail).
    A password that is nothing but them plus digits and punctuation ("aadalen2026" for the
    company Ådalen) is refused with its own message; zxcvbn gets them as user inputs too.
    """
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"Adgangskoden skal være mindst {MIN_LENGTH} tegn.")
    if len(password) > MAX_LENGTH:
        errors.append(f"Adgangskoden må højst være {MAX_LENGTH} tegn.")
    if errors:
        return errors
    words = {word.casefold() for word in personal if word}
    words |= {word.split("@")[0] for word in words if "@" in word}
    if _only_personal(password, words):
        return ["Adgangskoden må ikke bygge på dit navn, din e-mail eller virksomhedens navn."]
    # zxcvbn knows English dictionaries and common-password lists; the local Danish words
    # and the user's own (in each spelling of æ ø å) are fed in as user inputs.
    spellings = words | {_spelled_out(word) for word in words} | {_fold(word) for word in words}
    hints = [*_common_passwords(), *sorted(spellings)]
    if password.casefold() in _common_passwords() or zxcvbn(password[:MAX_LENGTH], user_inputs=hints)["score"] < 2:
        errors.append("Adgangskoden er for let at gætte. Vælg en længere eller mindre almindelig.")
    return errors


def _only_personal(password: str, words: set[str]) -> bool:
    """True when the password holds a personal word and fewer than four other letters."""
    rest = _fold(password)
    found = False
    for word in sorted({_fold(w) for w in words if len(w) >= 3}, key=len, reverse=True):
        if word in rest:
            rest, found = rest.replace(word, " "), True
    return found and sum(ch.isalpha() for ch in rest) < 4


def _spelled_out(word: str) -> str:
    return word.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def _fold(text: str) -> str:
    """One spelling for Ådalen, Aadalen and Adalen (æ ø å with or without their ASCII forms)."""
    text = text.casefold()
    for long, short in (("aa", "a"), ("å", "a"), ("ae", "e"), ("æ", "e"), ("oe", "o"), ("ø", "o")):
        text = text.replace(long, short)
    return text


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text().splitlines() if line.strip())
