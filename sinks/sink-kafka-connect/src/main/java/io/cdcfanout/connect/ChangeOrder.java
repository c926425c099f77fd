package io.cdcfanout.connect;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.TableId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How one {@code put}'s changes, taken from several partitions, become one batch for the sinks. Pure functions.
 *
 * <p>Why LSN order is the right order for a batch mixing partitions: each partition holds the changes of its keys
 * in commit order, and per row the LSN only grows in commit order (row locks serialise writers), so a stable sort
 * by LSN keeps every key's order. Across keys the order does not matter to the sinks, except against a TRUNCATE:
 * a TRUNCATE takes an exclusive lock on its table, so every change of the table below the TRUNCATE's LSN committed
 * before it and every change above after it, and sorting by LSN puts the TRUNCATE exactly where it was in commit
 * order relative to each key, whichever partition it came from.
 */
final class ChangeOrder {

    private static final Comparator<ChangeEvent> BY_LSN = Comparator.comparing(ChangeEvent::lsn);

    private ChangeOrder() {}

    /** The changes sorted by LSN; changes at one LSN keep the order they came in. */
    static List<ChangeEvent> inLsnOrder(List<ChangeEvent> events) {
        List<ChangeEvent> sorted = new ArrayList<>(events);
        sorted.sort(BY_LSN); // List.sort is stable
        return sorted;
    }

    /**
     * Per table, the lowest LSN of the streamed row changes: a TRUNCATE of that table above it must be applied
     * after them. Snapshot rows (version {@code 0/0}) are left out: a snapshot reads the table as it is, after
     * any TRUNCATE that came before it.
     */
    static Map<TableId, Lsn> oldestRowChange(List<ChangeEvent> events) {
        Map<TableId, Lsn> oldest = new LinkedHashMap<>();
        for (ChangeEvent event : events) {
            if (event.op() != Operation.TRUNCATE && event.op() != Operation.SNAPSHOT) {
                oldest.merge(event.table(), event.lsn(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
        }
        return oldest;
    }

    /**
     * The batch with the logged TRUNCATEs it lacks added in their place, in LSN order.
     *
     * @param sorted a batch in LSN order
     * @param logged TRUNCATEs that other tasks recorded (they may include the batch's own)
     */
    static List<ChangeEvent> withTruncates(List<ChangeEvent> sorted, List<ChangeEvent> logged) {
        List<ChangeEvent> missing = missing(sorted, logged);
        if (missing.isEmpty()) {
            return sorted;
        }
        List<ChangeEvent> merged = new ArrayList<>(sorted);
        merged.addAll(missing);
        return inLsnOrder(merged);
    }

    /** The logged TRUNCATEs that are not in {@code batch} (same table, same LSN), in LSN order. */
    static List<ChangeEvent> missing(List<ChangeEvent> batch, List<ChangeEvent> logged) {
        Set<String> present = new HashSet<>();
        for (ChangeEvent event : batch) {
            if (event.op() == Operation.TRUNCATE) {
                present.add(id(event));
            }
        }
        List<ChangeEvent> missing = new ArrayList<>();
        for (ChangeEvent truncate : logged) {
            if (truncate.op() != Operation.TRUNCATE) {
                throw new IllegalArgumentException("not a TRUNCATE: " + truncate);
            }
            if (present.add(id(truncate))) {
                missing.add(truncate);
            }
        }
        return inLsnOrder(missing);
    }

    /** The TRUNCATEs among the changes, in their order. */
    static List<ChangeEvent> truncates(List<ChangeEvent> events) {
        return events.stream().filter(e -> e.op() == Operation.TRUNCATE).toList();
    }

    /** The changes of the given tables, in their order. */
    static List<ChangeEvent> ofTables(List<ChangeEvent> events, Set<TableId> tables) {
        return events.stream().filter(e -> tables.contains(e.table())).toList();
    }

    /** The highest LSN among the changes, {@link Lsn#ZERO} for none. */
    static Lsn highest(List<ChangeEvent> events) {
        Lsn highest = Lsn.ZERO;
        for (ChangeEvent event : events) {
            highest = Lsn.max(highest, event.lsn());
        }
        return highest;
    }

    private static String id(ChangeEvent truncate) {
        return truncate.table() + "@" + truncate.lsn();
    }
}
