package io.cdcfanout.bench;

import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.config.SourceConfig;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.testbackends.LocalPostgres;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The YAML the benchmark runs the service with: the timed variants of the chosen sinks, on the chosen tables. */
final class ServiceConfigs {

    /** The three sink types of the product. */
    enum SinkKind {
        ELASTICSEARCH,
        CAFFEINE,
        SCD2
    }

    static final Set<SinkKind> ALL = EnumSet.allOf(SinkKind.class);

    private final LocalPostgres pg;
    private final String esUrl;
    private final Tuning tuning;

    /** Batch-size settings under test. */
    record Tuning(int maxBatchSize, int maxQueueSize, int bulkMaxActions, int bulkConcurrency) {
        static final Tuning DEFAULTS =
                new Tuning(SourceConfig.DEFAULT_MAX_BATCH_SIZE, SourceConfig.DEFAULT_MAX_QUEUE_SIZE, 1000, 2);
    }

    ServiceConfigs(LocalPostgres pg, String esUrl, Tuning tuning) {
        this.pg = pg;
        this.esUrl = esUrl;
        this.tuning = tuning;
    }

    /**
     * @param run    names the slot, the indexes and history tables of this run (so runs never share state)
     * @param tables captured tables, {@code public.x}
     */
    ServiceConfig config(String run, List<String> tables, Set<SinkKind> sinks) {
        return config(run, tables, sinks, Views.NONE);
    }

    /**
     * Views defined at the top level and served by the Elasticsearch sink, each into the alias
     * {@link #indexName}{@code (run, view)}.
     *
     * @param yaml  the top-level {@code views:} block, as YAML
     * @param names the views the Elasticsearch sink serves
     */
    record Views(String yaml, List<String> names) {
        static final Views NONE = new Views("", List.of());
    }

    /** As {@link #config(String, List, Set)}, with {@code views} served by the Elasticsearch sink. */
    ServiceConfig config(String run, List<String> tables, Set<SinkKind> sinks, Views views) {
        StringBuilder y = new StringBuilder();
        y.append("source:\n");
        y.append("  postgres: { host: ")
                .append(pg.host())
                .append(", port: ")
                .append(pg.port())
                .append(", database: ")
                .append(BenchDatabase.NAME)
                .append(", user: ")
                .append(pg.superuser())
                .append(", password: \"${BENCH_PG_PASSWORD}\" }\n");
        y.append("  slot: ").append(run).append('\n');
        y.append("  publication: ").append(BenchDatabase.PUBLICATION).append('\n');
        y.append("  tables: [").append(String.join(", ", BenchDatabase.TABLES)).append("]\n");
        y.append("  snapshot: never\n");
        y.append("  max-batch-size: ").append(tuning.maxBatchSize()).append('\n');
        y.append("  max-queue-size: ").append(tuning.maxQueueSize()).append('\n');
        y.append("http: { port: 0 }\n");
        y.append(views.yaml());
        y.append("sinks:\n");
        if (sinks.contains(SinkKind.ELASTICSEARCH)) {
            y.append("  search:\n    type: timed-elasticsearch\n    url: ")
                    .append(esUrl)
                    .append('\n');
            y.append("    bulk: { max-actions: ")
                    .append(tuning.bulkMaxActions())
                    .append(", concurrency: ")
                    .append(tuning.bulkConcurrency())
                    .append(" }\n");
            y.append(tables.isEmpty() ? "    tables: {}\n" : "    tables:\n");
            for (String t : tables) {
                y.append("      ")
                        .append(t)
                        .append(": { index: ")
                        .append(indexName(run, t))
                        .append(" }\n");
            }
            if (!views.names().isEmpty()) {
                y.append("    views:\n");
                for (String v : views.names()) {
                    y.append("      ")
                            .append(v)
                            .append(": { index: ")
                            .append(indexName(run, v))
                            .append(" }\n");
                }
            }
        }
        if (sinks.contains(SinkKind.CAFFEINE)) {
            y.append("  cache:\n    type: timed-caffeine\n    max-entries: 5000000\n    tables: [")
                    .append(String.join(", ", tables))
                    .append("]\n");
        }
        if (sinks.contains(SinkKind.SCD2)) {
            y.append("  history:\n    type: timed-scd2\n    tables:\n");
            for (String t : tables) {
                y.append("      ")
                        .append(t)
                        .append(": { history-table: history.")
                        .append(run)
                        .append('_')
                        .append(bare(t))
                        .append(" }\n");
            }
        }
        return new ConfigLoader(SinkRegistry.load(), Map.of("BENCH_PG_PASSWORD", pg.password()))
                .parse(y.toString(), run + ".yml");
    }

    static String indexName(String run, String table) {
        return (run + "-" + bare(table)).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String bare(String table) {
        return table.substring(table.indexOf('.') + 1);
    }

    static String describe(Set<SinkKind> sinks) {
        return sinks.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("+"));
    }
}
