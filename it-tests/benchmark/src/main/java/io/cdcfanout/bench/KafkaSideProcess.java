package io.cdcfanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Kafka side of the benchmark in its own JVM: {@code io.cdcfanout.benchkafka.KafkaSide} from the
 * {@code it-tests/bench-kafka} module (one KRaft broker and one distributed Connect worker), started with that
 * module's classes and the classpath its build wrote ({@code target/classpath.txt}). Connect's Jetty 12 cannot
 * share this JVM with the service's Javalin (Jetty 11). Requests and answers are JSON lines on its stdin and
 * stdout; its log goes to a file.
 */
final class KafkaSideProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAIN = "io.cdcfanout.benchkafka.KafkaSide";

    private final Process process;
    private final Writer requests;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Path log;
    private JsonNode ready;

    private KafkaSideProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            answers.add(line);
                        }
                    } catch (IOException e) {
                        // the process is gone; call() reports it
                    }
                },
                "kafka-side-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** {@code it-tests/bench-kafka/target}: system property {@code cdc.bench.kafka.dir}, else found beside this jar. */
    static Path moduleTarget() {
        String configured = System.getProperty("cdc.bench.kafka.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            Path here = Path.of(KafkaSideProcess.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath();
            for (Path p = here; p != null; p = p.getParent()) {
                Path candidate = p.resolve("bench-kafka").resolve("target");
                if (Files.exists(candidate.resolve("classpath.txt"))) {
                    return candidate;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the working directory
        }
        return Path.of("it-tests", "bench-kafka", "target");
    }

    /** Starts the child and waits until its broker and worker are up. */
    static KafkaSideProcess start(Path logDir, Duration timeout) throws Exception {
        Path target = moduleTarget();
        Path classpathFile = target.resolve("classpath.txt");
        if (!Files.exists(classpathFile)) {
            throw new IllegalStateException("no " + classpathFile.toAbsolutePath()
                    + ": build it-tests/bench-kafka first (mvn package), or set -Dcdc.bench.kafka.dir");
        }
        String classpath = target.resolve("classes")
                + java.io.File.pathSeparator
                + Files.readString(classpathFile).strip();
        Files.createDirectories(logDir);
        Path log = logDir.resolve("kafka-side.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx2g");
        command.add("-XX:+UseParallelGC");
        command.add("-cp");
        command.add(classpath);
        command.add(MAIN);
        Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        KafkaSideProcess side = new KafkaSideProcess(process, log);
        try {
            side.ready = side.next(timeout);
            if (!side.ready.path("ready").asBoolean()) {
                throw new IllegalStateException("unexpected first line from the Kafka side: " + side.ready);
            }
        } catch (Exception e) {
            side.close();
            throw e;
        }
        return side;
    }

    /** How long the broker and worker took to start, as the child measured it (its JVM start not included). */
    long startupMillis() {
        return ready.path("startupMillis").asLong();
    }

    String bootstrapServers() {
        return ready.path("bootstrap").asText();
    }

    Path log() {
        return log;
    }

    /** CPU time the child process (broker, worker and connector tasks) has used so far. */
    Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    void connector(String name, Map<String, String> config) throws Exception {
        ObjectNode request = request("connector").put("name", name);
        ObjectNode c = request.putObject("config");
        config.forEach(c::put);
        call(request);
    }

    /** The connector's state and its tasks' states; {@code trace} holds failed tasks' traces. */
    JsonNode status(String name) throws Exception {
        return call(request("status").put("name", name));
    }

    void stop(String name) throws Exception {
        call(request("stop").put("name", name));
    }

    void resume(String name) throws Exception {
        call(request("resume").put("name", name));
    }

    void delete(String name) throws Exception {
        call(request("delete").put("name", name));
    }

    /** Records written to all partitions of {@code topics}. */
    long endOffsets(List<String> topics) throws Exception {
        ObjectNode request = request("end-offsets");
        topics.forEach(request.putArray("topics")::add);
        return call(request).path("sum").asLong();
    }

    /** Bytes the broker holds for all partitions of {@code topics}. */
    long topicBytes(List<String> topics) throws Exception {
        ObjectNode request = request("topic-bytes");
        topics.forEach(request.putArray("topics")::add);
        return call(request).path("sum").asLong();
    }

    /** The sum of the committed offsets of consumer group {@code group}. */
    long committed(String group) throws Exception {
        return call(request("committed").put("group", group)).path("sum").asLong();
    }

    /** Records the sink connector's tasks have read from Kafka (Connect's {@code sink-record-read-total}). */
    long recordsRead(String connector) throws Exception {
        return call(request("read-total").put("connector", connector))
                .path("sum")
                .asLong();
    }

    private static ObjectNode request(String cmd) {
        return JSON.createObjectNode().put("cmd", cmd);
    }

    private synchronized JsonNode call(ObjectNode request) throws Exception {
        requests.write(JSON.writeValueAsString(request));
        requests.write('\n');
        requests.flush();
        JsonNode answer = next(Duration.ofSeconds(120));
        if (!answer.path("ok").asBoolean()) {
            throw new IllegalStateException("Kafka side: " + request.path("cmd").asText() + " failed: "
                    + answer.path("error").asText());
        }
        return answer;
    }

    private JsonNode next(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = answers.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                return JSON.readTree(line);
            }
            if (!process.isAlive() && answers.isEmpty()) {
                throw new IllegalStateException(
                        "the Kafka side exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "no answer from the Kafka side in " + timeout + "; see " + log.toAbsolutePath());
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            try {
                requests.write("{\"cmd\":\"quit\"}\n");
                requests.flush();
            } catch (IOException e) {
                // already closing
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
