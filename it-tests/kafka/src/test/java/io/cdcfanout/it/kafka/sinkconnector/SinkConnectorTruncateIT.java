package io.cdcfanout.it.kafka.sinkconnector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaBackendExtension;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.schema.RowJson;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A TRUNCATE has no key, so it lands on one partition while its table's rows are spread over all six. This test
 * makes the worst order happen on purpose: rows 1-30 are inserted (each row's first change), the table is
 * truncated, rows 100-105 are inserted; then the sink connector (3 tasks) first applies only the TRUNCATE's
 * partition, and only after that TRUNCATE is applied the other five partitions, whose pre-TRUNCATE inserts now
 * come after it, on other tasks. They must not bring rows 1-30 back: neither as documents nor as live history
 * versions. Each task reads the connector's TRUNCATE log ({@code cdc_fanout.sink_truncates}) and applies the
 * TRUNCATE again after its own older changes; the history then shows each of those rows inserted and truncated,
 * as it happened.
 *
 * <p>The partitions are held back with Connect's own offset API (the connector stopped, offsets altered, resumed),
 * not with any hook in the connector.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class SinkConnectorTruncateIT {

    private static final int TASKS = 3;
    private static final Duration CATCH_UP = Duration.ofSeconds(120);

    @Test
    void aPreTruncateChangeAppliedAfterTheTruncateOnAnotherPartitionDoesNotResurrectItsRow(
            TestDatabase db, ElasticsearchBackend elasticsearch, KafkaConnectBackend kafka) throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, version int NOT NULL)",
                "INSERT INTO items VALUES (0, 'seed', 1)");
        String name = Backends.uniqueName("sinktrunc");
        String index = name + "_items";
        EsDocs es = new EsDocs(elasticsearch.url());
        SinkConnectorDeployment deployment = SinkConnectorDeployment.source(kafka, db, name, List.of("public.items"));
        String topic = deployment.topics().get(0);
        String sinks = """
                search:
                  type: elasticsearch
                  url: %s
                  tables: { public.items: { index: %s } }
                history:
                  type: scd2
                  tables: { public.items: { history-table: history.items } }
                """.formatted(elasticsearch.url(), index);
        try {
            deployment.deploySink(db, TASKS, sinks);
            deployment.awaitCommittedToEnd(CATCH_UP);
            assertThat(es.liveRows(index)).as("the snapshot's seed row").containsOnlyKeys("0");

            // Connect stops the tasks; nothing is applied while the changes pile up in the topic
            kafka.cluster().stopConnector(deployment.sinkName());
            awaitState(kafka, deployment.sinkName(), "STOPPED");
            Map<TopicPartition, Long> before = deployment.endOffsets();
            for (int id = 1; id <= 30; id++) {
                db.execute("INSERT INTO items VALUES (" + id + ", 'pre-truncate-" + id + "', 1)");
            }
            db.execute("TRUNCATE items");
            for (int id = 100; id <= 105; id++) {
                db.execute("INSERT INTO items VALUES (" + id + ", 'post-truncate-" + id + "', 1)");
            }
            Map<TopicPartition, List<String>> written = awaitRecords(kafka, topic, before, 37);
            TopicPartition truncatePartition = written.entrySet().stream()
                    .filter(e -> e.getValue().contains("t"))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow();
            Map<TopicPartition, Long> end = deployment.endOffsets();
            int heldBack = written.entrySet().stream()
                    .filter(e -> !e.getKey().equals(truncatePartition))
                    .mapToInt(
                            e -> (int) e.getValue().stream().filter("c"::equals).count())
                    .sum();
            assertThat(heldBack)
                    .as("inserts on partitions other than the TRUNCATE's %s", truncatePartition)
                    .isPositive();

            // 1. only the TRUNCATE's partition: every other partition skips to its end for now
            for (TopicPartition partition : end.keySet()) {
                if (!partition.equals(truncatePartition)) {
                    kafka.cluster().alterSinkConnectorOffset(deployment.sinkName(), partition, end.get(partition));
                }
            }
            kafka.cluster().resumeConnector(deployment.sinkName());
            deployment.awaitRunning(deployment.sinkName());
            deployment.awaitCommittedToEnd(CATCH_UP);
            assertThat(loggedTruncates(db, deployment.sinkName()))
                    .as("the TRUNCATE in the connector's log")
                    .isEqualTo(1);

            // 2. then the other partitions, from where they were before the writes: their inserts predate the
            //    TRUNCATE that another task has already applied
            kafka.cluster().stopConnector(deployment.sinkName());
            awaitState(kafka, deployment.sinkName(), "STOPPED");
            for (TopicPartition partition : end.keySet()) {
                if (!partition.equals(truncatePartition)) {
                    kafka.cluster()
                            .alterSinkConnectorOffset(
                                    deployment.sinkName(), partition, before.getOrDefault(partition, 0L));
                }
            }
            kafka.cluster().resumeConnector(deployment.sinkName());
            deployment.awaitRunning(deployment.sinkName());
            deployment.awaitCommittedToEnd(CATCH_UP);

            Map<String, Map<String, String>> table = Rows.read(db, "items", "id");
            assertThat(table).containsOnlyKeys("100", "101", "102", "103", "104", "105");
            assertThat(SinkConnectorRaceIT.diff("es " + index, es.liveRows(index), table))
                    .as("documents against the table: no pre-TRUNCATE row came back")
                    .isEmpty();
            var history = HistoryCheck.read(db, "history.items", "id");
            assertThat(HistoryCheck.problems(history, table))
                    .as("history against the table: every pre-TRUNCATE row's newest version is a deletion")
                    .isEmpty();
            for (int id = 1; id <= 30; id++) {
                List<HistoryCheck.Version> versions = history.get(String.valueOf(id));
                assertThat(versions)
                        .as("history of row %d: inserted, then truncated", id)
                        .hasSize(2);
                assertThat(versions.get(0).deleted()).isFalse();
                assertThat(versions.get(0).data()).containsEntry("name", "pre-truncate-" + id);
                assertThat(versions.get(1).deleted()).isTrue();
            }
            assertThat(kafka.cluster().connectorStatus(deployment.sinkName()).tasks())
                    .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
        } finally {
            deployment.delete();
            es.deleteIndex(index + "_v1");
        }
    }

    private static void awaitState(KafkaConnectBackend kafka, String connector, String state) {
        Awaitility.await(connector + " " + state)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> kafka.cluster()
                        .connectorStatus(connector)
                        .connector()
                        .state()
                        .equals(state));
    }

    /**
     * Reads the topic from {@code from} until {@code count} records came, and returns each partition's records as
     * their Debezium operation ({@code c}, {@code t}, ...).
     */
    private static Map<TopicPartition, List<String>> awaitRecords(
            KafkaConnectBackend kafka, String topic, Map<TopicPartition, Long> from, int count) {
        Map<TopicPartition, List<String>> ops = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                kafka.cluster().kafka().createConsumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            Awaitility.await(count + " records in " + topic)
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                            JsonNode value = RowJson.MAPPER.readTree(new String(r.value(), StandardCharsets.UTF_8));
                            ops.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), p -> new ArrayList<>())
                                    .add(value.at("/payload/op").asText());
                        }
                        return ops.values().stream().mapToInt(List::size).sum() >= count;
                    });
        }
        Set<String> kinds = new TreeSet<>();
        ops.values().forEach(kinds::addAll);
        assertThat(kinds).as("the operations written").containsExactly("c", "t");
        return ops;
    }

    private static int loggedTruncates(TestDatabase db, String connector) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM cdc_fanout.sink_truncates WHERE connector = ? AND source_table = ?")) {
            s.setString(1, connector);
            s.setString(2, "public.items");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
