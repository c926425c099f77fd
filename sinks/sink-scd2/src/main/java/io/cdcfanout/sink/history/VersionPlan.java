package io.cdcfanout.sink.history;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.sink.Rejection;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The writes one batch makes to one history table, computed by {@link VersionPlanner}.
 *
 * @param keys      per key of the batch that changes anything: what to remove, close and insert
 * @param truncates  the table's TRUNCATE changes, in order; each also closes the current versions of
 *                   keys the batch does not mention ({@link HistoryWriter} does that in SQL)
 * @param rejections changes that cannot become a version (unchanged TOAST columns no version knows);
 *                   they change nothing
 */
record VersionPlan(List<KeyPlan> keys, List<ChangeEvent> truncates, List<Rejection> rejections) {

    VersionPlan {
        keys = List.copyOf(keys);
        truncates = List.copyOf(truncates);
        rejections = List.copyOf(rejections);
    }

    int opens() {
        return keys.stream().mapToInt(k -> k.opens().size()).sum();
    }

    /**
     * The writes for one key. Applied in this order: remove, close, insert.
     *
     * @param key       the row key
     * @param removeLsn LSN of the stored current version to delete because a later change of the same
     *                  transaction supersedes it (a transaction split across batches); null if none
     * @param closeLsn  LSN of the stored current version to close; null if none
     * @param closeAt   the valid_to it gets; null when {@code closeLsn} is
     * @param opens     versions to insert, oldest first; only the last may be open-ended
     * @param events    the batch's changes of this key, for rejections
     */
    record KeyPlan(
            RowKey key,
            Lsn removeLsn,
            Lsn closeLsn,
            Instant closeAt,
            List<NewVersion> opens,
            List<ChangeEvent> events) {
        KeyPlan {
            Objects.requireNonNull(key, "key");
            opens = List.copyOf(opens);
            events = List.copyOf(events);
        }

        boolean writesNothing() {
            return removeLsn == null && closeLsn == null && opens.isEmpty();
        }
    }

    /** A version to insert; {@code validTo} is null for the key's new current version. */
    record NewVersion(Instant validFrom, Instant validTo, boolean deleted, Lsn lsn, long txId, VersionData data) {
        NewVersion {
            Objects.requireNonNull(validFrom, "validFrom");
            Objects.requireNonNull(lsn, "lsn");
        }

        NewVersion closedAt(Instant instant) {
            return new NewVersion(validFrom, instant, deleted, lsn, txId, data);
        }
    }
}
