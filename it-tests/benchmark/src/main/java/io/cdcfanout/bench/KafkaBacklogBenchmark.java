package io.cdcfanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcfanout.bench.ServiceConfigs.SinkKind;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.config.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * W1K: W1's backlog (the same generator, on its own table {@code w1k_items}) drained through Kafka by the
 * cdc-fanout sink connector with 1, 2 and 3 tasks, beside the direct sidecar with the same two sinks
 * (Elasticsearch and SCD2; the cache sink is not in the connector) on the same backlog in the same run.
 *
 * <p>The Kafka side (one KRaft broker, one distributed Connect worker) runs in a child JVM
 * ({@link KafkaSideProcess}). Debezium's Postgres connector runs with the shipped settings, except that it keeps
 * its topic per table ({@value #PARTITIONS} partitions, keyed by primary key) and snapshots nothing. Its slot
 * exists and has committed a position before the backlog is written; then it is stopped, the backlog written and
 * the direct sidecar drains it from its own slot; then the source connector is resumed and fills the topic
 * (measured on its own); then each sink-connector run, with its own index, history table and consumer group,
 * drains the whole topic: from the first record its tasks read to every partition's offset committed.
 *
 * <p>The Kafka side's JVM is warmed up as the benchmark's own is ({@link WarmUp}): before the prime, the source
 * connector carries {@value WarmUp#CHANGES} changes of a table of its own ({@code w1k_warmup}) into a topic of
 * their own, and a throwaway sink connector drains that topic, so neither the source nor the first sink run is
 * measured on a cold JIT.
 */
final class KafkaBacklogBenchmark {

    static final String TABLE = "public.w1k_items";
    static final int PARTITIONS = 6;
    static final List<Integer> TASKS = List.of(1, 2, 3);

    private static final String SOURCE = "w1k-source";
    private static final String PREFIX = "w1k";
    private static final String SLOT = "w1k_kafka";
    private static final String DIRECT = "w1k_direct";
    private static final String TOPIC = PREFIX + "." + TABLE;
    private static final String WARMUP_TABLE = "public.w1k_warmup";
    private static final String WARMUP_TOPIC = PREFIX + "." + WARMUP_TABLE;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(40);

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final String esUrl;
    private final Consumer<String> log;

    KafkaBacklogBenchmark(BenchDatabase db, ServiceConfigs configs, Drain drain, String esUrl, Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.esUrl = esUrl;
        this.log = log;
    }

    /** Returns the figures and appends the ratios. */
    List<Figure> run(double scale, ServiceConfigs.Tuning tuning, List<String> ratios) throws Exception {
        long target = Math.max(1000, Math.round(1_000_000 * scale));
        List<Figure> figures = new ArrayList<>();
        ServiceConfig direct =
                configs.config(DIRECT, List.of(TABLE), EnumSet.of(SinkKind.ELASTICSEARCH, SinkKind.SCD2));
        drain.prime(direct, Duration.ofMinutes(5));

        log.accept("W1K: starting the Kafka side (1 KRaft broker + 1 Connect worker) in its own JVM...");
        long launched = System.nanoTime();
        Path logDir = Files.createTempDirectory("cdc-bench-kafka");
        try (KafkaSideProcess kafka = KafkaSideProcess.start(logDir, Duration.ofMinutes(3))) {
            double launchSeconds = (System.nanoTime() - launched) / 1e9;
            log.accept(String.format(
                    "W1K: Kafka side up at %s in %.1f s (%.1f s of it broker and worker start; log %s)",
                    kafka.bootstrapServers(), launchSeconds, kafka.startupMillis() / 1000.0, kafka.log()));

            kafka.connector(SOURCE, sourceConfig());
            awaitRunning(kafka, SOURCE, 1);
            warmUp(kafka, tuning);
            primeSource(kafka);
            kafka.stop(SOURCE);
            awaitSlotReleased();

            log.accept("W1K: writing the backlog of " + target + " changes with nothing consuming...");
            long written = new BacklogWorkload(db, "w1k_items").write(target);
            log.accept("W1K: " + written + " changes written, WAL end " + db.currentLsn());

            log.accept("W1K: draining with the direct sidecar (es+scd2)...");
            Drain.Measured m =
                    drain.startAndDrain(direct, List.of("search", "history"), written, Duration.ofMinutes(30));
            db.dropSlot(DIRECT);
            Figure directFigure = Figure.of(
                    KafkaFigures.WORKLOAD, "direct sidecar es+scd2", m, "same backlog and sinks; CPU = this JVM");
            figures.add(directFigure);
            log.accept("W1K direct: " + Math.round(directFigure.perSecond()) + " changes/s");

            KafkaFigures.Window source = fillTopic(kafka, written);
            figures.add(KafkaFigures.source(source, LoadAverage.now()));
            log.accept("W1K source into Kafka: " + Math.round(source.perSecond()) + " changes/s");
            kafka.stop(SOURCE); // its heartbeats would only add noise to the sink runs
            String size = KafkaFigures.topicSize(kafka.topicBytes(List.of(TOPIC)), written);
            log.accept(size);

            List<KafkaFigures.SinkRun> runs = new ArrayList<>();
            for (int tasks : TASKS) {
                KafkaFigures.SinkRun run = new KafkaFigures.SinkRun(tasks, drainSink(kafka, tasks, written, tuning));
                runs.add(run);
                figures.add(KafkaFigures.sink(run, LoadAverage.now()));
                log.accept("W1K sink connector, " + tasks + " task(s): "
                        + Math.round(run.window().perSecond()) + " changes/s");
            }
            ratios.addAll(KafkaFigures.ratios(directFigure, source, runs, kafka.startupMillis(), launchSeconds));
            ratios.add(size);
            kafka.delete(SOURCE);
        }
        db.dropSlot(SLOT);
        return figures;
    }

    /** The shipped source settings on this database, with a topic per table and no snapshot. */
    private Map<String, String> sourceConfig() throws Exception {
        Path file = KafkaSideProcess.moduleTarget().resolve("classes/connect/cdc-fanout-source.json");
        JsonNode root = new ObjectMapper().readTree(Files.readString(file));
        Map<String, String> config = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            config.put(e.getKey(), e.getValue().asText());
        }
        var pg = db.postgres();
        config.put("database.hostname", pg.host());
        config.put("database.port", String.valueOf(pg.port()));
        config.put("database.dbname", BenchDatabase.NAME);
        config.put("database.user", pg.superuser());
        config.put("database.password", pg.password());
        config.put("table.include.list", TABLE + "," + WARMUP_TABLE);
        config.put("slot.name", SLOT);
        config.put("publication.name", SLOT);
        config.put("topic.prefix", PREFIX);
        config.put("snapshot.mode", "no_data");
        config.put("transforms", ""); // Debezium's topic per table, keyed by primary key
        config.put("topic.creation.default.partitions", String.valueOf(PARTITIONS));
        config.values().forEach(v -> {
            if (v.contains("${env:")) {
                throw new IllegalStateException("unresolved shipped setting " + v);
            }
        });
        return config;
    }

    /** Runs the source connector and a throwaway sink connector over {@code w1k_warmup}; nothing is measured. */
    private void warmUp(KafkaSideProcess kafka, ServiceConfigs.Tuning tuning) throws Exception {
        log.accept("W1K warm-up: " + WarmUp.CHANGES
                + " changes through the source and a sink connector (not measured)...");
        long written = new BacklogWorkload(db, "w1k_warmup").write(WarmUp.CHANGES);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (kafka.endOffsets(List.of(WARMUP_TOPIC)) < written) {
            checkRunning(kafka, SOURCE, deadline, WARMUP_TOPIC + " to hold " + written + " records");
            Thread.sleep(200);
        }
        String name = "w1k-sink-warmup";
        kafka.connector(name, sinkConfig(1, WARMUP_TOPIC, WARMUP_TABLE, "w1k_warmup", tuning));
        String group = "connect-" + name;
        while (kafka.committed(group) < written) {
            checkRunning(kafka, name, deadline, name + " to commit " + written + " records");
            Thread.sleep(200);
        }
        kafka.delete(name);
    }

    /**
     * Emits a fence message and waits until the slot has confirmed it: the connector has then committed an
     * offset, so after the stop it resumes from there and the backlog written meanwhile is not skipped.
     */
    private void primeSource(KafkaSideProcess kafka) throws Exception {
        Lsn fence;
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT pg_logical_emit_message(true, 'cdc_fanout_fence', 'w1k-prime')::text")) {
            rs.next();
            fence = Lsn.parse(rs.getString(1));
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            Lsn confirmed = confirmedFlush();
            if (confirmed != null && !fence.isAfter(confirmed)) {
                return;
            }
            checkRunning(
                    kafka, SOURCE, deadline, "the source connector confirming " + fence + " (at " + confirmed + ")");
            Thread.sleep(200);
        }
    }

    private Lsn confirmedFlush() throws Exception {
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, SLOT);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null ? Lsn.parse(rs.getString(1)) : null;
            }
        }
    }

    private void awaitSlotReleased() throws Exception {
        for (int i = 0; i < 600 && db.slotActive(SLOT); i++) {
            Thread.sleep(100);
        }
        if (db.slotActive(SLOT)) {
            throw new IllegalStateException("the stopped source connector still holds slot " + SLOT);
        }
    }

    /** Resumes the source connector and times it from the first to the last backlog record in the topic. */
    private KafkaFigures.Window fillTopic(KafkaSideProcess kafka, long changes) throws Exception {
        log.accept("W1K: resuming Debezium's source connector into " + TOPIC + " (" + PARTITIONS + " partitions)...");
        long already = kafka.endOffsets(List.of(TOPIC));
        if (already != 0) {
            throw new IllegalStateException(TOPIC + " holds " + already + " records before the backlog");
        }
        long resumed = System.nanoTime();
        kafka.resume(SOURCE);
        long deadline = resumed + DRAIN_TIMEOUT.toNanos();
        long first = 0;
        Duration cpuAtFirst = Duration.ZERO;
        long last;
        long seen = 0;
        while (true) {
            long n = kafka.endOffsets(List.of(TOPIC));
            long now = System.nanoTime();
            if (n > 0 && first == 0) {
                first = now;
                cpuAtFirst = kafka.cpu();
            }
            if (n >= changes) {
                last = now;
                break;
            }
            if (n > seen) {
                seen = n;
            } else {
                checkRunning(kafka, SOURCE, deadline, "the topic to hold " + changes + " records (has " + n + ")");
            }
            Thread.sleep(100);
        }
        double cpu = (kafka.cpu().toNanos() - cpuAtFirst.toNanos()) / 1e9;
        log.accept(String.format(
                "W1K: first record in the topic %.1f s after the resume (task start)", (first - resumed) / 1e9));
        return new KafkaFigures.Window(changes, (last - first) / 1e9, cpu);
    }

    /** Deploys the sink connector with {@code tasks} tasks on a fresh index, history table and group; times it. */
    private KafkaFigures.Window drainSink(KafkaSideProcess kafka, int tasks, long changes, ServiceConfigs.Tuning tuning)
            throws Exception {
        String name = "w1k-sink-" + tasks;
        String run = "w1k_sink" + tasks;
        long end = kafka.endOffsets(List.of(TOPIC));
        log.accept("W1K: draining " + end + " records with the sink connector, tasks.max=" + tasks + "...");
        Map<String, String> config = sinkConfig(tasks, TOPIC, TABLE, run, tuning);
        long deployed = System.nanoTime();
        kafka.connector(name, config);
        long deadline = deployed + DRAIN_TIMEOUT.toNanos();
        while (kafka.recordsRead(name) == 0) {
            checkRunning(kafka, name, deadline, "the first record read by " + name);
            Thread.sleep(20);
        }
        long first = System.nanoTime();
        Duration cpuAtFirst = kafka.cpu();
        log.accept(String.format("W1K: first record read %.1f s after the deployment", (first - deployed) / 1e9));
        String group = "connect-" + name;
        long last;
        long seen = 0;
        while (true) {
            long committed = kafka.committed(group);
            long now = System.nanoTime();
            if (committed >= end) {
                last = now;
                break;
            }
            if (committed > seen) {
                seen = committed;
            } else {
                checkRunning(
                        kafka,
                        name,
                        deadline,
                        "every offset committed by " + name + " (" + committed + " of " + end + ")");
            }
            Thread.sleep(100);
        }
        double cpu = (kafka.cpu().toNanos() - cpuAtFirst.toNanos()) / 1e9;
        JsonNode status = kafka.status(name);
        long versions = db.count(historyTable(run, TABLE));
        long direct = db.count(historyTable(DIRECT, TABLE));
        log.accept("W1K: " + name + " tasks " + status.path("tasks") + "; history versions " + versions
                + (versions == direct ? ", as many as the direct sidecar's" : ", the direct sidecar's: " + direct));
        kafka.delete(name);
        return new KafkaFigures.Window(changes, (last - first) / 1e9, cpu);
    }

    /** The sink connector on {@code topic} (Debezium's topic of {@code table}), index and history named by {@code run}. */
    private Map<String, String> sinkConfig(
            int tasks, String topic, String table, String run, ServiceConfigs.Tuning tuning) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.cdcfanout.connect.CdcFanoutSinkConnector");
        config.put("tasks.max", String.valueOf(tasks));
        config.put("topics", topic);
        for (String kind : List.of("key", "value", "header")) {
            config.put(kind + ".converter", "org.apache.kafka.connect.json.JsonConverter");
            config.put(kind + ".converter.schemas.enable", "true");
        }
        // the direct sidecar's batch size; Connect's default is 500 records per put
        config.put("consumer.override.max.poll.records", String.valueOf(tuning.maxBatchSize()));
        config.put("cdc.sinks", sinksYaml(run, table, tuning));
        config.put("cdc.source.jdbc.url", db.jdbcUrl());
        config.put("cdc.source.user", db.postgres().superuser());
        config.put("cdc.source.password", db.postgres().password());
        return config;
    }

    private String sinksYaml(String run, String table, ServiceConfigs.Tuning tuning) {
        return """
                search:
                  type: elasticsearch
                  url: %s
                  bulk: { max-actions: %d, concurrency: %d }
                  tables:
                    %s: { index: %s }
                history:
                  type: scd2
                  tables:
                    %s: { history-table: %s }
                """.formatted(
                        esUrl,
                        tuning.bulkMaxActions(),
                        tuning.bulkConcurrency(),
                        table,
                        ServiceConfigs.indexName(run, table),
                        table,
                        historyTable(run, table));
    }

    /** The history table a run writes {@code table}'s versions to (as {@link ServiceConfigs} names it). */
    static String historyTable(String run, String table) {
        return "history." + run + "_" + table.substring(table.indexOf('.') + 1);
    }

    private void awaitRunning(KafkaSideProcess kafka, String name, int tasks) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            JsonNode status;
            try {
                status = kafka.status(name);
            } catch (IllegalStateException e) {
                checkRunning(kafka, name, deadline, name + " registered");
                Thread.sleep(250);
                continue;
            }
            int running = 0;
            for (JsonNode t : status.path("tasks")) {
                if (t.asText().equals("RUNNING")) {
                    running++;
                }
            }
            if (status.path("connector").asText().equals("RUNNING") && running == tasks) {
                return;
            }
            checkRunning(kafka, name, deadline, name + " running");
            Thread.sleep(250);
        }
    }

    /** Fails when a task of the connector failed or the deadline passed. */
    private static void checkRunning(KafkaSideProcess kafka, String name, long deadline, String waitingFor)
            throws Exception {
        JsonNode status;
        try {
            status = kafka.status(name);
        } catch (IllegalStateException e) {
            status = null; // not registered yet
        }
        if (status != null) {
            for (JsonNode t : status.path("tasks")) {
                if (t.asText().equals("FAILED")) {
                    throw new IllegalStateException("a task of " + name + " failed: "
                            + status.path("trace").asText());
                }
            }
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timed out waiting for " + waitingFor + "; see " + kafka.log());
        }
    }
}
