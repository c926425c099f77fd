package io.cdcfanout.bench;

import io.cdcfanout.service.CdcService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * W2, W3 and W4 against one running service with all three sinks (slot {@code steady}): each workload
 * is written while the service streams, and measured from the first batch to the last change applied.
 */
final class SteadyBenchmark {

    static final List<String> SINKS = List.of("search", "cache", "history");
    private static final List<String> TABLES = List.of("public.w2_items", "public.w3_items", "public.w4_docs");
    private static final String SLOT = "steady";
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final ResourceSampler sampler;
    private final Consumer<String> log;
    private final String slot;
    private final List<String> sinks;

    SteadyBenchmark(
            BenchDatabase db, ServiceConfigs configs, Drain drain, ResourceSampler sampler, Consumer<String> log) {
        this(db, configs, drain, sampler, log, SLOT, SINKS);
    }

    /** For another workload's service: its open-loop levels on slot {@code slot}, waiting for {@code sinks}. */
    SteadyBenchmark(
            BenchDatabase db,
            ServiceConfigs configs,
            Drain drain,
            ResourceSampler sampler,
            Consumer<String> log,
            String slot,
            List<String> sinks) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.sampler = sampler;
        this.log = log;
        this.slot = slot;
        this.sinks = sinks;
    }

    List<Figure> run(BenchOptions options, List<String> ratios) throws Exception {
        OpenLoopWorkload w2 = new OpenLoopWorkload(db);
        w2.preload();
        List<Figure> figures = new ArrayList<>();
        try (CdcService service = CdcService.start(configs.config(SLOT, TABLES, ServiceConfigs.ALL))) {
            while (!service.streaming()) {
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            if (options.workloads().contains("w2")) {
                figures.addAll(openLoop(service, w2, options, ratios));
            }
            if (options.workloads().contains("w3")) {
                int transactions = (int) Math.max(4, Math.round(40 * options.scale()));
                figures.add(measure(
                        service,
                        "W3",
                        transactions + " tx x 10,000 rows",
                        () -> new LargeTransactionWorkload(db).write(transactions)));
            }
            if (options.workloads().contains("w4")) {
                int rows = (int) Math.max(2000, Math.round(20_000 * options.scale()));
                figures.add(measure(
                        service,
                        "W4",
                        rows + " rows x 10 kB TOAST, insert+update",
                        () -> new ToastWorkload(db).write(rows)));
            }
        }
        return figures;
    }

    private List<Figure> openLoop(CdcService service, OpenLoopWorkload w2, BenchOptions options, List<String> ratios)
            throws Exception {
        Duration level = Duration.ofSeconds(Math.max(5, Math.min(30, Math.round(60 * options.scale()))));
        List<Figure> figures = new ArrayList<>();
        // settle: the first seconds after the service starts are slower (JIT, connection pools); not reported
        openLoopLevel(service, w2, options.rates().get(0), Duration.ofSeconds(5));
        int saturation = 0;
        for (int rate : options.rates()) {
            Figure f = openLoopLevel(service, w2, rate, level);
            figures.add(f);
            if (!keptUp(f, rate)) {
                log.accept("W2: " + rate + " tx/s is beyond saturation");
                break;
            }
            saturation = rate;
        }
        if (saturation > 0) {
            int half = Math.max(1, saturation / 2);
            int eighty = Math.max(1, Math.round(saturation * 0.8f));
            // the ladder ends with an overload level; let Elasticsearch finish its merges and the JVMs their
            // collections, then warm up at the new rate, so the figure is of half saturation, not of the aftermath
            settle();
            Figure halfLevel = settledLevel(service, w2, half, level, "half saturation: " + half + " tx/s");
            Figure eightyLevel = settledLevel(service, w2, eighty, level, "80% of saturation: " + eighty + " tx/s");
            figures.add(halfLevel);
            figures.add(eightyLevel);
            String saturatedLevel = "open loop " + saturation + " tx/s";
            Figure saturated = figures.stream()
                    .filter(f -> f.variant().equals(saturatedLevel))
                    .findFirst()
                    .orElseThrow();
            ratios.add(String.format(
                    "W2 saturation (highest offered rate sustained, p99 < 1 s): %d tx/s; at half (%d tx/s) p99 commit->ES acked = %.1f ms  [target <= 100 ms]",
                    saturation, half, searchP99(halfLevel)));
            ratios.add(String.format(
                    "W2 p99 commit->ES acked at 80%% of saturation (%d tx/s) = %.1f ms  [target <= 50 ms]; at saturation (%d tx/s, ladder) = %.1f ms  [target <= 100 ms]",
                    eighty, searchP99(eightyLevel), saturation, searchP99(saturated)));
            settle();
            figures.addAll(new BurstRecovery(this, log).run(service, w2, saturation, half, ratios));
        } else {
            ratios.add("W2: not even the lowest rate was sustained");
        }
        return figures;
    }

    private void settle() throws InterruptedException {
        log.accept("W2: settling for " + SETTLE.toSeconds() + " s...");
        Thread.sleep(SETTLE.toMillis());
    }

    /** A level after an unreported 5 s warm-up at its rate, so it is not measured in the previous level's wake. */
    private Figure settledLevel(CdcService service, OpenLoopWorkload w2, int rate, Duration level, String variant)
            throws Exception {
        openLoopLevel(service, w2, rate, Duration.ofSeconds(5));
        return openLoopLevel(service, w2, rate, level).withVariant(variant);
    }

    static double searchP99(Figure f) {
        double[] es = f.latencyMs().get("search");
        return es == null ? -1 : es[2];
    }

    /** Sustained: every offered transaction committed and each sink's p99 stayed under a second. */
    private static boolean keptUp(Figure f, int rate) {
        boolean committed = f.perSecond() >= 0.9 * rate;
        boolean fast = f.latencyMs().values().stream().allMatch(p -> p[2] < 1000);
        return committed && fast;
    }

    Figure openLoopLevel(CdcService service, OpenLoopWorkload w2, int rate, Duration duration) throws Exception {
        log.accept("W2: " + rate + " tx/s for " + duration.toSeconds() + " s...");
        long[] writerCpu = new long[1];
        OpenLoopWorkload.Run[] run = new OpenLoopWorkload.Run[1];
        ApplyTimes applyTimes = ApplyTimes.start(service);
        Figure f;
        String collections;
        try (GcPauses gc = new GcPauses()) {
            f = measure(service, "W2", "open loop " + rate + " tx/s", () -> {
                long before = w2.writerCpuNanos();
                run[0] = w2.run(rate, duration);
                writerCpu[0] = w2.writerCpuNanos() - before;
                return run[0].committed();
            });
            collections = gc.summary();
        }
        // the writers' CPU is subtracted: it is the load generator's, not the service's
        double cpu = f.cpuSecondsPer1000() - writerCpu[0] / 1e9 / f.changes() * 1000;
        String note = applyTimes.since(service, f.seconds())
                + "; " + collections
                + (run[0].lateIssues() > 0
                        ? "; " + run[0].lateIssues() + " tx issued > 1 interval late (pacer descheduled)"
                        : "");
        return new Figure(
                f.workload(),
                f.variant(),
                f.changes(),
                f.seconds(),
                f.latencyMs(),
                cpu,
                f.peakRssMb(),
                f.peakHeapMb(),
                f.peakSlotLagMb(),
                f.loadAverage(),
                note);
    }

    interface Writer {
        long write() throws Exception;
    }

    Figure measure(CdcService service, String workload, String variant, Writer writer) throws Exception {
        LatencyRecorder.GLOBAL.reset();
        sampler.openWindow(List.of(slot));
        long changes = writer.write();
        Drain.Measured m = drain.awaitApplied(
                service,
                sinks,
                changes,
                System.nanoTime() + Duration.ofMinutes(20).toNanos());
        Figure f = Figure.of(workload, variant, m, "");
        log.accept(workload + " " + variant + ": " + Math.round(f.perSecond()) + " changes/s, search p99 "
                + (f.latencyMs().containsKey("search") ? f.latencyMs().get("search")[2] : -1) + " ms");
        return f;
    }
}
