package io.cdcfanout.it.kafka.backend;

import io.cdcfanout.it.harness.TestDatabase;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.awaitility.Awaitility;

/**
 * Real Kafka for tests: one KRaft broker (combined broker and controller) and distributed Kafka Connect
 * workers, all in the test JVM ({@link EmbeddedConnectCluster} from connect-runtime's test jar). Connectors
 * are found on the test classpath, Debezium's {@code PostgresConnector} among them.
 *
 * <p>{@link #deploySource} runs Debezium's Postgres connector with the configuration the project ships
 * ({@link ShippedSourceConfig}) against a harness database. Started once per test run by
 * {@link KafkaBackendExtension}; {@link #close()} stops the workers and the broker.
 */
public final class KafkaConnectBackend implements AutoCloseable {

    private static final Duration CONNECTOR_START = Duration.ofSeconds(120);

    private final EmbeddedConnectCluster cluster;
    private final long startupMillis;
    private final Admin admin;

    private KafkaConnectBackend(EmbeddedConnectCluster cluster, long startupMillis) {
        this.cluster = cluster;
        this.startupMillis = startupMillis;
        this.admin = cluster.kafka().createAdminClient();
    }

    /**
     * Starts a broker and {@code workers} Connect workers and waits until the workers answer.
     *
     * @throws IllegalStateException when they do not start
     */
    public static KafkaConnectBackend start(int workers) {
        long from = System.nanoTime();
        Properties broker = new Properties();
        broker.put("auto.create.topics.enable", "false");
        // retention checks run often, so a test that deletes old records sees their segments go quickly
        broker.put("log.retention.check.interval.ms", "1000");
        Map<String, String> worker = new HashMap<>();
        worker.put("offset.flush.interval.ms", "1000");
        EmbeddedConnectCluster cluster = new EmbeddedConnectCluster.Builder()
                .name("cdc-fanout-it")
                .numBrokers(1)
                .numWorkers(workers)
                .brokerProps(broker)
                .workerProps(worker)
                .maskExitProcedures(true)
                .build();
        try {
            cluster.start();
            Awaitility.await("Connect workers up")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.healthyWorkers().size() == workers);
        } catch (RuntimeException e) {
            try {
                cluster.stop();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalStateException("Kafka and Kafka Connect did not start: " + e.getMessage(), e);
        }
        return new KafkaConnectBackend(cluster, (System.nanoTime() - from) / 1_000_000);
    }

    /** {@code host:port} of the broker, for clients outside the JVM (the service processes) too. */
    public String bootstrapServers() {
        return cluster.kafka().bootstrapServers();
    }

    /** How long {@link #start} took, broker and workers. */
    public long startupMillis() {
        return startupMillis;
    }

    /** The cluster itself, for what this class does not wrap (REST requests, worker handles). */
    public EmbeddedConnectCluster cluster() {
        return cluster;
    }

    public Admin admin() {
        return admin;
    }

    /**
     * Deploys Debezium's Postgres connector with the shipped configuration on {@code db}, capturing
     * {@code tables}, under names unique to {@code name} (connector, slot, publication, topics), with
     * {@code overrides} on top, and waits until its task runs.
     */
    public SourceConnector deploySource(
            TestDatabase db, String name, List<String> tables, Map<String, String> overrides) {
        ShippedSourceConfig shipped = ShippedSourceConfig.load();
        Map<String, String> config = shipped.forDatabase(db, name, tables);
        config.putAll(overrides);
        cluster.configureConnector(name, config);
        awaitTaskRunning(name);
        return new SourceConnector(name, config.get("slot.name"), ShippedSourceConfig.changesTopic(name));
    }

    /** Waits until the connector and its one task run; fails with the task's trace when it failed. */
    public void awaitTaskRunning(String connector) {
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

    public void deleteConnector(String connector) {
        cluster.deleteConnector(connector);
    }

    /** The next offset to be written to partition 0 of {@code topic}. */
    public long endOffset(String topic) {
        return offset(topic, OffsetSpec.latest());
    }

    /** The first offset still held by partition 0 of {@code topic} (moves when retention deletes records). */
    public long earliestOffset(String topic) {
        return offset(topic, OffsetSpec.earliest());
    }

    /**
     * Deletes every record of partition 0 of {@code topic} below {@code offset}, as retention does, and
     * returns the new earliest offset.
     */
    public long deleteRecordsBefore(String topic, long offset) {
        try {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(offset)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete records of " + topic + ": " + e, e);
        }
        return earliestOffset(topic);
    }

    /** Sets a topic config, e.g. {@code retention.ms}. */
    public void setTopicConfig(String topic, String key, String value) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            admin.incrementalAlterConfigs(Map.of(
                            resource,
                            List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set " + key + " on " + topic + ": " + e, e);
        }
    }

    private long offset(String topic, OffsetSpec spec) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try {
            return admin.listOffsets(Map.of(partition, spec))
                    .partitionResult(partition)
                    .get(30, TimeUnit.SECONDS)
                    .offset();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list offsets of " + topic + ": " + e.getCause(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot list offsets of " + topic + ": " + e, e);
        }
    }

    /** The running workers, e.g. to stop one. */
    public java.util.Set<WorkerHandle> workers() {
        return cluster.workers();
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        cluster.stop();
    }

    /**
     * A deployed source connector.
     *
     * @param name  the connector's name
     * @param slot  the replication slot it streams from
     * @param topic the single-partition topic it writes every change, transaction marker and fence message to
     */
    public record SourceConnector(String name, String slot, String topic) {}
}
