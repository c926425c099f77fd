package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SourceDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where each rebuild of one instance stands, in {@code <schema>.rebuilds}, so a restart resumes it; also the
 * rebuilds owed but not begun ({@link #owe}), so that a restart does them: the stream's offsets may move past
 * changes a sink never got (it was detached, or the slot was re-created) only once its rebuild is recorded.
 */
public final class RebuildProgress {

    /** The {@code target} of an owed rebuild, one that has not begun yet. */
    public static final String OWED = "";

    /**
     * One saved rebuild.
     *
     * @param target  the sink's name for the new view it fills (Elasticsearch: the concrete index)
     * @param lastKey the last key handed to the sink, in Postgres text form; null before the first chunk
     */
    public record Saved(
            String sink, TableId table, String target, List<String> lastKey, long rowsCopied, RebuildOptions options) {}

    private final SourceDatabase database;
    private final String schema;
    private final String instance;

    public RebuildProgress(SourceDatabase database, String schema, String instance) {
        this.database = database;
        this.schema = schema;
        this.instance = instance;
    }

    public List<Saved> load() throws SQLException {
        List<Saved> saved = new ArrayList<>();
        try (Connection c = database.connect("cdc-fanout rebuild progress");
                PreparedStatement ps = c.prepareStatement("SELECT sink, table_name, target, last_key, rows_copied,"
                        + " chunk_size, rows_per_sec FROM " + schema + ".rebuilds WHERE instance = ? ORDER BY 1, 2")) {
            ps.setString(1, instance);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array key = rs.getArray(4);
                    saved.add(new Saved(
                            rs.getString(1),
                            TableId.parse(rs.getString(2)),
                            rs.getString(3),
                            key == null ? null : Arrays.asList((String[]) key.getArray()),
                            rs.getLong(5),
                            new RebuildOptions(rs.getInt(6), rs.getInt(7))));
                }
            }
        }
        return saved;
    }

    /**
     * Saves a rebuild's progress. A save with a {@code lastKey} (after a chunk) updates only the record of the same
     * target; one without (a rebuild beginning, or {@link #owe}) replaces whatever is recorded for the table.
     */
    public void save(Saved progress) throws SQLException {
        try (Connection c = database.connect("cdc-fanout rebuild progress");
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".rebuilds (instance, sink,"
                        + " table_name, target, last_key, rows_copied, chunk_size, rows_per_sec)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instance, sink, table_name) DO UPDATE SET"
                        + " target = excluded.target, last_key = excluded.last_key, rows_copied = excluded.rows_copied,"
                        + " chunk_size = excluded.chunk_size, rows_per_sec = excluded.rows_per_sec, updated_at = now()"
                        // a chunk's save never overwrites another record (an owed rebuild recorded meanwhile);
                        // a rebuild that begins, and owe, do
                        + " WHERE " + schema + ".rebuilds.target = excluded.target"
                        + " OR excluded.last_key IS NULL")) {
            ps.setString(1, instance);
            ps.setString(2, progress.sink());
            ps.setString(3, progress.table().toString());
            ps.setString(4, progress.target());
            ps.setArray(
                    5,
                    progress.lastKey() == null
                            ? null
                            : c.createArrayOf("text", progress.lastKey().toArray()));
            ps.setLong(6, progress.rowsCopied());
            ps.setInt(7, progress.options().chunkSize());
            ps.setInt(8, progress.options().rowsPerSecond());
            ps.executeUpdate();
        }
    }

    /** Records that {@code sink} owes a rebuild of {@code table}; replaces the progress of one under way. */
    public void owe(String sink, TableId table) throws SQLException {
        save(new Saved(sink, table, OWED, null, 0, RebuildOptions.DEFAULTS));
    }

    /** Deletes the record of the rebuild that fills {@code target}, unless a newer one (an owed one) replaced it. */
    public void delete(String sink, TableId table, String target) throws SQLException {
        try (Connection c = database.connect("cdc-fanout rebuild progress");
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema
                        + ".rebuilds WHERE instance = ? AND sink = ? AND table_name = ? AND target = ?")) {
            ps.setString(1, instance);
            ps.setString(2, sink);
            ps.setString(3, table.toString());
            ps.setString(4, target);
            ps.executeUpdate();
        }
    }

    public void delete(String sink, TableId table) throws SQLException {
        try (Connection c = database.connect("cdc-fanout rebuild progress");
                PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM " + schema + ".rebuilds WHERE instance = ? AND sink = ? AND table_name = ?")) {
            ps.setString(1, instance);
            ps.setString(2, sink);
            ps.setString(3, table.toString());
            ps.executeUpdate();
        }
    }
}
