package io.cdcfanout.bench;

import io.cdcfanout.bench.ServiceConfigs.SinkKind;
import io.cdcfanout.service.CdcService;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * W7: one transaction of 2,000,000 × scale rows, then 1,000 single-row updates, through a service of its own
 * (slot {@code huge}) with the Elasticsearch and SCD2 sinks, measured from the first batch to the last update
 * applied, with this JVM's peak heap, RSS and longest collection.
 *
 * <p>The cache sink is left out on purpose: it holds every row of its tables in the heap, so its memory is the
 * table's size, not the transaction's; what W7 checks is that nothing in the pipeline holds a whole transaction.
 */
final class HugeTransactionBenchmark {

    private static final String SLOT = "huge";
    private static final List<String> SINKS = List.of("search", "history");

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final ResourceSampler sampler;
    private final Consumer<String> log;

    HugeTransactionBenchmark(
            BenchDatabase db, ServiceConfigs configs, Drain drain, ResourceSampler sampler, Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.sampler = sampler;
        this.log = log;
    }

    Figure run(BenchOptions options) throws Exception {
        long rows = Math.max(20_000, Math.round(2_000_000 * options.scale()));
        String variant = String.format("one tx of %,d rows, then %,d updates", rows, HugeTransactionWorkload.UPDATES);
        try (CdcService service = CdcService.start(configs.config(
                        SLOT, List.of("public.w7_items"), EnumSet.of(SinkKind.ELASTICSEARCH, SinkKind.SCD2)));
                GcPauses gc = new GcPauses()) {
            while (!service.streaming()) {
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            log.accept("W7: " + variant + "...");
            LatencyRecorder.GLOBAL.reset();
            sampler.openWindow(List.of(SLOT));
            long changes = new HugeTransactionWorkload(db).write(rows);
            Drain.Measured m = drain.awaitApplied(
                    service,
                    SINKS,
                    changes,
                    System.nanoTime() + Duration.ofMinutes(30).toNanos());
            Figure f = Figure.of(
                    "W7",
                    variant,
                    m,
                    gc.summary() + "; -Xmx " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
            log.accept("W7: " + Math.round(f.perSecond()) + " changes/s, " + f.note());
            return f;
        }
    }
}
