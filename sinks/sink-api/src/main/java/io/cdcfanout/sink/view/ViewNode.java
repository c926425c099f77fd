package io.cdcfanout.sink.view;

import io.cdcfanout.schema.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One table's place in a view: the root, or a relation of its parent node, with the join written out as
 * column lists in join order.
 *
 * @param path          the YAML key path of the node below the view, e.g. {@code many.lines.one.product}
 *                      ({@code ""} for the root); error messages and metrics name nodes by it
 * @param field         the document field it fills ({@code null} for the root)
 * @param parentColumns the parent's columns of the join (empty for the root)
 * @param joinColumns   this table's columns of the join, one per parent column (for a link: the columns the
 *                      link's {@code to} names on this table)
 * @param link          the link table of a many-to-many relation, else null
 * @param orderBy       the columns ordering a {@code many} array, before the table's key
 */
public record ViewNode(
        String path,
        String field,
        Kind kind,
        TableId table,
        List<String> parentColumns,
        List<String> joinColumns,
        Link link,
        List<String> include,
        List<String> exclude,
        Map<String, String> rename,
        List<String> orderBy,
        List<ViewNode> children) {

    /** How a node relates to its parent. */
    public enum Kind {
        ROOT,
        /** many-to-one: an object, or null when no row matches */
        ONE,
        /** one-to-many or many-to-many: an array, empty when no row matches */
        MANY
    }

    /**
     * The link table of a many-to-many relation: parent {@code parentColumns} = link {@code fromColumns}, link
     * {@code toColumns} = the node's {@code joinColumns}.
     */
    public record Link(TableId table, List<String> fromColumns, List<String> toColumns) {}

    public ViewNode {
        parentColumns = List.copyOf(parentColumns);
        joinColumns = List.copyOf(joinColumns);
        children = List.copyOf(children);
    }

    static ViewNode root(ViewDefinition view) {
        return new ViewNode(
                "",
                null,
                Kind.ROOT,
                view.table(),
                List.of(),
                List.of(),
                null,
                view.include(),
                view.exclude(),
                view.rename(),
                List.of(),
                children("", view.one(), view.many()));
    }

    private static List<ViewNode> children(
            String path, Map<String, ViewDefinition.Relation> one, Map<String, ViewDefinition.Relation> many) {
        List<ViewNode> nodes = new ArrayList<>();
        String prefix = path.isEmpty() ? "" : path + ".";
        one.forEach((field, r) -> nodes.add(of(prefix + "one." + field, field, Kind.ONE, r)));
        many.forEach((field, r) -> nodes.add(of(prefix + "many." + field, field, Kind.MANY, r)));
        return nodes;
    }

    private static ViewNode of(String path, String field, Kind kind, ViewDefinition.Relation r) {
        List<String> parent;
        List<String> join;
        Link link = null;
        if (r.through() != null) {
            parent = List.copyOf(r.through().on().keySet());
            link = new Link(
                    r.through().table(),
                    List.copyOf(r.through().on().values()),
                    List.copyOf(r.through().to().keySet()));
            join = List.copyOf(r.through().to().values());
        } else {
            parent = List.copyOf(r.on().keySet());
            join = List.copyOf(r.on().values());
        }
        return new ViewNode(
                path,
                field,
                kind,
                r.table(),
                parent,
                join,
                link,
                r.include(),
                r.exclude(),
                r.rename(),
                r.orderBy(),
                children(path, r.one(), r.many()));
    }

    /** Every node of the tree under and including this one, parents before children. */
    public List<ViewNode> flatten() {
        List<ViewNode> all = new ArrayList<>();
        all.add(this);
        for (ViewNode child : children) {
            all.addAll(child.flatten());
        }
        return all;
    }

    /** Whether the document shows {@code column} of this node's table (before renaming). */
    public boolean shows(String column) {
        return include.isEmpty() ? !exclude.contains(column) : include.contains(column);
    }

    /** The field {@code column} appears under. */
    public String fieldOf(String column) {
        return rename.getOrDefault(column, column);
    }
}
