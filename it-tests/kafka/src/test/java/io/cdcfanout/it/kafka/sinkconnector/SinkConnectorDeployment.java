package io.cdcfanout.it.kafka.sinkconnector;

import io.cdcfanout.connect.CdcFanoutSinkConnector;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.kafka.backend.ShippedSourceConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.awaitility.Awaitility;

/**
 * The sink connector's test setup on the Kafka test backend: Debezium's Postgres connector with the shipped
 * configuration but one topic per table with {@value #PARTITIONS} partitions keyed by primary key (instead of the
 * sidecar mode's single ordered topic), and the cdc-fanout sink connector reading those topics with
 * {@code tasks.max} tasks into real Elasticsearch and Postgres.
 */
final class SinkConnectorDeployment {

    static final int PARTITIONS = 6;

    private static final Duration CONNECTOR_START = Duration.ofSeconds(120);

    private final EmbeddedConnectCluster cluster;
    private final Admin admin;
    private final String name;
    private final List<String> topics;

    private SinkConnectorDeployment(EmbeddedConnectCluster cluster, Admin admin, String name, List<String> topics) {
        this.cluster = cluster;
        this.admin = admin;
        this.name = name;
        this.topics = topics;
    }

    /** Deploys the source connector for {@code tables} on the shared backend. */
    static SinkConnectorDeployment source(
            KafkaConnectBackend kafka, TestDatabase db, String name, List<String> tables) {
        return source(kafka.cluster(), kafka.admin(), db, name, tables);
    }

    /**
     * Deploys Debezium's connector with the shipped settings for {@code tables} on {@code cluster}, but with
     * Debezium's own topic per table, {@code <name>.<schema>.<table>}, of {@value #PARTITIONS} partitions.
     */
    static SinkConnectorDeployment source(
            EmbeddedConnectCluster cluster, Admin admin, TestDatabase db, String name, List<String> tables) {
        Map<String, String> config = ShippedSourceConfig.load().forDatabase(db, name, tables);
        config.put("transforms", ""); // keep Debezium's topic per table: keyed by primary key
        config.put("topic.creation.default.partitions", String.valueOf(PARTITIONS));
        cluster.configureConnector(name, config);
        SinkConnectorDeployment deployment = new SinkConnectorDeployment(
                cluster, admin, name, tables.stream().map(t -> name + "." + t).toList());
        deployment.awaitRunning(name);
        return deployment;
    }

    /** Waits until the connector and all its tasks run; fails with a task's trace when one failed. */
    void awaitRunning(String connector) {
        Awaitility.await(connector + " running")
                .atMost(CONNECTOR_START)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsMatching(e -> !(e instanceof AssertionError))
                .until(() -> {
                    ConnectorStateInfo status = cluster.connectorStatus(connector);
                    for (ConnectorStateInfo.TaskState task : status.tasks()) {
                        if (task.state().equals("FAILED")) {
                            throw new AssertionError(
                                    "task " + task.id() + " of " + connector + " failed: " + task.trace());
                        }
                    }
                    return status.connector().state().equals("RUNNING")
                            && !status.tasks().isEmpty()
                            && status.tasks().stream().allMatch(t -> t.state().equals("RUNNING"));
                });
    }

    /** The sink connector's tasks as Connect reports them. */
    List<ConnectorStateInfo.TaskState> sinkTasks() {
        return cluster.connectorStatus(sinkName()).tasks();
    }

    List<String> topics() {
        return topics;
    }

    String sinkName() {
        return name + "-sink";
    }

    String dlqTopic() {
        return name + "-dlq";
    }

    /** Deploys the sink connector with {@code tasks} tasks and the given {@code cdc.sinks} YAML; waits until they run. */
    void deploySink(TestDatabase db, int tasks, String sinksYaml) {
        Map<String, String> config = sinkConfig(db, tasks, sinksYaml);
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", dlqTopic());
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        deploySink(config, tasks);
    }

    /** The sink connector's configuration without a dead-letter queue. */
    Map<String, String> sinkConfig(TestDatabase db, int tasks, String sinksYaml) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", CdcFanoutSinkConnector.class.getName());
        config.put("tasks.max", String.valueOf(tasks));
        config.put("topics", String.join(",", topics));
        config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("key.converter.schemas.enable", "true");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "true");
        config.put("header.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("header.converter.schemas.enable", "true");
        config.put("cdc.sinks", sinksYaml);
        config.put("cdc.source.jdbc.url", db.jdbcUrl());
        config.put("cdc.source.user", db.server().superuser());
        config.put("cdc.source.password", db.server().password());
        return config;
    }

    /** Deploys the sink connector with this configuration; waits until its tasks run. */
    void deploySink(Map<String, String> config, int tasks) {
        awaitTopics();
        cluster.configureConnector(sinkName(), config);
        Awaitility.await(sinkName() + " has " + tasks + " tasks")
                .atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> cluster.connectorStatus(sinkName()).tasks().size() == tasks);
        awaitRunning(sinkName());
    }

    /** Waits until Debezium has created the table topics (at its first record), with their partitions. */
    void awaitTopics() {
        Awaitility.await("topics " + topics)
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> admin.listTopics().names().get().containsAll(topics));
    }

    /** Every partition of the table topics with its end offset. */
    Map<TopicPartition, Long> endOffsets() throws Exception {
        Map<String, TopicDescription> described =
                admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> request = described.values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** The sink connector's committed offsets (its consumer group {@code connect-<name>}). */
    Map<TopicPartition, Long> committedOffsets() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("connect-" + sinkName())
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    /**
     * Waits until the sink connector has committed every record written to its topics so far: its tasks commit
     * only what they applied, so then every change is in the sinks.
     */
    void awaitCommittedToEnd(Duration atMost) throws Exception {
        Map<TopicPartition, Long> end = endOffsets();
        Awaitility.await(sinkName() + " committed up to " + end)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    Map<TopicPartition, Long> committed = committedOffsets();
                    return end.entrySet().stream()
                            .allMatch(e -> e.getValue() == 0 || committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
                });
    }

    void delete() {
        for (String connector : List.of(sinkName(), name)) {
            try {
                cluster.deleteConnector(connector);
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }
}
