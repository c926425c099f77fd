package io.cdcfanout.sink.search;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sink's meters, tagged {@code sink=<name>} and {@code index=<configured index>}:
 * <ul>
 *   <li>{@code cdc.sink.es.docs.indexed}: documents written (snapshot rows, inserts, updates);</li>
 *   <li>{@code cdc.sink.es.docs.deleted}: tombstones written for deletes;</li>
 *   <li>{@code cdc.sink.es.version.conflicts}: writes skipped because the index already held that or a newer
 *       version (replays, stale changes): success, counted to make replays visible;</li>
 *   <li>{@code cdc.sink.es.truncate.skipped}: changes older than the table's last TRUNCATE, dropped;</li>
 *   <li>{@code cdc.sink.es.bulk.requests} and the timer {@code cdc.sink.es.bulk.latency}: bulk round trips.</li>
 * </ul>
 * Rejections are not counted here: the pipeline counts every sink's, as {@code cdc.sink.rejections}.
 */
final class ElasticsearchSinkMetrics {

    private final MeterRegistry registry;
    private final String sink;
    private final Map<String, Meters> byIndex = new ConcurrentHashMap<>();

    ElasticsearchSinkMetrics(MeterRegistry registry, String sink) {
        this.registry = registry;
        this.sink = sink;
    }

    Meters index(String index) {
        return byIndex.computeIfAbsent(index, this::register);
    }

    private Meters register(String index) {
        return new Meters(
                counter("cdc.sink.es.docs.indexed", index, "documents written by the elasticsearch sink"),
                counter("cdc.sink.es.docs.deleted", index, "tombstones written for deletes"),
                counter(
                        "cdc.sink.es.version.conflicts",
                        index,
                        "writes skipped: the index already held that or a newer version"),
                counter("cdc.sink.es.truncate.skipped", index, "changes older than the table's last TRUNCATE, dropped"),
                counter("cdc.sink.es.bulk.requests", index, "bulk requests sent"),
                Timer.builder("cdc.sink.es.bulk.latency")
                        .description("bulk request round trip")
                        .tags("sink", sink, "index", index)
                        .publishPercentileHistogram()
                        .register(registry));
    }

    private Counter counter(String name, String index, String description) {
        return Counter.builder(name)
                .description(description)
                .tags("sink", sink, "index", index)
                .register(registry);
    }

    record Meters(
            Counter indexed,
            Counter deleted,
            Counter versionConflicts,
            Counter truncateSkipped,
            Counter bulkRequests,
            Timer bulkLatency) {}
}
