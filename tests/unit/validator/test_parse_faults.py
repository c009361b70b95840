"""A file that breaks its parser is reported by what went wrong, so the entrant knows what to redo."""

import io
import struct
import zipfile

import pytest

from services.validator.bounded_check import FAULTS, _fault_printed, fault_of


def _zip_with_flags(flags: int) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.xml", b"<a/>")
    raw = bytearray(buffer.getvalue())
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.index(signature) + at
        raw[start : start + 2] = struct.pack("<H", flags)
    return zipfile.ZipFile(io.BytesIO(bytes(raw)))


def _raised_by(read: zipfile.ZipFile) -> Exception:
    with pytest.raises(Exception) as caught:
        read.read("a.xml")
    assert isinstance(caught.value, Exception)
    return caught.value


def test_zipfiles_own_errors_map_to_what_the_entrant_can_do() -> None:
    assert fault_of(_raised_by(_zip_with_flags(0x1))) == "encrypted"  # a password-protected member
    assert fault_of(_raised_by(_zip_with_flags(0x40))) == "encrypted"  # "strong encryption (flag bit 6)"
    assert fault_of(NotImplementedError("That compression method is not supported")) == "compression"
    assert fault_of(UnicodeDecodeError("utf-8", b"\xd5\xd5", 0, 1, "invalid")) == "encoding"
    assert fault_of(IndexError("list index out of range")) == "damaged"


def test_what_the_child_printed_is_trusted_only_when_it_is_a_known_fault() -> None:
    assert _fault_printed(b'{"fault": "compression"}\n') == "compression"
    assert _fault_printed(b'{"fault": "rm -rf"}') == "damaged"
    assert _fault_printed(b'{"fau') == "damaged"  # killed mid-print
    assert _fault_printed(b"[1]") == "damaged"
    assert set(FAULTS) >= {"damaged", "compression", "encrypted", "encoding", "limits"}
