package io.cdcfanout.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaBackendExtension;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.kafka.support.PgSlots;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Kafka test backend with the shipped connector configuration: Debezium's Postgres connector in a
 * Connect worker writes a table's snapshot, its changes, their transaction markers and the service's fence
 * messages into one single-partition topic, in WAL commit order, from one slot.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class KafkaBackendIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shippedConfigRoutesChangesTransactionsAndFencesIntoOneOrderedTopic(TestDatabase db, KafkaConnectBackend kafka)
            throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2))",
                "INSERT INTO items VALUES (1, 'one', 1.50)");
        String name = Backends.uniqueName("backend");
        KafkaConnectBackend.SourceConnector source = kafka.deploySource(db, name, List.of("public.items"), Map.of());
        try {
            db.execute(
                    "BEGIN; INSERT INTO items VALUES (2, 'two', 2.25); UPDATE items SET name = 'uno' WHERE id = 1; COMMIT",
                    "SELECT pg_logical_emit_message(true, 'cdc_fanout_fence', '')");

            List<JsonNode> values = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.cluster()
                    .kafka()
                    .createConsumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
                consumer.assign(List.of(new TopicPartition(source.topic(), 0)));
                Awaitility.await("the fence message in " + source.topic())
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> {
                            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                                values.add(JSON.readTree(new String(r.value(), StandardCharsets.UTF_8)));
                            }
                            return values.stream()
                                    .anyMatch(
                                            v -> "m".equals(v.at("/payload/op").asText()));
                        });
            }
            List<String> kinds = values.stream().map(KafkaBackendIT::kind).toList();
            assertThat(kinds)
                    .as("snapshot row, then the transaction's BEGIN, changes and END, then the fence message")
                    .containsSubsequence("r", "BEGIN", "c", "u", "END", "m");
            JsonNode insert = values.get(kinds.indexOf("c"));
            assertThat(insert.at("/payload/transaction/total_order").asLong())
                    .as("changes carry transaction metadata")
                    .isEqualTo(1);
            assertThat(insert.at("/payload/after/price").asText())
                    .as("numeric as exact text (decimal.handling.mode=string)")
                    .isEqualTo("2.25");
            assertThat(kafka.admin()
                            .describeTopics(List.of(source.topic()))
                            .allTopicNames()
                            .get()
                            .get(source.topic())
                            .partitions())
                    .as("one partition: one total order")
                    .hasSize(1);
            assertThat(PgSlots.slotsOf(db)).containsExactly(source.slot());
        } finally {
            kafka.deleteConnector(name);
        }
    }

    private static String kind(JsonNode value) {
        JsonNode payload = value.get("payload");
        if (payload.hasNonNull("status")) {
            return payload.get("status").asText();
        }
        return payload.path("op").asText("?");
    }
}
