"""Masking secrets (tokens, `${VAR}` values) in text and values before anything records them."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

MASK = "[redacted]"


class Redactor:
    """Masks secret values, also in the escaped forms reprs and JSON give them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms |= {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
                forms.add(secret.encode("unicode_escape").decode("ascii"))
        self._forms = sorted(forms, key=len, reverse=True)

    def text(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text

    def value(self, value: Any) -> Any:
        """`value` with every string in it (keys included) masked."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


class _MaskingFilter(logging.Filter):
    """Masks the secrets of every open collection in the records it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.redactors: list[Redactor] = []
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(self.redactors)
        if redactors:
            message = record.getMessage()
            masked = message
            for redactor in redactors:
                masked = redactor.text(masked)
            if masked != message:
                record.msg, record.args = masked, None
        return True


_FILTER = _MaskingFilter()
# httpcore's DEBUG trace logs whole response headers, so a server echoing a token
# would put it in the logs; filters sit on loggers, not their parents, hence every name.
_LOGGER_ROOTS = ("httpx", "httpcore")


@contextmanager
def masking_logs(redactor: Redactor) -> Iterator[None]:
    """Mask `redactor`'s secrets in httpx and httpcore log records while this is open."""
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name.split(".")[0] in _LOGGER_ROOTS
    ]
    for name in {*names, *_LOGGER_ROOTS}:
        logging.getLogger(name).addFilter(_FILTER)  # adding twice is a no-op
    with _FILTER.lock:
        _FILTER.redactors.append(redactor)
    try:
        yield
    finally:
        with _FILTER.lock:
            _FILTER.redactors.remove(redactor)
