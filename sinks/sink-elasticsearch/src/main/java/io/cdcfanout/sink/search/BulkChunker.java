package io.cdcfanout.sink.search;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Cuts writes into bulk requests of at most {@code maxActions} items and about {@code maxBytes} bytes. Order
 * is kept. An item larger than {@code maxBytes} goes alone rather than being dropped: Elasticsearch decides
 * whether it is too large.
 *
 * <p>Items are {@link #add added} one at a time and each chunk is handed on as soon as it is full, so a
 * caller can send the first request while it is still preparing the items of the next.
 */
final class BulkChunker<T> {

    /** Bytes an index action line adds besides the id and the document. */
    static final long ACTION_OVERHEAD_BYTES = 96;

    private final ToLongFunction<T> sizeBytes;
    private final int maxActions;
    private final long maxBytes;
    private final Consumer<List<T>> onChunk;
    private List<T> current = new ArrayList<>();
    private long currentBytes;

    BulkChunker(ToLongFunction<T> sizeBytes, int maxActions, long maxBytes, Consumer<List<T>> onChunk) {
        this.sizeBytes = sizeBytes;
        this.maxActions = maxActions;
        this.maxBytes = maxBytes;
        this.onChunk = onChunk;
    }

    void add(T item) {
        long size = sizeBytes.applyAsLong(item);
        if (!current.isEmpty() && currentBytes + size > maxBytes) {
            flush();
        }
        current.add(item);
        currentBytes += size;
        if (current.size() >= maxActions) {
            flush();
        }
    }

    /** Hands on the last, partly filled chunk, if any. */
    void flush() {
        if (!current.isEmpty()) {
            onChunk.accept(current);
            current = new ArrayList<>();
            currentBytes = 0;
        }
    }
}
