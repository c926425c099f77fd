package io.cdcfanout.sink.view;

import io.cdcfanout.schema.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL a view runs, generated once per node. Value lists travel as one {@code text[]} parameter per column,
 * unnested and cast to the column's type, so a query has a fixed text and few parameters whatever the number of
 * keys.
 */
final class ViewSql {

    private ViewSql() {}

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** {@code (a.c1, a.c2) IN (SELECT CAST(u.v1 AS t1), ... FROM unnest(?, ?) AS u(v1, v2))}. */
    static String inValues(String alias, List<String> columns, Map<String, String> types) {
        StringBuilder sql = new StringBuilder("(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(alias).append('.').append(quote(columns.get(i)));
        }
        sql.append(") IN (SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ")
                    .append("CAST(u.v")
                    .append(i)
                    .append(" AS ")
                    .append(types.get(columns.get(i)))
                    .append(')');
        }
        sql.append(" FROM unnest(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("CAST(? AS text[])");
        }
        sql.append(") AS u(");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append('v').append(i);
        }
        return sql.append("))").toString();
    }

    static String columnList(String alias, List<String> columns) {
        List<String> parts = new ArrayList<>();
        for (String c : columns) {
            parts.add(alias + "." + quote(c));
        }
        return String.join(", ", parts);
    }

    /** The rows of the root with these keys. */
    static String rootRows(ViewNode root, Map<TableId, TableShape> shapes) {
        TableShape shape = shapes.get(root.table());
        return "SELECT t.* FROM " + root.table().quoted() + " t WHERE "
                + inValues("t", shape.key(), shape.columnTypes());
    }

    /**
     * The rows of {@code node} whose join columns match the parent values: for a link, with the parent's values as
     * extra leading columns {@code __p0..}; ordered by {@code order-by} and the key.
     */
    static String relatedRows(ViewNode node, Map<TableId, TableShape> shapes) {
        TableShape shape = shapes.get(node.table());
        List<String> order = new ArrayList<>();
        node.orderBy().forEach(c -> order.add("t." + quote(c)));
        shape.key().forEach(c -> order.add("t." + quote(c)));
        if (node.link() == null) {
            return "SELECT t.* FROM " + node.table().quoted() + " t WHERE "
                    + inValues("t", node.joinColumns(), shape.columnTypes()) + " ORDER BY " + String.join(", ", order);
        }
        TableShape link = shapes.get(node.link().table());
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < node.link().fromColumns().size(); i++) {
            select.append("l.")
                    .append(quote(node.link().fromColumns().get(i)))
                    .append(" AS __p")
                    .append(i)
                    .append(", ");
        }
        return select + "t.* FROM " + node.link().table().quoted() + " l JOIN "
                + node.table().quoted() + " t ON "
                + equalities("l", node.link().toColumns(), "t", node.joinColumns()) + " WHERE "
                + inValues("l", node.link().fromColumns(), link.columnTypes()) + " ORDER BY "
                + String.join(", ", order);
    }

    static String equalities(String left, List<String> leftColumns, String right, List<String> rightColumns) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < leftColumns.size(); i++) {
            parts.add(left + "." + quote(leftColumns.get(i)) + " = " + right + "." + quote(rightColumns.get(i)));
        }
        return String.join(" AND ", parts);
    }

    /**
     * The keys of the roots whose documents reach rows of {@code chain}'s last node whose {@code columns} (of that
     * node's table, or of the link table into {@code through}) match the values; keyset-paged in key order
     * ({@code afterKey} adds {@code AND (root key) > (?, ..)}), {@code LIMIT ?}.
     *
     * @param chain   the nodes from the root to the node the condition is on, root first
     * @param through when non-null, a child of the last node: the condition is on its link table's {@code to} columns
     */
    static String rootKeys(
            List<ViewNode> chain,
            ViewNode through,
            List<String> columns,
            Map<TableId, TableShape> shapes,
            boolean afterKey) {
        TableShape rootShape = shapes.get(chain.get(0).table());
        StringBuilder sql = new StringBuilder("SELECT DISTINCT ")
                .append(columnList("t0", rootShape.key()))
                .append(" FROM ")
                .append(chain.get(0).table().quoted())
                .append(" t0");
        for (int i = 1; i < chain.size(); i++) {
            ViewNode node = chain.get(i);
            String parent = "t" + (i - 1);
            String alias = "t" + i;
            if (node.link() == null) {
                sql.append(" JOIN ")
                        .append(node.table().quoted())
                        .append(' ')
                        .append(alias)
                        .append(" ON ")
                        .append(equalities(parent, node.parentColumns(), alias, node.joinColumns()));
            } else {
                String link = "l" + i;
                sql.append(" JOIN ")
                        .append(node.link().table().quoted())
                        .append(' ')
                        .append(link)
                        .append(" ON ")
                        .append(equalities(
                                parent, node.parentColumns(), link, node.link().fromColumns()))
                        .append(" JOIN ")
                        .append(node.table().quoted())
                        .append(' ')
                        .append(alias)
                        .append(" ON ")
                        .append(equalities(link, node.link().toColumns(), alias, node.joinColumns()));
            }
        }
        String last = "t" + (chain.size() - 1);
        String conditionAlias = last;
        Map<String, String> types =
                shapes.get(chain.get(chain.size() - 1).table()).columnTypes();
        if (through != null) {
            sql.append(" JOIN ")
                    .append(through.link().table().quoted())
                    .append(" lx ON ")
                    .append(equalities(
                            last, through.parentColumns(), "lx", through.link().fromColumns()));
            conditionAlias = "lx";
            types = shapes.get(through.link().table()).columnTypes();
        }
        sql.append(" WHERE ").append(inValues(conditionAlias, columns, types));
        if (afterKey) {
            sql.append(" AND (").append(columnList("t0", rootShape.key())).append(") > (");
            for (int i = 0; i < rootShape.key().size(); i++) {
                sql.append(i == 0 ? "" : ", ")
                        .append("CAST(? AS ")
                        .append(rootShape.columnTypes().get(rootShape.key().get(i)))
                        .append(')');
            }
            sql.append(')');
        }
        return sql.append(" ORDER BY ")
                .append(columnList("t0", rootShape.key()))
                .append(" LIMIT ?")
                .toString();
    }

    /** Every root key after {@code afterKey} (or from the start), in key order, {@code LIMIT ?}. */
    static String allRootKeys(ViewNode root, Map<TableId, TableShape> shapes, boolean afterKey) {
        TableShape shape = shapes.get(root.table());
        StringBuilder sql = new StringBuilder("SELECT ")
                .append(columnList("t0", shape.key()))
                .append(" FROM ")
                .append(root.table().quoted())
                .append(" t0");
        if (afterKey) {
            sql.append(" WHERE (").append(columnList("t0", shape.key())).append(") > (");
            for (int i = 0; i < shape.key().size(); i++) {
                sql.append(i == 0 ? "" : ", ")
                        .append("CAST(? AS ")
                        .append(shape.columnTypes().get(shape.key().get(i)))
                        .append(')');
            }
            sql.append(')');
        }
        return sql.append(" ORDER BY ")
                .append(columnList("t0", shape.key()))
                .append(" LIMIT ?")
                .toString();
    }
}
