package io.cdcfanout.sink.jdbc;

import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a table in primary-key order, one chunk per call, each chunk a statement of its own (its own MVCC
 * snapshot, no transaction held between chunks). Memory is one chunk. The position is the last key read, so
 * a reader can be created again at a position to resume.
 */
public final class ChunkedTableReader {

    /** One row read, with its key. */
    public record ChunkRow(RowKey key, Row row) {}

    private final Connection connection;
    private final TableId table;
    private final KeyShape key;
    private final int chunkSize;
    private final String firstSql;
    private final String nextSql;
    private List<String> position;
    private boolean done;

    /**
     * @param connection in autocommit, so each chunk sees the newest committed state
     * @param position   the last key already read (text form, key order), or null to start at the beginning
     */
    public ChunkedTableReader(Connection connection, TableId table, int chunkSize, List<String> position)
            throws SQLException {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, got " + chunkSize);
        }
        this.connection = connection;
        this.table = table;
        this.chunkSize = chunkSize;
        this.key = TableReads.primaryKey(connection, table);
        List<String> castTypes = castTypes(connection, table, key);
        this.firstSql = KeysetChunk.sql(table, key, castTypes, true);
        this.nextSql = KeysetChunk.sql(table, key, castTypes, false);
        this.position = position == null ? null : List.copyOf(position);
    }

    public TableId table() {
        return table;
    }

    public KeyShape key() {
        return key;
    }

    /** The last key read, in Postgres text form; null before the first row. */
    public List<String> position() {
        return position;
    }

    public boolean done() {
        return done;
    }

    /** The next chunk, at most the chunk size; empty once the table is read to its end. */
    public List<ChunkRow> next() throws SQLException {
        if (done) {
            return List.of();
        }
        List<ChunkRow> rows = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(position == null ? firstSql : nextSql)) {
            int p = 1;
            if (position != null) {
                for (String value : position) {
                    ps.setString(p++, value);
                }
            }
            ps.setInt(p, chunkSize);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> last = TableReads.readRows(rs, key.columns(), (k, row) -> rows.add(new ChunkRow(k, row)));
                if (last != null) {
                    position = List.copyOf(last);
                }
            }
        }
        if (rows.size() < chunkSize) {
            done = true;
        }
        return rows;
    }

    private static List<String> castTypes(Connection c, TableId table, KeyShape key) throws SQLException {
        List<String> types = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = ?::regclass AND attname = ?")) {
            for (String column : key.columns()) {
                ps.setString(1, table.quoted());
                ps.setString(2, column);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("table " + table + " has no column " + column);
                    }
                    types.add(rs.getString(1));
                }
            }
        }
        return types;
    }
}
