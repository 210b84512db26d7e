#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's layering table, checked against the build: for each library under lib/, compile one
header of every folder with that library's own compiler flags (from compile_commands.json). A folder the
table allows must compile; any other must fail with "No such file" -- the include path, not a review,
keeps lib/core from reaching lib/host. Also: no include in lib/ or daemon/ climbs out with "../".

usage: layers.py SOURCE_ROOT BUILD_ROOT"""
import json, os, re, shlex, subprocess, sys

ALLOWED = {  # README "Layout and layering": library -> folders it may include
    'core': {'core'},
    'host': {'core', 'host'},
    'kernel': {'core', 'host', 'kernel'},
    'domain': {'core', 'host', 'domain'},
    'service': {'core', 'host', 'kernel', 'domain', 'samba', 'service'},
    'samba': {'core', 'host', 'samba'},
    'auditlog': {'core', 'auditlog'},
}
src, build = sys.argv[1], sys.argv[2]
failures, checks = [], 0

for d in ('lib', 'daemon'):
    for dirpath, _, names in os.walk(os.path.join(src, d)):
        if '/layers' in dirpath:
            continue
        for n in names:
            if n.endswith(('.cxx', '.hxx')):
                p = os.path.join(dirpath, n)
                for i, line in enumerate(open(p, encoding='utf-8'), 1):
                    if re.match(r'\s*#\s*include\s+"\.\./', line):
                        failures.append(f'{os.path.relpath(p, src)}:{i}: include climbs out of its folder')

commands = json.load(open(os.path.join(build, 'compile_commands.json')))
def flags_for(lib):
    for c in commands:
        f = os.path.relpath(os.path.join(c['directory'], c['file']), src)
        if f.startswith(f'lib/{lib}/') and f.endswith('.cxx') and '/events/' not in f:
            args = c.get('arguments') or shlex.split(c['command'])
            keep, skip = [], False
            for a in args[1:]:
                if skip:
                    skip = False
                    continue
                if a in ('-o', '-c', '-MF', '-MQ', '-MT'):
                    skip = True
                    continue
                if a.endswith('.cxx') or a in ('-MD',):
                    continue
                keep.append(a)
            return args[0], keep, c['directory']
    return None

def sample(folder):
    for dirpath, _, names in sorted(os.walk(os.path.join(src, 'lib', folder))):
        for n in sorted(names):
            if n.endswith('.hxx'):
                return os.path.relpath(os.path.join(dirpath, n), os.path.join(src, 'lib'))
    return None

folders = sorted(ALLOWED)
for lib in folders:
    fl = flags_for(lib)
    if fl is None:
        print(f'SKIP-NOT-BUILT {lib} (optional library not configured)')
        continue
    cc, args, cwd = fl
    for target in folders:
        header = sample(target)
        if header is None:
            continue
        checks += 1
        r = subprocess.run([cc, *args, '-fsyntax-only', '-x', 'c++', '-'], input=f'#include "{header}"\n',
                           text=True, capture_output=True, cwd=cwd)
        allowed = target in ALLOWED[lib]
        if allowed and r.returncode != 0:
            failures.append(f'lib/{lib} may include {header} but it does not compile:\n{r.stderr[:600]}')
        elif not allowed and (r.returncode == 0 or 'No such file' not in r.stderr):
            failures.append(f'lib/{lib} must not see {header}, but ' +
                            ('it compiles' if r.returncode == 0 else f'fails otherwise:\n{r.stderr[:600]}'))
for f in failures:
    print('FAIL', f)
print(f'{checks} include checks, {len(failures)} failures')
sys.exit(1 if failures or checks == 0 else 0)
