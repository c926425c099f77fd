package io.cdcfanout.sink.history;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.history.VersionPlan.NewVersion;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes, without I/O, how a batch of one table's changes turns the keys' current versions into
 * history: which stored versions to close (or remove) and which versions to insert.
 *
 * <p>Rules, per key, over the changes in commit order:
 * <ul>
 *   <li><b>Stale or replayed</b>: a change whose LSN is not after the key's latest version's LSN changes
 *       nothing; so a replayed batch, or an older batch after a newer one, writes nothing.</li>
 *   <li><b>Insert, update, snapshot</b> open a version with the change's data (unchanged TOAST columns
 *       carried forward from the previous live version) and close the previous one at the change's
 *       commit time. An unchanged TOAST column the previous live version does not have (or with no
 *       live version) cannot be carried: the change is rejected rather than recorded without it. A snapshot row whose data equals the current live version's adds nothing
 *       (re-snapshots).</li>
 *   <li><b>Delete</b> closes the live version and opens a <em>deletion version</em>: deleted = true,
 *       valid_from = delete time, open-ended, data = the last known image. It is the key's current
 *       version until a re-insert closes it, so versions of a key are contiguous from the first one on,
 *       and the key's newest LSN is always on its current version. A delete of a key no version knows
 *       still records a deletion version (with only the key columns as data), which guards against stale replays.
 *       A delete of an already deleted key adds nothing.</li>
 *   <li><b>Key update</b>: the source sends an update of the primary key as a DELETE of the old key and an
 *       INSERT of the new one ({@link ChangeEvent#keyUpdate()}). The INSERT's unchanged TOAST columns are
 *       carried forward from the old key's latest version as of the move (its deletion version keeps the last
 *       image), whether the DELETE is in the same batch or an earlier one.</li>
 *   <li><b>Truncate</b> acts as a delete (at the truncate's LSN and commit time) on every key of the
 *       batch; keys the batch does not mention are closed in SQL by {@link HistoryWriter}.</li>
 *   <li><b>Same transaction</b>: only a transaction's last state of a row was ever visible, so a change
 *       from the same transaction (same tx id and commit time) as the key's latest version replaces that
 *       version instead of closing it. History holds exactly the committed versions, no zero-length ones.
 *       A row inserted and deleted in one transaction leaves one deletion version.</li>
 *   <li><b>Clock</b>: commit timestamps need not grow in commit order (they are taken before the commit
 *       record is written); a valid_from earlier than the previous version's is raised to it, so no
 *       interval is negative.</li>
 * </ul>
 */
final class VersionPlanner {

    private VersionPlanner() {}

    /** Postgres keeps microseconds; planning with them makes stored and planned instants compare equal. */
    static Instant toMicros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    /** The distinct keys of the row changes, in first-seen order; the planner needs their current versions. */
    static List<RowKey> keysOf(List<ChangeEvent> events) {
        Map<String, RowKey> keys = new LinkedHashMap<>();
        for (ChangeEvent event : events) {
            if (event.op() != Operation.TRUNCATE) {
                keys.putIfAbsent(event.key().asText(), event.key());
            }
        }
        return List.copyOf(keys.values());
    }

    /**
     * The keys whose current versions the planner needs: {@link #keysOf} and, for the INSERT of a key update,
     * the old key, whose image holds the unchanged TOAST columns.
     */
    static List<RowKey> keysToLoad(List<ChangeEvent> events) {
        if (events.stream().noneMatch(e -> e.previousKey() != null)) {
            return keysOf(events); // the common batch
        }
        Map<String, RowKey> keys = new LinkedHashMap<>();
        for (RowKey key : keysOf(events)) {
            keys.put(key.asText(), key);
        }
        for (ChangeEvent event : events) {
            RowKey previous = event.previousKey();
            if (previous != null && !event.after().isComplete()) {
                keys.putIfAbsent(previous.asText(), previous);
            }
        }
        return List.copyOf(keys.values());
    }

    /**
     * @param events   one table's changes, in commit order
     * @param currents the stored current version per key ({@link RowKey#asText()}); keys without one are absent
     */
    static VersionPlan plan(List<ChangeEvent> events, Map<String, CurrentVersion> currents) {
        // Every key's state exists before the first change is planned: a TRUNCATE deletes every key of the batch.
        Map<String, KeyState> states = new LinkedHashMap<>();
        List<Rejection> rejections = new ArrayList<>();
        List<KeyState> stateOfEvent = new ArrayList<>(events.size());
        for (ChangeEvent event : events) {
            KeyState state = null;
            if (event.op() != Operation.TRUNCATE) {
                String key = event.key().asText();
                state = states.computeIfAbsent(key, k -> new KeyState(event.key(), currents.get(k), rejections));
            }
            stateOfEvent.add(state);
        }
        List<ChangeEvent> truncates = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent event = events.get(i);
            if (event.op() == Operation.TRUNCATE) {
                truncates.add(event);
                states.values().forEach(state -> state.delete(event, false));
            } else {
                KeyState state = stateOfEvent.get(i);
                state.events.add(event);
                switch (event.op()) {
                    case SNAPSHOT, INSERT, UPDATE -> state.write(event, movedImage(event, states, currents));
                    case DELETE -> state.delete(event, true);
                    default -> throw new IllegalArgumentException("unexpected operation " + event.op());
                }
            }
        }
        return new VersionPlan(states.values().stream().map(KeyState::toPlan).toList(), truncates, rejections);
    }

    /**
     * For the INSERT of a key update with unknown columns: the old key's latest image as of the move (the
     * batch's own state of that key, else its stored current version); null otherwise, or when that image
     * is already newer than the move (a replay after the old key was written again: the INSERT is stale then).
     */
    private static VersionData movedImage(
            ChangeEvent event, Map<String, KeyState> states, Map<String, CurrentVersion> currents) {
        RowKey previousKey = event.previousKey();
        if (previousKey == null || event.after().isComplete()) {
            return null;
        }
        KeyState state = states.get(previousKey.asText());
        Head head = state == null ? null : state.head();
        if (head != null) {
            return head.lsn.isAfter(event.lsn()) ? null : head.data;
        }
        CurrentVersion stored = currents.get(previousKey.asText());
        return stored == null || stored.lsn().isAfter(event.lsn()) ? null : stored.data();
    }

    /** One key's versions while the batch is planned: the stored current one, then the pending ones. */
    private static final class KeyState {
        private final RowKey key;
        private final CurrentVersion stored;
        private final List<NewVersion> pending = new ArrayList<>();
        private final List<ChangeEvent> events = new ArrayList<>();
        private final List<Rejection> rejections;
        private boolean storedSuperseded;
        private Instant storedClosedAt;

        KeyState(RowKey key, CurrentVersion stored, List<Rejection> rejections) {
            this.key = key;
            this.stored = stored;
            this.rejections = rejections;
        }

        /** @param moved for the INSERT of a key update, the old key's image; else null */
        void write(ChangeEvent event, VersionData moved) {
            Head head = head();
            if (head != null && !event.lsn().isAfter(head.lsn)) {
                return;
            }
            VersionData previous = moved != null ? moved : head == null || head.deleted ? null : head.data;
            List<String> unknown = HistoryJson.notCarried(event.after(), previous);
            if (!unknown.isEmpty()) {
                rejections.add(new Rejection(
                        event,
                        "unchanged TOAST column(s) " + unknown + " were not sent by Postgres and "
                                + (previous == null
                                        ? "no live version of the row"
                                        : "the row's live version lacks them")
                                + " to carry them from; the version cannot be recorded without them (a reader could not tell them"
                                + " from NULL). Set REPLICA IDENTITY FULL on the table, or re-snapshot it"));
                return;
            }
            VersionData data = HistoryJson.imageOf(event.after(), previous);
            if (event.op() == Operation.SNAPSHOT
                    && previous != null
                    && HistoryJson.sameData(previous.tree(), data.tree())) {
                return;
            }
            append(head, event, false, data);
        }

        /** @param rowDelete true for a DELETE of this key, false for a TRUNCATE of its table */
        void delete(ChangeEvent event, boolean rowDelete) {
            Head head = head();
            if (head == null) {
                if (rowDelete) {
                    // Only the key: under the default replica identity the before image's other columns are
                    // Debezium's fill-ins ("" and 0 for NOT NULL columns), not values the row had.
                    append(null, event, true, HistoryJson.keyOnly(key));
                }
                return;
            }
            if (!event.lsn().isAfter(head.lsn) || head.deleted) {
                return;
            }
            append(head, event, true, head.data);
        }

        private void append(Head head, ChangeEvent event, boolean deleted, VersionData data) {
            Instant validFrom = toMicros(event.position().commitTime());
            if (head != null && validFrom.isBefore(head.validFrom)) {
                validFrom = head.validFrom;
            }
            if (head != null && head.txId == event.position().txId() && head.validFrom.equals(validFrom)) {
                // The same transaction changed the row again: its earlier state was never visible.
                if (head.stored) {
                    storedSuperseded = true;
                } else {
                    pending.remove(pending.size() - 1);
                }
            } else if (head != null) {
                if (head.stored) {
                    storedClosedAt = validFrom;
                } else {
                    pending.set(
                            pending.size() - 1, pending.get(pending.size() - 1).closedAt(validFrom));
                }
            }
            pending.add(new NewVersion(
                    validFrom, null, deleted, event.lsn(), event.position().txId(), data));
        }

        /** The key's latest version so far: the last pending one, else the stored one unless superseded. */
        private Head head() {
            if (!pending.isEmpty()) {
                NewVersion last = pending.get(pending.size() - 1);
                return new Head(false, last.lsn(), last.txId(), last.validFrom(), last.deleted(), last.data());
            }
            if (stored != null && !storedSuperseded) {
                return new Head(true, stored.lsn(), stored.txId(), stored.validFrom(), stored.deleted(), stored.data());
            }
            if (stored != null) {
                // Superseded and then nothing pending cannot happen: superseding always appends.
                throw new IllegalStateException("superseded version without successor for " + key);
            }
            return null;
        }

        KeyPlan toPlan() {
            Lsn remove = storedSuperseded ? stored.lsn() : null;
            Lsn close = storedClosedAt != null ? stored.lsn() : null;
            return new KeyPlan(key, remove, close, storedClosedAt, pending, events);
        }
    }

    private record Head(boolean stored, Lsn lsn, long txId, Instant validFrom, boolean deleted, VersionData data) {}
}
