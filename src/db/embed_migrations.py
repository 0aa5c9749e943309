#!/usr/bin/env python3
"""Writes the C table of the schema migrations (src/db/db_priv.h,
struct db_migration) from src/db/migrations/NNNN_name.sql, in version order.
Run by meson at build time: the .sql files are the source."""
import os
import re
import sys


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append('"%s"' % esc)
    return "\n\t\t".join(out) if out else '""'


def main(argv):
    output, inputs = argv[1], argv[2:]
    entries = []
    for path in inputs:
        name = os.path.basename(path)
        m = re.fullmatch(r"(\d{4})_([a-z0-9_]+)\.sql", name)
        if not m:
            sys.exit(f"embed_migrations: {path}: the name must be NNNN_name.sql")
        with open(path, encoding="utf-8") as f:
            entries.append((int(m.group(1)), name, f.read()))
    entries.sort()
    for i, (v, name, _) in enumerate(entries):
        if v != i + 1:
            sys.exit(f"embed_migrations: {name}: expected version {i + 1}; versions run 1, 2, ... without gaps")
    with open(output, "w", encoding="utf-8") as f:
        f.write("/* Made by src/db/embed_migrations.py from the .sql files of src/db/migrations; do not edit. */\n")
        f.write('#include "db/db_priv.h"\n\n')
        f.write("const struct db_migration db_migrations[] = {\n")
        for v, name, sql in entries:
            f.write("\t{%d, \"%s\",\n\t\t%s},\n" % (v, name, c_string(sql)))
        f.write("};\n")
        f.write("const unsigned db_migration_count = %d;\n" % len(entries))


if __name__ == "__main__":
    main(sys.argv)
