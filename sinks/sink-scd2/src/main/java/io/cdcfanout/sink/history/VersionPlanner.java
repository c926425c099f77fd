package io.cdcfanout.sink.history;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
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
 *       commit time. A snapshot row whose data equals the current live version's adds nothing
 *       (re-snapshots).</li>
 *   <li><b>Delete</b> closes the live version and opens a <em>deletion version</em>: deleted = true,
 *       valid_from = delete time, open-ended, data = the last known image. It is the key's current
 *       version until a re-insert closes it, so versions of a key are contiguous from the first one on,
 *       and the key's newest LSN is always on its current version. A delete of a key no version knows
 *       still records a deletion version (with only the key columns as data), which guards against stale replays.
 *       A delete of an already deleted key adds nothing.</li>
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

    private VersionPlanner() {
    }

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
     * @param events   one table's changes, in commit order
     * @param currents the stored current version per key ({@link RowKey#asText()}); keys without one are absent
     */
    static VersionPlan plan(List<ChangeEvent> events, Map<String, CurrentVersion> currents) {
        // Every key's state exists before the first change is planned: a TRUNCATE deletes every key of the batch.
        Map<String, KeyState> states = new LinkedHashMap<>();
        List<KeyState> stateOfEvent = new ArrayList<>(events.size());
        for (ChangeEvent event : events) {
            KeyState state = null;
            if (event.op() != Operation.TRUNCATE) {
                String key = event.key().asText();
                state = states.computeIfAbsent(key, k -> new KeyState(event.key(), currents.get(k)));
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
                    case SNAPSHOT, INSERT, UPDATE -> state.write(event);
                    case DELETE -> state.delete(event, true);
                    default -> throw new IllegalArgumentException("unexpected operation " + event.op());
                }
            }
        }
        return new VersionPlan(states.values().stream().map(KeyState::toPlan).toList(), truncates);
    }

    /** One key's versions while the batch is planned: the stored current one, then the pending ones. */
    private static final class KeyState {
        private final RowKey key;
        private final CurrentVersion stored;
        private final List<NewVersion> pending = new ArrayList<>();
        private final List<ChangeEvent> events = new ArrayList<>();
        private boolean storedSuperseded;
        private Instant storedClosedAt;

        KeyState(RowKey key, CurrentVersion stored) {
            this.key = key;
            this.stored = stored;
        }

        void write(ChangeEvent event) {
            Head head = head();
            if (head != null && !event.lsn().isAfter(head.lsn)) {
                return;
            }
            VersionData previous = head == null || head.deleted ? null : head.data;
            VersionData data = HistoryJson.imageOf(event.after(), previous);
            if (event.op() == Operation.SNAPSHOT && previous != null && HistoryJson.sameData(previous.tree(), data.tree())) {
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
                    pending.set(pending.size() - 1, pending.get(pending.size() - 1).closedAt(validFrom));
                }
            }
            pending.add(new NewVersion(validFrom, null, deleted, event.lsn(), event.position().txId(), data));
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

    private record Head(boolean stored, Lsn lsn, long txId, Instant validFrom, boolean deleted, VersionData data) {
    }
}
