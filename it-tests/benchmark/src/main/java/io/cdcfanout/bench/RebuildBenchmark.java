package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.pipeline.RebuildOptions;
import io.cdcfanout.service.pipeline.RebuildStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * W5: a rebuild of a table of {@code 1,000,000 × scale} rows into Elasticsearch while W2's open loop runs at
 * a fixed rate. Reports the rebuild's rows/s against the bulk-load ceiling of the same documents (the rows
 * indexed with plain {@code index} actions, best of two), and W2's p99 commit to acknowledged while the
 * rebuild runs against the same rate without it, in the same run.
 */
final class RebuildBenchmark {

    static final String RUN = "bench_w5";
    private static final TableId TABLE = TableId.parse("public.w5_items");
    /** Half of the W2 saturation measured on the 2-core machine (1,600 tx/s); -Dbench.w5.rate overrides it. */
    static final int DEFAULT_RATE = 800;

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final SteadyBenchmark steady;
    private final ElasticsearchClient es;
    private final Consumer<String> log;

    RebuildBenchmark(
            BenchDatabase db,
            ServiceConfigs configs,
            SteadyBenchmark steady,
            ElasticsearchClient es,
            Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.steady = steady;
        this.es = es;
        this.log = log;
    }

    List<Figure> run(BenchOptions options, List<String> ratios) throws Exception {
        int rows = (int) Math.max(20_000, Math.round(1_000_000 * options.scale()));
        int rate = Integer.getInteger("bench.w5.rate", DEFAULT_RATE);
        Duration level = Duration.ofSeconds(Math.max(5, Math.min(30, Math.round(60 * options.scale()))));
        log.accept("W5: writing " + rows + " rows into " + TABLE + "...");
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE w5_items");
            s.execute(
                    "INSERT INTO w5_items SELECT g, 'sku-' || g, 'item ' || g, 'cat-' || (g % 50), (g % 100000) / 10.0,"
                            + " g % 1000, repeat('d', 200), now() FROM generate_series(1, " + rows + ") g");
            s.execute("ANALYZE w5_items");
        }
        log.accept("W5: bulk-load ceiling of the same documents (best of 2)...");
        BulkLoadBaseline.Result ceiling = new BulkLoadBaseline(db, es)
                .run(
                        "w5_items",
                        "w5-bulk",
                        options.tuning().bulkMaxActions(),
                        options.tuning().bulkConcurrency(),
                        2);
        OpenLoopWorkload w2 = new OpenLoopWorkload(db);
        w2.preload();
        List<Figure> figures = new ArrayList<>();
        try (CdcService service = CdcService.start(configs.config(
                RUN,
                List.of("public.w2_items", TABLE.toString()),
                EnumSet.of(ServiceConfigs.SinkKind.ELASTICSEARCH)))) {
            while (!service.streaming()) {
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            steady.openLoopLevel(service, w2, rate, Duration.ofSeconds(5)); // settle, not reported
            Figure without = steady.openLoopLevel(service, w2, rate, level);
            figures.add(renamed(without, "W5", "W2 " + rate + " tx/s, no rebuild"));

            // a first rebuild of the table warms the path up; the second one is measured
            rebuild(service, rows, null);
            Figure[] during = new Figure[1];
            RebuildStatus done = rebuild(service, rows, () -> {
                during[0] = steady.openLoopLevel(
                        service,
                        w2,
                        rate,
                        Duration.ofMillis(Math.min(level.toMillis(), expectedMillis(rows, ceiling))));
            });
            double seconds = java.time.Duration.between(done.requestedAt(), done.finishedAt())
                            .toNanos()
                    / 1e9;
            figures.add(renamed(during[0], "W5", "W2 " + rate + " tx/s, during the rebuild"));
            figures.add(new Figure(
                    "W5",
                    "rebuild " + rows + " rows into Elasticsearch",
                    done.rowsCopied(),
                    seconds,
                    java.util.Map.of(),
                    0,
                    0,
                    0,
                    0,
                    LoadAverage.now(),
                    "rows, not changes; chunks of " + RebuildOptions.DEFAULTS.chunkSize()));
            double perSecond = done.rowsCopied() / seconds;
            ratios.add(String.format(
                    "W5 rebuild rows/s / bulk-load ceiling of the same documents = %.0f / %.0f = %.2f  [target >= 0.80]",
                    perSecond, ceiling.perSecond(), perSecond / ceiling.perSecond()));
            double[] before = without.latencyMs().get("search");
            double[] while_ = during[0].latencyMs().get("search");
            ratios.add(String.format(
                    "W5 W2 p99 commit->ES acked during the rebuild / without = %.1f ms / %.1f ms = %.2f  [target <= 2]",
                    while_[2], before[2], while_[2] / before[2]));
        }
        return figures;
    }

    /** Rebuilds the table and returns its final status; {@code during} runs on this thread while it copies. */
    private RebuildStatus rebuild(CdcService service, int rows, ThrowingRunnable during) throws Exception {
        log.accept("W5: rebuilding " + TABLE + " (" + rows + " rows)...");
        long id = service.rebuild("search", Optional.of(TABLE), RebuildOptions.DEFAULTS)
                .get(0)
                .id();
        if (during != null) {
            during.run();
        }
        while (true) {
            for (RebuildStatus s : service.rebuildStatuses("search")) {
                if (s.id() == id && s.phase().isFinal()) {
                    if (s.phase() != RebuildStatus.Phase.DONE) {
                        throw new IllegalStateException("W5 rebuild ended " + s.phase() + ": " + s.error());
                    }
                    return s;
                }
            }
            Thread.sleep(100);
        }
    }

    /** Half the time the rebuild takes at the ceiling: the measured W2 level then lies inside the rebuild. */
    private static long expectedMillis(int rows, BulkLoadBaseline.Result ceiling) {
        return Math.max(2_000, Math.round(rows / ceiling.perSecond() * 1000 / 2));
    }

    private static Figure renamed(Figure f, String workload, String variant) {
        return new Figure(
                workload,
                variant,
                f.changes(),
                f.seconds(),
                f.latencyMs(),
                f.cpuSecondsPer1000(),
                f.peakRssMb(),
                f.peakHeapMb(),
                f.peakSlotLagMb(),
                f.loadAverage(),
                f.note());
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
