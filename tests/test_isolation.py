"""transformers is a test-only dependency: the library works in a process where it cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_library_never_imports_transformers(minilm_dir):
    script = textwrap.dedent(f"""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "transformers" or name.startswith("transformers."):
                    raise ImportError("transformers is blocked in this test")

        sys.meta_path.insert(0, Block())
        import autotutor
        tok = autotutor.AutoTokenizer.from_pretrained({str(minilm_dir)!r})
        model = autotutor.AutoModel.from_pretrained({str(minilm_dir)!r})
        enc = tok("In a hole in the ground there lived a hobbit.", return_tensors="pt")
        print(enc["input_ids"][0].tolist(), tuple(model(**enc).last_hidden_state.shape))
        assert not any(m.split(".")[0] == "transformers" for m in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == (
        "[101, 1999, 1037, 4920, 1999, 1996, 2598, 2045, 2973, 1037, 7570, 10322, 4183, 1012, 102] (1, 15, 384)"
    )
