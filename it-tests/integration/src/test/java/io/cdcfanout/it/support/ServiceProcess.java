package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * The service as a separate process ({@code java -jar cdc-service/service/target/cdc-service.jar run --config F}),
 * so a test can kill it with SIGKILL. Falls back to the test's own classpath when the jar is not built.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final Path JAR =
            Path.of(System.getProperty("cdc.it.service.jar", "../../cdc-service/service/target/cdc-service.jar"));

    private final Path config;
    private final Path logDir;
    private final String name;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    /** {@code yaml} may contain {@code port: 0}; it is replaced by a free port, kept across restarts. */
    public ServiceProcess(String name, String yaml) throws IOException {
        this.name = name;
        this.port = freePort();
        this.logDir = Files.createDirectories(Path.of("target", "service-logs"));
        this.config = logDir.resolve(name + ".yml");
        Files.writeString(config, yaml.replace("http: { port: 0 }", "http: { port: " + port + " }"));
    }

    public void start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        if (Files.isRegularFile(JAR)) {
            command.add("-jar");
            command.add(JAR.toString());
        } else {
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("io.cdcfanout.service.cli.Main");
        }
        command.addAll(List.of("run", "--config", config.toString()));
        File log = logDir.resolve(name + "-" + (++starts) + ".log").toFile();
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A request without a body ({@code POST}, {@code DELETE}, ...). */
    public HttpResponse<String> send(String method, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(30))
                            .method(method, HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void awaitReady() {
        Awaitility.await(name + " ready")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError(name + " exited with " + process.exitValue() + "; see " + logDir);
                    }
                    return get("/ready").statusCode() == 200;
                });
    }

    /** Waits until every sink has applied the database's current WAL position (writes a fence message so it moves). */
    public void awaitCaughtUp(TestDatabase db, Duration atMost) {
        Lsn target = RunningService.currentWalLsn(db);
        Awaitility.await(name + " applied " + target)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    fence(db);
                    JsonNode sinks =
                            RowJson.MAPPER.readTree(get("/status").body()).get("sinks");
                    for (Iterator<JsonNode> it = sinks.elements(); it.hasNext(); ) {
                        if (target.isAfter(
                                Lsn.parse(it.next().get("last_applied_lsn").asText()))) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** A committed transactional message, as the service's own fence writes it (the commit flushes the WAL). */
    private static void fence(TestDatabase db) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_logical_emit_message(true, 'cdc_fanout_fence', '')");
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
