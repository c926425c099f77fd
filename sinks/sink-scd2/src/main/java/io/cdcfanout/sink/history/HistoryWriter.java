package io.cdcfanout.sink.history;

import io.cdcfanout.schema.CanonicalValues;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.history.VersionPlan.NewVersion;
import io.cdcfanout.sink.jdbc.KeyText;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes one history table, inside the caller's transaction, with a few statements per batch, however many
 * rows it has: one query loads the current versions of the batch's keys (locked), then one
 * statement each removes superseded versions and closes current versions, one per page of at most
 * {@link #INSERT_PAGE_CHARS} characters of data inserts new versions (all through {@code unnest} of arrays),
 * and one statement per TRUNCATE closes the rest of the table.
 * Keys travel as {@code text[]} and are cast to the key column types in SQL.
 */
final class HistoryWriter {

    /**
     * The version data one INSERT carries at most (characters). The driver encodes each array parameter whole, in a
     * doubling buffer, so one statement for a batch of 8,192 versions of 10 kB rows buffered hundreds of MB at once
     * and ran the benchmark's 1 GB heap out of memory (W4).
     */
    static final int INSERT_PAGE_CHARS = 4 << 20;

    private final HistoryTable table;
    private final String loadSql;
    private final String removeSql;
    private final String closeSql;
    private final String insertSql;
    private final String truncateSql;

    HistoryWriter(HistoryTable table) {
        this.table = table;
        String t = table.name().quoted();
        String keys = table.keyList();
        String arrays = table.keyArrays();
        String aliases = table.keyAliases();
        this.loadSql = "SELECT u.ord, h.lsn::text, h.tx_id, h.valid_from, h.deleted, h.data::text"
                + " FROM unnest(" + arrays + ") WITH ORDINALITY AS u(" + aliases + ", ord)"
                + " JOIN " + t + " h ON " + table.keyMatch("h", "u") + " AND h.valid_to IS NULL"
                + " FOR UPDATE OF h";
        this.removeSql = "DELETE FROM " + t + " AS h USING unnest(" + arrays + ", ?::text[]) AS u(" + aliases + ", lsn)"
                + " WHERE " + table.keyMatch("h", "u") + " AND h.lsn = u.lsn::pg_lsn AND h.valid_to IS NULL";
        this.closeSql = "UPDATE " + t + " AS h SET valid_to = u.valid_to::timestamptz"
                + " FROM unnest(" + arrays + ", ?::text[], ?::text[]) AS u(" + aliases + ", lsn, valid_to)"
                + " WHERE " + table.keyMatch("h", "u") + " AND h.lsn = u.lsn::pg_lsn AND h.valid_to IS NULL";
        this.insertSql = "INSERT INTO " + t + " (" + keys + ", valid_from, valid_to, deleted, lsn, tx_id, data)"
                + " SELECT " + table.castKeys("u") + ", u.valid_from::timestamptz, u.valid_to::timestamptz,"
                + " u.deleted::boolean, u.lsn::pg_lsn, u.tx_id::bigint, u.data::jsonb"
                + " FROM unnest(" + arrays + ", ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
                + " WITH ORDINALITY AS u(" + aliases + ", valid_from, valid_to, deleted, lsn, tx_id, data, ord)"
                + " ORDER BY u.ord"
                + " ON CONFLICT (" + keys + ", lsn) DO NOTHING";
        String returning = table.keyColumns().stream()
                .map(c -> "h." + c.quotedName())
                .reduce((a, b) -> a + ", " + b)
                .orElseThrow();
        // The planner's rules for the keys the batch does not mention: a live current version the truncating
        // transaction itself wrote (same tx id, valid_from not before the truncate's commit time: a transaction
        // split across batches) was never visible, so it is replaced by the deletion version rather than closed.
        String sameTransaction = "h.tx_id = ?::bigint AND h.valid_from >= ?::timestamptz";
        this.truncateSql = "WITH superseded AS ("
                + " DELETE FROM " + t + " AS h"
                + " WHERE h.valid_to IS NULL AND NOT h.deleted AND h.lsn < ?::pg_lsn AND " + sameTransaction
                + " RETURNING " + returning + ", h.valid_from, h.data),"
                + " closed AS ("
                + " UPDATE " + t + " AS h SET valid_to = greatest(?::timestamptz, h.valid_from)"
                + " WHERE h.valid_to IS NULL AND NOT h.deleted AND h.lsn < ?::pg_lsn AND NOT (" + sameTransaction + ")"
                + " RETURNING " + returning + ", h.valid_to AS valid_from, h.data),"
                + " opened AS ("
                + " INSERT INTO " + t + " (" + keys + ", valid_from, valid_to, deleted, lsn, tx_id, data)"
                + " SELECT " + keys + ", valid_from, NULL, true, ?::pg_lsn, ?::bigint, data"
                + " FROM (SELECT * FROM superseded UNION ALL SELECT * FROM closed) AS swept"
                + " ON CONFLICT (" + keys + ", lsn) DO NOTHING RETURNING 1)"
                + " SELECT (SELECT count(*) FROM opened), (SELECT count(*) FROM closed)";
    }

    HistoryTable table() {
        return table;
    }

    /** Versions this writer opened and closed. */
    record Counts(long opened, long closed) {
        static final Counts NONE = new Counts(0, 0);

        Counts plus(Counts other) {
            return new Counts(opened + other.opened, closed + other.closed);
        }
    }

    /**
     * Applies one table's changes, adding the ones that cannot become a version to {@code rejections};
     * on an SQLException the caller must roll the transaction back and discard those.
     */
    Counts apply(Connection c, List<ChangeEvent> events, List<Rejection> rejections) throws SQLException {
        VersionPlan plan = VersionPlanner.plan(events, loadCurrents(c, VersionPlanner.keysToLoad(events)));
        Counts counts = writeKeys(c, plan.keys()).plus(sweepTruncates(c, plan.truncates()));
        rejections.addAll(plan.rejections());
        return counts;
    }

    /**
     * Applies one table's changes key by key, each key behind a savepoint, so that a key whose writes
     * the database refuses for good is rejected (all of its changes in the batch: its later versions
     * build on the earlier ones) and the other keys are applied. Transient failures are thrown.
     */
    Counts applyIsolatingKeys(Connection c, List<ChangeEvent> events, List<Rejection> rejections) throws SQLException {
        List<ChangeEvent> truncates =
                events.stream().filter(e -> e.op() == Operation.TRUNCATE).toList();
        Counts counts = Counts.NONE;
        for (RowKey key : VersionPlanner.keysOf(events)) {
            List<ChangeEvent> ofKey = events.stream()
                    .filter(e ->
                            e.op() == Operation.TRUNCATE || e.key().asText().equals(key.asText()))
                    .toList();
            Savepoint savepoint = c.setSavepoint();
            try {
                VersionPlan plan = VersionPlanner.plan(ofKey, loadCurrents(c, VersionPlanner.keysToLoad(ofKey)));
                counts = counts.plus(writeKeys(c, plan.keys()));
                c.releaseSavepoint(savepoint);
                rejections.addAll(plan.rejections());
            } catch (SQLException e) {
                if (SqlErrors.isRetryable(e)) {
                    throw e;
                }
                c.rollback(savepoint);
                String reason =
                        "history table " + table.name() + " refused the versions of key " + key + ": " + e.getMessage();
                ofKey.stream()
                        .filter(ev -> ev.op() != Operation.TRUNCATE)
                        .forEach(ev -> rejections.add(new Rejection(ev, reason)));
            }
        }
        return counts.plus(sweepTruncates(c, truncates));
    }

    Map<String, CurrentVersion> loadCurrents(Connection c, List<RowKey> keys) throws SQLException {
        Map<String, CurrentVersion> currents = new HashMap<>();
        if (keys.isEmpty()) {
            return currents;
        }
        try (PreparedStatement s = c.prepareStatement(loadSql)) {
            bindKeys(c, s, 1, keys, Function.identity());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    RowKey key = keys.get(rs.getInt(1) - 1);
                    currents.put(
                            key.asText(),
                            new CurrentVersion(
                                    Lsn.parse(rs.getString(2)),
                                    rs.getLong(3),
                                    rs.getObject(4, OffsetDateTime.class).toInstant(),
                                    rs.getBoolean(5),
                                    VersionData.stored(rs.getString(6))));
                }
            }
        }
        return currents;
    }

    /** Writes planned versions (remove, close, insert), inside the caller's transaction. */
    Counts writeKeys(Connection c, List<KeyPlan> plans) throws SQLException {
        List<KeyPlan> removes =
                plans.stream().filter(p -> p.removeLsn() != null).toList();
        List<KeyPlan> closes = plans.stream().filter(p -> p.closeLsn() != null).toList();
        List<RowKey> openKeys = new ArrayList<>();
        List<NewVersion> opens = new ArrayList<>();
        for (KeyPlan plan : plans) {
            for (NewVersion version : plan.opens()) {
                openKeys.add(plan.key());
                opens.add(version);
            }
        }
        if (!removes.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(removeSql)) {
                int p = bindKeys(c, s, 1, removes, KeyPlan::key);
                s.setArray(
                        p,
                        texts(
                                c,
                                removes.stream()
                                        .map(k -> k.removeLsn().toString())
                                        .toList()));
                s.executeUpdate();
            }
        }
        long closed = 0;
        if (!closes.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(closeSql)) {
                int p = bindKeys(c, s, 1, closes, KeyPlan::key);
                s.setArray(
                        p++,
                        texts(
                                c,
                                closes.stream()
                                        .map(k -> k.closeLsn().toString())
                                        .toList()));
                s.setArray(
                        p,
                        texts(
                                c,
                                closes.stream()
                                        .map(k -> CanonicalValues.timestampTz(k.closeAt()))
                                        .toList()));
                closed = s.executeUpdate();
            }
        }
        long opened = 0;
        int from = 0;
        while (from < opens.size()) {
            int to = pageEnd(opens, from);
            opened += insertVersions(c, openKeys.subList(from, to), opens.subList(from, to));
            from = to;
        }
        // Versions inserted already closed (several changes of a key in one batch) count as closed too.
        closed += opens.stream().filter(v -> v.validTo() != null).count();
        return new Counts(opened, closed);
    }

    /**
     * The end (exclusive) of the page of versions from {@code from}: at least one version, and then as many as
     * fit in {@link #INSERT_PAGE_CHARS} characters of data.
     */
    static int pageEnd(List<NewVersion> versions, int from) {
        long chars = 0;
        int to = from;
        while (to < versions.size()) {
            NewVersion version = versions.get(to);
            chars += version.data() == null ? 0 : version.data().text().length();
            if (to > from && chars > INSERT_PAGE_CHARS) {
                break;
            }
            to++;
        }
        return to;
    }

    private long insertVersions(Connection c, List<RowKey> keys, List<NewVersion> versions) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(insertSql)) {
            int p = bindKeys(c, s, 1, keys, Function.identity());
            s.setArray(
                    p++,
                    texts(
                            c,
                            versions.stream()
                                    .map(v -> CanonicalValues.timestampTz(v.validFrom()))
                                    .toList()));
            s.setArray(
                    p++,
                    texts(
                            c,
                            versions.stream()
                                    .map(v -> v.validTo() == null ? null : CanonicalValues.timestampTz(v.validTo()))
                                    .toList()));
            s.setArray(
                    p++,
                    texts(
                            c,
                            versions.stream()
                                    .map(v -> Boolean.toString(v.deleted()))
                                    .toList()));
            s.setArray(
                    p++, texts(c, versions.stream().map(v -> v.lsn().toString()).toList()));
            s.setArray(
                    p++,
                    texts(c, versions.stream().map(v -> Long.toString(v.txId())).toList()));
            s.setArray(
                    p,
                    texts(
                            c,
                            versions.stream()
                                    .map(v -> v.data() == null ? null : v.data().text())
                                    .toList()));
            return s.executeUpdate();
        }
    }

    private Counts sweepTruncates(Connection c, List<ChangeEvent> truncates) throws SQLException {
        Counts counts = Counts.NONE;
        for (ChangeEvent truncate : truncates) {
            String at =
                    VersionPlanner.toMicros(truncate.position().commitTime()).toString();
            String lsn = truncate.lsn().toString();
            long txId = truncate.position().txId();
            try (PreparedStatement s = c.prepareStatement(truncateSql)) {
                int p = 1;
                s.setString(p++, lsn); // superseded
                s.setLong(p++, txId);
                s.setString(p++, at);
                s.setString(p++, at); // closed
                s.setString(p++, lsn);
                s.setLong(p++, txId);
                s.setString(p++, at);
                s.setString(p++, lsn); // opened
                s.setLong(p, txId);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    counts = counts.plus(new Counts(rs.getLong(1), rs.getLong(2)));
                }
            }
        }
        return counts;
    }

    /** Binds one {@code text[]} per key column, from position {@code first}; returns the next position. */
    private <T> int bindKeys(Connection c, PreparedStatement s, int first, List<T> items, Function<T, RowKey> keyOf)
            throws SQLException {
        int p = first;
        for (KeyColumn column : table.keyColumns()) {
            List<String> values = new ArrayList<>(items.size());
            for (T item : items) {
                RowKey key = keyOf.apply(item);
                int index = key.columns().indexOf(column.name());
                if (index < 0) {
                    throw new IllegalArgumentException("key " + key + " lacks key column " + column.name());
                }
                values.add(KeyText.of(key.values().get(index)));
            }
            s.setArray(p++, texts(c, values));
        }
        return p;
    }

    private static Array texts(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray(new String[0]));
    }
}
