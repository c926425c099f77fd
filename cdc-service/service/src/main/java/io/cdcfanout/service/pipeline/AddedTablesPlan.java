package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.TableId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a start must do about the tables each sink is configured for against the ones it was fed before
 * ({@link SinkTables}): a pure function of the two.
 *
 * @param backfill       per sink, tables added since the last start whose existing rows the sink must be given
 *                       (registered once the rebuild is done, so an interrupted one is asked for again)
 * @param register       per sink, tables to record as fed now
 * @param cannotBackfill per sink, added tables whose existing rows the sink cannot be given (its type cannot
 *                       rebuild): reported once, then registered
 * @param removed        per sink (also sinks no longer configured), tables no longer fed: reported once and
 *                       forgotten; what the sink holds of them is left as it is
 */
public record AddedTablesPlan(
        Map<String, List<TableId>> backfill,
        Map<String, List<TableId>> register,
        Map<String, List<TableId>> cannotBackfill,
        Map<String, List<TableId>> removed) {

    /** How a sink can be given a table's existing rows. */
    public enum Backfill {
        /** Through a rebuild of that table ({@code RebuildableSink}). */
        REBUILD,
        /** It reads its tables itself at every start (the cache). */
        LOADS_AT_START,
        /** It cannot. */
        NONE
    }

    /** A configured sink: its tables and how it can be backfilled. */
    public record SinkTablesNow(Set<TableId> tables, Backfill backfill) {}

    /**
     * The plan for the sinks as configured now.
     *
     * @param fed the tables each sink was fed before, by sink; empty when the instance never recorded any (a
     *            first start, whose initial snapshot feeds every table, or a start of a version before this
     *            record existed): then everything is registered as it is
     */
    public static AddedTablesPlan of(Map<String, Set<TableId>> fed, Map<String, SinkTablesNow> configured) {
        Map<String, List<TableId>> backfill = new LinkedHashMap<>();
        Map<String, List<TableId>> register = new LinkedHashMap<>();
        Map<String, List<TableId>> cannot = new LinkedHashMap<>();
        Map<String, List<TableId>> removed = new LinkedHashMap<>();
        boolean firstRecord = fed.isEmpty();
        configured.forEach((sink, now) -> {
            Set<TableId> before = fed.getOrDefault(sink, Set.of());
            List<TableId> added = sorted(
                    now.tables().stream().filter(t -> !before.contains(t)).toList());
            if (!added.isEmpty()) {
                if (firstRecord || now.backfill() == Backfill.LOADS_AT_START) {
                    register.put(sink, added);
                } else if (now.backfill() == Backfill.REBUILD) {
                    backfill.put(sink, added);
                } else {
                    cannot.put(sink, added);
                    register.put(sink, added);
                }
            }
            List<TableId> gone = sorted(
                    before.stream().filter(t -> !now.tables().contains(t)).toList());
            if (!gone.isEmpty()) {
                removed.put(sink, gone);
            }
        });
        fed.forEach((sink, before) -> {
            if (!configured.containsKey(sink) && !before.isEmpty()) {
                removed.put(sink, sorted(List.copyOf(before)));
            }
        });
        return new AddedTablesPlan(backfill, register, cannot, removed);
    }

    private static List<TableId> sorted(List<TableId> tables) {
        TreeSet<String> names = new TreeSet<>();
        Map<String, TableId> byName = new LinkedHashMap<>();
        for (TableId t : tables) {
            names.add(t.toString());
            byName.put(t.toString(), t);
        }
        return names.stream().map(byName::get).toList();
    }
}
