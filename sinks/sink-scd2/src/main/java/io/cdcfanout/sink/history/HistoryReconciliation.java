package io.cdcfanout.sink.history;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import io.cdcfanout.sink.jdbc.KeyText;
import io.cdcfanout.sink.jdbc.TableReads;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One table's rebuild in the history sink: reconciles the history table with the rows the rebuild reads
 * ({@link ReconcilePlanner}), chunk by chunk in key order. Each chunk covers a key range (from the previous chunk's
 * last key to its own, to the end of the table for the last one), so a live key of that range the chunk lacks is a
 * row the table no longer has, and gets a deletion version; such a key is asked for once more in the source first,
 * so a row whose key orders differently there (a collation) is never taken for deleted.
 *
 * <p>Keys the stream changed since the rebuild began (or resumed) are left to the stream: it applies every such
 * change, so their versions are newer than what the rebuild read. The service hands each chunk over only once the
 * stream delivered every transaction committed before the chunk was read
 * ({@link io.cdcfanout.sink.RebuildableSink#wantsChunksAfterTheStream()}), so no older change of a key is still on
 * its way when the chunk is compared. After a TRUNCATE of the table reached the stream, the rebuild has nothing left
 * to do: the TRUNCATE closed every key, and every row since comes through the stream.
 *
 * <p>Used from the sink's lane only. Holds the keys the stream changed: memory grows with the keys written during
 * the rebuild, not with the table.
 */
final class HistoryReconciliation {

    private final HistoryWriter writer;
    private final Set<String> changedByStream = new HashSet<>();
    private boolean truncatedByStream;
    private RowKey lastKey;
    private long versionsOpened;
    private long deletionsOpened;

    HistoryReconciliation(HistoryWriter writer) {
        this.writer = writer;
    }

    /** Notes the stream's changes of the table, before they are written. */
    void streamed(List<ChangeEvent> events) {
        for (ChangeEvent event : events) {
            if (event.op() == Operation.TRUNCATE) {
                truncatedByStream = true;
                changedByStream.clear();
            } else if (!truncatedByStream) {
                changedByStream.add(event.key().asText());
            }
        }
    }

    /**
     * Reconciles one chunk, inside the caller's {@code history} transaction.
     *
     * @param source     the source database, in auto-commit
     * @param endOfTable true for the table's last chunk (possibly empty)
     * @param readAt     about when the chunk was read
     */
    HistoryWriter.Counts backfill(
            Connection history, Connection source, List<ChunkRow> rows, boolean endOfTable, Instant readAt)
            throws SQLException {
        if (truncatedByStream || (rows.isEmpty() && !endOfTable)) {
            return HistoryWriter.Counts.NONE;
        }
        List<KeyPlan> plans = new ArrayList<>();
        if (!rows.isEmpty()) {
            List<RowKey> keys = rows.stream().map(ChunkRow::key).toList();
            List<KeyPlan> present =
                    ReconcilePlanner.present(rows, writer.loadCurrents(history, keys), changedByStream, readAt);
            versionsOpened += present.size();
            plans.addAll(present);
        }
        RowKey upTo = endOfTable ? null : rows.get(rows.size() - 1).key();
        Set<String> read = rows.stream().map(r -> r.key().asText()).collect(Collectors.toSet());
        List<RowKey> missing = liveKeysBetween(history, lastKey, upTo).stream()
                .filter(k -> !read.contains(k.asText()) && !changedByStream.contains(k.asText()))
                .toList();
        if (!missing.isEmpty()) {
            List<RowKey> gone = notInSource(source, missing);
            List<KeyPlan> deletions =
                    ReconcilePlanner.gone(gone, writer.loadCurrents(history, gone), changedByStream, readAt);
            deletionsOpened += deletions.size();
            plans.addAll(deletions);
        }
        if (upTo != null) {
            lastKey = upTo;
        }
        return writer.writeKeys(history, plans);
    }

    long versionsOpened() {
        return versionsOpened;
    }

    long deletionsOpened() {
        return deletionsOpened;
    }

    /** Keys with a live current version after {@code after} and up to {@code upTo}; null bounds are open. */
    private List<RowKey> liveKeysBetween(Connection history, RowKey after, RowKey upTo) throws SQLException {
        HistoryTable table = writer.table();
        String keys = table.keyList();
        String bound = table.keyColumns().stream()
                .map(c -> "CAST(? AS " + c.sqlType() + ")")
                .collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT ")
                .append(keys)
                .append(" FROM ")
                .append(table.name().quoted())
                .append(" WHERE valid_to IS NULL AND NOT deleted");
        if (after != null) {
            sql.append(" AND (").append(keys).append(") > (").append(bound).append(')');
        }
        if (upTo != null) {
            sql.append(" AND (").append(keys).append(") <= (").append(bound).append(')');
        }
        List<RowKey> live = new ArrayList<>();
        try (PreparedStatement ps = history.prepareStatement(sql.toString())) {
            int p = 1;
            for (RowKey key : java.util.Arrays.asList(after, upTo)) {
                if (key != null) {
                    for (String value : texts(key)) {
                        ps.setString(p++, value);
                    }
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                TableReads.readRows(rs, keyNames(), (key, row) -> live.add(key));
            }
        }
        return live;
    }

    /** The keys among {@code keys} whose row the source table does not have now. */
    private List<RowKey> notInSource(Connection source, List<RowKey> keys) throws SQLException {
        HistoryTable table = writer.table();
        String sql = "SELECT " + table.keyList() + " FROM " + table.source().quoted() + " WHERE (" + table.keyList()
                + ") IN (SELECT " + table.castKeys("u") + " FROM unnest(" + table.keyArrays() + ") AS u("
                + table.keyAliases() + "))";
        Set<String> present = new HashSet<>();
        try (PreparedStatement ps = source.prepareStatement(sql)) {
            List<String> names = keyNames();
            for (int i = 0; i < names.size(); i++) {
                List<String> values = new ArrayList<>(keys.size());
                for (RowKey key : keys) {
                    values.add(texts(key).get(i));
                }
                Array array = source.createArrayOf("text", values.toArray(new String[0]));
                ps.setArray(i + 1, array);
            }
            try (ResultSet rs = ps.executeQuery()) {
                TableReads.readRows(rs, names, (key, row) -> present.add(key.asText()));
            }
        }
        return keys.stream().filter(k -> !present.contains(k.asText())).toList();
    }

    private List<String> keyNames() {
        return writer.table().keyColumns().stream().map(KeyColumn::name).toList();
    }

    /** The key's values in the history table's key-column order, as text for {@code CAST(? AS type)}. */
    private List<String> texts(RowKey key) {
        return keyNames().stream()
                .map(name -> KeyText.of(key.values().get(key.columns().indexOf(name))))
                .toList();
    }
}
