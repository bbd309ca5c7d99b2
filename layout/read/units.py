"""Lengths and sizes of the source format, resolved to PDF points."""

from __future__ import annotations

import re

#: 号 sizes in pt (ctex DTP values, cjk-layout-rules.md §6); 新五号 is the 9 pt newspaper body.
ZIHAO = {
    "初号": 42.0, "小初": 36.0, "一号": 26.0, "小一": 24.0, "二号": 22.0, "小二": 18.0,
    "三号": 16.0, "小三": 15.0, "四号": 14.0, "小四": 12.0, "五号": 10.5, "小五": 9.0,
    "新五号": 9.0, "六号": 7.5, "小六": 6.5, "七号": 5.5, "八号": 5.0,
}

MM = 72.0 / 25.4
_LENGTH = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)(zi|line|pt|mm)$")


def parse_size(text: str) -> float:
    """A font size: ``9pt`` or a 号 name such as ``小五``."""
    if text in ZIHAO:
        return ZIHAO[text]
    if text.endswith("pt"):
        return float(text[:-2])
    raise ValueError(f"not a size: {text!r} (use pt or a 号 name such as 小五)")


def parse_length(text: str, zi: float, line: float) -> float:
    """A length with its unit; ``zi`` is one body character, ``line`` one body line pitch."""
    m = _LENGTH.match(text.strip())
    if not m:
        raise ValueError(f"not a length: {text!r} (a number with zi, line, pt or mm)")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"zi": zi, "line": line, "pt": 1.0, "mm": MM}[unit]
