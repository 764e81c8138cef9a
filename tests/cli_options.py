#!/usr/bin/env python3
"""tests/cli_options.py — the command line is consistent with itself and with
the README (issue 11, defects 4 and 9).

Usage: cli_options.py EMBODIED_EXE SOURCE_ROOT      (TAP on stdout)

Every subcommand `embodied --help` lists is asked for its --help, parsed with
scripts/gen_manpage.py's parser, and:
  - every option line of every help parses;
  - one meaning per option letter across the whole tool (-f is --from
    wherever it exists, -s --stressor, ...);
  - the letters getopt accepts are exactly those the help lists (each letter
    a-z, A-Z, 0-9 tried on its own: a letter that is not listed must be an
    "unknown option"), and every long option the help lists is known;
  - a usage error is exactly one line, "embodied SUB: unknown option '--x';
    try 'embodied SUB --help'" (also a missing argument), exit 2, naming the
    option or command a typo probably meant;
  - the README's generated command-line block equals what
    scripts/readme_cli.py makes from --help now;
  - every `embodied SUB ...` command written anywhere in the README uses only
    options SUB's help lists (so the README names no option the tool lacks);
  - `import FORMAT --help` lists only the options FORMAT reads, and the
    others are refused for it.
No run loads a table: EMBODIED_DEMO points nowhere, each run starts in an
empty directory.
"""
import os
import re
import string
import subprocess
import sys
import tempfile

EXE, ROOT = os.path.abspath(sys.argv[1]), sys.argv[2]
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import gen_manpage  # noqa: E402
import readme_cli  # noqa: E402

WORK = tempfile.mkdtemp(prefix="cli_options.")
ENV = dict(os.environ, EMBODIED_DEMO=os.path.join(WORK, "no-such-demo.h5"),
           EMBODIED_HDF5_PROBE_SECONDS="0")
results = []


def run(args):
    r = subprocess.run([EXE] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, cwd=WORK, env=ENV, timeout=60)
    return r.returncode, r.stdout, r.stderr


def check(name, problems):
    results.append((name, problems))


MAIN_HELP = gen_manpage.help_text(EXE)
SUBS = gen_manpage.subcommands(MAIN_HELP)
HELP, OPTS = {}, {}

# 1. every help parses
problems = []
if len(SUBS) < 9:
    problems.append("embodied --help lists only %r" % SUBS)
for sub in [None] + SUBS:
    try:
        HELP[sub] = gen_manpage.help_text(EXE, sub)
        OPTS[sub] = gen_manpage.parse_options(HELP[sub])
    except (RuntimeError, ValueError) as e:
        problems.append("%s: %s" % (sub or "embodied", e))
        OPTS[sub] = []
    if not any(o["long"] == "help" for o in OPTS[sub]):
        problems.append("%s --help lists no --help" % (sub or "embodied"))
check("every --help parses, every subcommand has --help", problems)

# 2. one meaning per letter
meaning = {}
for sub in [None] + SUBS:
    for o in OPTS[sub]:
        if o["short"]:
            meaning.setdefault(o["short"], {}).setdefault(o["long"], []).append(sub or "embodied")
problems = ["-%s means %s" % (k, "; ".join("--%s in %s" % (lng, ", ".join(s)) for lng, s in v.items()))
            for k, v in sorted(meaning.items()) if len(v) > 1]
check("one meaning per option letter across all subcommands", problems)

# 3. getopt accepts exactly the letters the help lists; every long option known
problems = []
for sub in SUBS:
    listed = {o["short"] for o in OPTS[sub] if o["short"]}
    for ch in string.ascii_letters + string.digits:
        rc, out, err = run([sub, "-" + ch])
        unknown = "unknown option '-%s'" % ch in err
        if unknown == (ch in listed):
            problems.append("%s -%s: %s by getopt, %s in --help" % (
                sub, ch, "refused" if unknown else "accepted", "listed" if ch in listed else "not listed"))
    for o in OPTS[sub]:
        rc, out, err = run([sub, "--" + o["long"]])
        if "unknown option" in err or "ambiguous option" in err:
            problems.append("%s --%s: listed in --help, but: %s" % (sub, o["long"], err.strip()))
check("the letters and long options getopt accepts are those --help lists", problems)

# 4. usage errors are one line
problems = []
for sub in [None] + SUBS:
    pre = [sub] if sub else []
    name = "embodied" + (" " + sub if sub else "")
    hint = "; try 'embodied %s--help'" % (sub + " " if sub else "")
    cases = [(["--no-such-option"], "unknown option '--no-such-option'"),
             (["-%s" % next(c for c in "jJ9" if c not in meaning)], None)]
    with_arg = [o for o in OPTS[sub] if o["arg"]]
    if with_arg:
        cases.append((["--" + with_arg[0]["long"]],
                      "option '--%s' requires an argument" % with_arg[0]["long"]))
        if with_arg[0]["short"]:
            cases.append((["-" + with_arg[0]["short"]],
                          "option '-%s' requires an argument" % with_arg[0]["short"]))
    for args, what in cases:
        rc, out, err = run(pre + args)
        if what is None:
            what = "unknown option '%s'" % args[0]
        want = "%s: %s%s\n" % (name, what, hint)
        if rc != 2 or err != want:
            problems.append("%s %s: exit %d, stderr %r; expected exit 2 and %r" % (
                name, " ".join(args), rc, err, want))
rc, out, err = run(["no-such-command"])
if rc != 2 or err.count("\n") != 1:
    problems.append("embodied no-such-command: exit %d, stderr %r" % (rc, err))
# a typo of an option or a command: the one it probably meant, same line
for args, want in [(["accounts", "--stresor", "co2"], "embodied accounts: unknown option '--stresor' "
                    "(did you mean '--stressor'?); try 'embodied accounts --help'\n"),
                   (["flows", "--form", "CN"], "embodied flows: unknown option '--form' (did you "
                    "mean '--from'?); try 'embodied flows --help'\n"),
                   (["acounts"], "embodied: unknown command 'acounts' (did you mean 'accounts'?); "
                    "try 'embodied --help'\n")]:
    rc, out, err = run(args)
    if rc != 2 or err != want:
        problems.append("embodied %s: exit %d, stderr %r; expected %r" % (" ".join(args), rc, err, want))
check("a usage error is one line naming the option and the --help to read, exit 2", problems)

# 5. the README's generated block is current
readme_path = os.path.join(ROOT, "README.md")
with open(readme_path, encoding="utf-8") as f:
    README = f.read()
problems = []
try:
    head, block, tail = readme_cli.split_readme(README)
    new = readme_cli.synopsis(EXE)
    if block != new:
        import difflib
        problems += [ln.rstrip("\n") for ln in difflib.unified_diff(
            block.splitlines(True), new.splitlines(True), "README.md", "--help")][:40]
        problems.append("run: scripts/readme_cli.py build/embodied README.md --write")
except ValueError as e:
    problems.append(str(e))
    head, tail = README, ""
check("README's command-line block is the one generated from --help", problems)


# 6. every command in the README uses options its subcommand has
def commands(text):
    """(line number, subcommand, [option words]) of every `embodied SUB ...`
    written in the README: in fenced code blocks (joined over trailing
    backslashes) and in inline code spans."""
    found = []
    pat = re.compile(r"(?<![\w./-])embodied (%s)\b(.*)" % "|".join(map(re.escape, SUBS)))
    fenced, joined, start = False, "", 0
    lines = text.split("\n")
    for n, ln in enumerate(lines, 1):
        if ln.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            if not joined:
                start = n
            joined += ln
            if ln.endswith("\\"):
                joined = joined[:-1] + " "
                continue
            pieces, joined = [joined], ""
        else:
            start = n
            pieces = re.findall(r"`([^`]*)`", ln)
        for p in pieces:
            m = pat.search(p)
            if m:
                found.append((start, m.group(1), m.group(2)))
    return found


problems = []
for n, sub, rest in commands(head + tail):
    longs = {o["long"] for o in OPTS[sub]}
    shorts = {o["short"] for o in OPTS[sub] if o["short"]}
    for tok in rest.split():
        if tok in ("|", "||", "&&", ";") or tok.startswith((">", "2>", "#", "$(")):
            break  # another command follows
        tok = tok.lstrip("[(")
        m = re.match(r"^--([a-z0-9][a-z0-9-]*)", tok)
        if m and m.group(1) not in longs:
            problems.append("README line %d: embodied %s ... --%s: not in '%s --help'" % (
                n, sub, m.group(1), sub))
        m = re.match(r"^-([A-Za-z])(?![A-Za-z0-9-])", tok)
        if m and m.group(1) not in shorts:
            problems.append("README line %d: embodied %s ... -%s: not in '%s --help'" % (
                n, sub, m.group(1), sub))
check("every `embodied SUB ...` in the README uses only options of SUB's --help", problems)

# 7. import FORMAT --help: only the options FORMAT reads
problems = []
rc, out, err = run(["import", "--list"])
formats = [ln.split("\t")[0] for ln in out.split("\n") if ln.strip()]
specific = {"extension": {"pymrio", "gloria"}, "stressors-csv": {"oecd-icio"},
            "rename-regions": {"pymrio"}}
general = {o["long"] for o in OPTS["import"]}
if sorted(formats) != sorted(["pymrio", "eora26", "oecd-icio", "gloria", "csv"]):
    problems.append("import --list: %r" % formats)
for fmt in formats:
    opts = {o["long"] for o in gen_manpage.parse_options(gen_manpage.help_text(EXE, "import", [fmt]))}
    if not opts <= general:
        problems.append("import %s --help lists %s, not in import --help" % (fmt, opts - general))
    if "list" in opts:
        problems.append("import %s --help lists --list" % fmt)
    for opt, fmts in specific.items():
        if (opt in opts) != (fmt in fmts):
            problems.append("import %s --help %s --%s" % (fmt, "lists" if opt in opts else "lacks", opt))
        if fmt not in fmts:
            rc, out, err = run(["import", fmt, "in", "-o", "out.h5", "--" + opt, "x"])
            want = "does not apply to format %s" % fmt
            if rc != 2 or want not in err or err.count("\n") != 1:
                problems.append("import %s --%s x: exit %d, %r" % (fmt, opt, rc, err))
check("import FORMAT --help lists only the options FORMAT reads; the others are refused", problems)

print("1..%d" % len(results))
failed = 0
for i, (name, problems) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if not problems else "not ok", i, name))
    for p in problems:
        print("#   " + p)
    failed += bool(problems)
for f in os.listdir(WORK):
    p = os.path.join(WORK, f)
    if os.path.isfile(p):
        os.unlink(p)
os.rmdir(WORK)
sys.exit(1 if failed else 0)
