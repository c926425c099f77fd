package io.cdcfanout.sink;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;
import java.time.Instant;

/**
 * A row's latest image as a sink holds it.
 *
 * @param lsn        LSN of the change that wrote it (for rows loaded at start: the load's position)
 * @param commitTime commit time of that change (for loaded rows: the load's time)
 */
public record LatestRow(Row row, Lsn lsn, Instant commitTime) {}
