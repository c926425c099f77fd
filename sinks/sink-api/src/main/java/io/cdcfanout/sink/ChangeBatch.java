package io.cdcfanout.sink;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import java.util.List;
import java.util.Objects;

/**
 * Changes for one sink, in commit order.
 *
 * @param events the changes of the sink's tables, oldest first
 * @param endLsn the source position this batch reaches: every transaction that committed before it has
 *               been delivered up to this batch, including ones that touched none of the sink's tables.
 *               A sink that serves reads uses it as its read-your-writes watermark
 */
public record ChangeBatch(List<ChangeEvent> events, Lsn endLsn) {

    public ChangeBatch {
        events = List.copyOf(events);
        Objects.requireNonNull(endLsn, "endLsn");
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    public int size() {
        return events.size();
    }
}
