package io.cdcfanout.sink.view;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.KeyCodec;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RowPolicy;
import io.cdcfanout.sink.jdbc.JdbcValues;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders documents of a view for a page of root keys with one query per node, all in the caller's transaction
 * (one snapshot), and assembles them in memory: rows are read as the WAL converter reads them
 * ({@link JdbcValues}) and the service's column policy applies to each before it is shown.
 */
final class ViewRenderer {

    private final ViewNode root;
    private final Map<TableId, TableShape> shapes;
    private final RowPolicy policy;
    private final String rootSql;
    private final Map<String, String> relatedSql = new LinkedHashMap<>();

    ViewRenderer(ViewNode root, Map<TableId, TableShape> shapes, RowPolicy policy) {
        this.root = root;
        this.shapes = shapes;
        this.policy = policy;
        this.rootSql = ViewSql.rootRows(root, shapes);
        for (ViewNode node : root.flatten()) {
            if (node.kind() != ViewNode.Kind.ROOT) {
                relatedSql.put(node.path(), ViewSql.relatedRows(node, shapes));
            }
        }
    }

    /** A row read for a document: its raw image (for joins), what may be shown, and its relations once read. */
    private static final class Rendered {
        final Row raw;
        final Row shown;
        final Map<String, Object> relations = new LinkedHashMap<>(); // field -> Rendered, null or List<Rendered>

        Rendered(Row raw, Row shown) {
            this.raw = raw;
            this.shown = shown;
        }
    }

    /** The documents of these roots, in the order given; a root that no longer exists comes back deleted. */
    List<ViewDocument> render(Connection c, List<List<String>> keys) throws SQLException {
        TableShape rootShape = shapes.get(root.table());
        Map<List<String>, Rendered> roots = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(rootSql)) {
            bindColumns(c, ps, 1, keys, rootShape.key().size());
            try (ResultSet rs = ps.executeQuery()) {
                read(rs, root.table(), 0, (parent, row) -> roots.put(tuple(row.raw, rootShape.key()), row));
            }
        }
        fill(c, root, new ArrayList<>(roots.values()));
        List<ViewDocument> documents = new ArrayList<>(keys.size());
        for (List<String> key : keys) {
            Rendered row = roots.get(key);
            String id = key.size() == 1 ? KeyCodec.keyText(key.get(0)) : KeyCodec.keyText(rootShape.key(), key);
            documents.add(
                    row == null
                            ? new ViewDocument(id, key, null, null)
                            : new ViewDocument(id, key, row.shown, json(root, row)));
        }
        return documents;
    }

    /** Reads every child relation of {@code node} for these rows of it, then their children. */
    private void fill(Connection c, ViewNode node, List<Rendered> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        for (ViewNode child : node.children()) {
            Set<List<String>> parents = new LinkedHashSet<>();
            for (Rendered row : rows) {
                List<String> t = tuple(row.raw, child.parentColumns());
                if (t != null) {
                    parents.add(t);
                }
            }
            Map<List<String>, List<Rendered>> byParent = new LinkedHashMap<>();
            List<Rendered> all = new ArrayList<>();
            if (!parents.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(relatedSql.get(child.path()))) {
                    bindColumns(
                            c,
                            ps,
                            1,
                            new ArrayList<>(parents),
                            child.parentColumns().size());
                    int linkColumns = child.link() == null
                            ? 0
                            : child.link().fromColumns().size();
                    try (ResultSet rs = ps.executeQuery()) {
                        read(rs, child.table(), linkColumns, (parent, row) -> {
                            List<String> key = parent != null ? parent : tuple(row.raw, child.joinColumns());
                            byParent.computeIfAbsent(key, k -> new ArrayList<>())
                                    .add(row);
                            all.add(row);
                        });
                    }
                }
            }
            for (Rendered row : rows) {
                List<String> t = tuple(row.raw, child.parentColumns());
                List<Rendered> matches = t == null ? List.of() : byParent.getOrDefault(t, List.of());
                if (child.kind() == ViewNode.Kind.ONE) {
                    row.relations.put(child.field(), matches.isEmpty() ? null : matches.get(0));
                } else {
                    row.relations.put(child.field(), matches);
                }
            }
            // a row shared by several parents (a one relation, a tag of many products) is read once per parent
            // in a link join; fill each distinct object once
            IdentityHashMap<Rendered, Boolean> distinct = new IdentityHashMap<>();
            all.forEach(r -> distinct.put(r, Boolean.TRUE));
            fill(c, child, new ArrayList<>(distinct.keySet()));
        }
    }

    @FunctionalInterface
    private interface RowSink {
        void row(List<String> parent, Rendered row) throws SQLException;
    }

    /** Reads rows; the first {@code linkColumns} columns are the parent's values of a link join. */
    private void read(ResultSet rs, TableId table, int linkColumns, RowSink into) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        String[] names = new String[n + 1];
        String[] types = new String[n + 1];
        for (int i = 1; i <= n; i++) {
            names[i] = meta.getColumnName(i);
            types[i] = meta.getColumnTypeName(i);
        }
        while (rs.next()) {
            List<String> parent = null;
            if (linkColumns > 0) {
                parent = new ArrayList<>(linkColumns);
                for (int i = 1; i <= linkColumns; i++) {
                    parent.add(KeyCodec.valueText(JdbcValues.read(rs, i, types[i])));
                }
            }
            Row.Builder row = Row.builder();
            for (int i = linkColumns + 1; i <= n; i++) {
                row.put(names[i], JdbcValues.read(rs, i, types[i]));
            }
            Row raw = row.build();
            into.row(parent, new Rendered(raw, policy.apply(table, raw)));
        }
    }

    private ObjectNode json(ViewNode node, Rendered row) {
        ObjectNode out = RowJson.MAPPER.createObjectNode();
        row.shown.values().forEach((column, value) -> {
            if (node.shows(column)) {
                out.set(node.fieldOf(column), RowJson.toJson(value));
            }
        });
        for (ViewNode child : node.children()) {
            Object related = row.relations.get(child.field());
            if (child.kind() == ViewNode.Kind.ONE) {
                if (related == null) {
                    out.putNull(child.field());
                } else {
                    out.set(child.field(), json(child, (Rendered) related));
                }
            } else {
                ArrayNode array = out.putArray(child.field());
                if (related instanceof List<?> list) {
                    for (Object r : list) {
                        array.add(json(child, (Rendered) r));
                    }
                }
            }
        }
        return out;
    }

    /** The canonical texts of {@code columns} in {@code row}; null when one of them is NULL (it joins nothing). */
    static List<String> tuple(Row row, List<String> columns) {
        List<String> t = new ArrayList<>(columns.size());
        for (String column : columns) {
            Object value = row.get(column);
            if (value == null) {
                return null;
            }
            t.add(KeyCodec.valueText(value));
        }
        return t;
    }

    /** Binds tuples as one text[] per column, from parameter {@code first}; returns the next parameter index. */
    static int bindColumns(Connection c, PreparedStatement ps, int first, List<List<String>> tuples, int width)
            throws SQLException {
        for (int column = 0; column < width; column++) {
            Object[] values = new Object[tuples.size()];
            for (int i = 0; i < tuples.size(); i++) {
                values[i] = tuples.get(i).get(column);
            }
            ps.setArray(first + column, c.createArrayOf("text", values));
        }
        return first + width;
    }
}
