"""Records a benchmark run in BENCHMARKS.md: the entry goes at the end of its section (created, with
its introduction, when the file does not have it yet).

From Python (bench/*/run.py):
    sys.path.insert(0, os.path.join(ROOT, "bench", "lib")); import benchmarks_md
    benchmarks_md.record(benchmarks_md.default_path(ROOT), heading, intro,
                         benchmarks_md.entry(header, [commands], table))
From a shell script:
    python3 bench/lib/benchmarks_md.py FILE --heading H --intro I --header H --block B [--block B] --table T

The commit an entry names is the one the measured binary was built from (`hotpath --version`, which
the build embeds), not the checkout's HEAD, which may have moved since the build:
    benchmarks_md.binary_commit(path_to_hotpath)
    python3 bench/lib/benchmarks_md.py --binary-commit PATH
"""

import argparse
import os
import re
import subprocess
import sys


def default_path(root):
    return os.environ.get("BENCHMARKS_FILE", os.path.join(root, "BENCHMARKS.md"))


def binary_commit(binary):
    """The commit `binary` was built from, as its --version says ("9f4161d", "9f4161d-dirty"); a binary
    that names none (built before the commit was embedded) gives "unknown (binary names no commit)"."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError as e:
        return "unknown (%s)" % e.strerror
    m = re.search(r"\(commit ([^)\s]+)\)", out)
    return m.group(1) if m else "unknown (binary names no commit)"


def entry(header, blocks, table):
    """### header, each block fenced as code (the commands, raw output), then the table."""
    return "\n### %s\n\n%s%s\n" % (header, "".join("```\n%s\n```\n\n" % b for b in blocks), table)


def record(path, heading, intro, text_entry):
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n\n" + heading + "\n\n" + intro.rstrip("\n") + "\n"
    start = text.index(heading) + len(heading)
    nxt = text.find("\n## ", start)
    end = len(text) if nxt < 0 else nxt
    text = text[:end].rstrip("\n") + "\n" + text_entry + text[end:]
    with open(path, "w") as f:
        f.write(text)
    print("recorded in %s" % path)


def main(argv):
    if argv[:1] == ["--binary-commit"] and len(argv) == 2:
        print(binary_commit(argv[1]))
        return 0
    p = argparse.ArgumentParser(prog="benchmarks_md.py", description="append a benchmark entry to BENCHMARKS.md")
    p.add_argument("file")
    p.add_argument("--heading", required=True, help='the section, e.g. "## Platform core (issue #2)"')
    p.add_argument("--intro", required=True, help="the section's first paragraph, used when it is created")
    p.add_argument("--header", required=True, help="the entry's ### line")
    p.add_argument("--block", action="append", default=[], help="a fenced block (commands, raw output)")
    p.add_argument("--table", required=True)
    a = p.parse_args(argv)
    record(a.file, a.heading, a.intro, entry(a.header, a.block, a.table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
