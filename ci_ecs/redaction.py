"""What looks secret, and copies of data with it masked: no secret reaches the output.

Where the line is drawn: a name is secret when one of its words (split at `_`, `-`, `.` and camelCase) is a
secret word (PASS, PWD, KEY, SALT, AUTH, PRIVATE, DSN …), or it contains a long word that is never anything
else (PASSWORD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL, APIKEY …). So `DB_PASS`, `apiKey` and `SSH_PRIVATE_KEY`
are secret and `KEYCLOAK_URL`, `PASSPORT_OFFICE`, `MONKEY_MODE` and `AUTHOR` are not.
Every pattern is bounded, so masking takes time linear in the length of the text.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "****"
# Words that are secret only as whole words of a name ("KEY" in API_KEY, not in KEYCLOAK).
_SECRET_WORDS = {"pass", "pwd", "key", "keys", "salt", "auth", "authorization", "private", "dsn", "pat"}
# Words that mean a secret wherever they appear in a name (DBPASSWORD, GITHUBTOKEN).
_SECRET_PARTS = re.compile(
    r"password|passwd|passphrase|secret|token|credential|apikey|accesskey|privatekey|connectionstring|webhook",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
SECRET_VALUE = re.compile(
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|-----BEGIN [A-Z ]{0,40}PRIVATE KEY"
    # Credentials in a URL (scheme://user:password@): schemes and user parts are short, and bounding them
    # keeps a long run of letters from being scanned again from each of its positions.
    r"|\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^/\s:@]{1,256}:[^/\s@]{1,256}@"
    r"|\bgh[pousr]_[A-Za-z0-9]{36}|\bglpat-[A-Za-z0-9_-]{20}"
    # Webhook URLs are their own credential: Slack's path, the signature of a Teams (Power Automate) one.
    r"|\bhooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{1,256}|(?<=[?&]sig=)[A-Za-z0-9%_-]{1,256}"
)
# A secret-named option with its value in one argument: --db-password=…, -token=…
_FLAG_WITH_VALUE = re.compile(r"(-{1,2}[A-Za-z0-9_.-]{1,64}=)(.+)", re.DOTALL)
_FLAG = re.compile(r"-{1,2}([A-Za-z0-9_.-]{1,64})")
# The same inside one argument that is a whole shell line (`sh -c "app --token abc"`).
_INLINE_FLAG = re.compile(r"(?<!\S)(-{1,2}([A-Za-z0-9_.-]{1,64}))(=|\s+)([^\s\"']+)")
_ARGUMENT_LISTS = ("command", "entryPoint")
_NAME_FIELDS = ("name", "key")


def secret_name(name: str) -> bool:
    """Whether a variable, option or field name says its value is secret."""
    if _SECRET_PARTS.search(name.replace("_", "").replace("-", "")):
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORDS.findall(name))


def looks_secret(name: str, value: str) -> bool:
    """Whether a named value must not be shown: a secret-sounding name, or a credential-shaped value."""
    if not value:
        return False
    if SECRET_VALUE.search(value):
        return True
    # An ARN points at a secret; it is not one, and seeing which one is useful.
    return secret_name(name) and not value.startswith("arn:")


def redact_arguments(arguments: list[Any]) -> list[Any]:
    """A command line with the values of secret-named options masked (`--token=x`, `--token x`)."""
    masked: list[Any] = []
    hide_next = False
    for argument in arguments:
        if not isinstance(argument, str):
            masked.append(redact(argument))
            continue
        if hide_next:
            masked.append(MASK)
            hide_next = False
            continue
        with_value = _FLAG_WITH_VALUE.fullmatch(argument)
        flag = _FLAG.fullmatch(argument)
        if with_value and secret_name(with_value[1].strip("-=")):
            masked.append(with_value[1] + MASK)
        elif flag and secret_name(flag[1]):
            masked.append(argument)
            hide_next = True
        else:
            masked.append(MASK if SECRET_VALUE.search(argument) else _INLINE_FLAG.sub(_mask_value, argument))
    return masked


def _mask_value(found: re.Match[str]) -> str:
    flag, name, separator, _value = found.groups()
    return f"{flag}{separator}{MASK}" if secret_name(name) else found[0]


def redact(node: Any, key: str = "") -> Any:
    """A copy of JSON-like data with secret-looking strings masked; `{name, value}` pairs judged by name,
    `command` and `entryPoint` lists by their options."""
    if isinstance(node, dict):
        # `{name, value}` (environment) and `{key, value}` (tags): the value is judged by the name it has;
        # the name itself is not a secret because its field is called "key".
        name = next((node[f] for f in _NAME_FIELDS if isinstance(node.get(f), str)), None)
        pair = name is not None and isinstance(node.get("value"), str)
        return {
            k: MASK
            if pair and k == "value" and looks_secret(str(name), str(v))
            else redact(v, "" if k in _NAME_FIELDS else str(k))
            for k, v in node.items()
        }
    if isinstance(node, list | tuple):
        if key in _ARGUMENT_LISTS:
            return redact_arguments(list(node))
        return [redact(item, key) for item in node]
    return MASK if isinstance(node, str) and looks_secret(key, node) else node
