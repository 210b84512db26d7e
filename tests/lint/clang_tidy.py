#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""clang-tidy over every translation unit of the build (compile_commands.json) under lib/, daemon/, rules/ and
tests/, with the checks of .clang-tidy: fails on any diagnostic (the tree is kept at zero; a check is
disabled only in .clang-tidy, with its reason). One clang-tidy per file, as many at once as there are
CPUs (what run-clang-tidy does; this driver also merges the diagnostics a header gets once per file that
includes it, and prints the time taken).

usage: clang_tidy.py SOURCE_ROOT BUILD_ROOT [CLANG_TIDY]"""
import concurrent.futures, json, os, re, resource, shutil, subprocess, sys, time

src, build = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
tidy = sys.argv[3] if len(sys.argv) > 3 else shutil.which('clang-tidy')
if not tidy:
    print('clang-tidy not found: install the clang-tidy package (tests/install-deps.sh)')
    sys.exit(1)
with open(os.path.join(build, 'compile_commands.json')) as f:
    database = json.load(f)
directories = {}  # file -> the directory its command runs in (relative paths in diagnostics)
for entry in database:
    path = os.path.realpath(os.path.join(entry['directory'], entry['file']))
    if os.path.relpath(path, src).split(os.sep)[0] in ('lib', 'daemon', 'tests', 'rules'):
        directories.setdefault(path, entry['directory'])
files = sorted(directories)
if not files:
    print('no translation units of lib/, daemon/ or tests/ in ' + build + '/compile_commands.json')
    sys.exit(1)

# "file:line:col: warning: text [check]" (errors have no check name when the file does not compile);
# the file is absolute or relative to the command's directory.
diagnostic = re.compile(r'^([^:\s][^:]*):(\d+):(\d+): (warning|error): (.*?)(?: \[([\w.,-]+)\])?$')


def run(path):
    started = time.monotonic()
    result = subprocess.run([tidy, '-p', build, '--quiet', path], capture_output=True, text=True)
    found = []
    for line in result.stdout.splitlines():
        match = diagnostic.match(line)
        if match:
            where = os.path.realpath(os.path.join(directories[path], match.group(1)))
            check = (match.group(6) or 'compiler').replace(',-warnings-as-errors', '')
            found.append((os.path.relpath(where, src), int(match.group(2)), int(match.group(3)),
                          match.group(4), match.group(5), check))
    if result.returncode != 0 and not found:  # clang-tidy itself failed: show why
        found.append((os.path.relpath(path, src), 0, 0, 'error', result.stderr.strip()[-400:], 'clang-tidy'))
    return path, time.monotonic() - started, found


jobs = os.cpu_count() or 2
started = time.monotonic()
seen, slowest = set(), []
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    for path, seconds, found in pool.map(run, files):
        slowest.append((seconds, os.path.relpath(path, src)))
        seen.update(found)
elapsed = time.monotonic() - started
cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu_seconds = cpu.ru_utime + cpu.ru_stime

by_check = {}
for item in sorted(seen):
    file, line, column, level, text, check = item
    print(f'{file}:{line}:{column}: {level}: {text} [{check}]')
    by_check[check] = by_check.get(check, 0) + 1
for check, count in sorted(by_check.items(), key=lambda kv: -kv[1]):
    print(f'  {count:4d} {check}')
slowest.sort(reverse=True)
print('slowest: ' + ', '.join(f'{name} {seconds:.1f} s' for seconds, name in slowest[:3]))
# The CPU time is the figure that does not depend on what else the machine runs.
print(f'clang-tidy: {len(files)} files, {jobs} at once, {elapsed:.1f} s elapsed, {cpu_seconds:.1f} s of CPU; '
      f'{len(seen)} diagnostics')
sys.exit(1 if seen else 0)
