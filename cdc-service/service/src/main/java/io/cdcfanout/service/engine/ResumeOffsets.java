package io.cdcfanout.service.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the offset Debezium attaches to a record into the offset cdc-fanout commits: the end of the last
 * transaction that committed before the record's own, never a position inside a transaction.
 *
 * <p>Why: when a stored offset names a change ({@code lsn_proc}), Debezium's Postgres connector restarts by
 * searching the stream for that change ({@code WalPositionLocator}) and filters out everything it saw before
 * it. Changes of concurrent transactions interleave in the WAL, so a change of a transaction that was never
 * applied can sit at the stored LSN; the search then filters out that transaction, and it is lost (our crash
 * test lost one committed transaction in four runs). An offset without {@code lsn_proc} skips the search:
 * Debezium starts streaming at {@code lsn}, and Postgres sends, in full, every transaction whose commit
 * record lies at or after it. Set to the end of the last transaction Debezium had passed, that re-sends the
 * transaction in progress (the idempotent sinks absorb the repeat) and loses nothing.
 *
 * <p>{@code lsn_commit} stays, so Debezium keeps telling the slot the same flushed position as before.
 */
public final class ResumeOffsets {

    static final String LSN = "lsn";
    static final String LAST_COMMIT_LSN = "lsn_commit";
    static final String LAST_PROCESSED_LSN = "lsn_proc";
    static final String MESSAGE_TYPE = "messageType";
    /** Debezium's transaction-metadata keys describe a transaction in progress; a boundary has none. */
    static final String TRANSACTION_PREFIX = "transaction_";

    private ResumeOffsets() {}

    /**
     * The transaction-boundary form of a record's offset. Offsets that name no change (snapshot records)
     * come back unchanged; empty when the record names a change but no earlier commit is known yet (the
     * first transaction after the initial snapshot), in which case the previous offset must stay.
     */
    public static Optional<Map<String, Object>> atTransactionBoundary(Map<String, ?> offset) {
        if (offset == null) {
            return Optional.empty();
        }
        if (!offset.containsKey(LAST_PROCESSED_LSN)) {
            return Optional.of(new HashMap<>(offset));
        }
        Object lastCommit = offset.get(LAST_COMMIT_LSN);
        if (!(lastCommit instanceof Number)) {
            return Optional.empty();
        }
        Map<String, Object> boundary = new HashMap<>();
        offset.forEach((key, value) -> {
            if (!key.equals(LAST_PROCESSED_LSN) && !key.equals(MESSAGE_TYPE) && !key.startsWith(TRANSACTION_PREFIX)) {
                boundary.put(key, value);
            }
        });
        boundary.put(LSN, lastCommit);
        return Optional.of(boundary);
    }
}
