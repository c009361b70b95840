"""An upload's body pieces handed to the writer in blocks: whatever sizes the server hands over
and whatever block and part sizes are taken, the bytes written are the bytes received, in order."""

from hypothesis import given
from hypothesis import strategies as st

from services.intake.block_writer import Pieces


@given(
    pieces=st.lists(st.binary(min_size=1, max_size=40), max_size=30),
    takes=st.lists(st.integers(min_value=0, max_value=70), max_size=30),
)
def test_blocks_taken_hold_the_received_bytes_in_order(pieces: list[bytes], takes: list[int]) -> None:
    held = Pieces()
    for piece in pieces:
        held.add(piece)
    received = b"".join(pieces)
    written = b""
    for n in takes:
        block = held.take(n)
        assert sum(map(len, block)) == min(n, len(received) - len(written))
        written += b"".join(block)
        assert len(held) == len(received) - len(written)
    written += b"".join(held.take(len(held)))
    assert written == received and len(held) == 0


def test_a_block_cut_inside_a_piece_leaves_the_rest_for_the_next() -> None:
    held = Pieces()
    held.add(b"abcdef")
    held.add(b"gh")
    assert held.take(4) == [b"abcd"]
    assert held.take(10) == [b"ef", b"gh"]
    assert held.take(1) == [] and not held
