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
 * @param viewNames        the views (top-level {@code views:}) to serve, under the YAML key {@code views}
 */
public record CaffeineSinkConfig(
        Long maxEntries,
        Duration expireAfterWrite,
        List<TableId> tables,

        @com.fasterxml.jackson.annotation.JsonProperty("views")
        List<String> viewNames)
        implements SinkConfig {

    public CaffeineSinkConfig(Long maxEntries, Duration expireAfterWrite, List<TableId> tables) {
        this(maxEntries, expireAfterWrite, tables, null);
    }

    public CaffeineSinkConfig {
        maxEntries = maxEntries == null ? 100_000L : maxEntries;
        if (maxEntries < 1) {
            throw new IllegalArgumentException("'max-entries' must be at least 1, not " + maxEntries);
        }
        if (expireAfterWrite != null && (expireAfterWrite.isNegative() || expireAfterWrite.isZero())) {
            throw new IllegalArgumentException("'expire-after-write' must be positive, not " + expireAfterWrite);
        }
        viewNames = viewNames == null ? List.of() : List.copyOf(viewNames);
        if ((tables == null || tables.isEmpty()) && viewNames.isEmpty()) {
            throw new IllegalArgumentException(
                    "missing required key 'tables': list the tables to cache, e.g. [public.products] (or views: [..])");
        }
        tables = tables == null ? List.of() : List.copyOf(tables);
    }

    @Override
    public Set<TableId> sourceTables() {
        return new LinkedHashSet<>(tables);
    }

    @Override
    public Set<String> views() {
        return new LinkedHashSet<>(viewNames);
    }
}
