package io.cdcfanout.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Command-line options.
 *
 * @param scale      fraction of the full workloads (W1: 1,000,000 changes at 1.0)
 * @param out        the JSON results file
 * @param rates      W2's offered rates, transactions per second, ascending
 * @param workloads  which of w1..w4, w1kafka, w5, w6 and w7 to run
 * @param w1Runs     which W1 pipeline runs: cache, history, search (each sink alone), all (the three together)
 * @param tuning     batch sizes the service runs with
 */
record BenchOptions(
        double scale,
        Path out,
        List<Integer> rates,
        Set<String> workloads,
        Set<String> w1Runs,
        ServiceConfigs.Tuning tuning) {

    static final Set<String> W1_RUNS = Set.of("cache", "history", "search", "all");
    static final Set<String> WORKLOADS = Set.of("w1", "w2", "w3", "w4", "w1kafka", "w5", "w6", "w7");

    static final String USAGE = """
            java -jar it-tests/benchmark/target/cdc-fanout-bench.jar [options]
              --scale F              fraction of the full workloads (default 1.0 = 1,000,000 W1 changes)
              --out FILE             JSON results (default bench-results.json)
              --rates R1,R2,...      W2 offered rates in tx/s (default 50,100,200,400,800,1600,3200)
              --workloads w1,w2,...  which workloads (default w1,w2,w3,w4; w1kafka, W1's backlog through
                                     Kafka and the sink connector with 1, 2, 3 tasks, w5, a rebuild
                                     of a table into Elasticsearch while W2 runs, and w6, a view
                                     under load on its child table against a plain table index,
                                     and w7, one transaction of 2,000,000 rows then 1,000 updates,
                                     only when named; -Dbench.w6.rates=R1,R2 sets w6's rates)
              --w1-runs R1,R2,...    which W1 pipeline runs (default cache,history,search,all; "all" = the three sinks)
              --max-batch-size N     source.max-batch-size (default 8192)
              --max-queue-size N     source.max-queue-size (default 32768)
              --bulk-max-actions N   elasticsearch bulk.max-actions (default 1000)
              --bulk-concurrency N   elasticsearch bulk.concurrency (default 2)
            """;

    static BenchOptions parse(String[] args) {
        double scale = 1.0;
        Path out = Path.of("bench-results.json");
        List<Integer> rates = List.of(50, 100, 200, 400, 800, 1600, 3200);
        Set<String> workloads = Set.of("w1", "w2", "w3", "w4");
        Set<String> w1Runs = W1_RUNS;
        ServiceConfigs.Tuning t = ServiceConfigs.Tuning.DEFAULTS;
        int batch = t.maxBatchSize();
        int queue = t.maxQueueSize();
        int actions = t.bulkMaxActions();
        int concurrency = t.bulkConcurrency();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--scale" -> scale = Double.parseDouble(value);
                case "--out" -> out = Path.of(value);
                case "--rates" ->
                    rates = Arrays.stream(value.split(","))
                            .map(String::trim)
                            .map(Integer::parseInt)
                            .sorted()
                            .toList();
                case "--workloads" ->
                    workloads = Set.of(value.toLowerCase(Locale.ROOT).split(","));
                case "--w1-runs" ->
                    w1Runs = Set.of(value.toLowerCase(Locale.ROOT).split(","));
                case "--max-batch-size" -> batch = Integer.parseInt(value);
                case "--max-queue-size" -> queue = Integer.parseInt(value);
                case "--bulk-max-actions" -> actions = Integer.parseInt(value);
                case "--bulk-concurrency" -> concurrency = Integer.parseInt(value);
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        if (scale <= 0) {
            throw new IllegalArgumentException("--scale must be positive");
        }
        if (!WORKLOADS.containsAll(workloads)) {
            throw new IllegalArgumentException("--workloads takes " + WORKLOADS + ", not " + workloads);
        }
        if (!W1_RUNS.containsAll(w1Runs)) {
            throw new IllegalArgumentException("--w1-runs takes " + W1_RUNS + ", not " + w1Runs);
        }
        return new BenchOptions(
                scale, out, rates, workloads, w1Runs, new ServiceConfigs.Tuning(batch, queue, actions, concurrency));
    }
}
