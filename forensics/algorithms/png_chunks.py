"""PNG chunks and their text (ISO/IEC 15948 / W3C PNG, sections 5 and 11.3.4).

Text chunks carry key/value metadata: tEXt (Latin-1), zTXt (deflate-compressed Latin-1) and iTXt (UTF-8,
optionally compressed; XMP lives in the iTXt keyword "XML:com.adobe.xmp"). Decompression is bounded so a
small chunk cannot inflate into gigabytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TEXT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Chunk:
    kind: str
    offset: int
    length: int
    crc_ok: bool


@dataclass
class PngStructure:
    chunks: list[Chunk] = field(default_factory=list)
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (chunk kind, keyword, text)
    bytes_after_iend: int = 0
    problems: list[str] = field(default_factory=list)


def parse_png(data: bytes, max_text_bytes: int = MAX_TEXT_BYTES) -> PngStructure:
    structure = PngStructure()
    if not data.startswith(PNG_SIGNATURE):
        structure.problems.append("does not start with the PNG signature")
        return structure
    offset = len(PNG_SIGNATURE)
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind_bytes = data[offset + 4 : offset + 8]
        kind = kind_bytes.decode("latin-1")
        end = offset + 12 + length
        if end > len(data):
            structure.problems.append(f"{kind!r} chunk at byte {offset} runs past the end of the file")
            return structure
        body = data[offset + 8 : offset + 8 + length]
        crc_ok = zlib.crc32(kind_bytes + body) == int.from_bytes(data[end - 4 : end], "big")
        structure.chunks.append(Chunk(kind, offset, length, crc_ok))
        if not crc_ok:
            structure.problems.append(f"{kind!r} chunk at byte {offset} has a wrong CRC")
        if kind in ("tEXt", "zTXt", "iTXt"):
            try:
                structure.texts.append((kind, *_decode_text(kind, body, max_text_bytes)))
            except (ValueError, zlib.error) as error:
                structure.problems.append(f"{kind} chunk at byte {offset} cannot be decoded ({error})")
        offset = end
        if kind == "IEND":
            structure.bytes_after_iend = len(data) - offset
            return structure
    structure.problems.append("no IEND chunk: the file is truncated")
    return structure


def _decode_text(kind: str, body: bytes, limit: int) -> tuple[str, str]:
    keyword, separator, rest = body.partition(b"\x00")
    if not separator:
        raise ValueError("no keyword separator")
    key = keyword.decode("latin-1")
    if kind == "tEXt":
        return key, rest.decode("latin-1")
    if kind == "zTXt":
        return key, _inflate(rest[1:], limit).decode("latin-1")
    compressed = rest[0:1] == b"\x01"  # rest[1] is the compression method; zlib is the only one defined
    _language, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    return key, (_inflate(text, limit) if compressed else text).decode("utf-8", errors="replace")


def _inflate(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, limit)
    if inflater.unconsumed_tail:
        raise ValueError(f"text inflates beyond {limit} bytes")
    return out
