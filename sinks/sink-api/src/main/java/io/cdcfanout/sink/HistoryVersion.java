package io.cdcfanout.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.Lsn;
import java.time.Instant;

/**
 * One version of a row in a history table.
 *
 * @param validFrom commit time of the change that made this version
 * @param validTo   commit time of the change that ended it; null while current
 * @param deleted   true when this version records the row's deletion
 * @param lsn       LSN of the change that made this version
 * @param txId      transaction of that change
 * @param data      the row image as JSON (the last known image for a deletion)
 */
public record HistoryVersion(Instant validFrom, Instant validTo, boolean deleted, Lsn lsn, long txId, JsonNode data) {}
