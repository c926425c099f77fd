package io.cdcfanout.sink.cache;

import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import java.sql.SQLException;
import java.util.Set;

/**
 * What the cache starts with: every row of its tables, read in one MVCC snapshot of the source
 * ({@link TableLoader}), and which transactions that snapshot saw.
 */
interface InitialLoad {

    /**
     * Reads the tables, telling {@code into} each table's key (columns and types) before its rows.
     *
     * @return the snapshot read in: streamed changes of the transactions it saw are in the rows already
     */
    SnapshotVisibility load(Set<TableId> tables, Receiver into) throws SQLException;

    /** Takes what a load reads. */
    interface Receiver {
        void keyShape(TableId table, KeyShape key);

        void row(TableId table, RowKey key, Row row);
    }
}
