package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.cdcfanout.testbackends.ElasticsearchDistribution;
import io.cdcfanout.testbackends.LocalBackends;
import io.cdcfanout.testbackends.PostgresBinaries;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The benchmark of issue 6:
 * {@code java -XX:+UseParallelGC -jar it-tests/benchmark/target/cdc-fanout-bench.jar [--scale 0.1] [--out bench-results.json]}
 * (the collector the service is run with; see the README's performance section).
 *
 * <p>Starts its own Postgres and Elasticsearch (like the tests), generates the workloads W1 (backlog
 * drain), W2 (open-loop single-row transactions), W3 (10,000-row transactions) and W4 (10 kB TOASTed
 * rows), and on request W1K (W1's backlog through Kafka and the sink connector, {@link KafkaBacklogBenchmark}), W5
 * (a rebuild while W2 runs, {@link RebuildBenchmark}) and W6 (a denormalized view under load, {@link ViewBenchmark}), runs the service in this JVM with its real sinks (each wrapped to time commit-to-applied),
 * runs the baselines on the same data, and prints a table and writes JSON. It prints figures; it
 * asserts nothing.
 */
public final class Benchmark {

    private Benchmark() {}

    /**
     * Exits with 1 when a workload fails, after the table of what ran: the service's non-daemon threads (the
     * engine, Jetty) would otherwise keep a failed run's JVM alive, and a script waiting for it would wait forever.
     */
    public static void main(String[] args) {
        try {
            run(BenchOptions.parse(args));
        } catch (Throwable t) { // an OutOfMemoryError too: the run is over either way
            System.out.flush();
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(BenchOptions options) throws Exception {
        Map<String, String> env = System.getenv();
        String collectors = garbageCollectors();
        say("scale " + options.scale() + ", load average " + LoadAverage.now() + ", collectors " + collectors
                + "; starting a local Postgres and Elasticsearch...");
        if (!collectors.contains("PS Scavenge")) {
            say(
                    "note: the service is meant to run with -XX:+UseParallelGC (the README's figures are measured with it)");
        }
        List<Figure> figures = new ArrayList<>();
        List<String> ratios = new ArrayList<>();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("started", Instant.now());
        header.put("scale", options.scale());
        header.put("cpus", Runtime.getRuntime().availableProcessors());
        header.put("load_average_at_start", LoadAverage.now());
        header.put("tuning", options.tuning());
        header.put("gc", collectors);
        header.put(
                "measured",
                "service in this JVM; CPU = this process (W2, W6: minus the writer threads; W6: and its probe and the JIT compiler threads); RSS/heap = this JVM");
        try (LocalBackends backends = LocalBackends.start(env, ElasticsearchDistribution.find(env), Benchmark::say)) {
            BenchDatabase db = new BenchDatabase(backends.postgres());
            db.create();
            ServiceConfigs configs = new ServiceConfigs(
                    backends.postgres(), backends.elasticsearch().url(), options.tuning());
            ElasticsearchClient es =
                    BenchElasticsearch.client(backends.elasticsearch().url());
            try (ResourceSampler sampler = new ResourceSampler(db)) {
                Drain drain = new Drain(sampler, db);
                new WarmUp(db, configs, drain, Benchmark::say).run();
                if (options.workloads().contains("w1")) {
                    figures.addAll(
                            new BacklogBenchmark(db, configs, drain, es, PostgresBinaries.find(env), Benchmark::say)
                                    .run(options.scale(), options.tuning(), options.w1Runs(), ratios));
                }
                if (options.workloads().stream().anyMatch(w -> w.matches("w[234]"))) {
                    figures.addAll(
                            new SteadyBenchmark(db, configs, drain, sampler, Benchmark::say).run(options, ratios));
                }
                if (options.workloads().contains("w5")) {
                    figures.addAll(new RebuildBenchmark(
                                    db,
                                    configs,
                                    new SteadyBenchmark(
                                            db,
                                            configs,
                                            drain,
                                            sampler,
                                            Benchmark::say,
                                            RebuildBenchmark.RUN,
                                            List.of("search")),
                                    es,
                                    Benchmark::say)
                            .run(options, ratios));
                }
                if (options.workloads().contains("w6")) {
                    figures.addAll(new ViewBenchmark(
                                    db,
                                    configs,
                                    drain,
                                    sampler,
                                    backends.elasticsearch().url(),
                                    Benchmark::say)
                            .run(options, ratios));
                }
                if (options.workloads().contains("w7")) {
                    figures.add(new HugeTransactionBenchmark(db, configs, drain, sampler, Benchmark::say).run(options));
                }
                if (options.workloads().contains("w1kafka")) {
                    figures.addAll(new KafkaBacklogBenchmark(
                                    db, configs, drain, backends.elasticsearch().url(), Benchmark::say)
                            .run(options.scale(), options.tuning(), ratios));
                }
            }
        } finally {
            header.put("load_average_at_end", LoadAverage.now());
            ReportPrinter report = new ReportPrinter(header);
            report.printTable(figures, ratios, System.out);
            report.writeJson(figures, ratios, options.out());
            say("results written to " + options.out().toAbsolutePath());
        }
    }

    private static String garbageCollectors() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", "));
    }

    static void say(String line) {
        System.out.println("[bench "
                + java.time.LocalTime.now(java.time.ZoneId.systemDefault()).withNano(0) + "] " + line);
        System.out.flush();
    }
}
