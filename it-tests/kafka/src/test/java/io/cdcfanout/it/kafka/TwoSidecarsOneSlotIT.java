package io.cdcfanout.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaBackendExtension;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.kafka.support.CacheCheck;
import io.cdcfanout.it.kafka.support.KafkaSidecar;
import io.cdcfanout.it.kafka.support.PgSlots;
import io.cdcfanout.it.kafka.support.ServiceProcess;
import io.cdcfanout.it.kafka.support.Wal;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.Workload;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two sidecar replicas in {@code source: kafka} mode on one slot: Debezium's Postgres connector in a Connect
 * worker feeds the topic, two service processes read it, each with a cache. Under the race workload (16 writers
 * on 20 hot rows of two tables, inserts, updates, deletes, re-inserts, multi-row transactions, rollbacks) both
 * caches must end equal to the tables, a {@code min_lsn} read must return the caller's write on both, and the
 * database must hold exactly one replication slot: the connector's.
 *
 * <p>Replica A starts at the topic's beginning ({@code snapshot: initial}, position in Postgres, the connector's
 * configuration checked through Connect's REST API), replica B at its end ({@code snapshot: never}, position in a
 * file); both caches load their tables themselves.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class TwoSidecarsOneSlotIT {

    private static final int THREADS = 16;
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("race.seconds", 20));
    private static final String TABLES = "public.products, public.stock";

    @Test
    void twoReplicasOnOneTopicKeepTheirCachesEqualToTheTablesFromOneSlot(TestDatabase db, KafkaConnectBackend kafka)
            throws Exception {
        Workload workload = new Workload(db, "", null);
        workload.createTables();
        String name = Backends.uniqueName("race");
        KafkaConnectBackend.SourceConnector source =
                kafka.deploySource(db, name, List.of("public.products", "public.stock"), Map.of());
        long startedAt = System.nanoTime();
        try (ServiceProcess a = KafkaSidecar.start(
                        "race-a",
                        KafkaSidecar.cacheYaml(
                                db,
                                kafka,
                                source,
                                name + "_a",
                                "initial",
                                "{ store: postgres }",
                                TABLES,
                                "    connector-url: " + kafka.connectorUrl(name) + "\n"));
                ServiceProcess b = KafkaSidecar.start(
                        "race-b",
                        KafkaSidecar.cacheYaml(
                                db,
                                kafka,
                                source,
                                name + "_b",
                                "never",
                                KafkaSidecar.fileOffsets(name + "_b"),
                                TABLES))) {
            a.awaitReady();
            b.awaitReady();
            long readyMillis = (System.nanoTime() - startedAt) / 1_000_000;

            workload.run(THREADS, DURATION);
            long caughtUpFrom = System.nanoTime();
            Lsn fence = Wal.fence(db);
            a.awaitApplied(fence, Duration.ofSeconds(180));
            b.awaitApplied(fence, Duration.ofSeconds(180));
            long catchUpMillis = (System.nanoTime() - caughtUpFrom) / 1_000_000;

            Map<String, Map<String, String>> products = Rows.read(db, "products", "id");
            Map<String, Map<String, String>> stock = Rows.read(db, "stock", "sku");
            List<String> problems = new ArrayList<>();
            for (ServiceProcess replica : List.of(a, b)) {
                problems.addAll(CacheCheck.problems(
                        replica::get,
                        "public.products",
                        IntStream.rangeClosed(1, Workload.KEYS)
                                .mapToObj(String::valueOf)
                                .toList(),
                        products));
                problems.addAll(CacheCheck.problems(
                        replica::get,
                        "public.stock",
                        IntStream.rangeClosed(1, Workload.KEYS)
                                .mapToObj(Workload::sku)
                                .toList(),
                        stock));
            }
            System.out.printf(
                    "KAFKA RACE: %d changes in %d transactions (%d rolled back, %d deadlocked), topic end offset %d;"
                            + " both replicas ready %d ms after start, caught up %d ms after the writers stopped;"
                            + " cache differences=%d%n",
                    workload.committedChanges(),
                    workload.committedTransactions(),
                    workload.rolledBackTransactions(),
                    workload.failedTransactions(),
                    kafka.endOffset(source.topic()),
                    readyMillis,
                    catchUpMillis,
                    problems.size());

            assertThat(workload.committedChanges())
                    .as("the workload committed changes")
                    .isGreaterThan(500);
            assertThat(workload.rolledBackTransactions())
                    .as("the workload rolled some transactions back")
                    .isPositive();
            assertThat(problems)
                    .as("differences between the tables and the two caches")
                    .isEmpty();

            // /status shows where each replica is in the topic, and no slot of its own
            long topicEnd = kafka.endOffset(source.topic());
            for (ServiceProcess replica : List.of(a, b)) {
                JsonNode status =
                        RowJson.MAPPER.readTree(replica.get("/status").body()).path("source");
                assertThat(status.has("slot"))
                        .as("no slot of its own: %s", status)
                        .isFalse();
                JsonNode position = status.path("kafka");
                assertThat(position.path("topic").asText())
                        .as(status.toString())
                        .isEqualTo(source.topic());
                assertThat(position.path("stored_offset").asLong())
                        .as("a position stored after the caught-up batches: %s", status)
                        .isPositive()
                        .isLessThanOrEqualTo(topicEnd);
                assertThat(position.path("lag_records").asLong())
                        .as(status.toString())
                        .isBetween(0L, topicEnd);
            }

            // read-your-writes through Kafka: the fence each replica writes travels the connector and the topic
            String token = "rw-" + System.nanoTime();
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                s.execute("INSERT INTO products VALUES (1, '" + token + "', 9.99, 1)"
                        + " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = products.version + 1");
            }
            Lsn written = Wal.insertLsn(db);
            for (ServiceProcess replica : List.of(a, b)) {
                HttpResponse<String> read = replica.get("/cache/public.products/1?min_lsn=" + written);
                assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
                assertThat(RowJson.MAPPER.readTree(read.body()).at("/row/name").asText())
                        .as("the min_lsn read returns the caller's write")
                        .isEqualTo(token);
            }

            assertThat(PgSlots.slotsOf(db))
                    .as("one slot for any number of replicas: the connector's")
                    .containsExactly(source.slot());
        } finally {
            kafka.deleteConnector(name);
        }
    }
}
