#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes a Registry.pol (MS-GPREG 2.2.1: "PReg", version 1, then [key;value;type;size;data] with UTF-16LE
# brackets, semicolons and NUL-terminated strings, little-endian DWORDs) for the lab's GPOs and the tests.
#   preg.py OUT 'KEY!VALUE=dword:N' 'KEY!**del.VALUE' 'KEY!**delvals.' 'KEY!NAME=sz:TEXT' ...
import struct
import sys

REG_SZ, REG_DWORD = 1, 4


def utf16z(text):
    return text.encode("utf-16-le") + b"\0\0"


def instruction(key, value, rtype, data):
    sep = ";".encode("utf-16-le")
    return ("[".encode("utf-16-le") + utf16z(key) + sep + utf16z(value) + sep + struct.pack("<I", rtype) + sep +
            struct.pack("<I", len(data)) + sep + data + "]".encode("utf-16-le"))


def build(specs):
    out = b"PReg" + struct.pack("<I", 1)
    for spec in specs:
        key, _, rest = spec.partition("!")
        name, eq, data = rest.partition("=")
        if not eq:  # a directive with no data (**del.X, **delvals.): REG_SZ of one space, as Windows writes
            out += instruction(key, name, REG_SZ, utf16z(" "))
        elif data.startswith("dword:"):
            out += instruction(key, name, REG_DWORD, struct.pack("<I", int(data[6:], 0)))
        elif data.startswith("sz:"):
            out += instruction(key, name, REG_SZ, utf16z(data[3:]))
        else:
            raise SystemExit(f"preg.py: cannot read {spec!r}")
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: preg.py OUT SPEC...")
    with open(sys.argv[1], "wb") as f:
        f.write(build(sys.argv[2:]))
