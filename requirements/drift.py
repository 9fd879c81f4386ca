"""What moved since the lock: the packages of this environment whose version differs from the lock files named.

`make test-latest` runs it in a throwaway environment with the newest releases pyproject.toml allows, before
the suite, so that whoever updates the lock reads which releases a failure may come from.
"""

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

lock = {}
for path in sys.argv[1:]:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            lock[canonicalize_name(match.group(1))] = match.group(2)
installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
installed.pop("autotutor", None)

moved = sorted((n, lock[n], v) for n, v in installed.items() if n in lock and lock[n] != v)
added = sorted((n, v) for n, v in installed.items() if n not in lock and n != "pip")
gone = sorted(n for n in lock if n not in installed)
print(f"Drift against {', '.join(sys.argv[1:])}: {len(moved)} moved, {len(added)} not in the lock, {len(gone)} no longer needed.")
for name, old, new in moved:
    print(f"  {name:32} {old:>14} -> {new}")
for name, version in added:
    print(f"  {name:32} {'(new)':>14} -> {version}")
for name in gone:
    print(f"  {name:32} {lock[name]:>14} -> (gone)")
