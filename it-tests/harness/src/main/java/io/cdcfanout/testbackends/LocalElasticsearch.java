package io.cdcfanout.testbackends;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A throw-away single-node Elasticsearch (security off) run from an unpacked distribution, e.g.
 * the integ-test-zip from Maven Central. Lifecycle:
 * <ol>
 *   <li>{@link #start} copies the distribution into {@code workDir} (so the unprivileged owner can
 *       write its config and keystore, and parallel runs don't share it), starts a node on free
 *       HTTP and transport ports and returns once {@code /_cluster/health} is yellow or green.</li>
 *   <li>{@link #stop} terminates the node (SIGTERM to its process tree, SIGKILL after a grace
 *       period); the data stays. {@link #start()} launches it again on the same ports.</li>
 *   <li>{@link #close} stops it for good. If the JVM exits first, a shutdown hook kills it.</li>
 * </ol>
 * Note the integ-test-zip holds only a minimal module set (no painless, ingest, reindex,
 * analysis-common); the Docker image holds them all.
 * Not thread-safe; one owner drives the lifecycle.
 */
public final class LocalElasticsearch implements AutoCloseable {

    /**
     * Usually 20-60 s on 2 cores; a busy machine (parallel builds, another suite) has needed more than 120 s,
     * and a start that is only slow should not fail every test of the run.
     */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Path home;
    private final Path workDir;
    private final Path javaHome;
    private final ProcessOwner owner;
    private final int httpPort;
    private final int transportPort;
    private final Path consoleLog;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private ShutdownHooks.Registration hook;
    private long startupMillis;

    private LocalElasticsearch(
            Path home, Path workDir, Path javaHome, ProcessOwner owner, int httpPort, int transportPort) {
        this.home = home;
        this.workDir = workDir;
        this.javaHome = javaHome;
        this.owner = owner;
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.consoleLog = workDir.resolve("console.log");
    }

    /**
     * Copies {@code distribution} into {@code workDir} and starts a node there with the JDK at
     * {@code javaHome} (see {@link JavaHomes}).
     *
     * @throws IllegalStateException if the node is not healthy within {@link #START_TIMEOUT}, with its log's tail
     */
    public static LocalElasticsearch start(Path distribution, Path workDir, Path javaHome, ProcessOwner owner) {
        long begin = System.nanoTime();
        if (!Files.isExecutable(distribution.resolve("bin/elasticsearch"))) {
            throw new BackendsUnavailableException(
                    "no Elasticsearch distribution at " + distribution
                            + " (bin/elasticsearch missing). The it-tests build unpacks it in generate-test-resources: run through Maven, e.g. mvn -B verify.");
        }
        Path home = workDir.resolve("home");
        try {
            Files.createDirectories(workDir.resolve("data"));
            Files.createDirectories(workDir.resolve("logs"));
            Files.createDirectories(workDir.resolve("tmp"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + workDir, e);
        }
        Processes.run(List.of("cp", "-R", distribution.toString(), home.toString()), Map.of(), Duration.ofMinutes(2));
        owner.own(workDir);
        LocalElasticsearch node =
                new LocalElasticsearch(home, workDir, javaHome, owner, FreePorts.next(), FreePorts.next());
        node.start();
        node.startupMillis = Duration.ofNanos(System.nanoTime() - begin).toMillis();
        return node;
    }

    /** e.g. {@code http://127.0.0.1:41234} */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** Wall time of the first {@link #start}, the copy of the distribution included. */
    public long startupMillis() {
        return startupMillis;
    }

    public Path logFile() {
        return consoleLog;
    }

    /** Whether the node process runs (it may not answer yet). */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Launches the node (again) on the same ports and data and waits until it is healthy.
     * No-op when it already runs.
     */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(
                home.resolve("bin/elasticsearch").toString(),
                "-E",
                "cluster.name=cdc-it",
                "-E",
                "node.name=cdc-it",
                "-E",
                "discovery.type=single-node",
                "-E",
                "xpack.security.enabled=false",
                "-E",
                "network.host=127.0.0.1",
                "-E",
                "http.port=" + httpPort,
                "-E",
                "transport.port=" + transportPort,
                "-E",
                "path.data=" + workDir.resolve("data"),
                "-E",
                "path.logs=" + workDir.resolve("logs"),
                "-E",
                "cluster.routing.allocation.disk.threshold_enabled=false"));
        ProcessBuilder builder = new ProcessBuilder(owner.command(command))
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("ES_JAVA_HOME", javaHome.toString());
        env.put("ES_JAVA_OPTS", "-Xms512m -Xmx512m");
        env.put("ES_TMPDIR", workDir.resolve("tmp").toString());
        // the launcher's own JVM leaves final-flags* directories in java.io.tmpdir otherwise
        env.put("CLI_JAVA_OPTS", "-Djava.io.tmpdir=" + workDir.resolve("tmp"));
        env.put("HOME", workDir.toString());
        env.remove("ES_PATH_CONF");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot launch " + command.get(0), e);
        }
        Process launched = process;
        hook = ShutdownHooks.register(
                "Elasticsearch on port " + httpPort, () -> Processes.killTree(launched.toHandle()));
        long begin = System.nanoTime();
        try {
            awaitHealthy();
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        System.err.println("[backends] Elasticsearch at " + url() + " healthy "
                + Duration.ofNanos(System.nanoTime() - begin).toMillis() + " ms after launch");
    }

    private void awaitHealthy() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest health = HttpRequest.newBuilder(
                        URI.create(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw failure("Elasticsearch exited with code " + process.exitValue() + " while starting");
            }
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                String body = response.body();
                if (response.statusCode() == 200
                        && (body.contains("\"status\":\"green\"") || body.contains("\"status\":\"yellow\""))) {
                    return;
                }
                last = response.statusCode() + " " + body;
            } catch (ConnectException e) {
                last = "connection refused";
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Elasticsearch", e);
            }
            sleep(Duration.ofMillis(500));
        }
        throw failure(
                "Elasticsearch not healthy within " + START_TIMEOUT.toSeconds() + " s (last answer: " + last + ")");
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException(what + " at " + url() + ". Console log " + consoleLog + " ends with:\n"
                + Processes.tail(consoleLog, 60));
    }

    /** Terminates the node and waits until its processes have exited; the data stays. No-op when stopped. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        long begin = System.nanoTime();
        if (Processes.stopTree(process.toHandle(), STOP_GRACE)) {
            System.err.println("[backends] Elasticsearch at " + url() + " stopped in "
                    + Duration.ofNanos(System.nanoTime() - begin).toMillis() + " ms");
        } else {
            System.err.println("[backends] Elasticsearch at " + url() + " did not stop within " + STOP_GRACE.toSeconds()
                    + " s; killed it");
        }
        hook.close();
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
