package io.cdcfanout.sink.jdbc;

import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.TableId;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The query for one chunk of a table read in primary-key order: the first {@code limit} rows whose key is
 * above the last key read (none for the first chunk). The row comparison {@code (a, b) > (?, ?)} walks the
 * primary-key index, so each chunk costs its own rows, however far into the table it is, and no chunk holds
 * a cursor or a snapshot open between chunks. Keys are bound in their Postgres text form and cast back to
 * their column types, which round-trips every type a primary key can have.
 */
public final class KeysetChunk {

    private KeysetChunk() {}

    /**
     * The SQL of a chunk; bind the previous chunk's last key values (text), then the limit.
     *
     * @param castTypes the key columns' types as SQL ({@code format_type}), in key order
     */
    public static String sql(TableId table, KeyShape key, List<String> castTypes, boolean first) {
        String columns = key.columns().stream().map(KeysetChunk::quote).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT * FROM ").append(table.quoted());
        if (!first) {
            sql.append(" WHERE (").append(columns).append(") > (");
            for (int i = 0; i < key.columns().size(); i++) {
                sql.append(i == 0 ? "" : ", ")
                        .append("CAST(? AS ")
                        .append(castTypes.get(i))
                        .append(')');
            }
            sql.append(')');
        }
        return sql.append(" ORDER BY ").append(columns).append(" LIMIT ?").toString();
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
