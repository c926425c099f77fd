package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.cdcfanout.bench.ServiceConfigs.SinkKind;
import io.cdcfanout.schema.Lsn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * W1, the backlog drain, with every baseline on the same WAL: the slots of all runs are created first,
 * then the backlog is written with nothing consuming, then each run drains it from its own slot.
 */
final class BacklogBenchmark {

    private static final String TABLE = "public.w1_items";
    private static final Map<String, SinkKind> SINK_NAMES = Map.of("search", SinkKind.ELASTICSEARCH, "cache", SinkKind.CAFFEINE, "history", SinkKind.SCD2);

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final ElasticsearchClient es;
    private final Path pgBinaries;
    private final Consumer<String> log;

    BacklogBenchmark(BenchDatabase db, ServiceConfigs configs, Drain drain, ElasticsearchClient es, Path pgBinaries, Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.es = es;
        this.pgBinaries = pgBinaries;
        this.log = log;
    }

    /** Returns the figures and appends the ratios. */
    List<Figure> run(double scale, ServiceConfigs.Tuning tuning, List<String> ratios) throws Exception {
        long target = Math.max(1000, Math.round(1_000_000 * scale));
        List<String> slots = List.of("w1_recv", "w1_naive", "w1_cache", "w1_history", "w1_search", "w1_all");
        for (String slot : slots) {
            db.createSlot(slot);
        }
        log.accept("W1: writing the backlog of " + target + " changes with no consumer running...");
        long written = new BacklogWorkload(db).write(target);
        Lsn end = db.currentLsn();
        log.accept("W1: " + written + " changes written, WAL end " + end);
        List<Figure> figures = new ArrayList<>();

        RecvLogicalBaseline.Result recv = new RecvLogicalBaseline(db.postgres(), pgBinaries).run("w1_recv", end);
        if (recv.exitCode() != 0) {
            log.accept("W1: pg_recvlogical exited with " + recv.exitCode());
        }
        Figure source = Figure.baseline("W1", "(a) pg_recvlogical > /dev/null", written, recv.seconds(), -1, "source ceiling");
        figures.add(source);
        log.accept("W1 (a): " + Math.round(source.perSecond()) + " changes/s");
        db.dropSlot("w1_recv");

        // each sink alone first: the first run also warms up the JIT and class loading
        Figure alone = null;
        for (String sink : List.of("cache", "history", "search")) {
            Figure f = drain("w1_" + sink, EnumSet.of(SINK_NAMES.get(sink)), List.of(sink), written, "(c) pipeline " + sink + " only");
            figures.add(f);
            if (sink.equals("search")) {
                alone = f;
            }
        }
        Figure all = drain("w1_all", ServiceConfigs.ALL, List.of("search", "cache", "history"), written, "pipeline all 3 sinks");
        figures.add(all);

        BulkLoadBaseline.Result bulk = new BulkLoadBaseline(db, es).run(TABLE, "w1-bulk", tuning.bulkMaxActions(), tuning.bulkConcurrency());
        Figure index = Figure.baseline("W1", "(b) bulk load final docs", bulk.documents(), bulk.seconds(),
                bulk.cpuNanos() / 1e9 / bulk.documents() * 1000, "index ceiling; docs, not changes");
        figures.add(index);
        log.accept("W1 (b): " + Math.round(index.perSecond()) + " docs/s");

        long limit = Math.min(written, Math.max(2000, Math.round(20_000 * scale)));
        NaiveDebeziumBaseline.Result naive = new NaiveDebeziumBaseline(db.postgres(), es).run("w1_naive", TABLE, "w1-naive", limit);
        Figure byHand = Figure.baseline("W1", "(d) Debezium + 1 request/change", naive.changes(), naive.seconds(), -1,
                "first " + naive.changes() + " changes only");
        figures.add(byHand);
        log.accept("W1 (d): " + Math.round(byHand.perSecond()) + " changes/s");
        db.dropSlot("w1_naive");

        ratios.add(String.format("W1 pipeline (3 sinks) / (a) pg_recvlogical = %.2f", all.perSecond() / source.perSecond()));
        ratios.add(String.format("W1 pipeline (3 sinks) changes/s / (b) bulk docs/s = %.2f  [target >= 0.70]", all.perSecond() / index.perSecond()));
        ratios.add(String.format("W1 pipeline (es only) changes/s / (b) bulk docs/s = %.2f", alone.perSecond() / index.perSecond()));
        ratios.add(String.format("W1 pipeline (3 sinks) / (d) Debezium by hand = %.1fx  [target >= 20x]", all.perSecond() / byHand.perSecond()));
        return figures;
    }

    private Figure drain(String run, Set<SinkKind> sinks, List<String> sinkNames, long changes, String variant) throws Exception {
        log.accept("W1: draining with " + variant + "...");
        Drain.Measured m = drain.startAndDrain(configs.config(run, List.of(TABLE), sinks), sinkNames, changes, Duration.ofMinutes(30));
        db.dropSlot(run);
        Figure f = Figure.of("W1", variant, m, "");
        log.accept("W1 " + variant + ": " + Math.round(f.perSecond()) + " changes/s");
        return f;
    }
}
