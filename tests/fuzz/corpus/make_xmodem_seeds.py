#!/usr/bin/env python3
"""Writes the fuzz_xmodem seeds (see tests/fuzz/fuzz_xmodem.cpp for the input format):
a flag byte (bit 0: receiver asks for CRC), then records [length][silence/100 ms][bytes]."""
import os
import sys

SOH, STX, EOT, CAN = 0x01, 0x02, 0x04, 0x18


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return bytes([crc >> 8, crc & 0xFF])


def block(number, payload, crc, size=128):
    payload = payload.ljust(size, b"\x1a")
    check = crc16(payload) if crc else bytes([sum(payload) & 0xFF])
    return bytes([STX if size == 1024 else SOH, number & 0xFF, 0xFF - (number & 0xFF)]) + payload + check


def records(*parts):
    """parts: (bytes, silence in 100 ms before them) pairs; long parts span records."""
    out = b""
    for data, silence in parts:
        first = True
        while data or first:
            chunk, data = data[:255], data[255:]
            out += bytes([len(chunk), silence if first else 0]) + chunk
            first = False
    return out


SEEDS = {
    "checksum": bytes([0]) + records((block(1, b"abc", False), 0), (block(2, b"def", False), 0),
                                     (bytes([EOT]), 0)),
    "crc_duplicate": bytes([1]) + records((block(1, b"hello", True), 0),
                                          (block(1, b"hello", True), 0),
                                          (block(2, b"x" * 128, True), 0), (bytes([EOT]), 0)),
    "one_k": bytes([1]) + records((block(1, bytes(range(256)) * 4, True, 1024), 0),
                                  (bytes([EOT]), 0)),
    # The sender starts after 10 s: the receiver has given up on CRC and NAKs for checksum.
    "late_sender": bytes([1]) + records((b"", 100), (block(1, b"late", False), 0),
                                        (bytes([EOT]), 0)),
    # Half a block, a 2 s pause (more than the 1 s byte timeout), then the block again.
    "cut_short": bytes([1]) + records((block(1, b"again", True)[:60], 0),
                                      (block(1, b"again", True), 20), (bytes([EOT]), 0)),
    "cancelled": bytes([1]) + records((block(1, b"a", True), 0), (bytes([CAN, CAN]), 0)),
    "wrong_block": bytes([1]) + records((block(1, b"a", True), 0), (block(3, b"c", True), 0)),
}

if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                                 "fuzz_xmodem")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
