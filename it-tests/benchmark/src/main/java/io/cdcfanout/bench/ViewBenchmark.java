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
 * {@code bench_w6_view}). Reports, per rate and service: commit to acknowledged per change (the timed sink), commit
 * to visible by id and to searchable for sampled transactions ({@link ViewProber}), documents written to the
 * index per second ({@code index_total} of the alias; for the view, documents re-rendered), and the service's CPU
 * per 1,000 changes; and as ratios the view's CPU per change against the plain index's.
 */
final class ViewBenchmark {

    static final String TABLE_RUN = "bench_w6_table";
    static final String VIEW_RUN = "bench_w6_view";
    static final String VIEW = "orders";
    /** The rates at scale 1.0, transactions (= changes) per second; scaled by {@code --scale}, at least 10. */
    static final List<Integer> RATES = List.of(100, 400, 1600);
    /** About this many sampled transactions per second at every rate. */
    private static final int SAMPLES_PER_SECOND = 25;

    static final String VIEWS_YAML = """
            views:
              orders:
                table: public.orders
                one:
                  customer: { table: public.customers, on: { customer_id: id } }
                many:
                  lines: { table: public.order_lines, on: { id: order_id }, order-by: [id] }
            """;

    /** One measured level: its figure and the documents written to the alias per second. */
    private record Level(Figure figure, double docsPerSecond) {}

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final ResourceSampler sampler;
    private final String esUrl;
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
        Map<Integer, Level> table = runService(
                load,
                "plain index of order_lines",
                configs.config(
                        TABLE_RUN, List.of("public.order_lines"), EnumSet.of(ServiceConfigs.SinkKind.ELASTICSEARCH)),
                ServiceConfigs.indexName(TABLE_RUN, "public.order_lines"),
                ViewProber.Mode.TABLE,
                rates,
                level);
        Map<Integer, Level> view = runService(
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
                level);
        for (int rate : rates) {
            Figure t = table.get(rate).figure();
            Figure v = view.get(rate).figure();
            figures.add(t);
            figures.add(v);
            ratios.add(String.format(
                    "W6 %d tx/s: CPU s per 1,000 child changes, view / plain order_lines index = %.3f / %.3f = %.2fx;"
                            + " view documents re-rendered %.0f/s; p99 commit->searchable view %.0f ms (plain %.0f ms),"
                            + " commit->GET by id view %.1f ms (plain %.1f ms)",
                    rate,
                    v.cpuSecondsPer1000(),
                    t.cpuSecondsPer1000(),
                    v.cpuSecondsPer1000() / t.cpuSecondsPer1000(),
                    view.get(rate).docsPerSecond(),
                    p99(v, "searchable"),
                    p99(t, "searchable"),
                    p99(v, "get"),
                    p99(t, "get")));
        }
        return figures;
    }

    /** Runs a settle level (not reported) and every rate on one service; the figures by rate. */
    private Map<Integer, Level> runService(
            ViewWorkload load,
            String what,
            ServiceConfig config,
            String alias,
            ViewProber.Mode mode,
            List<Integer> rates,
            Duration level)
            throws Exception {
        Map<Integer, Level> figures = new LinkedHashMap<>();
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
            // settle: JIT, connection pools, the index's first documents; not reported
            level(service, slot, prober, load, what, rates.get(0), Duration.ofSeconds(5));
            for (int rate : rates) {
                figures.put(rate, level(service, slot, prober, load, what, rate, level));
            }
        }
        return figures;
    }

    private Level level(
            CdcService service,
            String slot,
            ViewProber prober,
            ViewWorkload load,
            String what,
            int rate,
            Duration duration)
            throws Exception {
        log.accept("W6 " + what + ": " + rate + " tx/s for " + duration.toSeconds() + " s...");
        int sampleEvery = Math.max(1, rate / SAMPLES_PER_SECOND);
        LatencyRecorder.GLOBAL.reset();
        prober.reset();
        ApplyTimes applyTimes = ApplyTimes.start(service);
        long docsBefore = prober.indexTotal();
        sampler.openWindow(List.of(slot));
        long writerBefore = load.writerCpuNanos();
        long proberBefore = prober.cpuNanos();
        ViewWorkload.Run run = load.run(rate, duration, sampleEvery, prober::add);
        Drain.Measured m = drain.awaitApplied(
                service,
                List.of("search"),
                run.committed(),
                System.nanoTime() + Duration.ofMinutes(20).toNanos());
        // the writers' and the probe's CPU is the benchmark's, not the service's
        long benchCpu = (load.writerCpuNanos() - writerBefore) + (prober.cpuNanos() - proberBefore);
        prober.awaitResolved(Duration.ofSeconds(10));
        long docs = prober.indexTotal() - docsBefore;
        Figure f = Figure.of("W6", "", m, "");
        Map<String, double[]> latency = new LinkedHashMap<>(f.latencyMs());
        Map<String, Histogram> probed = prober.snapshot();
        long samples = probed.get("get").getTotalCount();
        probed.forEach((kind, h) -> latency.put(kind, Figure.percentiles(h)));
        double cpu = (m.resources().cpuNanos() - benchCpu) / 1e9 / m.changes() * 1000;
        String note = String.format(
                "docs written %.0f/s; %d moves; %d samples%s; %s%s",
                docs / m.seconds(),
                run.moves(),
                samples,
                prober.unresolved() > 0 ? " (" + prober.unresolved() + " not seen: " + prober.lastError() + ")" : "",
                applyTimes.since(service, m.seconds()),
                run.lateIssues() > 0 ? "; " + run.lateIssues() + " tx issued > 1 interval late (pacer descheduled)" : "");
        Figure out = new Figure(
                "W6",
                what + ", " + rate + " tx/s",
                m.changes(),
                m.seconds(),
                latency,
                cpu,
                f.peakRssMb(),
                f.peakHeapMb(),
                f.peakSlotLagMb(),
                f.loadAverage(),
                note);
        log.accept("W6 " + out.variant() + ": " + Math.round(out.perSecond()) + " changes/s, " + note + "; p99 get "
                + p99(out, "get") + " ms, searchable " + p99(out, "searchable") + " ms, cpu s/1k "
                + String.format("%.3f", cpu));
        return new Level(out, docs / m.seconds());
    }

    private static double p99(Figure f, String kind) {
        double[] p = f.latencyMs().get(kind);
        return p == null ? -1 : p[2];
    }
}
