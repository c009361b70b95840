"""A minimal writer of OLE2 compound files ([MS-CFB], version 3: 512-byte sectors), for the tests.

olefile reads and edits compound files but cannot make one, and no maintained wheel writes a DOC,
XLS or PPT with its property streams: the tests lay one out here, as the specification does.
Streams under 4096 bytes live in the mini stream (64-byte mini sectors), larger ones in sectors of
their own; a path with ``/`` is a stream inside a storage. ``leftover`` is written into a sector
that no chain reaches, as an editor's earlier save leaves it. Every storage's children hang off
its ``child`` as a chain of right siblings, a degenerate but valid tree.
"""

import struct

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
FILETIME_2024 = 133_485_408_000_000_000  # 2024-01-01, when someone last saved the document


def _sectors(data: bytes, size: int) -> int:
    return -(-len(data) // size)


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    entry = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
    entry += struct.pack("<III", NONE, right, child) + bytes(16) + struct.pack("<I", 0)
    entry += struct.pack("<QQ", FILETIME_2024, FILETIME_2024)
    return entry + struct.pack("<IQ", start, size)


def _tree(paths: list[str]) -> list[tuple[str, int, int | None]]:
    """(name, kind, parent index) for the root, each storage and each stream, parents first."""
    nodes: list[tuple[str, int, int | None]] = [("Root Entry", 5, None)]
    index = {"": 0}
    for path in paths:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in index:
                index[key] = len(nodes)
                nodes.append(
                    (parts[depth - 1], 2 if depth == len(parts) else 1, index["/".join(parts[: depth - 1])])
                )
    return nodes


def compound_file(streams: dict[str, bytes], leftover: bytes = b"") -> bytes:
    """The bytes of a compound file holding ``streams`` (path to content)."""
    paths = list(streams)
    nodes = _tree(paths)
    full_paths: dict[int, str] = {}
    for i, (name, _, parent) in enumerate(nodes[1:], 1):
        full_paths[i] = name if not parent else f"{full_paths[parent]}/{name}"
    mini, mini_fat, big = b"", [], []
    starts: dict[int, tuple[int, int]] = {}
    for i, path in full_paths.items():
        if path not in streams:
            continue
        data = streams[path]
        if len(data) < CUTOFF:
            first = len(mini) // MINI
            count = _sectors(data, MINI)
            mini_fat += [first + k + 1 for k in range(count - 1)] + [END] * (count > 0)
            starts[i] = (first if count else END, len(data))
            mini += data.ljust(count * MINI, b"\0")
        else:
            big.append((i, data))
    chains = [("minifat", struct.pack(f"<{len(mini_fat)}I", *mini_fat)), ("mini", mini)]
    chains += [(str(i), data) for i, data in big] + [("leftover", leftover)]
    dir_count = _sectors(b"\0" * 128 * len(nodes), SECTOR)
    body_count = dir_count + sum(_sectors(data, SECTOR) for _, data in chains)
    fat_count = 1
    while fat_count * 128 < fat_count + body_count:
        fat_count += 1
    fat = [FAT_SECTOR] * fat_count
    fat += [len(fat) + k + 1 for k in range(dir_count - 1)] + [END]
    where: dict[str, int] = {}
    for label, data in chains:
        count = _sectors(data, SECTOR)
        where[label] = len(fat) if count else END
        fat += (
            [FREE] * count
            if label == "leftover"
            else [len(fat) + k + 1 for k in range(count - 1)] + [END] * (count > 0)
        )
    for i, data in big:
        starts[i] = (where[str(i)], len(data))
    fat += [FREE] * (fat_count * 128 - len(fat))
    directory = b""
    for i, (name, kind, parent) in enumerate(nodes):
        children = [j for j, node in enumerate(nodes) if node[2] == i]
        siblings = [j for j, node in enumerate(nodes) if node[2] == parent and parent is not None]
        right = siblings[siblings.index(i) + 1] if i in siblings[:-1] else NONE
        start, size = (where["mini"], len(mini)) if kind == 5 else starts.get(i, (END, 0))
        directory += _entry(name, kind, children[0] if children else NONE, right, start, size)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(6) + struct.pack("<IIIIIIIII", 0, fat_count, fat_count, 0, CUTOFF, where["minifat"],
                                     _sectors(chains[0][1], SECTOR), END, 0)  # fmt: skip
    header += struct.pack("<109I", *(list(range(fat_count)) + [FREE] * (109 - fat_count)))
    out = header + struct.pack(f"<{len(fat)}I", *fat) + directory.ljust(dir_count * SECTOR, b"\0")
    return out + b"".join(data.ljust(_sectors(data, SECTOR) * SECTOR, b"\0") for _, data in chains)
