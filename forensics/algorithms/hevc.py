"""HEVC (H.265) coding facts of a HEIF picture: its decoder configuration and picture parameter set.

A HEIF file (ISO/IEC 23008-12) keeps each HEVC-coded image's parameter sets in an 'hvcC' property (ISO/IEC
14496-15 section 8.3.3). The picture parameter set (ITU-T H.265 section 7.3.2.3.1) holds the encoder's quantisation
choices for every picture that uses it: the initial quantisation parameter (26 + init_qp_minus26; each slice adds
its own delta), whether the quantiser may change block by block (cu_qp_delta_enabled_flag, adaptive quantisation)
and the chroma QP offsets. Encoders fill them in their own ways, so they describe the encoder and its settings, as
JPEG quantisation tables do; they are read here, never decoded pixels.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PPS_NAL_TYPE = 34  # H.265 table 7-1
MAX_BOXES = 4096


@dataclass(frozen=True)
class PictureParameters:
    """The quantisation fields of one picture parameter set (H.265 section 7.4.3.3)."""

    init_qp: int  # 26 + init_qp_minus26
    cu_qp_delta_enabled: bool
    cb_qp_offset: int
    cr_qp_offset: int


@dataclass(frozen=True)
class HevcConfiguration:
    """One 'hvcC' decoder configuration record (ISO/IEC 14496-15 section 8.3.3.1.2)."""

    profile_idc: int
    level_idc: int  # 30 x the level number (H.265 annex A)
    chroma_format_idc: int
    bit_depth_luma: int
    pictures: tuple[PictureParameters, ...]  # one per picture parameter set that could be read


class _Bits:
    """An H.265 RBSP read bit by bit (section 7.2: emulation-prevention bytes removed first)."""

    def __init__(self, rbsp: bytes):
        self.data, self.position = rbsp, 0

    def bit(self) -> int:
        byte = self.position >> 3
        if byte >= len(self.data):
            raise ValueError("the parameter set ends early")
        value = (self.data[byte] >> (7 - (self.position & 7))) & 1
        self.position += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:  # section 9.2, unsigned Exp-Golomb
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("an Exp-Golomb code longer than 32 bits")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:  # section 9.2.2, signed
        code = self.ue()
        return (code + 1) // 2 if code % 2 else -(code // 2)


def rbsp(nal: bytes) -> bytes:
    """The payload of a NAL unit without its 2-byte header and emulation-prevention bytes (00 00 03 -> 00 00)."""
    out, zeros = bytearray(), 0
    for byte in nal[2:]:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def picture_parameters(pps_nal: bytes) -> PictureParameters:
    """The quantisation fields of a picture parameter set NAL unit; raises ValueError on a malformed one."""
    bits = _Bits(rbsp(pps_nal))
    bits.ue()  # pps_pic_parameter_set_id
    bits.ue()  # pps_seq_parameter_set_id
    bits.bits(2)  # dependent_slice_segments_enabled_flag, output_flag_present_flag
    bits.bits(3)  # num_extra_slice_header_bits
    bits.bits(2)  # sign_data_hiding_enabled_flag, cabac_init_present_flag
    bits.ue()  # num_ref_idx_l0_default_active_minus1
    bits.ue()  # num_ref_idx_l1_default_active_minus1
    init_qp = 26 + bits.se()
    bits.bits(2)  # constrained_intra_pred_flag, transform_skip_enabled_flag
    cu_qp_delta = bool(bits.bit())
    if cu_qp_delta:
        bits.ue()  # diff_cu_qp_delta_depth
    return PictureParameters(init_qp, cu_qp_delta, bits.se(), bits.se())


def parse_hvcc(payload: bytes) -> HevcConfiguration:
    """An 'hvcC' box's payload; raises ValueError on a malformed one. Parameter sets that cannot be read are left out."""
    if len(payload) < 23:
        raise ValueError("the configuration record is shorter than its fixed part")
    profile_idc, level_idc = payload[1] & 0x1F, payload[12]
    chroma_format_idc, bit_depth_luma = payload[16] & 0x03, (payload[17] & 0x07) + 8
    arrays, position, pictures = payload[22], 23, []
    for _ in range(arrays):
        if position + 3 > len(payload):
            break
        nal_type, count = payload[position] & 0x3F, struct.unpack_from(">H", payload, position + 1)[0]
        position += 3
        for _ in range(count):
            if position + 2 > len(payload):
                break
            length = struct.unpack_from(">H", payload, position)[0]
            nal = payload[position + 2 : position + 2 + length]
            position += 2 + length
            if nal_type == PPS_NAL_TYPE:
                try:
                    pictures.append(picture_parameters(nal))
                except ValueError:
                    continue
    return HevcConfiguration(profile_idc, level_idc, chroma_format_idc, bit_depth_luma, tuple(pictures))


def heif_hevc_configurations(data: bytes) -> list[tuple[HevcConfiguration, int]]:
    """Each distinct 'hvcC' property of a HEIF file with how many items use it, most used first (the tiles of a
    grid picture share one; thumbnails usually have their own). Empty for files without HEVC images; never raises."""
    try:
        meta = _child(data, 0, len(data), b"meta")
        if meta is None:
            return []
        iprp = _child(data, meta[0] + 4, meta[1], b"iprp")  # 'meta' is a full box: version and flags first
        ipco = _child(data, iprp[0], iprp[1], b"ipco") if iprp else None
        if ipco is None:
            return []
        properties = list(_boxes(data, ipco[0], ipco[1]))
        uses = _property_uses(data, iprp) if iprp else {}
        found: dict[bytes, tuple[HevcConfiguration, int]] = {}
        for index, (kind, start, end) in enumerate(properties, start=1):
            if kind != b"hvcC":
                continue
            payload = data[start:end]
            try:
                configuration = parse_hvcc(payload)
            except ValueError:
                continue
            previous = found.get(payload, (configuration, 0))
            found[payload] = (configuration, previous[1] + uses.get(index, 0))
        return sorted(found.values(), key=lambda pair: -pair[1])
    except (ValueError, struct.error, IndexError):
        return []


def _property_uses(data: bytes, iprp: tuple[int, int]) -> dict[int, int]:
    """How many items each property (1-based index into 'ipco') is associated with ('ipma', ISO/IEC 23008-12 9.3)."""
    ipma = _child(data, iprp[0], iprp[1], b"ipma")
    if ipma is None:
        return {}
    start = ipma[0]
    version, flags = data[start], int.from_bytes(data[start + 1 : start + 4], "big")
    entries = struct.unpack_from(">I", data, start + 4)[0]
    position, uses = start + 8, {}
    for _ in range(min(entries, 1_000_000)):
        position += 4 if version >= 1 else 2  # item_ID
        count = data[position]
        position += 1
        for _ in range(count):
            if flags & 1:
                index = struct.unpack_from(">H", data, position)[0] & 0x7FFF
                position += 2
            else:
                index = data[position] & 0x7F
                position += 1
            uses[index] = uses.get(index, 0) + 1
        if position >= ipma[1]:
            break
    return uses


def _boxes(data: bytes, start: int, end: int):
    """(type, payload start, payload end) of each box between ``start`` and ``end`` (ISO/IEC 14496-12 4.2)."""
    position, seen = start, 0
    while position + 8 <= end and seen < MAX_BOXES:
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, position + 8)[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            return
        yield kind, position + header, position + size
        position += size
        seen += 1


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)
