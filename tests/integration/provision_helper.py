#!/usr/bin/python3
"""Helper for the cli/provision integration tests, independent of the C code:
builds a provisioning-firmware-like hex with a manifest (python intelhex),
extracts a hex file's table area, and encodes an expected table from the
format in include/nrfcred/provision.h.

  provision_helper.py mkprov OUT.hex          image with code at 0 + manifest
  provision_helper.py table-area FILE.hex     hex of the table area's present bytes
  provision_helper.py expect ENTRY...         hex of the table nrfcred should write
      ENTRY = SEC_TAG:TYPE:@FILE  or  SEC_TAG:TYPE:TEXT  (every entry gets flag
      DELETE_FIRST, as nrfcred provision sets it)
  provision_helper.py mode FILE               octal permission bits
"""
import os
import random
import struct
import sys
import zlib

from intelhex import IntelHex

TABLE_ADDR = 0x10000
TABLE_MAX = 0x1000
RESULT_ADDR = 0x11000
RESULT_MAX = 0x1000
MANIFEST_ADDR = 0x1000


def manifest():
    body = b"nRFcMAN1" + struct.pack("<HHIIIIIII", 1, 44, TABLE_ADDR, TABLE_MAX, RESULT_ADDR,
                                     RESULT_MAX, 0x20000100, 0x000100, 0)
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def mkprov(out):
    rnd = random.Random(7)
    ih = IntelHex()
    code = bytes(rnd.randrange(0x80, 0x100) for _ in range(0x2000))
    ih.frombytes(code, offset=0)
    ih.frombytes(manifest(), offset=MANIFEST_ADDR)
    ih.start_addr = {"EIP": 0x00000201}
    ih.write_hex_file(out)


def table_area(path):
    ih = IntelHex(path)
    data = bytearray()
    for a in range(TABLE_ADDR, TABLE_ADDR + TABLE_MAX):
        if a not in ih.addresses():
            break
        data.append(ih[a])
    print(data.hex())


def expect(entries):
    body = b""
    for spec in entries:
        tag, typ, content = spec.split(":", 2)
        if content.startswith("@"):
            with open(content[1:], "rb") as f:
                data = f.read()
        else:
            data = content.encode()
        body += struct.pack("<IBBH", int(tag), int(typ), 1, len(data)) + data
        body += b"\0" * ((4 - len(data) % 4) % 4)
    total = 20 + len(body)
    head = struct.pack("<IHHIII", 0x4254434E, 1, len(entries), total, 0,
                       zlib.crc32(body) & 0xFFFFFFFF)
    print((head + body).hex())


def main():
    cmd = sys.argv[1]
    if cmd == "mkprov":
        mkprov(sys.argv[2])
    elif cmd == "table-area":
        table_area(sys.argv[2])
    elif cmd == "expect":
        expect(sys.argv[2:])
    elif cmd == "mode":
        print("%04o" % (os.stat(sys.argv[2]).st_mode & 0o7777))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
