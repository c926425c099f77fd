package io.cdcfanout.sink;

import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;

/**
 * What the service allows a sink to see of a row it reads from the source itself (not from the change
 * stream, which the service has already filtered), e.g. the cache's start-up load. Drops and masks
 * columns the configuration marks as private, so such a sink holds the same images the stream gives it.
 *
 * <p>Pure and thread-safe; never changes the primary-key columns.
 */
@FunctionalInterface
public interface RowPolicy {

    /** Leaves every row as it is. */
    RowPolicy NONE = (table, row) -> row;

    /** The image of {@code row} (a row of {@code table}) that sinks may hold. */
    Row apply(TableId table, Row row);
}
