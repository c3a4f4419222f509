"""A real Neo4j 5.26 (community, LTS) server for the tests, from Maven Central jars, without Docker.

The launcher in tests/neo4j/ (pom.xml + kg/testserver/Neo4jTestServer.java) runs Neo4j's own DBMS in one JVM:
Bolt on 127.0.0.1 on a free port, auth enabled, the user `neo4j` given a known password (no forced change).
It is built once with Maven (`mvn -q -B package`: target/kg-neo4j-testserver.jar + target/lib/*.jar, all from
Maven Central, cached in ~/.m2) and then started with plain `java -jar`, so no Maven runs at test time.

    from neo4j_server import Neo4jServer, Neo4jUnavailable
    with Neo4jServer.start(tmp_path / "neo4j") as server:      # workdir = the Neo4j home (data in workdir/data)
        driver = server.driver()  # or neo4j.GraphDatabase.driver(server.uri, auth=server.auth)
        ...
        server.wipe()                                          # empty database: no nodes, constraints or indexes

    import_csv(workdir, nodes=[...], relationships=[...])      # `neo4j-admin database import full`, server stopped
    Neo4jServer.start(workdir)                                 # then serves the imported graph

Neo4j community has one user database (`neo4j`) besides `system`, so tests share it and call wipe() between
them instead of creating databases.

Errors: Neo4jUnavailable (java or mvn missing, too old, or the launcher does not build) is the one to turn into
a pytest skip, or a failure under CI; Neo4jServerError is a server that was there but did not start or stop.
Both carry a one-line message.

By hand:  .venv/bin/python tests/neo4j_server.py build [--force] [--cds]  # --cds: faster starts, see build_cds_archive
          .venv/bin/python tests/neo4j_server.py check      # build, start, verify with the driver, wipe, stop
          .venv/bin/python tests/neo4j_server.py serve DIR  # start on DIR and print the URI until Ctrl-C
"""

from __future__ import annotations

import atexit
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

LAUNCHER_DIR = Path(__file__).resolve().parent / "neo4j"
POM = LAUNCHER_DIR / "pom.xml"
SOURCES = LAUNCHER_DIR / "src"
TARGET = LAUNCHER_DIR / "target"
JAR = TARGET / "kg-neo4j-testserver.jar"
CDS_ARCHIVE = TARGET / "kg-neo4j-testserver.jsa"  # optional, made by build_cds_archive()
READY = "KG_NEO4J_READY"
PASSWORD_ENV = "KG_NEO4J_PASSWORD"
NEO4J_VERSION = "5.26.30"  # what tests/neo4j/pom.xml pins

# Heap: modest, the tests run other things on 2 cores. Serial GC: fewer threads, and a small heap needs no more.
# C1 only (TieredStopAtLevel=1): start-up is mostly class loading and cold code; the tests' queries are small.
DEFAULT_HEAP = "512m"
DEFAULT_PAGECACHE = "32m"
# JVM log lines (warnings) go to stderr, i.e. the launcher log, never to stdout where READY is read.
JVM_FLAGS = (
    "-Xms64m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
    "-Xlog:disable",
    "-Xlog:all=warning:stderr",
)

ARRAY_DELIMITER_OPTION = "U+001F"  # kg.export's array delimiter (unit separator)


class Neo4jUnavailable(RuntimeError):
    """The launcher cannot run here: java or mvn missing or too old, or the build failed. A skip, or a CI failure."""


class Neo4jServerError(RuntimeError):
    """The server did not start (or stop) as it should."""


# --------------------------------------------------------------------------- java and the build


def java_executable() -> str:
    """$KG_NEO4J_JAVA, else $JAVA_HOME/bin/java, else java on PATH; Neo4j 5.26 needs Java 17 or 21."""
    candidates = [os.environ.get("KG_NEO4J_JAVA")]
    if os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    candidates.append(shutil.which("java"))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            java = c
            break
    else:
        raise Neo4jUnavailable("java not found (need Java 17 or 21 on PATH or in JAVA_HOME) for the Neo4j test server")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Neo4jUnavailable(f"{java} -version failed: {exc}") from None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):
        major = int(m.group(2))
    if major not in (17, 21):
        raise Neo4jUnavailable(
            f"{java} is Java {major or '?'}; Neo4j {NEO4J_VERSION} needs Java 17 or 21 (set KG_NEO4J_JAVA or JAVA_HOME)"
        )
    return java


def _manifest_classpath(jar: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(jar) as z:
        text = z.read("META-INF/MANIFEST.MF").decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\n ", "")
    for line in text.splitlines():
        if line.startswith("Class-Path:"):
            return line.split()[1:]
    return []


def is_built() -> bool:
    """The jar and every jar on its Class-Path exist, and the jar is newer than the pom and the sources."""
    try:
        built = JAR.stat().st_mtime
        inputs = [POM, *SOURCES.rglob("*.java")]
        if any(p.stat().st_mtime > built for p in inputs):
            return False
        return all((TARGET / entry).is_file() for entry in _manifest_classpath(JAR))
    except Exception:  # missing files, a half-written jar (zipfile.BadZipFile)
        return False


def ensure_built(*, force: bool = False, timeout: float = 1200, cds: bool | None = None) -> Path:
    """Build the launcher with Maven if it is missing or stale (`mvn -q -B package`); returns the jar.

    The first build downloads about 170 MB (jars and Maven plugins) from Maven Central into ~/.m2. A file lock
    keeps parallel test processes from building at once. cds (default: $KG_NEO4J_CDS == "1"): also make the
    optional class-data-sharing archive if it is missing or stale (build_cds_archive)."""
    jar = _build_jar(force=force, timeout=timeout)
    if (os.environ.get("KG_NEO4J_CDS") == "1" if cds is None else cds) and not _cds_fresh():
        build_cds_archive()
    return jar


def _build_jar(*, force: bool = False, timeout: float = 1200) -> Path:
    if not force and is_built():
        return JAR
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jUnavailable("mvn not found: it builds the Neo4j test server once (tests/neo4j/pom.xml)")
    java_executable()  # a clear message for a missing or wrong Java before Maven's
    import fcntl

    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not force and is_built():
                return JAR
            try:
                proc = subprocess.run(
                    [mvn, "-q", "-B", "-f", str(POM), "package"],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                raise Neo4jUnavailable(
                    f"building the Neo4j test server took over {timeout:.0f} s (mvn -q -B -f {POM} package)"
                ) from None
            if proc.returncode != 0 or not is_built():
                lines = (
                    [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln]
                    or [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
                    or ["no output"]
                )
                raise Neo4jUnavailable(
                    f"building the Neo4j test server failed (mvn -q -B -f {POM} package, "
                    f"exit {proc.returncode}): {_clean(lines[0])}"
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return JAR


def _clean(line: str, limit: int = 400) -> str:
    line = re.sub(r"\x1b\[[0-9;]*m", "", line)
    return line if len(line) <= limit else line[:limit] + "..."


def _java_command(heap: str, *args: str, jvm_args: Sequence[str] = ()) -> list[str]:
    flags = [f"-Xmx{heap}", *JVM_FLAGS]
    if any(a.startswith("-XX:ArchiveClassesAtExit") for a in jvm_args):
        jar = _build_jar()
    else:
        jar = ensure_built()
        if _cds_fresh():
            flags.append(f"-XX:SharedArchiveFile={CDS_ARCHIVE}")
    return [java_executable(), *flags, *jvm_args, "-jar", str(jar), *args]


def _cds_fresh() -> bool:
    try:
        return CDS_ARCHIVE.stat().st_mtime >= JAR.stat().st_mtime
    except OSError:
        return False


def build_cds_archive(timeout: float = 300) -> Path:
    """Optional: a class-data-sharing archive of the classes a start loads, used by later starts when present
    (measured here: ready in about 5.3 s instead of 7.5 s). Making it takes one start and a slow stop (about
    20 s), and it is 110 MB, so it pays only where target/ is kept between runs; it is made by
    `python tests/neo4j_server.py build --cds` (or ensure_built with KG_NEO4J_CDS=1), never by CI by default.
    A JVM other than the one that made it ignores it (with a warning in the launcher log)."""
    import tempfile

    _build_jar()
    tmp = CDS_ARCHIVE.with_name(CDS_ARCHIVE.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="kg-neo4j-cds-") as d:
        server = Neo4jServer.start(d, timeout=timeout, jvm_args=[f"-XX:ArchiveClassesAtExit={tmp}"])
        try:
            server.driver().execute_query("UNWIND range(1, 3) AS i CREATE (:Cds {i: i}) RETURN count(*)")
            server.wipe()
        finally:
            server.stop(timeout=timeout)
    if not tmp.is_file():
        raise Neo4jServerError(f"the JVM wrote no CDS archive ({tmp}); see the JVM's warnings")
    tmp.replace(CDS_ARCHIVE)
    return CDS_ARCHIVE


def _tail(path: Path) -> str:
    """The launcher's own one-line failure from its log, else the log's last non-empty line."""
    try:
        text = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    failed = [ln for ln in text if ln.startswith("kg-neo4j-testserver: ")]
    return _clean((failed or text or ["empty log"])[-1])


# --------------------------------------------------------------------------- the server


class Neo4jServer:
    """One running launcher process. Start with Neo4jServer.start(workdir)."""

    def __init__(
        self, home: Path, uri: str, user: str, password: str, process: subprocess.Popen, log: Path, started_in: float
    ):
        self.home, self.uri, self.user, self.password = home, uri, user, password
        self.process, self.log, self.started_in = process, log, started_in
        self._driver = None
        atexit.register(self.stop)

    @classmethod
    def start(
        cls,
        workdir: str | os.PathLike,
        *,
        password: str | None = None,
        user: str = "neo4j",
        heap: str = DEFAULT_HEAP,
        pagecache: str = DEFAULT_PAGECACHE,
        timeout: float = 180.0,
        conf: dict[str, str] | None = None,
        jvm_args: Sequence[str] = (),
    ) -> Neo4jServer:
        """Start Neo4j with its home (conf/, data/, logs/) in `workdir`; return once Bolt accepts connections.

        password: 8+ characters (Neo4j's minimum); a random one by default. It reaches the JVM in its environment,
        not its command line. conf: extra Neo4j settings (name -> value). jvm_args: extra JVM options."""
        home = Path(workdir).resolve()
        home.mkdir(parents=True, exist_ok=True)
        (home / "logs").mkdir(exist_ok=True)
        password = password or secrets.token_urlsafe(18)
        if len(password) < 8:
            raise ValueError("the Neo4j password needs 8 or more characters")
        args = ["serve", "--home", str(home), "--user", user, "--pagecache", pagecache]
        for k, v in (conf or {}).items():
            args += ["--conf", f"{k}={v}"]
        command = _java_command(heap, *args, jvm_args=jvm_args)
        log = home / "logs" / "launcher.log"
        t0 = time.monotonic()
        with open(log, "ab") as err:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env={**os.environ, PASSWORD_ENV: password},
                cwd=home,
                start_new_session=True,
            )
        lines: queue.Queue = queue.Queue()

        def read():
            for raw in process.stdout:
                lines.put(raw.decode("utf-8", "replace").strip())
            lines.put(None)

        threading.Thread(target=read, name="neo4j-ready", daemon=True).start()
        deadline = t0 + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                _kill(process)
                raise Neo4jServerError(
                    f"Neo4j did not start within {timeout:.0f} s (log {log}): {_tail(log)}"
                ) from None
            if line is None:
                code = process.wait()
                raise Neo4jServerError(f"Neo4j exited with code {code} before it was ready (log {log}): {_tail(log)}")
            if line.startswith(READY + " "):
                uri = line.split()[1]
                return cls(home, uri, user, password, process, log, time.monotonic() - t0)

    # ----------------------------------------------------------------- use

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    @property
    def port(self) -> int:
        return int(self.uri.rsplit(":", 1)[1])

    def driver(self):
        """A neo4j driver for this server (one, cached; closed by stop())."""
        if self._driver is None:
            import neo4j

            self._driver = neo4j.GraphDatabase.driver(self.uri, auth=self.auth)
        return self._driver

    def version(self) -> str:
        """Name, version and edition, from CALL dbms.components(), e.g. 'Neo4j Kernel 5.26.30 community'."""
        rec = (
            self.driver()
            .execute_query(
                "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"
            )
            .records[0]
        )
        return f"{rec['name']} {rec['version']} {rec['edition']}"

    def wipe(self, database: str = "neo4j") -> None:
        """Empty the database: delete every node and relationship (in batches), drop every constraint and every
        index but the two token lookup indexes that a new database has. Labels, types and property keys that
        were once used stay known to the server (Neo4j never forgets them), as in any used database."""
        with self.driver().session(database=database) as s:
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            for name in [r["name"] for r in s.run("SHOW CONSTRAINTS YIELD name")]:
                s.run(f"DROP CONSTRAINT {_quote(name)} IF EXISTS").consume()
            for name in [r["name"] for r in s.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'")]:
                s.run(f"DROP INDEX {_quote(name)} IF EXISTS").consume()

    # ----------------------------------------------------------------- stop

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the server cleanly (SIGTERM: Neo4j checkpoints and closes its stores); kill it after `timeout`."""
        atexit.unregister(self.stop)
        if self._driver is not None:
            try:
                self._driver.close()
            except Exception:
                pass
            self._driver = None
        if self.process.poll() is not None:
            return
        try:
            self.process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(self.process)
            raise Neo4jServerError(
                f"Neo4j did not stop within {timeout:.0f} s and was killed (log {self.log})"
            ) from None
        finally:
            if self.process.stdin:
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
        if code not in (0, 143, -signal.SIGTERM):  # 143: the JVM's exit code after SIGTERM and its shutdown hooks
            raise Neo4jServerError(f"Neo4j stopped with exit code {code} (log {self.log}): {_tail(self.log)}")

    def __enter__(self) -> Neo4jServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Neo4jServer({self.uri}, home={self.home}, pid={self.process.pid})"


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# --------------------------------------------------------------------------- bulk import


def import_csv(
    workdir: str | os.PathLike,
    nodes: Iterable[str | os.PathLike],
    relationships: Iterable[str | os.PathLike] = (),
    *,
    database: str = "neo4j",
    array_delimiter: str = ARRAY_DELIMITER_OPTION,
    multiline_fields: bool = True,
    overwrite: bool = True,
    extra: Sequence[str] = (),
    heap: str = DEFAULT_HEAP,
    timeout: float = 600.0,
    jvm_args: Sequence[str] = (),
) -> str:
    """Neo4j's own bulk importer (`neo4j-admin database import full`) into `workdir`, which no running server
    may be using; Neo4jServer.start(workdir) then serves the graph. Each `nodes`/`relationships` item is what
    follows --nodes= / --relationships= (files, optionally 'Label=' or 'TYPE=' first). Returns the tool's output."""
    home = Path(workdir).resolve()
    home.mkdir(parents=True, exist_ok=True)
    # the database name goes first: --nodes/--relationships take several files, so a name after them is a file
    args = [
        "import",
        "--home",
        str(home),
        database,
        f"--array-delimiter={array_delimiter}",
        f"--multiline-fields={'true' if multiline_fields else 'false'}",
    ]
    if overwrite:
        args.append("--overwrite-destination=true")
    args += [f"--nodes={n}" for n in nodes]
    args += [f"--relationships={r}" for r in relationships]
    args += list(extra)
    try:
        proc = subprocess.run(
            _java_command(heap, *args, jvm_args=jvm_args),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=home,
        )
    except subprocess.TimeoutExpired:
        raise Neo4jServerError(f"neo4j-admin import into {home} took over {timeout:.0f} s") from None
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        lines = [ln.strip() for ln in output.splitlines() if ln.strip() and not ln.startswith((".", "-", "\t"))]
        errors = [ln for ln in lines if re.search(r"exception|error|fail", ln, re.I)] or lines[-3:] or ["no output"]
        raise Neo4jServerError(f"neo4j-admin import into {home} failed (exit {proc.returncode}): {_clean(errors[0])}")
    return output


# --------------------------------------------------------------------------- by hand


def _check(workdir: Path) -> None:
    import neo4j

    t = time.monotonic()
    built = is_built()
    ensure_built()
    print(f"launcher: {'already built' if built else f'built in {time.monotonic() - t:.1f} s'} ({JAR})")
    with Neo4jServer.start(workdir / "serve") as server:
        print(f"ready in {server.started_in:.1f} s at {server.uri} (pid {server.process.pid})")
        print("version:", server.version())
        d = server.driver()
        assert d.execute_query("RETURN 1 AS x").records[0]["x"] == 1
        d.execute_query("CREATE (:Check {id: 'c1', tags: ['a', 'b']})")
        rec = d.execute_query("MATCH (c:Check {id: 'c1'}) RETURN c.tags AS tags").records[0]
        assert rec["tags"] == ["a", "b"], rec
        try:
            neo4j.GraphDatabase.driver(server.uri, auth=(server.user, "wrong-password")).verify_connectivity()
            raise AssertionError("a wrong password was accepted")
        except neo4j.exceptions.AuthError as exc:
            print("wrong password refused:", exc.code)
        with d.session(default_access_mode=neo4j.READ_ACCESS) as s:
            try:
                s.run("CREATE (:X)").consume()
                raise AssertionError("a write in a READ session was accepted")
            except neo4j.exceptions.ClientError as exc:
                print("write in READ session refused:", exc.code, "-", exc.message)
        d.execute_query("CREATE CONSTRAINT check_id IF NOT EXISTS FOR (c:Check) REQUIRE c.id IS UNIQUE")
        d.execute_query("CREATE INDEX check_tags IF NOT EXISTS FOR (c:Check) ON (c.tags)")
        t = time.monotonic()
        server.wipe()
        left = d.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
        schema = [r["name"] for r in d.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'").records]
        schema += [r["name"] for r in d.execute_query("SHOW CONSTRAINTS YIELD name").records]
        assert left == 0 and not schema, (left, schema)
        print(f"wipe: {time.monotonic() - t:.2f} s, 0 nodes, no constraints or indexes left")
        t = time.monotonic()
    print(f"stopped in {time.monotonic() - t:.1f} s")

    csv_dir = workdir / "csv"
    csv_dir.mkdir(parents=True, exist_ok=True)
    (csv_dir / "papers.csv").write_text(
        "id:ID(Paper),title,sources:string[],:LABEL\n"
        'p1,"Two\nlines, ""quoted""",a.txt:1\x1fb;c.txt:2,Paper\n'
        "p2,Second,x.txt:9,Paper\x1fExtra\n",
        encoding="utf-8",
    )
    (csv_dir / "cites.csv").write_text(":START_ID(Paper),:END_ID(Paper),:TYPE\np2,p1,CITES\n", encoding="utf-8")
    t = time.monotonic()
    import_csv(workdir / "imported", [csv_dir / "papers.csv"], [csv_dir / "cites.csv"])
    print(f"bulk import: {time.monotonic() - t:.1f} s")
    with Neo4jServer.start(workdir / "imported") as server:
        recs = (
            server.driver()
            .execute_query(
                "MATCH (a:Paper)-[r:CITES]->(b:Paper) RETURN a.id AS a, b.id AS b, b.sources AS s, b.title AS t, "
                "labels(a) AS la"
            )
            .records
        )
        got = [(r["a"], r["b"], r["s"], r["t"], sorted(r["la"])) for r in recs]
        assert got == [("p2", "p1", ["a.txt:1", "b;c.txt:2"], 'Two\nlines, "quoted"', ["Extra", "Paper"])], got
        print("imported graph served:", got)
    print("check passed")


def main(argv: list[str]) -> int:
    import tempfile

    if not argv or argv[0] not in ("check", "serve", "build"):
        print(__doc__)
        return 2
    try:
        if argv[0] == "build":
            ensure_built(force="--force" in argv, cds="--cds" in argv or None)
            print(JAR)
            if _cds_fresh():
                print(CDS_ARCHIVE)
        elif argv[0] == "check":
            with tempfile.TemporaryDirectory(prefix="kg-neo4j-") as d:
                _check(Path(argv[1]) if len(argv) > 1 else Path(d))
        else:
            workdir = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="kg-neo4j-"))
            server = Neo4jServer.start(workdir, password=os.environ.get(PASSWORD_ENV))
            print(
                f"NEO4J_URI={server.uri} NEO4J_USERNAME={server.user} NEO4J_PASSWORD={server.password} "
                f"(home {server.home}; Ctrl-C stops)",
                flush=True,
            )
            try:
                server.process.wait()
            except KeyboardInterrupt:
                server.stop()
    except (Neo4jUnavailable, Neo4jServerError) as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
