package io.cdcfanout.sink.history;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.history.VersionPlan.NewVersion;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Computes, without I/O, how a rebuild reconciles a history table with its source table: history is never
 * replaced or deleted, it gets the versions the stream could not give it (a gap: a lost slot, lost offsets, a
 * table added to the sink later).
 *
 * <p>Rules, per key the rebuild reads, unless the stream changed the key since the rebuild began (then the
 * stream's versions are newer than what the rebuild read, and they stand):
 * <ul>
 *   <li>a row whose data differs from the key's current version, or a row of a key whose current version is a
 *       deletion or which has no version, opens a version valid from {@code at} (when the rebuild read it);</li>
 *   <li>a key whose current version is live while the table no longer has the row gets a deletion version at
 *       {@code at};</li>
 *   <li>a row equal to the current version adds nothing.</li>
 * </ul>
 *
 * <p>What a gap loses, it loses for good: the intermediate versions (several changes of one row during the gap
 * become one version) and the exact times (a reconciled version is valid from when the rebuild read it).
 *
 * <p>Versioning: a reconciled version takes the LSN just after the current version's ({@code 0/1} when the key has
 * none), with {@link #SNAPSHOT_TX_ID}. Any later change of the row has a larger LSN, since Postgres writes a row's
 * next change only after the transaction of its current one committed (row locks), and that commit record lies
 * after the current version's LSN: so the stream's next change always wins, while a replay of an older one still
 * loses. An LSN "at the snapshot" would not do: a transaction can write a row below that LSN and commit after.
 */
final class ReconcilePlanner {

    /** The tx_id of a reconciled version: 0 is Postgres' InvalidTransactionId, so no transaction wrote it. */
    static final long SNAPSHOT_TX_ID = 0;

    private ReconcilePlanner() {}

    /**
     * @param rows            rows the rebuild read, complete images (the sink's row policy applied)
     * @param currents        the stored current version per key ({@link RowKey#asText()}); keys without one absent
     * @param changedByStream keys the stream changed since the rebuild began ({@link RowKey#asText()})
     * @param at              when the rows were read
     */
    static List<KeyPlan> present(
            List<ChunkRow> rows, Map<String, CurrentVersion> currents, Set<String> changedByStream, Instant at) {
        List<KeyPlan> plans = new ArrayList<>();
        for (ChunkRow read : rows) {
            String key = read.key().asText();
            if (changedByStream.contains(key)) {
                continue;
            }
            CurrentVersion current = currents.get(key);
            VersionData data = VersionData.of(read.row());
            if (current != null
                    && !current.deleted()
                    && current.data() != null
                    && HistoryJson.sameData(current.data().tree(), data.tree())) {
                continue;
            }
            plans.add(open(read.key(), current, false, data, at));
        }
        return plans;
    }

    /**
     * @param gone keys with a live current version whose row the table no longer has, as read at {@code at}
     */
    static List<KeyPlan> gone(
            List<RowKey> gone, Map<String, CurrentVersion> currents, Set<String> changedByStream, Instant at) {
        List<KeyPlan> plans = new ArrayList<>();
        for (RowKey key : gone) {
            CurrentVersion current = currents.get(key.asText());
            if (changedByStream.contains(key.asText()) || current == null || current.deleted()) {
                continue;
            }
            plans.add(open(key, current, true, current.data(), at));
        }
        return plans;
    }

    private static KeyPlan open(RowKey key, CurrentVersion current, boolean deleted, VersionData data, Instant at) {
        Instant validFrom = VersionPlanner.toMicros(at);
        if (current != null && validFrom.isBefore(current.validFrom())) {
            validFrom = current.validFrom(); // no negative interval, as for streamed versions
        }
        Lsn lsn = current == null ? new Lsn(1) : new Lsn(current.lsn().value() + 1);
        NewVersion version = new NewVersion(validFrom, null, deleted, lsn, SNAPSHOT_TX_ID, data);
        return new KeyPlan(
                key,
                null,
                current == null ? null : current.lsn(),
                current == null ? null : validFrom,
                List.of(version),
                List.of());
    }
}
