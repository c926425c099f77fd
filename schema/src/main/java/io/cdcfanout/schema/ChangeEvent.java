package io.cdcfanout.schema;

import java.util.Objects;

/**
 * One immutable fact from the source's log: a row was read by the snapshot, inserted, updated or
 * deleted, or a table was truncated.
 *
 * @param table    the table changed
 * @param op       what happened
 * @param key      the row's primary key; {@code null} only for {@link Operation#TRUNCATE}
 * @param before   the previous image when the source sent one, else null. A delete's before image is reliable
 *                 only in its key columns: unless the table has REPLICA IDENTITY FULL, Postgres logs only the
 *                 key, and Debezium fills the other columns with null or, when NOT NULL, "", 0 or 1970-01-01
 * @param after    the new image for snapshot, insert and update; null for delete and truncate. An update's
 *                 after image may have {@linkplain Row#unchangedToastColumns() unknown columns}
 * @param position where the change stands in the log
 * @param keyUpdate set on the DELETE and the INSERT the source sent for an update of the row's primary key
 *                  (the INSERT's after image may then have unknown columns, whose values are in the row's
 *                  last image under {@link KeyUpdate#oldKey()}); null for every other change
 */
public record ChangeEvent(
        TableId table, Operation op, RowKey key, Row before, Row after, SourcePosition position, KeyUpdate keyUpdate) {

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(position, "position");
        if (op != Operation.TRUNCATE) {
            Objects.requireNonNull(key, "key");
        }
        if (op.hasAfterImage()) {
            Objects.requireNonNull(after, () -> op + " needs an after image");
        }
        if (keyUpdate != null && op != Operation.DELETE && op != Operation.INSERT) {
            throw new IllegalArgumentException("a key update is a DELETE and an INSERT, not " + op);
        }
    }

    /** A change that is not half of a key update. */
    public ChangeEvent(TableId table, Operation op, RowKey key, Row before, Row after, SourcePosition position) {
        this(table, op, key, before, after, position, null);
    }

    /** For the INSERT half of a key update: the key the row had before; else null. */
    public RowKey previousKey() {
        return keyUpdate != null && op == Operation.INSERT ? keyUpdate.oldKey() : null;
    }

    /** This change with another after image (same key update, if any). */
    public ChangeEvent withAfter(Row newAfter) {
        return new ChangeEvent(table, op, key, before, newAfter, position, keyUpdate);
    }

    public Lsn lsn() {
        return position.lsn();
    }

    @Override
    public String toString() {
        return op + " " + table + (key == null ? "" : "[" + key + "]") + " @" + position.lsn() + "#"
                + position.sequence() + (keyUpdate == null ? "" : " (key update " + keyUpdate + ")");
    }
}
