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
 */
public record ChangeEvent(TableId table, Operation op, RowKey key, Row before, Row after, SourcePosition position) {

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
    }

    public Lsn lsn() {
        return position.lsn();
    }

    public boolean isDelete() {
        return op == Operation.DELETE;
    }

    @Override
    public String toString() {
        return op + " " + table + (key == null ? "" : "[" + key + "]") + " @" + position.lsn() + "#" + position.sequence();
    }
}
