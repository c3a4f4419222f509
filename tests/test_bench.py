"""A seconds-long smoke run of the benchmark: it runs end to end and reports every row (no timing asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_bench_quick_run_writes_table_and_json(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(out.read_text())
    names = [r["name"] for r in data["linking"]]
    assert names[:5] == ["kg linker (1 process)", "kg linker, sample records as they are (1 process)",
                         "kg linker (--workers 2)", "kg linker, pydantic output (1 process)",
                         "pyahocorasick raw scan (floor)"]
    assert all(r["abstracts_per_s"] > 0 for r in data["linking"][:5])
    assert set(data["linking_stages"]) == {"dictionary", "discovery", "resolution", "propagation", "evidence"}
    assert all(us > 0 for us in data["linking_stages"].values())
    assert [b["papers"] for b in data["build"]] == [300]
    assert data["build"][0]["load_s"] >= 0 and data["build"][0]["load_rss_mb"] > 0
    assert data["lookup"]["exact"]["p99_ms"] > 0 and set(data["lookup"]["named_queries_ms"]) >= {"top-entities"}
    assert data["table"].startswith("| measurement | value | note |")
    assert "| linking: kg linker (1 process) |" in result.stdout
