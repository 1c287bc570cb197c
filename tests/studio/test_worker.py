"""A render worker draws from trace records alone: it never loads torch (about two CPU-seconds
per worker process, a tenth of a clip's render at low quality)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.studio.conftest import ROOT, code_clip_job

# Runs in a fresh interpreter where any import of torch fails, the way a worker would: the
# initializer, then one real render of a code clip at the test quality.
WORKER = """
import json, os, sys
sys.path.insert(0, {root!r})

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("a render worker imported " + name)

sys.meta_path.insert(0, NoTorch())
from studio.build import _init_worker
from studio.render import RenderJob, render_clip

_init_worker(None, os.getppid())
job = RenderJob(**json.loads(sys.argv[1]))
result = render_clip(job)
files = sorted((result.entry or {{}}).get("files", {{}}))
print(json.dumps({{"error": result.error, "files": files, "torch": "torch" in sys.modules}}))
"""


def test_a_worker_renders_a_clip_without_torch(tmp_path: Path) -> None:
    job = code_clip_job(tmp_path, tmp_path / "media")
    done = subprocess.run([sys.executable, "-c", WORKER.format(root=str(ROOT)), json.dumps(job)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["error"] is None, found["error"]
    assert not found["torch"]
    assert "mp4" in found["files"] and "storyboard" in found["files"]
