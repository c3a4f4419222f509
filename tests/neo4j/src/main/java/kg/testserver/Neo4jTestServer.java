package kg.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.cli.AdminTool;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.kernel.internal.Version;

/**
 * A real Neo4j 5.26 community DBMS for kg's tests, in this JVM, from Maven Central jars.
 *
 * <pre>
 * serve  --home DIR [--password PW] [--user NAME] [--bolt-port N] [--pagecache SIZE] [--conf key=value]... [--ignore-stdin]
 * import --home DIR [options of `neo4j-admin database import full`]...   (e.g. --nodes=a.csv --relationships=r.csv)
 * admin  --home DIR [any neo4j-admin arguments]...                       (e.g. dbms set-initial-password PW)
 * version
 * </pre>
 *
 * serve: Bolt only (no HTTP), on 127.0.0.1, port 0 = a free one chosen by the kernel; auth enabled; the password
 * comes from --password or the environment variable KG_NEO4J_PASSWORD (8+ characters, Neo4j's minimum). At every
 * start the user `neo4j` gets that password with CHANGE NOT REQUIRED (and --user NAME, if not neo4j, is created or
 * updated with it too), so the server is usable at once. When Bolt accepts connections the process prints exactly
 * one line on stdout, {@code KG_NEO4J_READY bolt://127.0.0.1:PORT}; everything else goes to stderr, and Neo4j's
 * own logs go to DIR/logs. It stops cleanly on SIGTERM/SIGINT (shutdown hook) and when its stdin reaches end of
 * file (so it dies with the process that started it with a pipe), unless --ignore-stdin.
 *
 * import: runs Neo4j's own bulk importer (org.neo4j.importer.ImportCommand, i.e. `neo4j-admin database import
 * full`) against DIR, so a later `serve --home DIR` serves the imported graph as database `neo4j`. The database
 * name defaults to neo4j; --max-off-heap-memory defaults to 256m here (Neo4j's default is 90% of RAM), and
 * --report-file to DIR/import.report (Neo4j's default is import.report in the working directory).
 *
 * The data directory is DIR/data; DIR/conf/neo4j.conf is (re)written by serve and read by import/admin.
 */
public final class Neo4jTestServer {
    static final String READY = "KG_NEO4J_READY";
    static final String PASSWORD_ENV = "KG_NEO4J_PASSWORD";

    private Neo4jTestServer() {
    }

    public static void main(String[] args) throws Exception {
        // stdout carries the READY line only: whatever a library prints goes to stderr.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "serve";
        List<String> rest = new ArrayList<>(List.of(args));
        if (args.length > 0 && !args[0].startsWith("--")) {
            rest.remove(0);
        }
        try {
            switch (mode) {
                case "serve" -> serve(rest, stdout);
                case "import" -> System.exit(admin(rest, true));
                case "admin" -> System.exit(admin(rest, false));
                case "version" -> {
                    stdout.println(Version.getNeo4jVersion());
                    stdout.flush();
                }
                default -> fail("unknown mode '" + mode + "' (serve, import, admin, version)");
            }
        } catch (UsageError e) {
            System.err.println("kg-neo4j-testserver: " + e.getMessage());
            System.exit(2);
        } catch (Throwable e) {
            e.printStackTrace();
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            // one line last, for the caller's error message
            System.err.println("kg-neo4j-testserver: failed: " + e + (root != e ? " (cause: " + root + ")" : ""));
            System.exit(1);
        }
    }

    // ------------------------------------------------------------------ serve

    private static void serve(List<String> args, PrintStream stdout) throws Exception {
        Path home = null;
        String user = "neo4j";
        String password = System.getenv(PASSWORD_ENV);
        int boltPort = 0;
        String pagecache = "32m";
        boolean watchStdin = true;
        Map<String, String> extra = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--home" -> home = Path.of(value(args, ++i, a));
                case "--user" -> user = value(args, ++i, a);
                case "--password" -> password = value(args, ++i, a);
                case "--bolt-port" -> boltPort = Integer.parseInt(value(args, ++i, a));
                case "--pagecache" -> pagecache = value(args, ++i, a);
                case "--ignore-stdin" -> watchStdin = false;
                case "--conf" -> {
                    String kv = value(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        fail("--conf takes key=value, got '" + kv + "'");
                    }
                    extra.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                }
                default -> fail("serve: unknown argument '" + a + "'");
            }
        }
        if (home == null) {
            fail("serve: --home DIR is required");
        }
        if (password == null || password.isEmpty()) {
            fail("serve: give the password with --password or " + PASSWORD_ENV);
        }
        home = home.toAbsolutePath();
        long t0 = System.nanoTime();

        AtomicReference<DatabaseManagementService> dbms = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DatabaseManagementService s = dbms.getAndSet(null);
            if (s != null) {
                System.err.println("kg-neo4j-testserver: shutting down");
                try {
                    s.shutdown();
                } catch (RuntimeException e) {
                    System.err.println("kg-neo4j-testserver: shutdown failed: " + e);
                }
                System.err.println("kg-neo4j-testserver: stopped");
            }
            stopped.countDown();
        }, "kg-neo4j-shutdown"));
        if (watchStdin) {
            Thread watcher = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // discard; we only wait for end of file
                    }
                } catch (IOException ignored) {
                    // a broken stdin counts as closed
                }
                System.err.println("kg-neo4j-testserver: stdin closed, exiting");
                System.exit(0);
            }, "kg-neo4j-stdin-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("server.bolt.enabled", "true");
        conf.put("server.bolt.listen_address", "127.0.0.1:" + boltPort);
        conf.put("server.bolt.advertised_address", "127.0.0.1:" + boltPort);
        conf.put("server.bolt.tls_level", "DISABLED");
        conf.put("server.http.enabled", "false");
        conf.put("server.https.enabled", "false");
        conf.put("dbms.security.auth_enabled", "true");
        conf.put("server.memory.pagecache.size", pagecache);
        conf.put("dbms.usage_report.enabled", "false");
        // small, lazily grown transaction logs: a test database is tiny, and preallocation costs disk and time
        conf.put("db.tx_log.preallocate", "false");
        conf.put("db.tx_log.rotation.size", "16m");
        conf.put("db.tx_log.rotation.retention_policy", "2 files");
        conf.put("server.directories.import", home.resolve("import").toString());
        // Bolt's netty shutdown waits a 5 s quiet period twice (measured: 10 s of a 12.5 s stop) by default
        conf.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");
        conf.put("internal.dbms.bolt.netty_server_shutdown_timeout", "2s");
        conf.putAll(extra);
        writeConf(home, conf);

        DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(home.resolve("conf").resolve("neo4j.conf"))
                .build();
        dbms.set(service);
        long tBuilt = System.nanoTime();
        if (stopped.getCount() == 0) { // a signal arrived during start-up
            return;
        }
        setPasswords(service, user, password);
        GraphDatabaseAPI system = (GraphDatabaseAPI) service.database("system");
        HostnamePort bolt = system.getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        if (bolt == null) {
            throw new IllegalStateException("the Bolt connector did not register an address");
        }
        long now = System.nanoTime();
        System.err.printf("kg-neo4j-testserver: Neo4j %s ready in %d ms (JVM up %d ms before main; DBMS %d ms, "
                        + "passwords %d ms; data in %s)%n",
                Version.getNeo4jVersion(), (now - t0) / 1_000_000,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (now - t0) / 1_000_000,
                (tBuilt - t0) / 1_000_000, (now - tBuilt) / 1_000_000, home.resolve("data"));
        stdout.println(READY + " bolt://127.0.0.1:" + bolt.getPort());
        stdout.flush();
        stopped.await();
    }

    /** The user neo4j (and `user`, if another) gets `password`, with no change required at first login. */
    private static void setPasswords(DatabaseManagementService service, String user, String password) {
        GraphDatabaseService system = service.database("system");
        Map<String, Object> p = Map.of("user", user, "pw", password);
        alterPassword(system, "neo4j", password);
        if (!user.equals("neo4j")) {
            boolean exists = system.executeTransactionally(
                    "SHOW USERS YIELD user WHERE user = $user RETURN count(*) AS n", p,
                    r -> ((Number) r.next().get("n")).longValue() > 0);
            if (exists) {
                alterPassword(system, user, password);
            } else {
                system.executeTransactionally("CREATE USER $user SET PASSWORD $pw CHANGE NOT REQUIRED", p);
            }
        }
    }

    private static void alterPassword(GraphDatabaseService system, String user, String password) {
        try {
            system.executeTransactionally("ALTER USER $user SET PASSWORD $pw CHANGE NOT REQUIRED",
                    Map.of("user", user, "pw", password));
        } catch (RuntimeException e) {
            // a restart with the same password: Neo4j refuses to "change" it to itself; still clear the flag
            if (String.valueOf(e.getMessage()).contains("cannot be the same")) {
                system.executeTransactionally("ALTER USER $user SET PASSWORD CHANGE NOT REQUIRED", Map.of("user", user));
            } else {
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ import / admin

    private static int admin(List<String> args, boolean importFull) throws IOException {
        Path home = null;
        List<String> pass = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--home")) {
                home = Path.of(value(args, ++i, a));
            } else if (a.startsWith("--home=")) {
                home = Path.of(a.substring("--home=".length()));
            } else {
                pass.add(a);
            }
        }
        if (home == null) {
            fail((importFull ? "import" : "admin") + ": --home DIR is required");
        }
        home = home.toAbsolutePath();
        Path confDir = home.resolve("conf");
        Files.createDirectories(confDir);
        if (!Files.exists(confDir.resolve("neo4j.conf"))) {
            writeConf(home, Map.of("server.directories.import", home.resolve("import").toString()));
        }
        List<String> argv = new ArrayList<>();
        if (importFull) {
            argv.addAll(List.of("database", "import", "full"));
            if (pass.stream().noneMatch(s -> s.startsWith("--max-off-heap-memory"))) {
                argv.add("--max-off-heap-memory=256m");
            }
            if (pass.stream().noneMatch(s -> s.startsWith("--report-file"))) {
                argv.add("--report-file=" + home.resolve("import.report")); // not the working directory
            }
        }
        argv.addAll(pass);
        ExecutionContext ctx = new ExecutionContext(home, confDir);
        return AdminTool.execute(ctx, argv.toArray(new String[0]));
    }

    // ------------------------------------------------------------------ helpers

    private static void writeConf(Path home, Map<String, String> conf) throws IOException {
        Path dir = home.resolve("conf");
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder("# written by kg-neo4j-testserver at each start; edits are lost\n");
        conf.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(dir.resolve("neo4j.conf"), sb.toString(), StandardCharsets.UTF_8);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            fail(option + " needs a value");
        }
        return args.get(i);
    }

    private static void fail(String message) {
        throw new UsageError(message);
    }

    private static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }
}
