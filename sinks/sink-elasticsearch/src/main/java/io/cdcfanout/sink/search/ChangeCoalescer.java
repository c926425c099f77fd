package io.cdcfanout.sink.search;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keeps only the newest change per document of a batch, so a batch never has two writes in flight for one
 * document and bulk requests can run in parallel. Dropping the older changes is safe because each write
 * carries its LSN as version: the newest one is what the index must end with anyway.
 *
 * <p>One thing the older changes still give: when the newest is an update whose unchanged TOAST columns are
 * unknown, their values are carried forward from the older images of the same batch
 * ({@link Row#mergedOnto(Row)}), e.g. an insert and an update in one batch. Whatever stays unknown must
 * come from the document already in the index.
 */
final class ChangeCoalescer {

    private ChangeCoalescer() {}

    /**
     * The newest change of each document.
     *
     * @param events changes of row operations (no TRUNCATE), in commit order
     * @param idOf   the document key of a change (its table's index and id)
     * @return one change per document, in the order each document was last changed
     */
    static <K> List<ChangeEvent> newestPerDocument(List<ChangeEvent> events, Function<ChangeEvent, K> idOf) {
        Map<K, ChangeEvent> newest = new LinkedHashMap<>();
        for (ChangeEvent event : events) {
            if (event.op() == Operation.TRUNCATE) {
                throw new IllegalArgumentException("TRUNCATE cannot be coalesced: " + event);
            }
            K id = idOf.apply(event);
            ChangeEvent previous = newest.remove(id);
            newest.put(id, previous == null ? event : fold(previous, event));
        }
        return new ArrayList<>(newest.values());
    }

    private static ChangeEvent fold(ChangeEvent older, ChangeEvent newer) {
        if (older.position().compareTo(newer.position()) > 0) {
            // Batches are in commit order; keep the newer position even if a caller mixed them up.
            ChangeEvent swap = older;
            older = newer;
            newer = swap;
        }
        if (newer.after() == null || newer.after().isComplete() || older.after() == null) {
            return newer;
        }
        Row merged = newer.after().mergedOnto(older.after());
        return newer.withAfter(merged);
    }
}
