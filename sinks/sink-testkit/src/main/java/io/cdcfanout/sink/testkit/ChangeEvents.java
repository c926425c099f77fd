package io.cdcfanout.sink.testkit;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyUpdate;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ChangeBatch;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the change events of one table with a one-column key, as the converter would deliver them:
 * <pre>{@code
 * ChangeEvents changes = new ChangeEvents(TableId.parse("public.items"), "id");
 * ChangeEvent insert = changes.insert(1).set("name", "apple").at(100);
 * ChangeEvent update = changes.update(1).set("name", "pear").unchangedToast("body").at(200);
 * ChangeEvent read   = changes.snapshot(2).set("name", "plum").read();
 * ChangeBatch batch  = ChangeEvents.batch(insert, update, changes.delete(1).at(300));
 * List<ChangeEvent> move = changes.move(1, 10).set("name", "pear").unchangedToast("body").at(400);
 * }</pre>
 *
 * <p>Each streamed change at LSN {@code n} is its own transaction: transaction id {@code 1000 + n},
 * committed {@code n} seconds after {@link #EPOCH}. Snapshot rows are at LSN {@code 0/0} with the
 * snapshot's time, {@link #EPOCH}. Sequence numbers grow with every event built.
 */
public final class ChangeEvents {

    /** The commit time of LSN 0; snapshot rows carry it. */
    public static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private static final long SNAPSHOT_TX_ID = 1;

    private final TableId table;
    private final String keyColumn;
    private final AtomicLong sequence = new AtomicLong();

    public ChangeEvents(TableId table, String keyColumn) {
        this.table = Objects.requireNonNull(table, "table");
        this.keyColumn = Objects.requireNonNull(keyColumn, "keyColumn");
    }

    public TableId table() {
        return table;
    }

    public RowKey key(Object value) {
        return new RowKey(List.of(keyColumn), List.of(rowValue(value)));
    }

    /** Integers as {@link Long}, as {@link Row} holds every integer type; anything else as it is. */
    private static Object rowValue(Object value) {
        return value instanceof Integer || value instanceof Short || value instanceof Byte
                ? ((Number) value).longValue()
                : value;
    }

    /** A row read by the initial snapshot; finish it with {@link RowChange#read()}. */
    public RowChange snapshot(Object key) {
        return new RowChange(Operation.SNAPSHOT, key);
    }

    public RowChange insert(Object key) {
        return new RowChange(Operation.INSERT, key);
    }

    public RowChange update(Object key) {
        return new RowChange(Operation.UPDATE, key);
    }

    /** A delete; its before image holds the key only (Postgres' default replica identity). */
    public Delete delete(Object key) {
        return new Delete(key);
    }

    /**
     * The two changes Debezium sends for an update of the key, {@code UPDATE t SET id = to WHERE id = from}: a
     * DELETE of the old key and an INSERT of the new one, linked by their {@link KeyUpdate}. Finish it with
     * {@link KeyMove#at(long)}.
     */
    public KeyMove move(Object from, Object to) {
        return new KeyMove(from, to);
    }

    public ChangeEvent truncate(long lsn) {
        return new ChangeEvent(table, Operation.TRUNCATE, null, null, null, streamedAt(lsn));
    }

    /** The events as one batch, reaching the highest of their LSNs. */
    public static ChangeBatch batch(ChangeEvent... events) {
        Lsn end = Lsn.ZERO;
        for (ChangeEvent event : events) {
            end = Lsn.max(end, event.lsn());
        }
        return new ChangeBatch(List.of(events), end);
    }

    private SourcePosition streamedAt(long lsn) {
        return streamedAt(lsn, 1000 + lsn);
    }

    private SourcePosition streamedAt(long lsn, long txId) {
        if (lsn <= 0) {
            throw new IllegalArgumentException(
                    "a streamed change needs an LSN above 0/0 (0/0 is the snapshot's), not " + lsn);
        }
        return new SourcePosition(new Lsn(lsn), txId, EPOCH.plusSeconds(lsn), sequence.incrementAndGet());
    }

    /** A snapshot row, insert or update being built; the key column is the image's first column. */
    public final class RowChange {
        private final Operation op;
        private final Object key;
        private final Row.Builder after = Row.builder();

        private RowChange(Operation op, Object key) {
            this.op = op;
            this.key = rowValue(key);
            after.put(keyColumn, this.key);
        }

        public RowChange set(String column, Object value) {
            after.put(column, rowValue(value));
            return this;
        }

        /** The column's TOASTed value was not changed, so Postgres did not send it: unknown in the image. */
        public RowChange unchangedToast(String column) {
            after.unchangedToast(column);
            return this;
        }

        /** The streamed change, committed at {@code lsn}. */
        public ChangeEvent at(long lsn) {
            if (op == Operation.SNAPSHOT) {
                throw new IllegalStateException("snapshot rows are at 0/0: finish them with read()");
            }
            return new ChangeEvent(table, op, key(key), null, after.build(), streamedAt(lsn));
        }

        /** The snapshot row, at LSN 0/0. */
        public ChangeEvent read() {
            if (op != Operation.SNAPSHOT) {
                throw new IllegalStateException(op + " is a streamed change: finish it with at(lsn)");
            }
            return new ChangeEvent(
                    table,
                    op,
                    key(key),
                    null,
                    after.build(),
                    new SourcePosition(Lsn.ZERO, SNAPSHOT_TX_ID, EPOCH, sequence.incrementAndGet()));
        }
    }

    /** A delete being built. */
    public final class Delete {
        private final Object key;

        private Delete(Object key) {
            this.key = rowValue(key);
        }

        public ChangeEvent at(long lsn) {
            return new ChangeEvent(
                    table,
                    Operation.DELETE,
                    key(key),
                    Row.builder().put(keyColumn, key).build(),
                    null,
                    streamedAt(lsn));
        }
    }

    /** An update of the key being built; the new key is the image's first column. */
    public final class KeyMove {
        private final Object from;
        private final Object to;
        private final Row.Builder after = Row.builder();
        private Long txId;

        private KeyMove(Object from, Object to) {
            this.from = rowValue(from);
            this.to = rowValue(to);
            after.put(keyColumn, this.to);
        }

        public KeyMove set(String column, Object value) {
            after.put(column, rowValue(value));
            return this;
        }

        /** The column's TOASTed value was not changed, so Postgres did not send it: unknown in the new image. */
        public KeyMove unchangedToast(String column) {
            after.unchangedToast(column);
            return this;
        }

        /** Puts the move in transaction {@code id} (several moves of one transaction); else its own. */
        public KeyMove inTransaction(long id) {
            this.txId = id;
            return this;
        }

        /** The DELETE of the old key and the INSERT of the new one, both at {@code lsn}. */
        public List<ChangeEvent> at(long lsn) {
            KeyUpdate update = new KeyUpdate(key(from), key(to));
            SourcePosition position = txId == null ? streamedAt(lsn) : streamedAt(lsn, txId);
            Row before = Row.builder().put(keyColumn, from).build();
            return List.of(
                    new ChangeEvent(table, Operation.DELETE, key(from), before, null, position, update),
                    new ChangeEvent(table, Operation.INSERT, key(to), null, after.build(), position, update));
        }
    }
}
