package io.cdcfanout.sink.history;

import io.cdcfanout.schema.TableId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The history sink's meters, tagged {@code sink=<name>} (and {@code table=<source table>}):
 * {@code cdc.sink.history.versions.opened}, {@code cdc.sink.history.versions.closed} (counters)
 * and {@code cdc.sink.history.batch.latency} (timer of a whole batch transaction).
 */
final class HistoryMetrics {

    private final MeterRegistry meters;
    private final String sink;
    private final Timer batchLatency;

    HistoryMetrics(MeterRegistry meters, String sink) {
        this.meters = meters;
        this.sink = sink;
        this.batchLatency = Timer.builder("cdc.sink.history.batch.latency")
                .description("time to apply one batch to the history tables, in one transaction")
                .tag("sink", sink)
                .register(meters);
    }

    Timer batchLatency() {
        return batchLatency;
    }

    void recorded(TableId table, HistoryWriter.Counts counts) {
        counter("cdc.sink.history.versions.opened", "versions inserted into the history table", table)
                .increment((double) counts.opened());
        counter("cdc.sink.history.versions.closed", "versions given a valid_to", table)
                .increment((double) counts.closed());
    }

    private Counter counter(String name, String description, TableId table) {
        return Counter.builder(name)
                .description(description)
                .tag("sink", sink)
                .tag("table", table.toString())
                .register(meters);
    }
}
