package io.cdcfanout.sink.history;

import io.cdcfanout.schema.Lsn;
import java.time.Instant;
import java.util.Objects;

/**
 * A key's current version as stored (the row with {@code valid_to IS NULL}): what the next change of
 * the key closes, and the LSN a change must exceed to be applied at all.
 *
 * @param lsn       LSN of the change that made it
 * @param txId      its transaction
 * @param validFrom its start
 * @param deleted   true when the key's latest fact is its deletion
 * @param data      its row image; may be null
 */
record CurrentVersion(Lsn lsn, long txId, Instant validFrom, boolean deleted, VersionData data) {

    CurrentVersion {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(validFrom, "validFrom");
    }
}
