package io.cdcfanout.sink;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import java.util.List;

/**
 * A sink that can rebuild its view of one table from the table itself while the stream keeps flowing: either by
 * replacing the old view in one step, so readers never see a half-built one (Elasticsearch, the cache), or by
 * reconciling the view in place with what the table holds (history, which is never replaced).
 *
 * <p>Lifecycle of one rebuild, driven by the service; every call runs on the sink's lane, between two batches,
 * so none of them runs at the same time as {@link Sink#apply} or as another of them:
 * <ol>
 *   <li>{@link #beginRebuild} creates an empty target beside the live view. From then on every change of the
 *       table that {@code apply} receives goes to the live view and to the target, with the usual rules
 *       (versions, deletions, TRUNCATE) applied to the target on its own: nothing the live view remembers,
 *       such as a TRUNCATE watermark, carries over;</li>
 *   <li>{@link #backfill} is called with the table's rows, chunk after chunk in key order, each chunk read
 *       from the source after the previous call returned (so after {@code beginRebuild}). A chunk row is older
 *       than every change the target has received or will receive: it fills a key only where the target has
 *       no change of that key, and only supplies columns a change left unknown (unchanged TOAST);</li>
 *   <li>{@link #finishRebuild} once the whole table is read: the target replaces the live view atomically
 *       for readers, and the old view is dropped (an Elasticsearch sink may keep a few
 *       old indexes, by its configuration);</li>
 *   <li>or {@link #cancelRebuild}: the target is dropped and the live view stays as it was.</li>
 * </ol>
 *
 * <p>Why the result equals the table: a key changed after {@code beginRebuild} ends as its last change made it,
 * since the stream delivers every such change to the target and a chunk row never overrides one. A key not
 * changed since has the value every later snapshot reads, which is the chunk row's. A chunk row is versioned
 * below every change rather than at "the snapshot's LSN", because a transaction may write a row below that
 * LSN and commit after the chunk was read; its change must still win.
 */
public interface RebuildableSink {

    /** Step 1; idempotent for a table already being rebuilt (it starts over with an empty target). */
    void beginRebuild(TableId table) throws RetryableSinkException;

    /**
     * Step 2: one chunk of the table's rows, with the sink's row policy already applied.
     *
     * @param endOfTable true for the last chunk, which holds every row after the previous chunk's last key as the
     *                   table had them when it was read (it may be empty)
     * @return the rows the backend refused for a reason retrying cannot fix (a mapping a row does not fit), each as
     *         a {@link Rejection} of a {@link io.cdcfanout.schema.Operation#SNAPSHOT SNAPSHOT} change at
     *         {@link io.cdcfanout.schema.Lsn#ZERO}; the service stores them as dead letters and the rebuild goes
     *         on without them. Empty when every row was taken
     */
    List<Rejection> backfill(TableId table, List<ChunkRow> rows, boolean endOfTable) throws RetryableSinkException;

    /** Step 3: the target replaces the live view. */
    void finishRebuild(TableId table) throws RetryableSinkException;

    /** Drops the target of a rebuild in progress; nothing happens when there is none. Must not throw. */
    void cancelRebuild(TableId table);

    /**
     * The sink's name for the new view of a rebuild in progress (Elasticsearch: the concrete index), saved by the
     * service so a restart can {@link #resumeRebuild resume} into it; null when the view cannot outlive the process.
     */
    default String rebuildTarget(TableId table) {
        return null;
    }

    /**
     * After a restart, instead of step 1: carry on filling the view a rebuild was filling before, {@code target}
     * as {@link #rebuildTarget} named it. Called on the lane before the first batch after the start, so the view
     * misses no change (changes applied before the restart are in it; the ones after come again or are new).
     *
     * @return false when that view is gone or cannot be resumed; the service then begins the rebuild anew
     */
    default boolean resumeRebuild(TableId table, String target) throws RetryableSinkException {
        return false;
    }

    /**
     * True for a sink that merges chunk rows with its view by comparing them with what the stream wrote there
     * (history): the service then hands a chunk over only once the stream has handed the sink every transaction
     * that committed before the chunk was read, so no change older than the chunk is still on its way. A sink
     * that writes the stream's changes into a view of their own (Elasticsearch's new index, the cache's shadow)
     * needs no such wait: every change since {@link #beginRebuild} reaches that view and wins over a chunk row.
     */
    default boolean wantsChunksAfterTheStream() {
        return false;
    }

    /**
     * True for a sink that reads its tables itself at every start (an in-memory one): a table added to it needs no
     * rebuild.
     */
    default boolean loadsItsTablesAtStart() {
        return false;
    }
}
