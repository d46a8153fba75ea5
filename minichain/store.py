"""An append-only, checksummed chain store that survives a crash mid-write (chapter 05).

A node keeps every block it accepted in one file, oldest first, so a restart rebuilds the
same block tree by re-validating each block through ``Chain.add_block`` (the file is not
trusted: it is evidence, checked like a block from a stranger).

The file is a magic line, then one record per block, genesis first::

    length   4 bytes   big-endian length of the block's bytes
    number   8 bytes   big-endian block number (to name the block in errors)
    guard    4 bytes   first 4 bytes of SHA-256(length + number): the two fields above
                       are intact, so a flipped length is never mistaken for a torn write
    checksum 32 bytes  SHA-256 of the block's bytes
    block    length bytes, ``Block.to_bytes()``

``append`` writes a record and calls ``fsync`` before it returns, so a block the chain
counts as added (and a node then relays) is on disk. (``sync=False`` leaves the fsync out:
for a simulation whose nodes share one process, where a crash is simulated and the
operating system, which still holds every write, never crashes.) A crash can only cut the last record
short: on reload such a torn tail is dropped with a ``TornWriteWarning`` and the file is
truncated to its last complete record. Anything else that does not check out (a flipped
byte anywhere, a valid checksum over an invalid block) raises ``StoreCorrupted`` naming the
record and the block.
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

from minichain.block import Block
from minichain.chain import Chain, Genesis, SealingRule
from minichain.encoding import sha256
from minichain.errors import InvalidBlock, StoreCorrupted, StoreError, TornWriteWarning

MAGIC = b"minichain chain store v1\n"
PREFIX = struct.Struct(">IQ")      # length, number
GUARD_BYTES = 4
CHECKSUM_BYTES = 32
RECORD_HEADER_BYTES = PREFIX.size + GUARD_BYTES + CHECKSUM_BYTES


def encode_record(block: Block) -> bytes:
    """One record: length, number, their guard, the checksum, the block's bytes."""
    payload = block.to_bytes()
    prefix = PREFIX.pack(len(payload), block.number)
    return prefix + sha256(prefix)[:GUARD_BYTES] + sha256(payload) + payload


class ChainStore:
    """One node's blocks in one append-only file."""

    def __init__(self, path: str | os.PathLike, sync: bool = True) -> None:
        self.path = Path(path)
        self.sync = sync        # wait for the disk after each block (module docstring)

    def exists(self) -> bool:
        return self.path.exists()

    def create(self, genesis: Genesis) -> None:
        """Start a new file holding only the genesis block; refuse to overwrite one.

        The file is written under a temporary name and renamed into place, so a crash
        leaves either no store or a whole one, never half a genesis record.
        """
        if self.exists():
            raise StoreError(f"{self.path} already exists; open it instead of creating it")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".new")
        with open(partial, "wb") as file:
            file.write(MAGIC + encode_record(genesis.block()))
            _sync(file)
        os.replace(partial, self.path)
        _sync_directory(self.path.parent)

    def append(self, block: Block) -> None:
        """Write one block and return only once it is on disk (fsync, unless ``sync`` is off)."""
        record = encode_record(block)
        try:
            with open(self.path, "ab") as file:
                start = file.tell()
                try:
                    file.write(record)
                    if self.sync:
                        _sync(file)
                except OSError:
                    file.truncate(start)     # leave no half record behind the next one
                    raise
        except OSError as error:
            raise StoreError(f"{self.path}: could not write block #{block.number}: "
                             f"{error}") from error

    def read(self) -> list[Block]:
        """Every complete block in the file; drop a torn last record (with a warning)."""
        data = self.path.read_bytes()
        if not data.startswith(MAGIC):
            raise StoreCorrupted(f"{self.path} does not start with {MAGIC!r}: it is not a "
                                 "minichain chain store, or its first bytes are damaged")
        blocks: list[Block] = []
        offset = len(MAGIC)
        while offset < len(data):
            record = len(blocks)
            after = f"the block after #{blocks[-1].number}" if blocks else "the genesis block"
            if len(data) - offset < PREFIX.size + GUARD_BYTES:
                return self._drop_torn_tail(blocks, offset, len(data))
            prefix = data[offset:offset + PREFIX.size]
            guard = data[offset + PREFIX.size:offset + PREFIX.size + GUARD_BYTES]
            if sha256(prefix)[:GUARD_BYTES] != guard:
                raise StoreCorrupted(f"{self.path}: record {record} at byte {offset} "
                                     f"({after}) has a damaged length or number field")
            length, number = PREFIX.unpack(prefix)
            start = offset + RECORD_HEADER_BYTES
            if len(data) < start + length:
                return self._drop_torn_tail(blocks, offset, len(data))
            payload = data[start:start + length]
            checksum = data[start - CHECKSUM_BYTES:start]
            where = f"{self.path}: block #{number} (record {record} at byte {offset})"
            if sha256(payload) != checksum:
                raise StoreCorrupted(f"{where} fails its SHA-256 checksum: the stored bytes "
                                     "were changed after they were written")
            try:
                block = Block.from_bytes(payload)
            except InvalidBlock as error:
                raise StoreCorrupted(f"{where} cannot be read: {error}") from error
            if block.number != number:
                raise StoreCorrupted(f"{where} holds block #{block.number} instead")
            blocks.append(block)
            offset = start + length
        return blocks

    def _drop_torn_tail(self, blocks: list[Block], offset: int, size: int) -> list[Block]:
        last = f"block #{blocks[-1].number}" if blocks else "no block"
        warnings.warn(f"{self.path}: the last record (byte {offset} to the end, {size - offset} "
                      f"bytes) was cut short by a crash during a write; recovered up to {last} "
                      "and dropped the torn tail", TornWriteWarning, stacklevel=3)
        with open(self.path, "r+b") as file:
            file.truncate(offset)
            _sync(file)
        return blocks

    def load(self, genesis: Genesis, rule: SealingRule | None = None,
             states_kept: int | None = None) -> Chain:
        """Rebuild the chain from the file, re-validating every block; keep appending to it."""
        blocks = self.read()
        chain = Chain(genesis, rule, states_kept=states_kept)
        if not blocks:
            raise StoreCorrupted(f"{self.path} holds no genesis block")
        if blocks[0].hash != chain.head_hash:
            raise StoreError(f"{self.path} belongs to another chain: its first block is not "
                             "this genesis block")
        for record, block in enumerate(blocks[1:], start=1):
            try:
                chain.add_block(block)
            except InvalidBlock as error:
                raise StoreCorrupted(f"{self.path}: block #{block.number} (record {record}) "
                                     f"is invalid: {error}") from error
        chain.before_add.append(self.append)
        return chain

    def open_chain(self, genesis: Genesis, rule: SealingRule | None = None,
                   states_kept: int | None = None) -> Chain:
        """The chain in this file (created with just genesis if there is none yet)."""
        if not self.exists():
            self.create(genesis)
        return self.load(genesis, rule, states_kept)


def _sync(file) -> None:
    file.flush()
    os.fsync(file.fileno())


def _sync_directory(directory: Path) -> None:
    """Make a newly created file's name durable too (POSIX; a no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
