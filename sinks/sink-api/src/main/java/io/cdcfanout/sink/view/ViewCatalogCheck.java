package io.cdcfanout.sink.view;

import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a view against the database's catalog at start: every table exists and has a primary key, every column
 * it names exists, no join goes through a column the service drops or masks, and every join column a change must
 * carry in its old image is logged (key column or {@code REPLICA IDENTITY FULL}). Each problem names the view's
 * YAML key path and says what to do.
 */
public final class ViewCatalogCheck {

    private ViewCatalogCheck() {}

    public static List<String> problems(
            String viewName, ViewDefinition view, Map<TableId, TableShape> shapes, RowPolicy policy) {
        List<String> problems = new ArrayList<>();
        check(viewName, view.tree(), null, shapes, policy, problems);
        return problems;
    }

    private static void check(
            String viewName,
            ViewNode node,
            ViewNode parent,
            Map<TableId, TableShape> shapes,
            RowPolicy policy,
            List<String> problems) {
        String at = "views." + viewName + (node.path().isEmpty() ? "" : "." + node.path());
        TableShape shape = shapes.get(node.table());
        if (shape == null) {
            problems.add(at + ".table: table " + node.table() + " does not exist");
            return;
        }
        if (shape.key().isEmpty()) {
            problems.add(at + ".table: table " + node.table() + " has no primary key; a view needs one on every table");
        }
        columns(at + ".include", shape, node.include(), problems);
        columns(at + ".exclude", shape, node.exclude(), problems);
        columns(at + ".rename", shape, List.copyOf(node.rename().keySet()), problems);
        columns(at + ".order-by", shape, node.orderBy(), problems);
        if (parent != null) {
            TableShape parentShape = shapes.get(parent.table());
            String joinAt = at + (node.link() == null ? ".on" : ".through.on");
            if (parentShape != null) {
                columns(joinAt, parentShape, node.parentColumns(), problems);
                joinable(joinAt, parentShape, node.parentColumns(), policy, problems);
            }
            if (node.link() == null) {
                columns(at + ".on", shape, node.joinColumns(), problems);
                joinable(at + ".on", shape, node.joinColumns(), policy, problems);
                logged(at + ".on", shape, node.joinColumns(), problems);
            } else {
                TableShape link = shapes.get(node.link().table());
                if (link == null) {
                    problems.add(at + ".through.table: table " + node.link().table() + " does not exist");
                } else {
                    columns(at + ".through.on", link, node.link().fromColumns(), problems);
                    columns(at + ".through.to", link, node.link().toColumns(), problems);
                    joinable(at + ".through.on", link, node.link().fromColumns(), policy, problems);
                    joinable(at + ".through.to", link, node.link().toColumns(), policy, problems);
                    logged(at + ".through.on", link, node.link().fromColumns(), problems);
                }
                columns(at + ".through.to", shape, node.joinColumns(), problems);
                joinable(at + ".through.to", shape, node.joinColumns(), policy, problems);
                logged(at + ".through.to", shape, node.joinColumns(), problems);
            }
        }
        for (ViewNode child : node.children()) {
            if (shape.columnTypes().containsKey(child.field()) && node.shows(child.field())) {
                problems.add("views." + viewName + "." + child.path() + ": the field '" + child.field()
                        + "' is also a column of " + node.table()
                        + "; exclude or rename the column, or name the relation differently");
            }
            check(viewName, child, node, shapes, policy, problems);
        }
    }

    private static void columns(String at, TableShape shape, List<String> columns, List<String> problems) {
        for (String column : columns) {
            if (!shape.columnTypes().containsKey(column)) {
                problems.add(at + ": table " + shape.table() + " has no column '" + column + "'; its columns: "
                        + String.join(", ", shape.columnTypes().keySet()));
            }
        }
    }

    /** A join must see the real values: a column the service drops or masks cannot join. */
    private static void joinable(
            String at, TableShape shape, List<String> columns, RowPolicy policy, List<String> problems) {
        Row.Builder probe = Row.builder();
        shape.columnTypes().keySet().forEach(c -> probe.put(c, "probe"));
        Row seen = policy.apply(shape.table(), probe.build());
        for (String column : columns) {
            if (shape.columnTypes().containsKey(column) && !"probe".equals(seen.get(column))) {
                problems.add(at + ": column " + shape.table() + "." + column
                        + " is excluded or masked under source.columns; a view cannot join on it");
            }
        }
    }

    /** The old values of join columns are needed to re-render the parent a row leaves. */
    private static void logged(String at, TableShape shape, List<String> columns, List<String> problems) {
        if (shape.columnTypes().keySet().containsAll(columns) && !shape.logsOldValuesOf(columns)) {
            problems.add(at + ": " + shape.table() + "." + String.join(", ", columns)
                    + " is not part of the primary key, so Postgres does not log its old value and a row moved to"
                    + " another parent would stay in the old one's document; run ALTER TABLE "
                    + shape.table().quoted()
                    + " REPLICA IDENTITY FULL");
        }
    }
}
