"""Compression of stored figure JSON.

Figures are stored compressed with Zstandard at level 3 by default. On
matchkit's figures it shrinks JSON about six times, close to zlib at level 6.
It compresses about three times faster than zlib, which matters because workers
compress every figure on the hot path (measured on one match's 24 figures:
3.4 ms against 9.9 ms). ``none`` stores plain JSON for databases that other
tools read with plain SQL.
"""

from __future__ import annotations

import threading

import zstandard

from matchkit.errors import ParameterError

CODECS = ("zstd", "none")
DEFAULT_CODEC = "zstd"
ZSTD_LEVEL = 3

# python-zstandard's compressor objects are not thread-safe, and the threading
# backend compresses in several threads at once: each thread gets its own.
_local = threading.local()


def _zstd() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    if not hasattr(_local, "compressor"):
        _local.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        _local.decompressor = zstandard.ZstdDecompressor()
    return _local.compressor, _local.decompressor


def check_codec(codec: str) -> str:
    """Return ``codec`` if matchkit supports it; raise ParameterError otherwise."""
    if codec not in CODECS:
        raise ParameterError(f"compression {codec!r} is not supported; accepted values: {', '.join(CODECS)}")
    return codec


def encode_figure(figure_json: bytes, codec: str = DEFAULT_CODEC) -> bytes:
    """Compress figure JSON bytes with ``codec`` for storage."""
    if codec == "zstd":
        return _zstd()[0].compress(figure_json)
    return figure_json


def decode_figure(stored: bytes | str, codec: str) -> str:
    """Return the figure JSON text of a stored value written with ``codec``."""
    if isinstance(stored, str):
        return stored
    if codec == "zstd":
        return _zstd()[1].decompress(stored).decode("utf-8")
    return bytes(stored).decode("utf-8")
