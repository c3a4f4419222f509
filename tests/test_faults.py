"""Faults in the middle of a run, with real processes and real file systems; nothing may be lost.

- SIGKILL: real subprocesses (`kg build`, and a loop of `LocalStore.save` on a big graph) killed at random
  points, many times; the store on disk must always be the old or the new one, byte for byte, and load.
- Disk full: a real tiny tmpfs when this machine lets us mount one (root with CAP_SYS_ADMIN; skipped
  otherwise), and always an ENOSPC injected into the store's writes at many offsets, for machines that
  cannot mount (CI containers often cannot).
- Permission denied: as root, chmod does not deny anything, so a subprocess drops to `nobody` (setuid)
  before it touches the store; plus a read-only bind mount (EROFS, which binds root too) and a file where a
  directory is expected (ENOTDIR), both of which deny root.
- Two `kg build` at once on one store: the lock serialises them; neither update is lost.
- Resource bounds: --max-papers, and a 2 GB line (a sparse file: no disk used) read under a 512 MiB
  address-space limit, so reading it whole would fail the test.

Random points come from a seeded generator; the seed is printed on failure (KG_FAULT_SEED replays it).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from pathlib import Path

import networkx as nx
import pytest
from conftest import kg_cli

from kg.api import open_store
from kg.model.errors import StoreError
from kg.store import LocalStore
from kg.store.local import load_graph, remove_stale_temps, save_graph, store_lock

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "data" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
INPUTS = Path(__file__).parent / "data" / "inputs"
KG = [sys.executable, "-m", "kg.cli"]
SEED = int(os.environ.get("KG_FAULT_SEED", random.randrange(2**32)))


@pytest.fixture
def rng(request):
    """A seeded random generator; the seed is shown with any failure so it can be replayed."""
    request.node.user_properties.append(("KG_FAULT_SEED", SEED))
    print(f"KG_FAULT_SEED={SEED}")
    return random.Random(f"{SEED}-{request.node.name}")


def kg(*args, check: bool = False):
    """`kg ARGS` in this process (CliRunner). The faults that need a real process (SIGKILL, another user,
    two processes on one lock, a memory limit) run `python -m kg.cli` themselves, below."""
    result = kg_cli(*args)
    if check:
        assert result.exit_code == 0, result.output
    return result


def exit_code(proc) -> int:
    """The exit code of a real process (subprocess) or of a CliRunner result."""
    return proc.returncode if isinstance(proc, subprocess.CompletedProcess) else proc.exit_code


def assert_one_line_error(proc, *needles: str) -> str:
    """Exit 1 and exactly one line on stderr, `Error: ...`, holding every needle; returns that line."""
    assert exit_code(proc) == 1, (exit_code(proc), proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1, (
        proc.stderr
    )
    for needle in needles:
        assert needle in proc.stderr, proc.stderr
    return proc.stderr


def temps(store: Path) -> list[str]:
    return sorted(n for n in os.listdir(store.parent) if n.startswith(f".{store.name}.") and n.endswith(".tmp"))


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, bytes]:
    """Reference store files: `old` (one listing page) and `new` (that store after `kg build` of all pages)."""
    d = tmp_path_factory.mktemp("refs")
    store = d / "s.jsonl.gz"
    kg("build", SEED_FILES[0], "--store", store, check=True)
    old = store.read_bytes()
    kg("build", SEEDS, "--store", store, check=True)
    return {"old": old, "new": store.read_bytes()}


# ------------------------------------------------------------------------------------------------ SIGKILL

SAVE_LOOP = textwrap.dedent("""
    import sys
    import time
    import networkx as nx
    from kg.store.local import load_graph, save_graph
    a = load_graph(sys.argv[1])
    b = a.copy()
    b.add_node("paper:marker", __labels__={"Paper"}, id="marker", title="Marker", abstract="", sources=[])
    started = time.perf_counter()
    save_graph(a, sys.argv[2])
    print(f"ready {time.perf_counter() - started}", flush=True)  # how long a save takes here, now
    while True:
        save_graph(b, sys.argv[2])
        save_graph(a, sys.argv[2])
""")


@pytest.mark.slow
def test_sigkill_during_save_leaves_old_or_new_store(tmp_path, stores, rng):
    """25 kills of a process that does nothing but save a ~5k-node graph: every kill lands inside a save."""
    seeds_graph = tmp_path / "seeds.jsonl.gz"
    seeds_graph.write_bytes(stores["new"])
    g = load_graph(seeds_graph)
    big = nx.MultiDiGraph()
    for i in range(3):
        big.update(nx.relabel_nodes(g, {n: f"{i}/{n}" for n in g}))
    ref_a, ref_b, store = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "store" / "s.jsonl.gz"
    save_graph(big, ref_a)
    marked = big.copy()
    marked.add_node("paper:marker", __labels__={"Paper"}, id="marker", title="Marker", abstract="", sources=[])
    save_graph(marked, ref_b)
    a, b = ref_a.read_bytes(), ref_b.read_bytes()
    store.parent.mkdir()
    store.write_bytes(a)
    script = tmp_path / "save_loop.py"
    script.write_text(SAVE_LOOP)
    seen, left_behind = {"old": 0, "new": 0}, 0
    for _ in range(25):
        before = set(temps(store))
        child = subprocess.Popen(
            [sys.executable, str(script), str(ref_a), str(store)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = child.stdout.readline()
        assert ready.startswith("ready "), child.stderr.read()
        one_save = float(ready.split()[1])  # timed in the child, under the machine's load of the moment
        time.sleep(rng.uniform(0, 2.5 * one_save))  # kill points spread over about two saves: b, then a
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stderr.close()
        content = store.read_bytes()
        assert content in (a, b), "the store is neither the old nor the new graph"
        seen["old" if content == a else "new"] += 1
        load_graph(store)
        left_behind += len(set(temps(store)) - before)
    # Kills landed mid-write (a partial temporary file was left) and the loop rewrote the store in between.
    assert left_behind > 0 and seen["new"] > 0, (left_behind, seen)
    assert remove_stale_temps(store) == left_behind and temps(store) == []


def _kill_build_at(store: Path, rng: random.Random, *, on_save: bool) -> bool:
    """Run `kg build` of all pages into `store` and SIGKILL it: at a random time, or right after its save
    has created the temporary file. True when the kill left a partial temporary file (killed mid-save)."""
    before = set(temps(store))
    child = subprocess.Popen(
        [*KG, "build", str(SEEDS), "--store", str(store)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if on_save:
        while child.poll() is None and not set(temps(store)) - before:
            time.sleep(0.0005)
        time.sleep(rng.choice([0.0, 0.0, rng.uniform(0, 0.05)]))  # mostly at once: inside the save
    else:
        time.sleep(rng.uniform(0, 3.0))
    child.send_signal(signal.SIGKILL)
    child.wait()
    return bool(set(temps(store)) - before)


@pytest.mark.slow
def test_sigkill_kg_build_at_random_points(tmp_path, stores, rng):
    """16 real `kg build` runs killed anywhere (reading, linking, saving), half of them during the save."""
    store = tmp_path / "s.jsonl.gz"
    outcomes = {"old": 0, "new": 0}
    mid_save = 0
    for i in range(16):
        store.write_bytes(stores["old"])
        mid_save += _kill_build_at(store, rng, on_save=i % 2 == 1)
        content = store.read_bytes()
        assert content in (stores["old"], stores["new"]), f"kill {i}: the store is neither old nor new"
        outcomes["old" if content == stores["old"] else "new"] += 1
        load_graph(store)
    assert mid_save > 0, "no kill landed inside a save; the test did not test what it claims"
    # The lock of a killed build does not block the next one, which also clears the killed saves' leftovers.
    left = len(temps(store))
    proc = kg("build", SEEDS, "--store", store, "--json", check=True)
    assert json.loads(proc.stdout)["stale_temp_files_removed"] == left and temps(store) == []
    assert store.read_bytes() == stores["new"]


def test_build_summary_reports_removed_temporary_files(tmp_path):
    import socket

    store = tmp_path / "s.jsonl.gz"
    host = socket.gethostname().replace(".", "_")
    (tmp_path / f".{store.name}.{host}.{2**22 + 7}.abc.tmp").write_bytes(b"partial")
    proc = kg("build", INPUTS / "papers.jsonl", "--store", store, check=True)
    assert not temps(store)
    assert "1 temporary file" in proc.stdout, proc.stdout


def test_stale_temps_of_live_processes_are_kept(tmp_path):
    store = tmp_path / "s.jsonl.gz"
    LocalStore(nx.MultiDiGraph(), store).save()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import socket

        host = socket.gethostname().replace(".", "_")
        live = tmp_path / f".{store.name}.{host}.{sleeper.pid}.abc.tmp"
        dead = tmp_path / f".{store.name}.{host}.{2**22 + 12345}.abc.tmp"  # above the largest pid_max
        other_host = tmp_path / f".{store.name}.another-host.1.abc.tmp"
        for p in (live, dead, other_host):
            p.write_bytes(b"partial")
        assert remove_stale_temps(store) == 1
        assert live.exists() and not dead.exists() and other_host.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


# ------------------------------------------------------------------------------------------------ disk full


@contextlib.contextmanager
def mounted(kind: str, target: Path, *options: str, source: str = "none"):
    """Mount (tmpfs or a read-only bind) at `target`, or skip when this machine does not allow it."""
    target.mkdir(parents=True, exist_ok=True)
    if kind == "tmpfs":
        command = ["mount", "-t", "tmpfs", "-o", ",".join(options), "kgtest", str(target)]
    else:
        command = ["mount", "--bind", "-o", ",".join(options), source, str(target)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command; the injected-fault tests cover this case")
    if proc.returncode != 0:
        pytest.skip(
            f"cannot mount here ({proc.stderr.strip() or proc.returncode}); the injected-fault tests cover this case"
        )
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def fill(directory: Path) -> Path:
    """Write a file until the file system is full."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as f:
        block = b"\0" * 4096
        with contextlib.suppress(OSError):
            while True:
                f.write(block)
    return filler


@pytest.mark.slow
def test_disk_full_on_a_real_tmpfs(tmp_path, stores):
    with mounted("tmpfs", tmp_path / "mnt", "size=2m") as mnt:
        store = mnt / "s.jsonl.gz"
        store.write_bytes(stores["old"])
        filler = fill(mnt)
        proc = kg("build", SEEDS, "--store", store)
        assert_one_line_error(proc, f"Error: {store}: disk full while saving; the previous store is intact")
        assert store.read_bytes() == stores["old"] and temps(store) == []
        filler.unlink()  # free the space: the same build now succeeds
        kg("build", SEEDS, "--store", store, check=True)
        assert store.read_bytes() == stores["new"]


class _FullDisk:
    """Wraps the store's temporary file: writes fail with ENOSPC once `budget` bytes have gone through."""

    def __init__(self, raw, budget: int):
        self._raw, self._budget = raw, budget

    def write(self, data) -> int:
        if len(data) > self._budget:
            if self._budget:
                self._raw.write(bytes(data[: self._budget]))
                self._budget = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._budget -= len(data)
        return self._raw.write(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._raw.close()


@pytest.mark.parametrize("budget", [0, 1, 10, 4096, 50_000, 120_000])
def test_disk_full_injected_at_any_offset(tmp_path, stores, monkeypatch, budget):
    """ENOSPC from the temporary file's writes (at several offsets) or from fsync: one-line error, old store
    intact, no temporary file left. For machines where a tmpfs cannot be mounted."""
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(stores["old"])
    new_graph = load_graph(store)
    new_graph.add_node("paper:new", __labels__={"Paper"}, id="new", title="New", abstract="", sources=[])
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _FullDisk(real_fdopen(fd, *a, **k), budget))
    with pytest.raises(StoreError) as exc:
        LocalStore(new_graph, store).save()
    assert str(exc.value) == f"{store}: disk full while saving; the previous store is intact. Free space and re-run"
    assert store.read_bytes() == stores["old"] and temps(store) == []


def test_disk_full_at_fsync(tmp_path, stores, monkeypatch):
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(stores["old"])

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StoreError, match="disk full while saving; the previous store is intact"):
        LocalStore(load_graph(store), store).save()
    assert store.read_bytes() == stores["old"] and temps(store) == []


# ------------------------------------------------------------------------------------------------ permissions

AS_NOBODY = textwrap.dedent("""
    # Run a kg command with the permissions of `nobody`. The interpreter lives under /root (unreadable to
    # nobody), so kg runs once as root first to import every module it needs, then drops privileges.
    import os, sys, tempfile
    from kg.cli import cli
    warm = tempfile.mkdtemp(dir=os.getcwd())
    for args in (["build", sys.argv[1], "--store", warm + "/w.gz"], ["stats", "--store", warm + "/w.gz"]):
        try:
            cli.main(args, prog_name="kg", standalone_mode=False)
        except SystemExit:
            pass
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    assert os.geteuid() != 0
    sys.argv = ["kg", *sys.argv[2:]]
    cli(prog_name="kg")
""")


@pytest.fixture
def shared_dir():
    """A directory everyone may read (pytest's tmp_path is private to root), owned by the test's user."""
    d = Path(tempfile.mkdtemp(prefix="kg-perm-", dir="/tmp"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run_unprivileged(*args, cwd: Path) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("running as root and there is no 'nobody' user to drop to")
    script = cwd / "as_nobody.py"
    script.write_text(AS_NOBODY)
    warm_input = cwd / "warm.jsonl"
    warm_input.write_text('{"title": "Warm-up paper on LoRA"}\n')
    return subprocess.run(
        [sys.executable, str(script), str(warm_input), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "HOME": str(cwd), "PYTHONDONTWRITEBYTECODE": "1"},
    )


@pytest.mark.slow
def test_permission_denied_on_the_store_directory(shared_dir, stores):
    """Directory not writable by the user: `kg build` fails in one line, at the lock or (when the lock
    file is writable) at the save; the store is untouched; reading it still works."""
    data = shared_dir / "data"
    data.mkdir()
    (data / "in.jsonl").write_text('{"title": "A new paper on LoRA", "abstract": "LoRA on A100 GPUs."}\n')
    store_dir = shared_dir / "store"
    store_dir.mkdir()
    store = store_dir / "s.jsonl.gz"
    store.write_bytes(stores["old"])
    store.chmod(0o644)
    if os.geteuid() != 0:
        store_dir.chmod(0o555)
    proc = run_unprivileged("build", data / "in.jsonl", "--store", store, cwd=shared_dir)
    assert_one_line_error(
        proc, f"Error: {store}: cannot create lock file {store}.lock: Permission denied", "choose another --store"
    )
    (store_dir / "s.jsonl.gz.lock").touch(0o666)
    (store_dir / "s.jsonl.gz.lock").chmod(0o666)
    proc = run_unprivileged("build", data / "in.jsonl", "--store", store, cwd=shared_dir)
    assert_one_line_error(proc, f"Error: {store}: permission denied writing in {store_dir}; choose another --store")
    assert store.read_bytes() == stores["old"] and temps(store) == []
    proc = run_unprivileged("stats", "--store", store, cwd=shared_dir)
    assert proc.returncode == 0, proc.stderr
    store.chmod(0o600)  # unreadable by nobody: kg's own one-line error, not a usage error
    proc = run_unprivileged("stats", "--store", store, cwd=shared_dir)
    assert_one_line_error(proc, f"Error: {store}: permission denied reading the store; check its permissions")


@pytest.mark.slow
def test_unreadable_store_is_a_one_line_error(shared_dir, stores):
    store = shared_dir / "s.jsonl.gz"
    store.write_bytes(stores["old"])
    store.chmod(0o600 if os.geteuid() == 0 else 0o000)
    proc = run_unprivileged("stats", "--store", store, cwd=shared_dir)
    assert_one_line_error(proc, f"Error: {store}: permission denied reading the store; check its permissions")


def test_read_only_file_system(tmp_path, stores):
    """EROFS denies root too: the build and the Python save fail in one line; reading still works."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "s.jsonl.gz").write_bytes(stores["old"])
    with mounted("bind", tmp_path / "ro", "ro", source=str(real)) as ro:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], capture_output=True)
        if os.access(ro, os.W_OK) and subprocess.run(["touch", str(ro / "probe")]).returncode == 0:
            pytest.skip("the bind mount is not read-only here")
        store = ro / "s.jsonl.gz"
        proc = kg("build", INPUTS / "papers.jsonl", "--store", store)
        assert_one_line_error(proc, f"Error: {store}: cannot create lock file {store}.lock: Read-only file system")
        with pytest.raises(StoreError) as exc:
            LocalStore(load_graph(store), store).save()
        assert str(exc.value) == (
            f"{store}: cannot write in {ro}: Read-only file system; the previous store is "
            "intact. Choose another --store"
        )
        assert kg("stats", "--store", store).exit_code == 0
    assert (real / "s.jsonl.gz").read_bytes() == stores["old"]


def test_a_file_where_a_directory_is_expected(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file")
    store = blocker / "s.jsonl.gz"
    proc = kg("build", INPUTS / "papers.jsonl", "--store", store)
    assert_one_line_error(proc, f"Error: {store}: cannot create lock file {store}.lock: Not a directory")
    with pytest.raises(StoreError) as exc:
        LocalStore(nx.MultiDiGraph(), store).save()
    assert str(exc.value).startswith(f"{store}: cannot write in {blocker}: Not a directory") and "\n" not in str(
        exc.value
    )
    assert blocker.read_text() == "a file"


def test_save_keeps_the_store_file_mode(tmp_path, stores):
    """A save replaces the file; it must not make a shared (0644) store private (mkstemp creates 0600)."""
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(stores["old"])
    store.chmod(0o644)
    LocalStore(load_graph(store), store).save()
    assert store.stat().st_mode & 0o777 == 0o644
    fresh = tmp_path / "fresh.jsonl.gz"
    old_umask = os.umask(0o022)
    try:
        LocalStore(nx.MultiDiGraph(), fresh).save()
    finally:
        os.umask(old_umask)
    assert fresh.stat().st_mode & 0o777 == 0o644


# ------------------------------------------------------------------------------------------------ two builds


@pytest.mark.slow
@pytest.mark.parametrize("split", [2, 3])
def test_two_builds_at_once_are_serialised_by_the_lock(tmp_path, split):
    """Two `kg build` of different pages start together on one new store. Without the lock both would read
    the empty store and the later save would drop the other's papers; with it, one waits for the other."""
    store = tmp_path / "s.jsonl.gz"
    halves = [SEED_FILES[:split], SEED_FILES[split:]]
    procs = [
        subprocess.Popen(
            [*KG, "build", *map(str, files), "--store", str(store), "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for files in halves
    ]
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    reports = [json.loads(out) for out, _ in outs]
    first, second = sorted(reports, key=lambda r: r["papers_before"])
    assert first["papers_before"] == 0 and second["papers_before"] == first["papers"]  # one after the other
    assert second["papers"] == 531 and open_store(store).stats()["labels"]["Paper"] == 531


def test_lock_timeout_is_a_clear_error_and_build_respects_the_lock(tmp_path, monkeypatch):
    import kg.pipeline

    store = tmp_path / "s.jsonl.gz"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys
        from kg.store.local import store_lock
        with store_lock({str(store)!r}):
            print("held", flush=True)
            sys.stdin.read()
    """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(StoreError) as exc:
            with store_lock(store, timeout=0.2):
                pass
        assert str(exc.value) == (
            f"{store}: another kg process holds the store lock ({store}.lock); wait for it to finish and re-run"
        )
        monkeypatch.setattr(kg.pipeline, "store_lock", functools.partial(store_lock, timeout=0.2))
        with pytest.raises(StoreError, match="another kg process holds the store lock"):
            kg.pipeline.build([INPUTS / "papers.jsonl"], store=store)
        assert not store.exists()
        holder.send_signal(signal.SIGKILL)  # a killed holder releases the lock with its process
        holder.wait()
        with store_lock(store, timeout=5):
            pass
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------------------------------------ resource bounds


def test_max_papers_is_enforced_and_reported(tmp_path):
    store = tmp_path / "s.jsonl.gz"
    proc = kg("build", SEEDS, "--store", store, "--max-papers", 100)
    err = assert_one_line_error(proc, "more than --max-papers=100 papers (raise --max-papers or split the input")
    assert err.startswith(f"Error: {SEED_FILES[0]}:") and not store.exists()
    assert_one_line_error(kg("build", SEEDS, "--store", store, "--max-papers", 530), "--max-papers=530")
    report = json.loads(kg("build", SEEDS, "--store", store, "--max-papers", 531, "--json", check=True).stdout)
    assert report["papers"] == 531
    before = store.read_bytes()
    proc = kg("build", INPUTS / "papers.jsonl", "--store", store, "--max-papers", 531)
    assert_one_line_error(proc, f"Error: {store}: the store would hold 532 papers, more than --max-papers=531")
    assert store.read_bytes() == before
    proc = kg("build", SEEDS, "--store", store, "--max-papers", 0)
    assert proc.exit_code == 2 and "Invalid value for '--max-papers'" in proc.stderr


def _limit_memory(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


@pytest.fixture(scope="module")
def two_gb_line(tmp_path_factory) -> Path:
    """A JSONL file with a 2 GiB line between good records: sparse, so it takes no disk space."""
    path = tmp_path_factory.mktemp("sparse") / "huge.jsonl"
    with open(path, "wb") as f:
        f.write(b'{"title": "First paper before the huge line"}\n{"title": "Second paper ' + b"x" * 70_000 + b'"}\n')
        f.truncate(f.tell() + 2 * 2**30)  # a hole of 2 GiB of zero bytes: the third line, with no line end
        f.seek(0, os.SEEK_END)
        f.write(b'\n{"title": "Last paper after the huge line"}\n')
    assert path.stat().st_size > 2 * 2**30 and path.stat().st_blocks * 512 < 16 * 2**20
    return path


@pytest.mark.slow
def test_two_gigabyte_line_is_a_clear_error_within_bounded_memory(two_gb_line):
    limit = _limit_memory(512 * 2**20)  # a reader that held the line would need more than 2 GiB
    proc = subprocess.run([*KG, "read", str(two_gb_line)], capture_output=True, text=True, cwd=ROOT, preexec_fn=limit)
    assert_one_line_error(
        proc,
        f"Error: {two_gb_line}:3: line longer than 64 MiB (split the input into one record "
        "per line, or pass --skip-bad to skip it)",
    )
    proc = subprocess.run(
        [*KG, "read", "--skip-bad", "--json", str(two_gb_line)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=limit,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["records_read"], report["skipped"]) == (3, 1)
    assert report["skipped_records"] == [{"source": str(two_gb_line), "line": 3, "reason": "line longer than 64 MiB"}]


@pytest.mark.slow
def test_gzip_bomb_line_is_a_clear_error_within_bounded_memory(tmp_path):
    """300 MB of one line in a 300 kB gzip file, read through stdin."""
    path = tmp_path / "bomb.jsonl.gz"
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as f:
        f.write(z.compress(b'{"title": "Before the bomb"}\n{"title": "'))
        block = b"a" * 2**20
        for _ in range(300):
            f.write(z.compress(block))
        f.write(z.compress(b'"}\n{"title": "After the bomb"}\n'))
        f.write(z.flush())
    assert path.stat().st_size < 2**20
    with open(path, "rb") as stdin:
        proc = subprocess.run(
            [*KG, "read", "--skip-bad", "--json", "-"],
            stdin=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
            preexec_fn=_limit_memory(512 * 2**20),
        )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["records_read"], report["skipped"]) == (2, 1)
    assert report["skipped_records"][0] == {"source": "<stdin>", "line": 2, "reason": "line longer than 64 MiB"}


class _FailingAfter:
    """A stream whose writes fail with ENOSPC after `blocks` blocks."""

    def __init__(self, blocks: int):
        self.blocks, self.written = blocks, []

    def write(self, block: bytes) -> int:
        if len(self.written) >= self.blocks:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.written.append(block)
        return len(block)


@pytest.mark.parametrize("blocks", [0, 1, 3])
def test_the_background_writer_raises_a_failure_in_the_caller(blocks):
    """A full disk while the store's writer thread compresses is raised in the building thread (by the next
    write or by close), and nothing queued after it is written."""
    from kg.model.files import BackgroundWriter

    stream = _FailingAfter(blocks)
    with pytest.raises(OSError) as raised, BackgroundWriter(stream) as writer:  # type: ignore[arg-type]
        for k in range(10):
            writer.write(b"block %d" % k)
            time.sleep(0.01)
    assert raised.value.errno == errno.ENOSPC
    assert stream.written == [b"block %d" % k for k in range(blocks)]
    assert not writer.thread.is_alive()


def test_the_background_writer_drops_what_is_queued_after_a_failure_in_the_caller():
    from kg.model.files import BackgroundWriter

    stream = _FailingAfter(100)
    with pytest.raises(KeyboardInterrupt), BackgroundWriter(stream) as writer:  # type: ignore[arg-type]
        writer.write(b"first")
        raise KeyboardInterrupt
    assert stream.written in ([], [b"first"]) and not writer.thread.is_alive()
