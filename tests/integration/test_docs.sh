#!/usr/bin/env bash
# The project stands alone and its documents agree with the code:
# - no path outside the repository (a clone elsewhere has none of them) in
#   tracked files: docs, comments, code;
# - every relative link in the Markdown files resolves;
# - the station keys the parser accepts are exactly those README's table and
#   config/station.example.ini document;
# - every command is in README's command table and in `nrfcred --help`, and
#   every long flag a command's help lists is in README.
src=${NRFCRED_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${NRFCRED_BUILD_ROOT:-$src/build}
py=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
cd "$src" || exit 1

if git rev-parse --git-dir >/dev/null 2>&1; then
	files() { git ls-files; }
else
	files() { find . -type f -not -path './build*' -not -path './.git/*' | sed 's#^\./##'; }
fi

# Split so this file does not name the patterns it looks for.
outside='\.\./sha''red/|/wo''rk/|/fa''rm/|/ho''me/[a-z]|/ro''ot/'
hits=$(files | grep -v '^tests/integration/test_docs\.sh$' |
	xargs grep -nIE "$outside" 2>/dev/null | head -5)
check "no path outside the repository in tracked files${hits:+: $hits}" [ -z "$hits" ]

check "every relative Markdown link resolves" "$py" - <<'PY'
import os, re, subprocess, sys
try:
    names = subprocess.run(["git", "ls-files", "*.md"], capture_output=True, text=True,
                           check=True).stdout.split()
except Exception:
    names = [os.path.join(d, f) for d, _, fs in os.walk(".") for f in fs if f.endswith(".md")]
bad = []
for md in names:
    text = open(md, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks hold no links
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        full = os.path.normpath(os.path.join(os.path.dirname(md), path))
        if not os.path.exists(full):
            bad.append("%s -> %s" % (md, target))
for b in bad:
    print("# broken link:", b)
sys.exit(1 if bad else 0)
PY

check "station keys: parser == README table == station.example.ini" "$py" - <<'PY'
import re, sys
code = open("src/station/config_keys.c").read()
parser = set()
for kind, key in re.findall(r"\{SEC_(STATION|SLOT|CREDENTIAL|CA|DATABASE), \"([a-z_]+)\", K_", code):
    parser.add(({"STATION": "station", "SLOT": "slot N", "CREDENTIAL": "credential NAME",
                 "CA": "ca", "DATABASE": "database"}[kind], key))
readme = open("README.md").read()
documented = set()
for sec, keys in re.findall(r"^\| `\[(station|slot N|credential NAME|ca|database)\] ([a-z_/` ]+)`", readme, re.M):
    for k in re.split(r"[` /]+", keys):
        if k:
            documented.add((sec, k))
example = open("config/station.example.ini").read()
in_example = set()
sec = None
for line in example.splitlines():
    line = line.strip().lstrip(";").strip()
    m = re.match(r"\[(station|slot \d+|credential [^\]]+|ca|database)\]$", line)
    if m:
        name = m.group(1)
        sec = ("station" if name == "station" else "ca" if name == "ca" else
               "database" if name == "database" else
               "slot N" if name.startswith("slot") else "credential NAME")
        continue
    m = re.match(r"([a-z_]+) *=", line)
    if m and sec:
        in_example.add((sec, m.group(1)))
ok = True
for name, got in (("README", documented), ("station.example.ini", in_example)):
    for k in sorted(parser - got):
        print("# %s does not document [%s] %s" % (name, *k)); ok = False
    for k in sorted(got - parser):
        print("# %s documents [%s] %s, which the parser refuses" % (name, *k)); ok = False
sys.exit(0 if ok else 1)
PY

nrfcred=$build/nrfcred
if [ -x "$nrfcred" ]; then
	cmds=$(sed -n 's/^CLI_COMMAND(\([a-z]*\),.*/\1/p' src/cli/commands.def)
	for c in $cmds; do
		check "command $c: in README's table and in nrfcred --help" bash -c "
			grep -q '^| \`nrfcred $c' README.md && '$nrfcred' --help | grep -qw '$c'"
		missing=$("$nrfcred" help "$c" | grep -oE -- '--[a-zA-Z][a-zA-Z_-]+' | sort -u |
			while read -r flag; do grep -qF -- "$flag" README.md || echo "$flag"; done | tr '\n' ' ')
		check "command $c: every long flag of its help is in README${missing:+ (missing: $missing)}" \
			[ -z "$missing" ]
	done
else
	check "nrfcred built" false
fi

finish
