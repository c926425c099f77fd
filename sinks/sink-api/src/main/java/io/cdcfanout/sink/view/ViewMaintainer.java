package io.cdcfanout.sink.view;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyCodec;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.RowPolicy;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.JdbcValues;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps one view's documents in step with the change log, for one sink: finds the documents a batch of changes
 * affects ({@link ViewPlanner}) and renders them from the source ({@link ViewRenderer}), page by page, handing
 * each page to the sink with the version its documents carry.
 *
 * <p>The version: every render runs in one {@code REPEATABLE READ} snapshot, and its version is
 * {@code pg_current_wal_insert_lsn()} read just before that snapshot is taken. Renders of one maintainer run one
 * at a time, so a later render has a version at least as high and a snapshot at least as new; two renders with
 * the same version saw the same data, since any commit between them would have written WAL. A sink that keeps
 * the highest version per document ({@code external_gte}) therefore never goes back to an older state, whatever
 * order writes arrive in after a crash or retry. A snapshot taken while a batch is applied is at or after the
 * batch's commits, so every affected document ends at least as new as the change that caused its render.
 *
 * <p>Memory: a batch's root keys and one page of documents; a fan-out (a customer in 10,000 orders) is paged
 * through in key order inside the snapshot.
 */
public final class ViewMaintainer implements AutoCloseable {

    /** Receives rendered pages; called on the thread that called {@link #apply} or {@link #renderAll}. */
    @FunctionalInterface
    public interface PageWriter {
        void write(List<ViewDocument> page, Lsn version) throws RetryableSinkException;
    }

    /** What one call rendered. */
    public record Rendered(long documents, long lookedUp) {}

    /** A view that does not fit the database: the service must not start. */
    public static final class InvalidViewException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidViewException(String message) {
            super(message);
        }
    }

    private final String name;
    private final ViewDefinition definition;
    private final ViewNode root;
    private final RowPolicy policy;
    private final int pageSize;
    private final ReconnectingConnection connection;
    private Map<TableId, TableShape> shapes;
    private ViewPlanner planner;
    private ViewRenderer renderer;
    private io.cdcfanout.schema.KeyShape rootKeyShape;

    public ViewMaintainer(
            String sink,
            String name,
            ViewDefinition definition,
            SourceDatabase source,
            RowPolicy policy,
            int pageSize) {
        this.name = name;
        this.definition = definition;
        this.root = definition.tree();
        this.policy = policy;
        this.pageSize = pageSize;
        this.connection = new ReconnectingConnection(source, "cdc-fanout-view-" + sink + "-" + name, true);
    }

    public String name() {
        return name;
    }

    public ViewDefinition definition() {
        return definition;
    }

    /**
     * Reads the catalog and checks the view against it.
     *
     * @throws InvalidViewException naming each problem by its YAML key path
     */
    public void start() throws RetryableSinkException {
        try {
            Connection c = connection.get();
            Map<TableId, TableShape> loaded = TableShape.load(c, definition.tables());
            List<String> problems = ViewCatalogCheck.problems(name, definition, loaded, policy);
            if (!problems.isEmpty()) {
                throw new InvalidViewException(
                        "view '" + name + "' does not fit the database:\n  " + String.join("\n  ", problems));
            }
            shapes = loaded;
            rootKeyShape = io.cdcfanout.sink.jdbc.TableReads.primaryKey(c, root.table());
            planner = new ViewPlanner(root, shapes);
            renderer = new ViewRenderer(root, shapes, policy);
        } catch (SQLException e) {
            connection.drop();
            throw new RetryableSinkException("view " + name + ": cannot read the catalog: " + e.getMessage(), e);
        }
    }

    public boolean touches(TableId table) {
        return planner.touches(table);
    }

    public TableId rootTable() {
        return root.table();
    }

    /** The root table's key columns and types, to read a key given as text (an HTTP path). */
    public io.cdcfanout.schema.KeyShape rootKeyShape() {
        return rootKeyShape;
    }

    public List<String> rootKey() {
        return shapes.get(root.table()).key();
    }

    /** What these changes affect; a plan with {@code truncated()} needs the whole view rendered again. */
    public ViewPlanner.Plan plan(List<ChangeEvent> events) {
        return planner.plan(events);
    }

    /** Renders every document these changes affect. */
    public Rendered apply(List<ChangeEvent> events, PageWriter writer) throws RetryableSinkException {
        return apply(planner.plan(events), writer);
    }

    /** Renders every document of the plan (its look-ups run in the render's snapshot). */
    public Rendered apply(ViewPlanner.Plan plan, PageWriter writer) throws RetryableSinkException {
        if (plan.rootKeys().isEmpty() && plan.lookups().isEmpty()) {
            return new Rendered(0, 0);
        }
        return inSnapshot((c, version) -> {
            Set<String> done = new HashSet<>();
            long rendered = 0;
            long lookedUp = 0;
            List<List<String>> page = new ArrayList<>(pageSize);
            for (List<String> key : plan.rootKeys()) {
                if (done.add(String.join("\u0000", key))) {
                    page.add(key);
                    if (page.size() == pageSize) {
                        rendered += flush(c, page, version, writer);
                    }
                }
            }
            for (ViewPlanner.Lookup lookup : plan.lookups()) {
                List<List<String>> values = new ArrayList<>(lookup.values());
                for (int from = 0; from < values.size(); from += pageSize) {
                    List<List<String>> slice = values.subList(from, Math.min(values.size(), from + pageSize));
                    String sql = ViewSql.rootKeys(lookup.chain(), lookup.through(), lookup.columns(), shapes, false);
                    String next = ViewSql.rootKeys(lookup.chain(), lookup.through(), lookup.columns(), shapes, true);
                    List<String> after = null;
                    while (true) {
                        List<List<String>> found = rootKeys(
                                c,
                                after == null ? sql : next,
                                slice,
                                lookup.columns().size(),
                                after);
                        lookedUp += found.size();
                        for (List<String> key : found) {
                            if (done.add(String.join("\u0000", key))) {
                                page.add(key);
                                if (page.size() == pageSize) {
                                    rendered += flush(c, page, version, writer);
                                }
                            }
                        }
                        if (found.size() < pageSize) {
                            break;
                        }
                        after = found.get(found.size() - 1);
                    }
                }
            }
            rendered += flush(c, page, version, writer);
            return new Rendered(rendered, lookedUp);
        });
    }

    /** Renders the documents of these root keys (canonical value texts), e.g. a rebuild's chunk. */
    public Rendered render(List<List<String>> keys, PageWriter writer) throws RetryableSinkException {
        return inSnapshot((c, version) -> {
            long rendered = 0;
            for (int from = 0; from < keys.size(); from += pageSize) {
                rendered += flush(
                        c,
                        new ArrayList<>(keys.subList(from, Math.min(keys.size(), from + pageSize))),
                        version,
                        writer);
            }
            return new Rendered(rendered, 0);
        });
    }

    /**
     * Renders every document of the view, page by page in key order, each page in a snapshot of its own (a long
     * build holds no snapshot open); changes applied meanwhile render again with a higher version.
     */
    public long renderAll(PageWriter writer) throws RetryableSinkException {
        long total = 0;
        List<String> after = null;
        while (true) {
            List<String> from = after;
            List<List<String>> keys = inSnapshot((c, version) -> {
                List<List<String>> page = allKeys(c, from);
                if (!page.isEmpty()) {
                    writer.write(renderer.render(c, page), version);
                }
                return page;
            });
            total += keys.size();
            if (keys.size() < pageSize) {
                return total;
            }
            after = keys.get(keys.size() - 1);
        }
    }

    private long flush(Connection c, List<List<String>> page, Lsn version, PageWriter writer)
            throws SQLException, RetryableSinkException {
        if (page.isEmpty()) {
            return 0;
        }
        List<ViewDocument> documents = renderer.render(c, page);
        writer.write(documents, version);
        page.clear();
        return documents.size();
    }

    private List<List<String>> rootKeys(
            Connection c, String sql, List<List<String>> values, int width, List<String> after) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int next = ViewRenderer.bindColumns(c, ps, 1, values, width);
            if (after != null) {
                for (String value : after) {
                    ps.setString(next++, value);
                }
            }
            ps.setInt(next, pageSize);
            return keys(ps);
        }
    }

    private List<List<String>> allKeys(Connection c, List<String> after) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ViewSql.allRootKeys(root, shapes, after != null))) {
            int next = 1;
            if (after != null) {
                for (String value : after) {
                    ps.setString(next++, value);
                }
            }
            ps.setInt(next, pageSize);
            return keys(ps);
        }
    }

    private static List<List<String>> keys(PreparedStatement ps) throws SQLException {
        List<List<String>> keys = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            int n = rs.getMetaData().getColumnCount();
            String[] types = new String[n + 1];
            for (int i = 1; i <= n; i++) {
                types[i] = rs.getMetaData().getColumnTypeName(i);
            }
            while (rs.next()) {
                List<String> key = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    key.add(KeyCodec.valueText(JdbcValues.read(rs, i, types[i])));
                }
                keys.add(List.copyOf(key));
            }
        }
        return keys;
    }

    @FunctionalInterface
    private interface SnapshotWork<T> {
        T run(Connection c, Lsn version) throws SQLException, RetryableSinkException;
    }

    /** Runs {@code work} in a new read-only REPEATABLE READ snapshot, with the version read just before it. */
    private synchronized <T> T inSnapshot(SnapshotWork<T> work) throws RetryableSinkException {
        Connection c = null;
        try {
            c = connection.get();
            Lsn version;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
                rs.next();
                version = Lsn.parse(rs.getString(1));
            }
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            T result = work.run(c, version);
            c.commit();
            return result;
        } catch (SQLException e) {
            connection.drop();
            throw new RetryableSinkException("view " + name + ": cannot read the source: " + e.getMessage(), e);
        } catch (RuntimeException | RetryableSinkException e) {
            connection.drop();
            throw e;
        } finally {
            if (c != null) {
                try {
                    if (!c.isClosed()) {
                        c.setAutoCommit(true);
                        c.setReadOnly(false);
                    }
                } catch (SQLException e) {
                    connection.drop();
                }
            }
        }
    }

    /** Root keys of these tables' images are canonical texts; exposed for sinks that key entries by them. */
    public static String idOf(List<String> keyColumns, List<String> keyTexts) {
        return keyTexts.size() == 1 ? KeyCodec.keyText(keyTexts.get(0)) : KeyCodec.keyText(keyColumns, keyTexts);
    }

    @Override
    public void close() {
        connection.close();
    }

    /** For tests: the roots a batch names directly, without the database. */
    Set<List<String>> directRoots(List<ChangeEvent> events) {
        return new LinkedHashSet<>(planner.plan(events).rootKeys());
    }
}
