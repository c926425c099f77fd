package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads an SCD2 history table and lists every way it breaks the history guarantees for a table with a
 * {@code version} column that each update bumps under the row lock (so, per key, versions grow in commit
 * order within each stretch between deletions).
 */
public final class HistoryCheck {

    /** One version of a key, as stored. */
    public record Version(
            String key,
            OffsetDateTime validFrom,
            OffsetDateTime validTo,
            boolean deleted,
            Lsn lsn,
            Map<String, String> data) {}

    private HistoryCheck() {}

    /** All versions of {@code historyTable} per key, in LSN order. */
    public static Map<String, List<Version>> read(TestDatabase db, String historyTable, String keyColumn) {
        Map<String, List<Version>> byKey = new TreeMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT " + keyColumn + "::text, valid_from, valid_to, deleted, lsn::text, data::text FROM "
                                + historyTable + " ORDER BY " + keyColumn + ", lsn")) {
            while (rs.next()) {
                JsonNode data = rs.getString(6) == null ? null : RowJson.MAPPER.readTree(rs.getString(6));
                Version v = new Version(
                        rs.getString(1),
                        rs.getObject(2, OffsetDateTime.class),
                        rs.getObject(3, OffsetDateTime.class),
                        rs.getBoolean(4),
                        Lsn.parse(rs.getString(5)),
                        data == null ? null : Rows.fromJson(data));
                byKey.computeIfAbsent(v.key(), k -> new ArrayList<>()).add(v);
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("cannot read " + historyTable + ": " + e.getMessage(), e);
        }
        return byKey;
    }

    /**
     * The structural guarantees, for every key: contiguous intervals (each {@code valid_to} is the next
     * {@code valid_from}, only the newest open), {@code valid_from} in LSN order, {@code version} strictly
     * growing within each live stretch, no duplicate LSN, and the newest version equal to the table's row
     * (a deletion version when the row is gone).
     */
    public static List<String> problems(Map<String, List<Version>> history, Map<String, Map<String, String>> table) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<Version>> e : history.entrySet()) {
            String key = e.getKey();
            List<Version> versions = e.getValue();
            Long lastVersion = null;
            for (int i = 0; i < versions.size(); i++) {
                Version v = versions.get(i);
                boolean newest = i == versions.size() - 1;
                if (newest != (v.validTo() == null)) {
                    problems.add(key + ": version " + v.lsn() + " has valid_to " + v.validTo() + " but is "
                            + (newest ? "" : "not ") + "the newest");
                }
                if (i > 0) {
                    Version previous = versions.get(i - 1);
                    if (previous.lsn().equals(v.lsn())) {
                        problems.add(key + ": two versions at LSN " + v.lsn());
                    }
                    if (previous.validTo() != null
                            && !previous.validTo()
                                    .toInstant()
                                    .equals(v.validFrom().toInstant())) {
                        problems.add(key + ": gap or overlap between " + previous.lsn() + " (valid_to "
                                + previous.validTo() + ") and " + v.lsn() + " (valid_from " + v.validFrom() + ")");
                    }
                    if (v.validFrom().isBefore(previous.validFrom())) {
                        problems.add(key + ": valid_from goes back at " + v.lsn());
                    }
                }
                if (v.deleted()) {
                    lastVersion = null;
                } else {
                    long version = Long.parseLong(v.data().get("version"));
                    if (lastVersion != null && version <= lastVersion) {
                        problems.add(key + ": version " + version + " at " + v.lsn() + " follows " + lastVersion
                                + " (not commit order)");
                    }
                    lastVersion = version;
                }
            }
            Version newest = versions.get(versions.size() - 1);
            Map<String, String> row = table.get(key);
            if (row == null && !newest.deleted()) {
                problems.add(key + ": row is gone but the newest version " + newest.lsn() + " is not a deletion: "
                        + newest.data());
            }
            if (row != null && (newest.deleted() || !row.equals(newest.data()))) {
                problems.add(key + ": newest version " + newest.lsn() + (newest.deleted() ? " (deleted) " : " ")
                        + newest.data() + " != row " + row);
            }
        }
        for (String key : table.keySet()) {
            if (!history.containsKey(key)) {
                problems.add(key + ": row has no history");
            }
        }
        return problems;
    }

    /**
     * Compares the history's versions of each key with what the writers committed: the same tokens (one per
     * committed transaction that changed the key), the same number of deletions, and none of the
     * rolled-back or superseded tokens.
     */
    public static List<String> againstWorkload(Map<String, List<Version>> history, String table, Workload workload) {
        Map<Workload.Key, List<String>> expected = workload.expectedHistory();
        Set<String> rolledBack = workload.rolledBackTokens();
        Set<String> superseded = workload.supersededTokens();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Workload.Key, List<String>> e : expected.entrySet()) {
            if (!e.getKey().table().equals(table)) {
                continue;
            }
            String key = e.getKey().key();
            List<String> actual = history.getOrDefault(key, List.of()).stream()
                    .map(v -> v.deleted() ? Workload.DELETED : Workload.token(table, v.data()))
                    .toList();
            if (!counts(actual).equals(counts(e.getValue()))) {
                Map<String, Integer> missing = new HashMap<>(counts(e.getValue()));
                counts(actual).forEach((token, n) -> missing.merge(token, -n, Integer::sum));
                List<String> lost = new ArrayList<>();
                List<String> extra = new ArrayList<>();
                missing.forEach((token, n) -> {
                    if (n > 0) {
                        lost.add(token
                                + (workload.txidOf(token) == null ? "" : " (txid " + workload.txidOf(token) + ")"));
                    } else if (n < 0) {
                        extra.add(token);
                    }
                });
                problems.add(table + " " + key + ": committed but not in history " + lost
                        + ", in history more often than committed " + extra + "; history " + actual + ", committed "
                        + e.getValue());
            }
            for (String token : actual) {
                if (rolledBack.contains(token)) {
                    problems.add(table + " " + key + ": rolled-back value " + token + " in history");
                }
                if (superseded.contains(token)) {
                    problems.add(table + " " + key + ": value " + token
                            + ", overwritten in its own transaction, in history");
                }
            }
        }
        return problems;
    }

    private static Map<String, Integer> counts(Collection<String> tokens) {
        Map<String, Integer> counts = new HashMap<>();
        tokens.forEach(t -> counts.merge(Objects.toString(t), 1, Integer::sum));
        return counts;
    }
}
