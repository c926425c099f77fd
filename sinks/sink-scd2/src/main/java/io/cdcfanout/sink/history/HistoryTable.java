package io.cdcfanout.sink.history;

import io.cdcfanout.schema.TableId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The layout of one history table: the source's key columns (typed as in the source), then
 * {@code valid_from}, {@code valid_to}, {@code deleted}, {@code lsn}, {@code tx_id}, {@code data}.
 * Renders its idempotent DDL and the SQL fragments the writer and reader share.
 *
 * @param name       the history table
 * @param source     the source table it records
 * @param keyColumns the source's primary-key columns in key order
 */
record HistoryTable(TableId name, TableId source, List<KeyColumn> keyColumns) {

    /** Columns every history table has; a source key column must not be called like one of them. */
    static final Set<String> VERSION_COLUMNS = Set.of("valid_from", "valid_to", "deleted", "lsn", "tx_id", "data");

    private static final int MAX_IDENTIFIER_BYTES = 63;

    HistoryTable {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        keyColumns = List.copyOf(keyColumns);
        if (keyColumns.isEmpty()) {
            throw new IllegalArgumentException("a history table needs the source's key columns");
        }
        for (KeyColumn column : keyColumns) {
            if (VERSION_COLUMNS.contains(column.name())) {
                throw new IllegalStateException("scd2 sink: key column '" + column.name() + "' of " + source
                        + " clashes with the history table's own column of that name; rename the column or leave "
                        + "the table out of the scd2 sink");
            }
        }
    }

    /**
     * The DDL, each statement idempotent: {@link #tableDdl()} then {@link #indexDdl()}.
     */
    List<String> ddl() {
        return java.util.stream.Stream.concat(tableDdl().stream(), indexDdl().stream())
                .toList();
    }

    /** The schema and the table with UNIQUE (key, lsn); {@code IF NOT EXISTS}. */
    List<String> tableDdl() {
        String keyDefinitions = keyColumns.stream()
                .map(c -> c.quotedName() + " " + c.sqlType() + " NOT NULL")
                .collect(Collectors.joining(",\n    "));
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS " + quote(name.schema()),
                "CREATE TABLE IF NOT EXISTS " + name.quoted() + " (\n"
                        + "    " + keyDefinitions + ",\n"
                        + "    valid_from timestamptz NOT NULL,\n"
                        + "    valid_to   timestamptz,\n"
                        + "    deleted    boolean     NOT NULL,\n"
                        + "    lsn        pg_lsn      NOT NULL,\n"
                        + "    tx_id      bigint      NOT NULL,\n"
                        + "    data       jsonb,\n"
                        + "    UNIQUE (" + keyList() + ", lsn),\n"
                        + "    CHECK (valid_to IS NULL OR valid_to >= valid_from)\n"
                        + ")");
    }

    /** An index for as-of lookups (key, valid_from) and a unique partial index on the key's current version. */
    List<String> indexDdl() {
        String keys = keyList();
        return List.of(
                "CREATE INDEX IF NOT EXISTS " + quote(indexName("as_of")) + " ON " + name.quoted() + " (" + keys
                        + ", valid_from)",
                "CREATE UNIQUE INDEX IF NOT EXISTS " + quote(indexName("current")) + " ON " + name.quoted() + " ("
                        + keys + ") WHERE valid_to IS NULL");
    }

    /** {@code "k1", "k2"} */
    String keyList() {
        return keyColumns.stream().map(KeyColumn::quotedName).collect(Collectors.joining(", "));
    }

    /** {@code h."k1" = u.k1::type AND ...}: the history row {@code h} matches the text keys of {@code u}. */
    String keyMatch(String historyAlias, String textAlias) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < keyColumns.size(); i++) {
            if (i > 0) {
                sql.append(" AND ");
            }
            sql.append(historyAlias)
                    .append('.')
                    .append(keyColumns.get(i).quotedName())
                    .append(" = ")
                    .append(textAlias)
                    .append(".k")
                    .append(i)
                    .append("::")
                    .append(keyColumns.get(i).sqlType());
        }
        return sql.toString();
    }

    /** {@code u.k0::type, u.k1::type}: the text keys of {@code u} cast to the key types. */
    String castKeys(String textAlias) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < keyColumns.size(); i++) {
            if (i > 0) {
                sql.append(", ");
            }
            sql.append(textAlias)
                    .append(".k")
                    .append(i)
                    .append("::")
                    .append(keyColumns.get(i).sqlType());
        }
        return sql.toString();
    }

    /** {@code ?::text[], ?::text[]} and the aliases {@code k0, k1}, one per key column. */
    String keyArrays() {
        return String.join(", ", java.util.Collections.nCopies(keyColumns.size(), "?::text[]"));
    }

    String keyAliases() {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < keyColumns.size(); i++) {
            sql.append(i > 0 ? ", " : "").append('k').append(i);
        }
        return sql.toString();
    }

    /** Index names are per schema, so they carry the table's name; cut to Postgres' 63 bytes. */
    private String indexName(String suffix) {
        String full = name.table() + "_" + suffix;
        byte[] bytes = full.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_IDENTIFIER_BYTES) {
            return full;
        }
        String hash = Integer.toHexString(full.hashCode());
        String head = name.table()
                .substring(
                        0, Math.min(name.table().length(), MAX_IDENTIFIER_BYTES - suffix.length() - hash.length() - 2));
        return head + "_" + hash + "_" + suffix;
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
