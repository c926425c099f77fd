package io.cdcfanout.sink;

/**
 * A derived system kept equal to the source by applying the ordered change log.
 *
 * <p>Lifecycle, driven by the pipeline:
 * <ol>
 *   <li>a {@link SinkFactory} creates the sink from its validated configuration; nothing connects yet;</li>
 *   <li>{@link #start()} connects and prepares (creates an index or table, loads state). It is called
 *       once before the first batch; when it throws {@link RetryableSinkException} the pipeline calls it
 *       again after a backoff;</li>
 *   <li>{@link #apply(ChangeBatch)} is called with batches in commit order, from one thread at a time. It
 *       returns only when the changes are durable in the derived system (or, for an in-memory sink,
 *       visible to readers). When it throws {@link RetryableSinkException} the pipeline calls it again
 *       with the same batch after a backoff, as often as it takes; the source's offsets do not move
 *       past a batch until every sink has applied it;</li>
 *   <li>{@link #close()} releases connections; called once, also after a failed start.</li>
 * </ol>
 *
 * <p>Contract for {@code apply}: it must be idempotent and order-safe. The same batch may come again
 * after a crash or a retry, and a change older than what the sink holds for a row must not overwrite
 * it (use the change's LSN as the row's version). A change the backend permanently refuses is not an
 * exception: return it as a {@link Rejection} in the {@link ApplyResult}, apply the rest, and the
 * pipeline writes it to the dead-letter table.
 */
public interface Sink extends AutoCloseable {

    /** Connects and prepares the derived system; may be called again after it threw. */
    void start() throws RetryableSinkException;

    /**
     * Applies a batch; see the class contract.
     *
     * @param batch changes of this sink's tables, in commit order; never null, possibly empty
     * @return the changes the backend permanently rejected, never null
     * @throws RetryableSinkException when the backend is unreachable or overloaded; nothing may be
     *                                assumed about which changes of the batch were applied
     */
    ApplyResult apply(ChangeBatch batch) throws RetryableSinkException;

    /** Releases what the sink holds; must not throw. */
    @Override
    void close();
}
