package io.cdcfanout.sink.cache;

import io.cdcfanout.sink.LatestRow;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Rows whose primary key was just updated: the entry the DELETE of the old key removed, kept until the
 * INSERT of the new key (the next change in the log, possibly in the next batch) takes the unchanged TOAST
 * columns from it. Bounded, in case an INSERT never comes (it was refused before reaching the cache): beyond
 * {@value #MAX_ROWS} rows the oldest is forgotten, and an INSERT that then finds nothing is handled like an
 * update of an evicted row (the entry is dropped, a read misses).
 *
 * <p>Not thread-safe: the sink's apply thread uses it.
 */
final class MovedRows<K> {

    static final int MAX_ROWS = 10_000;

    private final Map<K, LatestRow> rows = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, LatestRow> eldest) {
            return size() > MAX_ROWS;
        }
    };

    void put(K oldKey, LatestRow row) {
        rows.put(oldKey, row);
    }

    /** The row the old key held before it moved, and forgets it; null when none is kept. */
    LatestRow take(K oldKey) {
        return rows.remove(oldKey);
    }

    void removeIf(Predicate<K> which) {
        rows.keySet().removeIf(which);
    }

    void clear() {
        rows.clear();
    }
}
