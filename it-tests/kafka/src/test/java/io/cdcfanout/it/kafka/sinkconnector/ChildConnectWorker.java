package io.cdcfanout.it.kafka.sinkconnector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A distributed Kafka Connect worker in its own JVM ({@code ConnectDistributed}, the test classpath, so it finds
 * the same connectors), joining a cluster by its group and storage topics. Unlike a worker inside the test JVM,
 * it can be killed for real: {@link #kill()} sends SIGKILL, as {@code kill -9} does.
 */
final class ChildConnectWorker implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private ChildConnectWorker(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the worker.
     *
     * @param workerProps the cluster's worker settings (group, storage topics, converters); the broker and the
     *                    REST listener are added here
     */
    static ChildConnectWorker start(String bootstrapServers, Map<String, String> workerProps, Path dir)
            throws IOException {
        int port = freePort();
        Properties props = new Properties();
        props.putAll(workerProps);
        props.put("bootstrap.servers", bootstrapServers);
        props.put("listeners", "HTTP://localhost:" + port);
        props.put("rest.advertised.host.name", "localhost");
        props.put("rest.advertised.port", String.valueOf(port));
        Files.createDirectories(dir);
        Path file = dir.resolve("worker-" + port + ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            props.store(out, "a Connect worker the test kills");
        }
        Path log = dir.resolve("worker-" + port + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("org.apache.kafka.connect.cli.ConnectDistributed");
        command.add(file.toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ChildConnectWorker(process, port, log);
    }

    /** The worker id Connect reports for this worker's tasks. */
    String workerId() {
        return "localhost:" + port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("worker " + workerId() + " did not die");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
