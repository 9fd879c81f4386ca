"""Copy torch's pin and hashes from the lock into requirements/torch.txt (`make lock` runs this).

The Makefile installs torch on its own first, because its CPU build may have to come from PyTorch's CPU index,
and pip asks an extra index about every package in a file, not only the one that needs it.
"""

import sys
from pathlib import Path

lock, out = map(Path, sys.argv[1:3])
lines = lock.read_text(encoding="utf-8").splitlines()
start = next(i for i, line in enumerate(lines) if line.startswith("torch=="))
block = [lines[start]]
for line in lines[start + 1:]:
    if not line.startswith("    --hash="):
        break
    block.append(line)
header = ["# torch alone, copied from lock.txt by `make lock` (requirements/split_torch.py): installed first, with",
          "# PyTorch's CPU index only if pip finds the CPU build nowhere else."]
out.write_text("\n".join(header + block) + "\n", encoding="utf-8")
