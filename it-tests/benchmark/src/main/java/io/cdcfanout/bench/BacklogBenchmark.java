package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.cdcfanout.bench.ServiceConfigs.SinkKind;
import io.cdcfanout.schema.Lsn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * W1, the backlog drain, with every baseline on the same WAL: the slots of all runs are created first,
 * then the backlog is written with nothing consuming, then each run drains it from its own slot.
 */
final class BacklogBenchmark {

    private static final String TABLE = "public.w1_items";
    private static final int BULK_ATTEMPTS = 3;

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final ElasticsearchClient es;
    private final Path pgBinaries;
    private final Consumer<String> log;

    BacklogBenchmark(
            BenchDatabase db,
            ServiceConfigs configs,
            Drain drain,
            ElasticsearchClient es,
            Path pgBinaries,
            Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.es = es;
        this.pgBinaries = pgBinaries;
        this.log = log;
    }

    /** Returns the figures and appends the ratios. */
    List<Figure> run(double scale, ServiceConfigs.Tuning tuning, Set<String> runNames, List<String> ratios)
            throws Exception {
        long target = Math.max(1000, Math.round(1_000_000 * scale));
        db.createSlot("w1_recv");
        List<Run> runs = Stream.of(
                        new Run(
                                "w1_cache",
                                EnumSet.of(SinkKind.CAFFEINE),
                                List.of("cache"),
                                "(c) pipeline caffeine only"),
                        new Run("w1_history", EnumSet.of(SinkKind.SCD2), List.of("history"), "(c) pipeline scd2 only"),
                        new Run(
                                "w1_search",
                                EnumSet.of(SinkKind.ELASTICSEARCH),
                                List.of("search"),
                                "(c) pipeline elasticsearch only"),
                        new Run(
                                "w1_all",
                                ServiceConfigs.ALL,
                                List.of("search", "cache", "history"),
                                "pipeline all 3 sinks"))
                .filter(run -> runNames.contains(run.slot().substring("w1_".length())))
                .toList();
        log.accept("W1: starting and stopping each service run once so that its slot and offsets exist...");
        for (Run run : runs) {
            drain.prime(config(run), Duration.ofMinutes(5));
        }
        NaiveDebeziumBaseline naive = new NaiveDebeziumBaseline(db, es);
        NaiveDebeziumBaseline.Started naiveRun = naive.start("w1_naive", TABLE, "w1-naive");
        log.accept("W1: writing the backlog of " + target + " changes with no consumer running...");
        long written = new BacklogWorkload(db).write(target);
        Lsn end = db.currentLsn();
        log.accept("W1: " + written + " changes written, WAL end " + end);
        List<Figure> figures = new ArrayList<>();

        RecvLogicalBaseline.Result recv = new RecvLogicalBaseline(db.postgres(), pgBinaries).run("w1_recv", end);
        if (recv.exitCode() != 0) {
            log.accept("W1: pg_recvlogical exited with " + recv.exitCode());
        }
        Figure source =
                Figure.baseline("W1", "(a) pg_recvlogical > /dev/null", written, recv.seconds(), -1, "source ceiling");
        figures.add(source);
        log.accept("W1 (a): " + Math.round(source.perSecond()) + " changes/s");
        db.dropSlot("w1_recv");

        // each sink alone first
        Figure alone = null;
        Figure all = null;
        for (Run run : runs) {
            Figure f = drain(run, written);
            figures.add(f);
            if (run.slot().equals("w1_search")) {
                alone = f;
            } else if (run.slot().equals("w1_all")) {
                all = f;
            }
        }

        BulkLoadBaseline.Result bulk = new BulkLoadBaseline(db, es)
                .run(TABLE, "w1-bulk", tuning.bulkMaxActions(), tuning.bulkConcurrency(), BULK_ATTEMPTS);
        String attempts = bulk.attemptsPerSecond().stream()
                .map(r -> String.valueOf(Math.round(r)))
                .collect(Collectors.joining(", "));
        Figure index = Figure.baseline(
                "W1",
                "(b) bulk load final docs",
                bulk.documents(),
                bulk.seconds(),
                bulk.cpuNanos() / 1e9 / bulk.documents() * 1000,
                "index ceiling; docs, not changes; best of " + attempts + " docs/s");
        figures.add(index);
        log.accept("W1 (b): " + Math.round(index.perSecond()) + " docs/s");

        long limit = Math.min(written, Math.max(2000, Math.round(20_000 * scale)));
        NaiveDebeziumBaseline.Result byHandRun = naiveRun.release(limit);
        Figure byHand = Figure.baseline(
                "W1",
                "(d) Debezium + 1 request/change",
                byHandRun.changes(),
                byHandRun.seconds(),
                -1,
                "first " + byHandRun.changes() + " changes only");
        figures.add(byHand);
        log.accept("W1 (d): " + Math.round(byHand.perSecond()) + " changes/s");
        db.dropSlot("w1_naive");

        if (all != null) {
            ratios.add(String.format(
                    "W1 pipeline (3 sinks) / (a) pg_recvlogical = %.2f", all.perSecond() / source.perSecond()));
            ratios.add(String.format(
                    "W1 pipeline (3 sinks) changes/s / (b) bulk docs/s = %.2f  [target >= 0.70]",
                    all.perSecond() / index.perSecond()));
        }
        if (alone != null) {
            ratios.add(String.format(
                    "W1 pipeline (es only) changes/s / (b) bulk docs/s = %.2f", alone.perSecond() / index.perSecond()));
        }
        if (all != null) {
            ratios.add(String.format(
                    "W1 pipeline (3 sinks) / (d) Debezium by hand = %.1fx  [target >= 20x]",
                    all.perSecond() / byHand.perSecond()));
        }
        return figures;
    }

    /** One pipeline variant: its slot, sinks and sink names. */
    private record Run(String slot, Set<SinkKind> sinks, List<String> sinkNames, String variant) {}

    private io.cdcfanout.service.config.ServiceConfig config(Run run) {
        return configs.config(run.slot(), List.of(TABLE), run.sinks());
    }

    private Figure drain(Run run, long changes) throws Exception {
        log.accept("W1: draining with " + run.variant() + "...");
        Drain.Measured m = drain.startAndDrain(config(run), run.sinkNames(), changes, Duration.ofMinutes(30));
        db.dropSlot(run.slot());
        Figure f = Figure.of("W1", run.variant(), m, "");
        String busy = m.busySeconds().entrySet().stream()
                .map(e -> e.getKey() + " " + Math.round(100 * e.getValue() / m.seconds()) + "%")
                .collect(Collectors.joining(", "));
        log.accept(
                "W1 " + run.variant() + ": " + Math.round(f.perSecond()) + " changes/s; sinks busy applying: " + busy);
        return f;
    }
}
