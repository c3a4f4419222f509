"""Shared fixtures: the sample stores, a real Neo4j server started by the tests, and tool checks.

Neo4j: `neo4j_server` (session) is a real Neo4j 5.26 community server, started once per session from
tests/neo4j_server.py (the launcher in tests/neo4j/, built with Maven on first use) on 127.0.0.1, on a free
port the kernel picks, with auth on and a random password. `neo4j_db` (per test) empties its database first,
so tests do not depend on each other. With NEO4J_URI set (and NEO4J_USERNAME, NEO4J_PASSWORD,
NEO4J_DATABASE) the tests use that server instead, and only delete kg's Paper and Entity nodes there: point
it at a throwaway database. Every test that uses Neo4j gets the marker `neo4j` (see
pytest_collection_modifyitems), so `pytest -m neo4j` runs exactly those.

A missing tool (java or mvn for Neo4j, node and the npm linter) skips the tests that need it, with the
reason, unless CI is set: then they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "data" / "seeds"
INPUTS = Path(__file__).parent / "data" / "inputs"
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_tool(reason: str):
    """Skip (developer machine) or fail (CI) because a test tool is absent."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- the CLI, in this process


def kg_cli(*args, env: dict | None = None, input=None):
    """`kg ARGS` through click's CliRunner, in this process (no interpreter start-up): the result has
    exit_code, stdout and stderr apart. An exception that escapes kg's own error handling fails the test.
    Tests that need a real process (signals, pipes, hash seeds, other users) run `python -m kg.cli` instead."""
    from click.testing import CliRunner

    from kg.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input, catch_exceptions=False)


# --------------------------------------------------------------------------- sample stores


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The bundled sample corpus (data/seeds) built into a store once per session: (path, kg.build's report).
    Do not modify the store: copy it to tmp_path first."""
    import kg

    path = tmp_path_factory.mktemp("sample") / "seeds.jsonl.gz"
    return path, kg.build([SEEDS], store=path)


@pytest.fixture(scope="session")
def sample_store(sample_build) -> Path:
    """The path of the session's sample store (see sample_build). Do not modify it."""
    return sample_build[0]


@pytest.fixture(scope="session")
def grown_build(tmp_path_factory, sample_store):
    """The sample store plus tests/data/inputs/cites_gpipe.jsonl (2 papers, new citations): (path, report)."""
    import kg

    path = tmp_path_factory.mktemp("grown") / "grown.jsonl.gz"
    path.write_bytes(sample_store.read_bytes())
    return path, kg.build([INPUTS / "cites_gpipe.jsonl"], store=path)


@pytest.fixture(scope="session")
def grown_store(grown_build) -> Path:
    """The path of the session's grown store (see grown_build). Do not modify it."""
    return grown_build[0]


# --------------------------------------------------------------------------- Neo4j: a real server


class Neo4jTarget:
    """The Neo4j the tests talk to: the launcher's server (`server` set; the tests may kill and restart it)
    or the user's own (NEO4J_URI). `holds` names the store loaded into it, for read-only tests to share."""

    def __init__(self, uri: str, user: str, password: str, database: str | None = None, server=None):
        self._uri, self.user, self.password, self.database, self.server = uri, user, password, database, server
        self.holds: str | None = None
        self._driver = None

    @property
    def ours(self) -> bool:
        return self.server is not None

    @property
    def uri(self) -> str:
        return self.server.uri if self.server else self._uri

    def settings(self):
        from kg.store.neo4j_settings import Neo4jSettings

        return Neo4jSettings(uri=self.uri, user=self.user, password=self.password, database=self.database)

    def env(self, **overrides) -> dict:
        """Environment for the CLI: the password only as NEO4J_PASSWORD."""
        env = {
            "NEO4J_URI": self.uri,
            "NEO4J_USERNAME": self.user,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": self.database,
        }
        env.update(overrides)
        return env

    def driver(self):
        """A driver of the tests' own (not kg's), for setting up and checking; one per server process."""
        if self._driver is None:
            import neo4j

            self._driver = neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password))
        return self._driver

    def read(self, cypher: str, **params) -> list[dict]:
        """Rows of a query, as the server returns them, through the tests' driver."""
        return [r.data() for r in self.driver().execute_query(cypher, params, database_=self.database).records]

    def wipe(self) -> None:
        """Our server: an empty database (no nodes, constraints or indexes). Yours: kg's nodes deleted."""
        self.holds = None
        if self.server:
            self.server.wipe()
            return
        with self.driver().session(database=self.database) as session:  # IN TRANSACTIONS needs auto-commit
            for label in ("Paper", "Entity"):
                session.run(f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS").consume()

    def _drop_driver(self) -> None:
        if self._driver is not None:
            with contextlib.suppress(Exception):
                self._driver.close()
            self._driver = None

    def kill(self) -> None:
        """SIGKILL our server, as in a crash (committed transactions are on disk; the rest is lost)."""
        self._drop_driver()
        self.server.process.send_signal(signal.SIGKILL)
        self.server.process.wait(timeout=60)

    def restart(self) -> None:
        """Start our server again on the same home (and data): it recovers, on a new port."""
        import neo4j_server as launcher

        self._drop_driver()
        with contextlib.suppress(Exception):
            self.server.stop()
        self.server = launcher.Neo4jServer.start(self.server.home, password=self.password)

    def close(self) -> None:
        self._drop_driver()
        if self.server:
            self.server.stop()


@pytest.fixture(scope="session")
def neo4j_launcher():
    """tests/neo4j_server.py, its launcher built (Maven, on first use: jars cached in ~/.m2) and Java checked."""
    import neo4j_server as launcher

    try:
        launcher.java_executable()
        launcher.ensure_built()
    except launcher.Neo4jUnavailable as exc:
        missing_tool(f"no Neo4j test server: {exc}")
    return launcher


@pytest.fixture(scope="session")
def neo4j_server(request, tmp_path_factory):
    """The Neo4j of this session: yours if NEO4J_URI is set, else a real Neo4j 5.26 started here (once)."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        target = Neo4jTarget(
            uri,
            os.environ.get("NEO4J_USERNAME") or "neo4j",
            os.environ.get("NEO4J_PASSWORD", ""),
            os.environ.get("NEO4J_DATABASE") or None,
        )
    else:
        launcher = request.getfixturevalue("neo4j_launcher")
        try:
            server = launcher.Neo4jServer.start(tmp_path_factory.mktemp("neo4j"))
        except launcher.Neo4jServerError as exc:
            pytest.fail(f"the Neo4j test server did not start: {exc}", pytrace=False)
        target = Neo4jTarget(server.uri, server.user, server.password, None, server=server)
    yield target
    target.close()


@pytest.fixture
def neo4j_db(neo4j_server) -> Neo4jTarget:
    """The session's Neo4j, emptied for this test (and started again if an earlier test killed it)."""
    if neo4j_server.ours and not neo4j_server.server.running:
        neo4j_server.restart()
    neo4j_server.wipe()
    return neo4j_server


def pytest_configure(config):
    """Caches (the compiled catalog, a read-only store's query database) go to a directory of this test
    process, never the user's ~/.cache; a test that needs its own sets KG_CACHE_DIR itself."""
    import tempfile

    config._kg_cache_dir = tempfile.mkdtemp(prefix="kg-test-cache-")
    config._kg_cache_before = os.environ.get("KG_CACHE_DIR")
    os.environ["KG_CACHE_DIR"] = config._kg_cache_dir


def pytest_unconfigure(config):
    before = getattr(config, "_kg_cache_before", None)
    if before is None:
        os.environ.pop("KG_CACHE_DIR", None)
    else:
        os.environ["KG_CACHE_DIR"] = before
    shutil.rmtree(getattr(config, "_kg_cache_dir", ""), ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Every test that needs Neo4j (the server or the launcher, directly or through a fixture) is marked neo4j;
    every test that opens headless Chromium (test_viz.py's `browser` fixture) is marked browser. So
    `pytest -m "not neo4j and not browser"` is the fast suite; each of the two runs in one xdist worker."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if {"neo4j_server", "neo4j_launcher"} & fixtures:
            item.add_marker(pytest.mark.neo4j)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        # Under `pytest -n N --dist loadgroup` (pytest-xdist), each group runs in one worker, so the session's
        # Neo4j server and Chromium start once, not once per worker.
        for group in ("neo4j", "browser", "spark"):
            if item.get_closest_marker(group):
                item.add_marker(pytest.mark.xdist_group(group))
                break


def neo4j_contents(target: Neo4jTarget) -> tuple[dict, dict]:
    """Every node and relationship in the target's database, keyed like the store (`paper:ID`, `entity:ID`):
    {key: (labels, properties)} and {(start key, type, end key): properties}."""
    from kg.cypher.codec import plain_value

    def key(labels, node_id):
        return ("paper:" if "Paper" in labels else "entity:") + node_id

    nodes = {
        key(r["labels"], r["props"]["id"]): (sorted(r["labels"]), plain_value(r["props"]))
        for r in target.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    }
    rels = {
        (key(r["la"], r["a"]), r["type"], key(r["lb"], r["b"])): plain_value(r["props"])
        for r in target.read(
            "MATCH (a)-[r]->(b) RETURN a.id AS a, labels(a) AS la, type(r) AS type, "
            "b.id AS b, labels(b) AS lb, properties(r) AS props"
        )
    }
    return nodes, rels


def store_contents(g) -> tuple[dict, dict]:
    """The same for a store's graph: what Neo4j should hold after kg load (properties as kg sends them)."""
    from kg.cypher.codec import properties

    nodes = {k: (sorted(d["__labels__"]), properties(d)) for k, d in g.nodes(data=True)}
    rels = {(u, k, v): properties(d) for u, v, k, d in g.edges(keys=True, data=True)}
    return nodes, rels


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
        proc = subprocess.run(
            [node, str(LINT_DIR / "lint.mjs")],
            input=json.dumps({"schema": schema, "statements": statements}),
            capture_output=True,
            text=True,
            timeout=600,
        )
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
    "kg-ci",
    max_examples=150,
    deadline=None,
    print_blob=True,
    suppress_health_check=[_KgHealthCheck.too_slow, _KgHealthCheck.data_too_large],
)
_kg_hypothesis_settings.register_profile(
    "kg-quick",
    max_examples=25,
    deadline=None,
    print_blob=True,
    suppress_health_check=[_KgHealthCheck.too_slow, _KgHealthCheck.data_too_large],
)
_kg_hypothesis_settings.register_profile(
    "kg-thorough",
    max_examples=3000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[_KgHealthCheck.too_slow, _KgHealthCheck.data_too_large],
)
_kg_hypothesis_settings.load_profile(os.environ.get("KG_HYPOTHESIS_PROFILE", "kg-ci"))


def set_years(store, year: int) -> None:
    """Give every paper of a saved store this year, as the Python API could."""
    from kg.store.local import load_graph, save_graph

    g = load_graph(store)
    for _, d in g.nodes(data=True):
        if "Paper" in d["__labels__"]:
            d["year"] = year
    save_graph(g, store)
