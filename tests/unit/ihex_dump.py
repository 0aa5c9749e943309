#!/usr/bin/python3
"""Independent Intel HEX reader for the round-trip test in test_ihex.c.

  ihex_dump.py dump FILE       print each contiguous run as ADDR:HEXBYTES
                               (8 upper-case hex digits, then the bytes), in
                               address order, then START_LINEAR:XXXXXXXX or
                               START_SEGMENT:XXXXXXXX when the file has one.
  ihex_dump.py rewrite IN OUT  read IN with python intelhex and write OUT with it.

Uses python3-intelhex, never our own parser, so that a writer bug cannot be
hidden by a matching reader bug.
"""
import sys

from intelhex import IntelHex


def dump(path):
    ih = IntelHex(path)
    out = []
    for start, end in ih.segments():
        data = bytes(ih[a] for a in range(start, end))
        out.append("%08X:%s" % (start, data.hex().upper()))
    sa = ih.start_addr or {}
    if "EIP" in sa:
        out.append("START_LINEAR:%08X" % sa["EIP"])
    if "CS" in sa:
        out.append("START_SEGMENT:%08X" % (sa["CS"] << 16 | sa["IP"]))
    sys.stdout.write("".join(line + "\n" for line in out))


def rewrite(src, dst):
    ih = IntelHex(src)
    ih.write_hex_file(dst)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "rewrite":
        rewrite(sys.argv[2], sys.argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
