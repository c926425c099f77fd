package io.cdcfanout.service.source.kafka;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the topic's records into batches that end at transaction boundaries, using the connector's transaction
 * metadata: a transaction runs from its BEGIN marker to its END marker; a record outside any such pair (a
 * snapshot row, a fence message of its own, a heartbeat) is a boundary by itself.
 *
 * <p>{@link #add} takes records in topic order; {@link #take} returns the records up to the newest boundary,
 * keeping an unfinished transaction for later, so a transaction reaches the sinks whole. A transaction larger
 * than a batch is handed over in parts once {@code maxBatchSize} records wait; such a batch carries no position
 * to store, so a restart re-reads the transaction from its start (the sinks absorb the repeat).
 *
 * <p>Not thread-safe: the source thread's own.
 */
final class TransactionBatcher {

    /**
     * Records to hand over.
     *
     * @param records        in topic order
     * @param resumeOffset   the offset to resume at once this batch is applied (the offset after its newest
     *                       boundary), or -1 when it holds no boundary
     */
    record Batch(List<TopicRecord> records, long resumeOffset) {}

    private final int maxBatchSize;
    private final List<TopicRecord> pending = new ArrayList<>();
    private int boundaryCount; // pending.subList(0, boundaryCount) ends at a boundary
    private Long openTransaction;

    TransactionBatcher(int maxBatchSize) {
        this.maxBatchSize = maxBatchSize;
    }

    void add(TopicRecord record) {
        pending.add(record);
        if (endsAtBoundary(record)) {
            boundaryCount = pending.size();
        }
    }

    /** The records up to the newest boundary, or all of them once a batch's worth waits; null when none is due. */
    Batch take() {
        if (boundaryCount > 0) {
            List<TopicRecord> batch = new ArrayList<>(pending.subList(0, boundaryCount));
            pending.subList(0, boundaryCount).clear();
            boundaryCount = 0;
            return new Batch(batch, batch.get(batch.size() - 1).offset() + 1);
        }
        if (pending.size() >= maxBatchSize) {
            List<TopicRecord> batch = new ArrayList<>(pending);
            pending.clear();
            return new Batch(batch, -1);
        }
        return null;
    }

    /** Records held back because their transaction has not ended yet. */
    int waiting() {
        return pending.size();
    }

    private boolean endsAtBoundary(TopicRecord record) {
        return switch (record.kind()) {
            case BEGIN -> {
                openTransaction = record.txId();
                yield false;
            }
            case END -> {
                openTransaction = null;
                yield true;
            }
            case CHANGE, MESSAGE, SNAPSHOT, OTHER -> openTransaction == null;
        };
    }
}
