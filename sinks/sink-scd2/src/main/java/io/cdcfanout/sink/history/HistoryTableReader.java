package io.cdcfanout.sink.history;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads history tables for the HTTP API. Thread-safe: calls share one connection (opened on first use,
 * dropped after a failure and opened again by the next call), one call at a time.
 *
 * <p>Keys arrive as text and are cast in SQL to the key column types. A missing key column or a value
 * the key type cannot read is an {@link IllegalArgumentException} (a client error); a database failure
 * is an {@link IllegalStateException}.
 */
final class HistoryTableReader implements HistoryReader {

    private static final String COLUMNS = "valid_from, valid_to, deleted, lsn::text, tx_id, data::text";

    private final ReconnectingConnection connection;
    private final Map<TableId, HistoryTable> tables;

    /** @param tables source table to its history table */
    HistoryTableReader(SourceDatabase database, String applicationName, Map<TableId, HistoryTable> tables) {
        this.connection = new ReconnectingConnection(database, applicationName, true);
        this.tables = Map.copyOf(tables);
    }

    @Override
    public boolean serves(TableId table) {
        return tables.containsKey(table);
    }

    @Override
    public List<String> keyColumns(TableId table) {
        return table(table).keyColumns().stream().map(KeyColumn::name).toList();
    }

    @Override
    public List<HistoryVersion> versions(TableId table, Map<String, String> key) {
        HistoryTable history = table(table);
        String sql = "SELECT " + COLUMNS + " FROM " + history.name().quoted() + " h WHERE " + keyCondition(history)
                + " ORDER BY valid_from, lsn";
        return query(history, key, sql, null);
    }

    @Override
    public Optional<HistoryVersion> asOf(TableId table, Map<String, String> key, Instant instant) {
        HistoryTable history = table(table);
        String sql = "SELECT " + COLUMNS + " FROM " + history.name().quoted() + " h WHERE " + keyCondition(history)
                + " AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
                + " ORDER BY valid_from DESC, lsn DESC LIMIT 1";
        return query(history, key, sql, instant).stream()
                .filter(v -> !v.deleted())
                .findFirst();
    }

    private synchronized List<HistoryVersion> query(
            HistoryTable history, Map<String, String> key, String sql, Instant instant) {
        List<String> keyValues = keyValues(history, key);
        try {
            try (PreparedStatement s = connection.get().prepareStatement(sql)) {
                int p = 1;
                for (String value : keyValues) {
                    s.setString(p++, value);
                }
                if (instant != null) {
                    OffsetDateTime at = instant.atOffset(ZoneOffset.UTC);
                    s.setObject(p++, at);
                    s.setObject(p, at);
                }
                List<HistoryVersion> versions = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        OffsetDateTime validTo = rs.getObject(2, OffsetDateTime.class);
                        versions.add(new HistoryVersion(
                                rs.getObject(1, OffsetDateTime.class).toInstant(),
                                validTo == null ? null : validTo.toInstant(),
                                rs.getBoolean(3),
                                Lsn.parse(rs.getString(4)),
                                rs.getLong(5),
                                HistoryJson.parse(rs.getString(6))));
                    }
                }
                return versions;
            }
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
                throw new IllegalArgumentException(
                        "not a valid key for " + history.source() + " " + keyColumns(history.source()) + ": " + key
                                + " (" + e.getMessage() + ")",
                        e);
            }
            connection.drop();
            throw new IllegalStateException("cannot read history table " + history.name() + ": " + e.getMessage(), e);
        }
    }

    private static String keyCondition(HistoryTable history) {
        StringBuilder sql = new StringBuilder();
        for (KeyColumn column : history.keyColumns()) {
            if (!sql.isEmpty()) {
                sql.append(" AND ");
            }
            sql.append("h.").append(column.quotedName()).append(" = ?::").append(column.sqlType());
        }
        return sql.toString();
    }

    private static List<String> keyValues(HistoryTable history, Map<String, String> key) {
        List<String> names = history.keyColumns().stream().map(KeyColumn::name).toList();
        List<String> missing = names.stream().filter(n -> key.get(n) == null).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    "missing key column(s) " + missing + "; the key of " + history.source() + " is " + names);
        }
        return names.stream().map(key::get).toList();
    }

    private HistoryTable table(TableId table) {
        HistoryTable history = tables.get(table);
        if (history == null) {
            throw new IllegalArgumentException("no history is kept for " + table + "; kept for " + tables.keySet());
        }
        return history;
    }

    synchronized void close() {
        connection.drop();
    }
}
