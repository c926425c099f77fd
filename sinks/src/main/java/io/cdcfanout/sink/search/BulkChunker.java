package io.cdcfanout.sink.search;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Cuts writes into bulk requests of at most {@code maxActions} items and about {@code maxBytes} bytes. Order
 * is kept. An item larger than {@code maxBytes} goes alone rather than being dropped: Elasticsearch decides
 * whether it is too large.
 */
final class BulkChunker {

    /** Bytes an index action line adds besides the id and the document. */
    static final long ACTION_OVERHEAD_BYTES = 96;

    private BulkChunker() {
    }

    static <T> List<List<T>> chunk(List<T> items, ToLongFunction<T> sizeBytes, int maxActions, long maxBytes) {
        List<List<T>> chunks = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long currentBytes = 0;
        for (T item : items) {
            long size = sizeBytes.applyAsLong(item);
            if (!current.isEmpty() && (current.size() >= maxActions || currentBytes + size > maxBytes)) {
                chunks.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(item);
            currentBytes += size;
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }
}
