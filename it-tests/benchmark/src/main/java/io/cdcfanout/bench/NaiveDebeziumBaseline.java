package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcfanout.testbackends.LocalPostgres;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline (d), what a user would write by hand: an embedded Debezium engine with JSON records, each
 * change sent to Elasticsearch as its own index or delete request. Runs on its own slot (created before
 * the workload) and stops after {@code limit} changes; the rate is taken from the first to the last.
 */
final class NaiveDebeziumBaseline {

    /** Changes written and seconds from the first to the last. */
    record Result(long changes, double seconds) {
        double perSecond() {
            return changes / seconds;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchDatabase db;
    private final LocalPostgres pg;
    private final ElasticsearchClient client;

    NaiveDebeziumBaseline(BenchDatabase db, ElasticsearchClient client) {
        this.db = db;
        this.pg = db.postgres();
        this.client = client;
    }

    /** A running engine whose consumer waits at a gate until {@link #release} (the "stopped" consumer). */
    static final class Started {
        private final DebeziumEngine<ChangeEvent<String, String>> engine;
        private final ExecutorService runner;
        private final CountDownLatch gate;
        private final CountDownLatch finished;
        private final AtomicLong done;
        private final AtomicLong first;
        private final AtomicLong last;
        private final AtomicLong limit;

        private Started(
                DebeziumEngine<ChangeEvent<String, String>> engine,
                ExecutorService runner,
                CountDownLatch gate,
                CountDownLatch finished,
                AtomicLong done,
                AtomicLong first,
                AtomicLong last,
                AtomicLong limit) {
            this.engine = engine;
            this.runner = runner;
            this.gate = gate;
            this.finished = finished;
            this.done = done;
            this.first = first;
            this.last = last;
            this.limit = limit;
        }

        /** Lets the consumer run until {@code changes} changes are written, then stops the engine. */
        Result release(long changes) throws Exception {
            limit.set(changes);
            gate.countDown();
            try {
                if (!finished.await(30, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("naive baseline did not finish");
                }
            } finally {
                engine.close();
                runner.shutdown();
                runner.awaitTermination(30, TimeUnit.SECONDS);
            }
            return new Result(done.get(), (last.get() - first.get()) / 1e9);
        }
    }

    /** Starts the engine on a new slot and returns once it streams; its consumer holds every change until released. */
    Started start(String slot, String table, String index) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        AtomicLong limit = new AtomicLong(Long.MAX_VALUE);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        String topic = "naive." + table;
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(properties(slot, table))
                .notifying(record -> {
                    if (record.value() == null || !record.destination().equals(topic) || done.get() >= limit.get()) {
                        return;
                    }
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    first.compareAndSet(0, System.nanoTime());
                    try {
                        JsonNode value = JSON.readTree(record.value());
                        String op = value.path("op").asText();
                        if (op.equals("d")) {
                            String id = value.path("before").path("id").asText();
                            client.delete(d -> d.index(index).id(id));
                        } else {
                            JsonNode after = value.path("after");
                            client.index(i -> i.index(index)
                                    .id(after.path("id").asText())
                                    .document(JSON.convertValue(after, Map.class)));
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    last.set(System.nanoTime());
                    if (done.incrementAndGet() == limit.get()) {
                        finished.countDown();
                    }
                })
                .build();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        runner.execute(engine);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!db.slotActive(slot)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("naive baseline engine did not start streaming");
            }
            Thread.sleep(100);
        }
        return new Started(engine, runner, gate, finished, done, first, last, limit);
    }

    private Properties properties(String slot, String table) {
        Properties p = new Properties();
        p.setProperty("name", "naive-" + slot);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", "naive");
        p.setProperty("database.hostname", pg.host());
        p.setProperty("database.port", String.valueOf(pg.port()));
        p.setProperty("database.dbname", BenchDatabase.NAME);
        p.setProperty("database.user", pg.superuser());
        p.setProperty("database.password", pg.password());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slot);
        p.setProperty("publication.name", BenchDatabase.PUBLICATION);
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", table.replace(".", "\\."));
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "10000");
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        return p;
    }
}
