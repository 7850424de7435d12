"""HEVC parameter sets read from a HEIF file: checked against parameter sets written here bit by bit from the
H.265 syntax (section 7.3.2.3.1) and the hvcC record of ISO/IEC 14496-15 section 8.3.3.1.2."""

from __future__ import annotations

import struct

import pytest

from forensics.algorithms.hevc import heif_hevc_configurations, parse_hvcc, picture_parameters, rbsp


class BitWriter:
    def __init__(self):
        self.bits = []

    def put(self, value: int, count: int):
        self.bits += [(value >> (count - 1 - i)) & 1 for i in range(count)]

    def ue(self, value: int):  # H.265 section 9.2
        code = value + 1
        self.put(0, code.bit_length() - 1)
        self.put(code, code.bit_length())

    def se(self, value: int):
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def nal(self, nal_type: int) -> bytes:
        bits = self.bits + [1] + [0] * (-(len(self.bits) + 1) % 8)  # rbsp_trailing_bits
        payload = bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))
        return bytes([nal_type << 1, 1]) + payload


def pps(init_qp: int, cu_qp_delta: bool, cb: int, cr: int) -> bytes:
    writer = BitWriter()
    writer.ue(0), writer.ue(0)  # pps and sps ids
    writer.put(0, 2), writer.put(0, 3), writer.put(0, 2)  # slice-header flags, extra bits, sign hiding, cabac init
    writer.ue(0), writer.ue(0)  # default active reference counts
    writer.se(init_qp - 26)
    writer.put(0, 2)  # constrained intra prediction, transform skip
    writer.put(int(cu_qp_delta), 1)
    if cu_qp_delta:
        writer.ue(2)  # diff_cu_qp_delta_depth
    writer.se(cb), writer.se(cr)
    writer.put(0, 8)  # the remaining flags, unread
    return writer.nal(34)


def hvcc(profile: int, level: int, nal: bytes) -> bytes:
    fixed = bytes([1, profile, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, level, 0xF0, 0x00, 0xFC, 0xFC | 1, 0xF8, 0xF8,
                   0, 0, 0x0F, 1])
    return fixed + bytes([0x80 | 34]) + struct.pack(">HH", 1, len(nal)) + nal


def box(kind: bytes, payload: bytes, full: bool = False) -> bytes:
    body = (b"\x00\x00\x00\x00" if full else b"") + payload
    return struct.pack(">I", 8 + len(body)) + kind + body


@pytest.mark.parametrize("init_qp, cu_qp_delta, cb, cr", [(26, False, 0, 0), (15, True, 2, 2), (40, True, -3, 5)])
def test_the_quantisation_fields_of_a_picture_parameter_set_are_read(init_qp, cu_qp_delta, cb, cr):
    read = picture_parameters(pps(init_qp, cu_qp_delta, cb, cr))
    assert (read.init_qp, read.cu_qp_delta_enabled, read.cb_qp_offset, read.cr_qp_offset) == (init_qp, cu_qp_delta, cb, cr)


def test_emulation_prevention_bytes_are_removed():
    assert rbsp(b"\x44\x01\x00\x00\x03\x01\x00\x00\x03\x00") == b"\x00\x00\x01\x00\x00\x00"


def test_a_heif_files_configuration_is_found_with_the_items_that_use_it():
    record = hvcc(3, 90, pps(15, True, 2, 2))
    ipma = struct.pack(">I", 3) + b"".join(struct.pack(">HB", item, 1) + bytes([0x80 | 1]) for item in (1, 2, 3))
    iprp = box(b"iprp", box(b"ipco", box(b"hvcC", record)) + box(b"ipma", ipma, full=True))
    data = box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + box(b"meta", iprp, full=True)
    ((configuration, items),) = heif_hevc_configurations(data)
    assert (configuration.profile_idc, configuration.level_idc, configuration.chroma_format_idc) == (3, 90, 1)
    assert configuration.bit_depth_luma == 8 and items == 3
    assert configuration.pictures[0].init_qp == 15 and configuration.pictures[0].cb_qp_offset == 2
    assert parse_hvcc(record).pictures == configuration.pictures


@pytest.mark.parametrize("data", [b"", b"\x00\x00\x00\x08meta", b"\x00\x00\x00\x10meta\x00\x00\x00\x00\xff\xff\xff\xff"])
def test_broken_files_give_nothing_rather_than_an_error(data):
    assert heif_hevc_configurations(data) == []
