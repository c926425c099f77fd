package io.cdcfanout.benchkafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;

/**
 * The benchmark's Kafka side, run as a child process: one KRaft broker (combined broker and controller) and one
 * distributed Connect worker ({@link EmbeddedConnectCluster}, as in the Kafka ITs), with Debezium's Postgres
 * connector and the cdc-fanout sink connector found on this process's classpath.
 *
 * <p>Protocol: once up, it prints one JSON line {@code {"ready":true,"bootstrap":..,"connect":..,"startupMillis":..}}
 * on stdout; then it reads one JSON request per line on stdin ({@code {"cmd":..., ...}}) and answers each with one
 * JSON line ({@code {"ok":true,...}} or {@code {"ok":false,"error":..}}). Everything else it or Kafka prints goes
 * to stderr. It stops on {@code {"cmd":"quit"}} or when stdin closes (the benchmark died).
 */
public final class KafkaSide {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedConnectCluster cluster;
    private final Admin admin;
    private final HttpClient http = HttpClient.newHttpClient();
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    private KafkaSide(EmbeddedConnectCluster cluster) {
        this.cluster = cluster;
        this.admin = cluster.kafka().createAdminClient();
    }

    public static void main(String[] args) throws Exception {
        PrintStream protocol = System.out;
        System.setOut(System.err);
        long from = System.nanoTime();
        Properties broker = new Properties();
        broker.put("auto.create.topics.enable", "false");
        // a fresh consumer group (each sink run) starts at once instead of waiting 3 s for more members
        broker.put("group.initial.rebalance.delay.ms", "0");
        Map<String, String> worker = new HashMap<>();
        // the sink's offsets are committed often, so "all committed" follows "all applied" closely
        worker.put("offset.flush.interval.ms", "250");
        worker.put("connector.client.config.override.policy", "All");
        EmbeddedConnectCluster cluster = new EmbeddedConnectCluster.Builder()
                .name("cdc-fanout-bench")
                .numBrokers(1)
                .numWorkers(1)
                .brokerProps(broker)
                .workerProps(worker)
                .maskExitProcedures(true)
                .build();
        cluster.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (cluster.healthyWorkers().size() < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Connect worker did not come up in 120 s");
            }
            Thread.sleep(100);
        }
        KafkaSide side = new KafkaSide(cluster);
        ObjectNode ready = JSON.createObjectNode()
                .put("ready", true)
                .put("bootstrap", cluster.kafka().bootstrapServers())
                .put("connect", cluster.endpointForResource(""))
                .put("startupMillis", (System.nanoTime() - from) / 1_000_000);
        protocol.println(JSON.writeValueAsString(ready));
        protocol.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode request = JSON.readTree(line);
                if (request.path("cmd").asText().equals("quit")) {
                    break;
                }
                ObjectNode answer;
                try {
                    answer = side.handle(request);
                    answer.put("ok", true);
                } catch (Exception | AssertionError e) {
                    answer = JSON.createObjectNode().put("ok", false).put("error", String.valueOf(e));
                }
                protocol.println(JSON.writeValueAsString(answer));
                protocol.flush();
            }
        } finally {
            side.admin.close(Duration.ofSeconds(5));
            cluster.stop();
        }
        System.exit(0);
    }

    private ObjectNode handle(JsonNode request) throws Exception {
        String cmd = request.path("cmd").asText();
        ObjectNode answer = JSON.createObjectNode();
        switch (cmd) {
            case "connector" -> {
                Map<String, String> config = new HashMap<>();
                request.get("config")
                        .fields()
                        .forEachRemaining(
                                e -> config.put(e.getKey(), e.getValue().asText()));
                cluster.configureConnector(request.get("name").asText(), config);
            }
            case "status" -> status(request.get("name").asText(), answer);
            case "stop" -> rest("PUT", "connectors/" + request.get("name").asText() + "/stop");
            case "resume" -> rest("PUT", "connectors/" + request.get("name").asText() + "/resume");
            case "delete" -> cluster.deleteConnector(request.get("name").asText());
            case "end-offsets" -> answer.put("sum", endOffsets(topics(request)));
            case "topic-bytes" -> answer.put("sum", topicBytes(topics(request)));
            case "committed" -> answer.put("sum", committed(request.get("group").asText()));
            case "read-total" ->
                answer.put("sum", sinkRecordsRead(request.get("connector").asText()));
            default -> throw new IllegalArgumentException("unknown command " + cmd);
        }
        return answer;
    }

    private void status(String name, ObjectNode answer) {
        ConnectorStateInfo status = cluster.connectorStatus(name);
        answer.put("connector", status.connector().state());
        var tasks = answer.putArray("tasks");
        StringBuilder traces = new StringBuilder();
        for (ConnectorStateInfo.TaskState task : status.tasks()) {
            tasks.add(task.state());
            if (task.trace() != null) {
                traces.append("task ")
                        .append(task.id())
                        .append(": ")
                        .append(task.trace())
                        .append('\n');
            }
        }
        answer.put("trace", traces.toString());
    }

    private void rest(String method, String resource) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.endpointForResource(resource)))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(
                    method + " " + resource + ": " + response.statusCode() + " " + response.body());
        }
    }

    private static List<String> topics(JsonNode request) {
        List<String> topics = new ArrayList<>();
        request.get("topics").forEach(t -> topics.add(t.asText()));
        return topics;
    }

    /** Records written to every partition of {@code topics} (0 for a topic not created yet). */
    private long endOffsets(List<String> topics) throws Exception {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<String> present = topics.stream().filter(existing::contains).toList();
        if (present.isEmpty()) {
            return 0;
        }
        Map<String, TopicDescription> described =
                admin.describeTopics(present).allTopicNames().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        described
                .values()
                .forEach(d -> d.partitions()
                        .forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                .mapToLong(o -> o.offset())
                .sum();
    }

    /** Bytes the broker holds on disk for every partition of {@code topics} (its log segments). */
    private long topicBytes(List<String> topics) throws Exception {
        List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                .map(n -> n.id())
                .toList();
        long sum = 0;
        for (var dirs : admin.describeLogDirs(brokers)
                .allDescriptions()
                .get(30, TimeUnit.SECONDS)
                .values()) {
            for (var dir : dirs.values()) {
                for (var replica : dir.replicaInfos().entrySet()) {
                    if (topics.contains(replica.getKey().topic())) {
                        sum += replica.getValue().size();
                    }
                }
            }
        }
        return sum;
    }

    /** The sum of a consumer group's committed offsets (a sink connector's group is {@code connect-<name>}). */
    private long committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        return committed.values().stream()
                .filter(o -> o != null)
                .mapToLong(OffsetAndMetadata::offset)
                .sum();
    }

    /** Connect's {@code sink-record-read-total}, summed over the connector's tasks in this worker. */
    private long sinkRecordsRead(String connector) throws Exception {
        long sum = 0;
        for (ObjectName name : jmx.queryNames(new ObjectName("kafka.connect:type=sink-task-metrics,*"), null)) {
            String tag = name.getKeyProperty("connector");
            if (tag != null && tag.replace("\"", "").equals(connector)) {
                Object value = jmx.getAttribute(name, "sink-record-read-total");
                if (value instanceof Number n) {
                    sum += n.longValue();
                }
            }
        }
        return sum;
    }
}
