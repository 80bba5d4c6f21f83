"""CEL's encoders extension, as cel-go defines it (ext/encoders.go): base64.

`base64.encode(bytes)` writes standard, padded base64. `base64.decode(string)`
reads standard base64, padded or not; like Go's decoder it skips line breaks.
"""

from __future__ import annotations

import binascii
from typing import Any

from scorecards.cel.errors import CelError, no_overload
from scorecards.cel.library import plain, register
from scorecards.cel.types import BYTES, STRING


@register("base64.encode", [plain(BYTES, result=STRING)])
def base64_encode(data: Any) -> str:
    if type(data) is not bytes:
        raise no_overload("base64.encode", data)
    return binascii.b2a_base64(data, newline=False).decode("ascii")


@register("base64.decode", [plain(STRING, result=BYTES)])
def base64_decode(text: Any) -> bytes:
    if type(text) is not str:
        raise no_overload("base64.decode", text)
    # Go's decoders, as cel-go tries them: padded text whose length is a multiple of
    # four, or unpadded text; line breaks are skipped.
    body = text.replace("\r", "").replace("\n", "")
    if "=" in body:
        valid = len(body) % 4 == 0
    else:
        valid = len(body) % 4 != 1
        body += "=" * (-len(body) % 4)
    try:
        if valid:
            return binascii.a2b_base64(body, strict_mode=True)
    except ValueError:
        pass
    raise CelError("invalid base64 data")
