package io.cdcfanout.bench;

import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.config.ServiceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * W6 (issue 17): a denormalized view under steady load on its child table. The view {@code orders} is an order,
 * its customer ({@code one}) and its lines ({@code many}, {@code order_lines} with {@code REPLICA IDENTITY FULL});
 * {@link ViewWorkload} updates line quantities and moves lines between orders at a few open-loop rates. The same
 * load, at the same rates, runs first against a service indexing {@code order_lines} as a plain table index, then
 * against one serving the view, each with one Elasticsearch sink (slots {@code bench_w6_table} and
 * {@code bench_w6_view}).
 *
 * <p>Reports, per rate and service: commit to acknowledged per change (the timed sink: for the view, the batch's
 * documents rendered and acknowledged), commit to visible by id and to searchable for sampled transactions
 * ({@link ViewProber}), view documents re-rendered per second (the service's {@code cdc_view_documents_rendered})
 * and documents written per second (the alias's {@code index_total}), and CPU per 1,000 changes: the service's
 * (this process minus the writers and the probe, as W2), the same minus the service's idle CPU measured just
 * before the levels, and the benchmark's Postgres and Elasticsearch ({@link BackendCpu}). The view's CPU per change
 * against the plain index's is printed as ratios.
 */
final class ViewBenchmark {

    static final String TABLE_RUN = "bench_w6_table";
    static final String VIEW_RUN = "bench_w6_view";
    static final String VIEW = "orders";
    /** The rates at scale 1.0, transactions (= changes) per second; scaled by {@code --scale}, at least 10. */
    static final List<Integer> RATES = List.of(200, 800, 2000);
    /** About this many sampled transactions per second at every rate. */
    private static final int SAMPLES_PER_SECOND = 25;
    private static final Duration IDLE = Duration.ofSeconds(3);

    static final String VIEWS_YAML = """
            views:
              orders:
                table: public.orders
                one:
                  customer: { table: public.customers, on: { customer_id: id } }
                many:
                  lines: { table: public.order_lines, on: { id: order_id }, order-by: [id] }
            """;

    /**
     * One measured level.
     *
     * @param renderedPerSecond view documents the service rendered per second; 0 for the plain table index
     * @param postgresCpu       CPU s per 1,000 changes of Postgres (-1: not measured)
     * @param elasticsearchCpu  CPU s per 1,000 changes of Elasticsearch (-1: not measured)
     */
    private record Level(
            Figure figure,
            double renderedPerSecond,
            double postgresCpu,
            double elasticsearchCpu) {}

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final ResourceSampler sampler;
    private final String esUrl;
    private final BackendCpu backendCpu;
    private final Consumer<String> log;

    ViewBenchmark(
            BenchDatabase db,
            ServiceConfigs configs,
            Drain drain,
            ResourceSampler sampler,
            String esUrl,
            Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.sampler = sampler;
        this.esUrl = esUrl;
        this.backendCpu = new BackendCpu(db, esUrl);
        this.log = log;
    }

    /** The rates of this run: {@code -Dbench.w6.rates=a,b,c} as given, else {@link #RATES} times the scale. */
    static List<Integer> rates(double scale) {
        String given = System.getProperty("bench.w6.rates");
        if (given != null && !given.isBlank()) {
            return Arrays.stream(given.split(","))
                    .map(String::trim)
                    .map(Integer::parseInt)
                    .sorted()
                    .toList();
        }
        return RATES.stream()
                .map(r -> (int) Math.max(10, Math.round(r * scale)))
                .distinct()
                .toList();
    }

    List<Figure> run(BenchOptions options, List<String> ratios) throws Exception {
        int orders = (int) Math.max(2_000, Math.round(100_000 * options.scale()));
        ViewWorkload load = new ViewWorkload(db, orders);
        log.accept("W6: " + orders + " orders, " + load.lines() + " lines, " + Math.max(1, orders / 10)
                + " customers...");
        load.preload();
        List<Integer> rates = rates(options.scale());
        Duration level = Duration.ofSeconds(Math.max(5, Math.min(30, Math.round(60 * options.scale()))));

        List<Figure> figures = new ArrayList<>();
        // the plain index runs first unless -Dbench.w6.view-first=true (to see what the order does to the figures)
        boolean viewFirst = Boolean.getBoolean("bench.w6.view-first");
        Map<Integer, Level> table = null;
        Map<Integer, Level> view = null;
        for (int turn = 0; turn < 2; turn++) {
            if ((turn == 0) != viewFirst) {
                table = runService(
                        load,
                        "plain index of order_lines",
                        configs.config(
                                TABLE_RUN,
                                List.of("public.order_lines"),
                                EnumSet.of(ServiceConfigs.SinkKind.ELASTICSEARCH)),
                        ServiceConfigs.indexName(TABLE_RUN, "public.order_lines"),
                        ViewProber.Mode.TABLE,
                        rates,
                        level,
                        figures);
            } else {
                view = runService(
                        load,
                        "view orders",
                        configs.config(
                                VIEW_RUN,
                                List.of(),
                                EnumSet.of(ServiceConfigs.SinkKind.ELASTICSEARCH),
                                new ServiceConfigs.Views(VIEWS_YAML, List.of(VIEW))),
                        ServiceConfigs.indexName(VIEW_RUN, VIEW),
                        ViewProber.Mode.VIEW,
                        rates,
                        level,
                        figures);
            }
        }
        ratios.add(String.format(
                "W6: %d orders x %d lines; the %s service ran first; commit->searchable/GET = sampled transactions"
                        + " probed through the alias (writer's commit -> the answer showing the value)",
                orders,
                ViewWorkload.LINES_PER_ORDER,
                viewFirst ? "view" : "plain index"));
        for (int rate : rates) {
            Level t = table.get(rate);
            Level v = view.get(rate);
            figures.add(t.figure());
            figures.add(v.figure());
            ratios.add(String.format(
                    "W6 %d tx/s: service CPU s per 1,000 child changes, view / plain order_lines index = %.3f / %.3f"
                            + " = %.2fx; Postgres %.3f / %.3f, Elasticsearch %.3f / %.3f",
                    rate,
                    v.figure().cpuSecondsPer1000(),
                    t.figure().cpuSecondsPer1000(),
                    v.figure().cpuSecondsPer1000() / t.figure().cpuSecondsPer1000(),
                    v.postgresCpu(),
                    t.postgresCpu(),
                    v.elasticsearchCpu(),
                    t.elasticsearchCpu()));
            ratios.add(String.format(
                    "W6 %d tx/s: view documents re-rendered %.0f/s (%.2f per change); p99 commit->searchable view"
                            + " %.0f ms (plain %.0f ms), commit->GET by id %.1f ms (plain %.1f ms), commit->ES acked"
                            + " %.1f ms (plain %.1f ms)",
                    rate,
                    v.renderedPerSecond(),
                    v.renderedPerSecond() / v.figure().perSecond(),
                    p99(v.figure(), "searchable"),
                    p99(t.figure(), "searchable"),
                    p99(v.figure(), "get"),
                    p99(t.figure(), "get"),
                    p99(v.figure(), "search"),
                    p99(t.figure(), "search")));
        }
        return figures;
    }

    /**
     * Starts a service, lets it build on its first batch (a view: every order rendered; that build is added to
     * {@code figures}), runs two settle levels (not reported), measures its idle CPU, then every rate; the figures
     * by rate.
     */
    private Map<Integer, Level> runService(
            ViewWorkload load,
            String what,
            ServiceConfig config,
            String alias,
            ViewProber.Mode mode,
            List<Integer> rates,
            Duration level,
            List<Figure> figures)
            throws Exception {
        Map<Integer, Level> levels = new LinkedHashMap<>();
        String slot = config.source().slot();
        try (CdcService service = CdcService.start(config);
                ViewProber prober = new ViewProber(esUrl, alias, mode)) {
            while (!service.streaming()) {
                if (service.termination().isDone()) {
                    throw new IllegalStateException("W6: the service (" + what + ") stopped; see its log");
                }
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            long started = System.nanoTime();
            double renderedBefore = rendered(service);
            LatencyRecorder.GLOBAL.reset();
            ViewWorkload.Run first = load.run(10, Duration.ofMillis(500), Integer.MAX_VALUE, s -> {});
            drain.awaitApplied(
                    service,
                    List.of("search"),
                    first.committed(),
                    System.nanoTime() + Duration.ofMinutes(20).toNanos());
            double seconds = (System.nanoTime() - started) / 1e9;
            long built = Math.round(rendered(service) - renderedBefore);
            log.accept(String.format("W6 %s: first batch applied in %.1f s", what, seconds));
            if (mode == ViewProber.Mode.VIEW) {
                figures.add(new Figure(
                        "W6",
                        "view build, " + load.orders() + " orders",
                        built,
                        seconds,
                        Map.of(),
                        -1,
                        -1,
                        -1,
                        -1,
                        LoadAverage.now(),
                        "documents, not changes: the view is built whole on the sink's first batch"));
            }
            // settle, not reported: the lowest rate, then the highest, so that this service's path (the warm-up ran
            // table indexes only) is compiled and its pools are open; the JIT's further work is subtracted (JitCpu)
            level(service, slot, prober, load, what, rates.get(0), Duration.ofSeconds(5), 0);
            level(service, slot, prober, load, what, rates.get(rates.size() - 1), Duration.ofSeconds(5), 0);
            double idleCpuPerSecond = idleCpuPerSecond(prober);
            log.accept(String.format("W6 %s: idle, this process uses %.3f CPU s/s", what, idleCpuPerSecond));
            for (int rate : rates) {
                levels.put(rate, level(service, slot, prober, load, what, rate, level, idleCpuPerSecond));
            }
        }
        return levels;
    }

    /** CPU seconds per second this process uses with the service running and no load (probe and JIT excluded). */
    private double idleCpuPerSecond(ViewProber prober) throws InterruptedException {
        collectGarbage();
        long started = System.nanoTime();
        sampler.openWindow(List.of());
        long proberBefore = prober.cpuNanos();
        JitCpu.Reading jitBefore = JitCpu.read();
        Thread.sleep(IDLE.toMillis());
        long cpu = sampler.closeWindow().cpuNanos()
                - (prober.cpuNanos() - proberBefore)
                - JitCpu.read().nanosSince(jitBefore);
        return cpu / 1e9 / ((System.nanoTime() - started) / 1e9);
    }

    private Level level(
            CdcService service,
            String slot,
            ViewProber prober,
            ViewWorkload load,
            String what,
            int rate,
            Duration duration,
            double idleCpuPerSecond)
            throws Exception {
        log.accept("W6 " + what + ": " + rate + " tx/s for " + duration.toSeconds() + " s...");
        int sampleEvery = Math.max(1, rate / SAMPLES_PER_SECOND);
        collectGarbage();
        LatencyRecorder.GLOBAL.reset();
        prober.reset();
        ApplyTimes applyTimes = ApplyTimes.start(service);
        long docsBefore = prober.indexTotal();
        double renderedBefore = rendered(service);
        BackendCpu.Reading backendBefore = backendCpu.read();
        sampler.openWindow(List.of(slot));
        long windowStart = System.nanoTime();
        long writerBefore = load.writerCpuNanos();
        long proberBefore = prober.cpuNanos();
        JitCpu.Reading jitBefore = JitCpu.read();
        ViewWorkload.Run run = load.run(rate, duration, sampleEvery, prober::add);
        Drain.Measured m = drain.awaitApplied(
                service,
                List.of("search"),
                run.committed(),
                System.nanoTime() + Duration.ofMinutes(20).toNanos());
        double windowSeconds = (System.nanoTime() - windowStart) / 1e9;
        long jitNanos = JitCpu.read().nanosSince(jitBefore);
        // the writers' and the probe's CPU is the benchmark's, not the service's
        long benchCpu = (load.writerCpuNanos() - writerBefore) + (prober.cpuNanos() - proberBefore);
        double[] backend = backendCpu.read().per1000Since(backendBefore, m.changes());
        prober.awaitResolved(Duration.ofSeconds(10));
        long docs = prober.indexTotal() - docsBefore;
        double renderedDocs = rendered(service) - renderedBefore;
        Figure f = Figure.of("W6", "", m, "");
        Map<String, double[]> latency = new LinkedHashMap<>(f.latencyMs());
        Map<String, Histogram> probed = prober.snapshot();
        long samples = probed.get("get").getTotalCount();
        probed.forEach((kind, h) -> latency.put(kind, Figure.percentiles(h)));
        // and the JIT compiler threads' is the JVM's warming up, not a cost per change
        long withJit = m.resources().cpuNanos() - benchCpu;
        long serviceCpu = withJit - jitNanos;
        double cpu = serviceCpu / 1e9 / m.changes() * 1000;
        double aboveIdle = (serviceCpu / 1e9 - idleCpuPerSecond * windowSeconds) / m.changes() * 1000;
        String note = String.format(
                "%sdocs written %.0f/s; %d moves; %d samples%s; cpu s/1k with JIT %.3f, above idle %.3f,"
                        + " Postgres %.3f, Elasticsearch %.3f; %s%s",
                renderedDocs > 0 ? String.format("view docs rendered %.0f/s, ", renderedDocs / m.seconds()) : "",
                docs / m.seconds(),
                run.moves(),
                samples,
                prober.unresolved() > 0 ? " (" + prober.unresolved() + " not seen: " + prober.lastError() + ")" : "",
                withJit / 1e9 / m.changes() * 1000,
                aboveIdle,
                backend[0],
                backend[1],
                applyTimes.since(service, m.seconds()),
                run.lateIssues() > 0 ? "; " + run.lateIssues() + " tx issued > 1 interval late (pacer descheduled)" : "");
        Figure out = new Figure(
                "W6",
                (what.startsWith("view") ? "view orders" : "plain order_lines") + ", " + rate + " tx/s",
                m.changes(),
                m.seconds(),
                latency,
                cpu,
                f.peakRssMb(),
                f.peakHeapMb(),
                f.peakSlotLagMb(),
                f.loadAverage(),
                note);
        log.accept("W6 " + what + ", " + rate + " tx/s: " + Math.round(out.perSecond()) + " changes/s, " + note
                + "; p99 get " + p99(out, "get") + " ms, searchable " + p99(out, "searchable") + " ms, cpu s/1k "
                + String.format("%.3f", cpu));
        return new Level(out, renderedDocs / m.seconds(), backend[0], backend[1]);
    }

    /**
     * A full collection before a window, so that what earlier steps left on the heap (the warm-up, the preload,
     * the other service) is not collected on this window's CPU. The service and the benchmark share this JVM.
     */
    private static void collectGarbage() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
    }

    /** The service's count of view documents rendered and written, over its sinks and views. */
    private static double rendered(CdcService service) {
        double total = 0;
        for (String line : service.scrapeMetrics().split("\n")) {
            if (line.startsWith("cdc_view_documents_rendered")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private static double p99(Figure f, String kind) {
        double[] p = f.latencyMs().get(kind);
        return p == null ? -1 : p[2];
    }
}
