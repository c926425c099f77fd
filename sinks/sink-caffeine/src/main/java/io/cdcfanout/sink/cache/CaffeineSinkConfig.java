package io.cdcfanout.sink.cache;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkConfig;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code type: caffeine}: the latest image of every row of some tables, in this process's memory.
 *
 * @param maxEntries       most rows held over all tables (default 100000); beyond it the least useful go
 * @param expireAfterWrite optional: drop a row this long after it was last written
 * @param tables           the tables to cache
 */
public record CaffeineSinkConfig(Long maxEntries, Duration expireAfterWrite, List<TableId> tables)
        implements SinkConfig {

    public CaffeineSinkConfig {
        maxEntries = maxEntries == null ? 100_000L : maxEntries;
        if (maxEntries < 1) {
            throw new IllegalArgumentException("'max-entries' must be at least 1, not " + maxEntries);
        }
        if (expireAfterWrite != null && (expireAfterWrite.isNegative() || expireAfterWrite.isZero())) {
            throw new IllegalArgumentException("'expire-after-write' must be positive, not " + expireAfterWrite);
        }
        if (tables == null || tables.isEmpty()) {
            throw new IllegalArgumentException(
                    "missing required key 'tables': list the tables to cache, e.g. [public.products]");
        }
        tables = List.copyOf(tables);
    }

    @Override
    public Set<TableId> sourceTables() {
        return new LinkedHashSet<>(tables);
    }
}
