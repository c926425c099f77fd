package io.cdcfanout.sink.history;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a history table found already in place (creation is {@code IF NOT EXISTS}) still fits
 * its source table: every source key column is there with the same type, and so are the version
 * columns. A primary key changed in the source since the table was made is caught here, at start,
 * instead of as failures in every batch.
 */
final class HistoryTableVerifier {

    private static final String SQL = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
            """;

    private HistoryTableVerifier() {}

    /** @throws IllegalStateException naming the differences and what to do */
    static void verify(Connection history, HistoryTable table) throws SQLException {
        Map<String, String> actual = new LinkedHashMap<>();
        try (PreparedStatement s = history.prepareStatement(SQL)) {
            s.setString(1, table.name().quoted());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    actual.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        List<String> problems = new java.util.ArrayList<>();
        for (KeyColumn column : table.keyColumns()) {
            String type = actual.get(column.name());
            if (type == null) {
                problems.add("key column " + column.name() + " is missing");
            } else if (!type.equals(column.sqlType())) {
                problems.add(
                        "key column " + column.name() + " is " + type + " but " + column.sqlType() + " in the source");
            }
        }
        for (String column : HistoryTable.VERSION_COLUMNS) {
            if (!actual.containsKey(column)) {
                problems.add("column " + column + " is missing");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(
                    "scd2 sink: history table " + table.name() + " exists but does not fit source table "
                            + table.source() + ": " + String.join("; ", problems)
                            + ". Migrate it to the source's key, or rename it away so the sink creates a new one");
        }
    }
}
