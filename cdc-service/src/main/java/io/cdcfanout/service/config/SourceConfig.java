package io.cdcfanout.service.config;

import io.cdcfanout.schema.TableId;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Where changes come from.
 *
 * @param postgres         the database to capture
 * @param slot             logical replication slot, created if absent; one per running instance
 * @param publication      publication for exactly {@code tables}, created (or corrected) if needed
 * @param tables           captured tables, {@code schema.table}
 * @param snapshot         {@code initial} (snapshot on first start, then stream) or {@code never}
 * @param pollInterval     how long the engine waits to fill a batch; small keeps latency low at low rates
 * @param maxBatchSize     most changes per batch
 * @param maxQueueSize     changes buffered between the WAL reader and the pipeline
 * @param heartbeatInterval how often the slot position is confirmed while captured tables are idle
 */
public record SourceConfig(PostgresConfig postgres, String slot, String publication, List<TableId> tables,
                           String snapshot, Duration pollInterval, Integer maxBatchSize, Integer maxQueueSize,
                           Duration heartbeatInterval) {

    public SourceConfig {
        Validation.require(postgres, "source.postgres");
        slot = Validation.identifier(slot, "cdc_fanout", "source.slot");
        publication = Validation.identifier(publication, "cdc_fanout", "source.publication");
        Validation.require(tables, "source.tables");
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("'source.tables' is empty: list the tables to capture, e.g. [public.products]");
        }
        if (new LinkedHashSet<>(tables).size() != tables.size()) {
            throw new IllegalArgumentException("'source.tables' lists a table twice: " + tables);
        }
        tables = List.copyOf(tables);
        snapshot = snapshot == null ? "initial" : snapshot;
        if (!snapshot.equals("initial") && !snapshot.equals("never")) {
            throw new IllegalArgumentException("'source.snapshot' must be 'initial' or 'never', not '" + snapshot + "'");
        }
        pollInterval = positive(pollInterval, Duration.ofMillis(5), "source.poll-interval");
        heartbeatInterval = positive(heartbeatInterval, Duration.ofSeconds(10), "source.heartbeat-interval");
        maxBatchSize = atLeast(maxBatchSize, 2048, 1, "source.max-batch-size");
        maxQueueSize = atLeast(maxQueueSize, 8192, maxBatchSize + 1, "source.max-queue-size");
    }

    private static Duration positive(Duration value, Duration defaultValue, String key) {
        Duration d = value == null ? defaultValue : value;
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("'" + key + "' must be positive, not " + d);
        }
        return d;
    }

    private static int atLeast(Integer value, int defaultValue, int min, String key) {
        int v = value == null ? defaultValue : value;
        if (v < min) {
            throw new IllegalArgumentException("'" + key + "' must be at least " + min + ", not " + v);
        }
        return v;
    }
}
