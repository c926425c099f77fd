package io.cdcfanout.it.kafka.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The service as a separate process ({@code java -jar cdc-service.jar run --config F}), its jar from the
 * system property {@code cdc.it.service.jar}. This module never has the service's classes on its classpath
 * (the Connect worker in the test JVM brings Jetty 12, the service Jetty 11), so there is no fallback: a
 * missing jar fails the test with what to build.
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
    private Path log;
    private int starts;

    /** {@code yaml} may contain {@code http: { port: 0 }}; it is replaced by a free port, kept across restarts. */
    public ServiceProcess(String name, String yaml) throws IOException {
        this.name = name;
        this.port = freePort();
        this.logDir = Files.createDirectories(Path.of("target", "service-logs"));
        this.config = logDir.resolve(name + ".yml");
        Files.writeString(config, yaml.replace("http: { port: 0 }", "http: { port: " + port + " }"));
    }

    public ServiceProcess start() throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException("the service jar " + JAR.toAbsolutePath()
                    + " is not built: run the tests through Maven with -am (mvn -pl it-tests/kafka -am verify)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of("run", "--config", config.toString()));
        log = logDir.resolve(name + "-" + (++starts) + ".log");
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return this;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Waits for the process to exit by itself and returns its exit code. */
    public int awaitExit(Duration atMost) throws InterruptedException {
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still runs after " + atMost + "; see " + log);
        }
        return process.exitValue();
    }

    /** What the current run has logged so far. */
    public String log() throws IOException {
        return log == null ? "" : Files.readString(log);
    }

    public HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(60))
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

    public void awaitReady() {
        Awaitility.await(name + " ready")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsMatching(e -> !(e instanceof AssertionError))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError(
                                name + " exited with " + process.exitValue() + "; see " + log + ":\n" + tail());
                    }
                    return get("/ready").statusCode() == 200;
                });
    }

    /** Waits until every sink has applied {@code target}. */
    public void awaitApplied(Lsn target, Duration atMost) {
        Awaitility.await(name + " applied " + target)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
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

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
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
