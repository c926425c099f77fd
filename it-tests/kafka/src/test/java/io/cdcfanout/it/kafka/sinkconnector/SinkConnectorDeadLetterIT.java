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
import io.cdcfanout.schema.RowJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A change Elasticsearch refuses for good (a text where the index maps an integer) goes to the connector's
 * dead-letter topic through Connect's errant-record reporter, as the record it came from with the sink's reason in
 * its headers; the other changes are applied, the history sink takes the refused one too, and the tasks go on.
 * Without a dead-letter queue the task stops instead, saying how to configure one, and the change's offset is not
 * committed: nothing is skipped silently.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class SinkConnectorDeadLetterIT {

    @Test
    void aChangeTheIndexRefusesGoesToTheDeadLetterTopicWithTheReason(
            TestDatabase db, ElasticsearchBackend elasticsearch, KafkaConnectBackend kafka) throws Exception {
        db.execute(
                "CREATE TABLE notes (id int PRIMARY KEY, qty text NOT NULL, version int NOT NULL)",
                "INSERT INTO notes VALUES (0, '0', 1)");
        String name = Backends.uniqueName("sinkdlq");
        String index = name + "_notes";
        EsDocs es = new EsDocs(elasticsearch.url());
        SinkConnectorDeployment deployment = SinkConnectorDeployment.source(kafka, db, name, List.of("public.notes"));
        String sinks = """
                search:
                  type: elasticsearch
                  url: %s
                  tables:
                    public.notes:
                      index: %s
                      mapping: { properties: { qty: { type: integer } } }
                history:
                  type: scd2
                  tables: { public.notes: { history-table: history.notes } }
                """.formatted(elasticsearch.url(), index);
        try {
            deployment.deploySink(db, 2, sinks);
            db.execute(
                    "INSERT INTO notes VALUES (1, '7', 1)",
                    "INSERT INTO notes VALUES (2, 'not a number', 1)",
                    "INSERT INTO notes VALUES (3, '9', 1)");
            deployment.awaitCommittedToEnd(Duration.ofSeconds(120));

            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.cluster()
                    .kafka()
                    .createConsumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
                consumer.assign(List.of(new TopicPartition(deployment.dlqTopic(), 0)));
                Awaitility.await("a dead letter in " + deployment.dlqTopic())
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> {
                            consumer.poll(Duration.ofMillis(500)).forEach(dead::add);
                            return !dead.isEmpty();
                        });
                consumer.poll(Duration.ofSeconds(2)).forEach(dead::add);
            }
            assertThat(dead).as("dead letters").hasSize(1);
            JsonNode value = RowJson.MAPPER.readTree(new String(dead.get(0).value(), StandardCharsets.UTF_8));
            assertThat(value.at("/payload/after/id").asInt())
                    .as("the refused record, as it was")
                    .isEqualTo(2);
            Header reason = dead.get(0).headers().lastHeader("__connect.errors.exception.message");
            assertThat(reason).as("the reason header").isNotNull();
            assertThat(new String(reason.value(), StandardCharsets.UTF_8))
                    .contains("sink 'search' refused INSERT of public.notes key 2")
                    .contains("Elasticsearch refused document");

            assertThat(es.liveRows(index)).containsOnlyKeys("0", "1", "3");
            assertThat(HistoryCheck.read(db, "history.notes", "id"))
                    .as("the history sink took every change")
                    .containsOnlyKeys("0", "1", "2", "3");
            assertThat(deployment.sinkTasks())
                    .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
        } finally {
            deployment.delete();
            es.deleteIndex(index + "_v1");
        }
    }

    @Test
    void withoutADeadLetterQueueTheTaskStopsAndSaysHowToConfigureOne(
            TestDatabase db, ElasticsearchBackend elasticsearch, KafkaConnectBackend kafka) throws Exception {
        db.execute(
                "CREATE TABLE notes (id int PRIMARY KEY, qty text NOT NULL, version int NOT NULL)",
                "INSERT INTO notes VALUES (0, '0', 1)");
        String name = Backends.uniqueName("sinknodlq");
        String index = name + "_notes";
        EsDocs es = new EsDocs(elasticsearch.url());
        SinkConnectorDeployment deployment = SinkConnectorDeployment.source(kafka, db, name, List.of("public.notes"));
        String sinks = """
                search:
                  type: elasticsearch
                  url: %s
                  tables:
                    public.notes:
                      index: %s
                      mapping: { properties: { qty: { type: integer } } }
                """.formatted(elasticsearch.url(), index);
        try {
            deployment.deploySink(deployment.sinkConfig(db, 1, sinks), 1);
            deployment.awaitCommittedToEnd(Duration.ofSeconds(120));
            db.execute("INSERT INTO notes VALUES (2, 'not a number', 1)");

            Awaitility.await("the sink task failed")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> deployment.sinkTasks().stream()
                            .anyMatch(t -> t.state().equals("FAILED")));
            String trace = deployment.sinkTasks().get(0).trace();
            assertThat(trace)
                    .contains("sink 'search' refused INSERT of public.notes key 2")
                    .contains("no dead-letter queue, so it stops rather than skip the change")
                    .contains("errors.deadletterqueue.topic.name");
            Thread.sleep(3_000); // offsets would be committed within offset.flush.interval.ms (1 s)
            long end = deployment.endOffsets().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            long committed = deployment.committedOffsets().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            assertThat(committed)
                    .as("the refused change's offset is not committed")
                    .isEqualTo(end - 1);
        } finally {
            deployment.delete();
            es.deleteIndex(index + "_v1");
        }
    }
}
