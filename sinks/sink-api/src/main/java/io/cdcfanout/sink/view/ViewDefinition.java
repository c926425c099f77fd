package io.cdcfanout.sink.view;

import io.cdcfanout.schema.TableId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A denormalized view as written under {@code views.<name>} in the YAML file: one document per row of the root
 * {@code table}, with {@code one} (many-to-one) and {@code many} (one-to-many, or many-to-many through a link
 * table) relations nested to any depth. Immutable; checked at load for what needs no database (shape, kinds,
 * names); the columns are checked against the catalog at start ({@link ViewCatalogCheck}).
 *
 * @param table   the root table
 * @param include the root's columns to include (all when empty); not together with {@code exclude}
 * @param exclude the root's columns to leave out
 * @param rename  root column to field name in the document
 * @param one     many-to-one relations by field name
 * @param many    one-to-many relations by field name
 */
public record ViewDefinition(
        TableId table,
        List<String> include,
        List<String> exclude,
        Map<String, String> rename,
        Map<String, Relation> one,
        Map<String, Relation> many) {

    public ViewDefinition {
        if (table == null) {
            throw new IllegalArgumentException("missing required key 'table' (the root table, schema.table)");
        }
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        rename = rename == null ? Map.of() : Map.copyOf(rename);
        one = one == null ? Map.of() : ordered(one);
        many = many == null ? Map.of() : ordered(many);
        Relation.checkColumns("", include, exclude);
        Relation.checkFields("", rename, one, many);
        one.forEach((field, r) -> r.check("one." + field, ViewNode.Kind.ONE));
        many.forEach((field, r) -> r.check("many." + field, ViewNode.Kind.MANY));
    }

    /** The view as a tree of nodes, the root first; what the renderer and the root finder walk. */
    public ViewNode tree() {
        return ViewNode.root(this);
    }

    /** Every table the view reads: the root, each related table and each link table. */
    public Set<TableId> tables() {
        Set<TableId> tables = new LinkedHashSet<>();
        List<ViewNode> pending = new ArrayList<>(List.of(tree()));
        while (!pending.isEmpty()) {
            ViewNode node = pending.remove(pending.size() - 1);
            tables.add(node.table());
            if (node.link() != null) {
                tables.add(node.link().table());
            }
            pending.addAll(node.children());
        }
        return tables;
    }

    static <V> Map<String, V> ordered(Map<String, V> map) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
    }

    /**
     * A relation under {@code one} or {@code many}.
     *
     * @param table   the related table
     * @param on      parent column to related column ({@code one}: the parent's foreign key to the related key;
     *                {@code many}: the parent's key to the child's foreign key); in order, for composite joins
     * @param through for a many-to-many relation: the link table between the parent and {@code table}
     * @param orderBy {@code many} only: the columns that order the array (then the related table's key)
     */
    public record Relation(
            TableId table,
            Map<String, String> on,
            Through through,
            List<String> include,
            List<String> exclude,
            Map<String, String> rename,
            List<String> orderBy,
            Map<String, Relation> one,
            Map<String, Relation> many) {

        public Relation {
            include = include == null ? List.of() : List.copyOf(include);
            exclude = exclude == null ? List.of() : List.copyOf(exclude);
            rename = rename == null ? Map.of() : Map.copyOf(rename);
            on = on == null ? Map.of() : ordered(on);
            orderBy = orderBy == null ? List.of() : List.copyOf(orderBy);
            one = one == null ? Map.of() : ordered(one);
            many = many == null ? Map.of() : ordered(many);
        }

        void check(String path, ViewNode.Kind kind) {
            String at = path;
            if (table == null) {
                throw new IllegalArgumentException(at + ": missing required key 'table' (schema.table)");
            }
            if (kind == ViewNode.Kind.ONE) {
                if (through != null) {
                    throw new IllegalArgumentException(at + ".through: only a 'many' relation has a link table");
                }
                if (!orderBy.isEmpty()) {
                    throw new IllegalArgumentException(at + ".order-by: only a 'many' relation is ordered");
                }
            }
            if (through == null && on.isEmpty()) {
                throw new IllegalArgumentException(at + ": missing required key 'on' (parent column: "
                        + (kind == ViewNode.Kind.ONE ? "related key column" : "child column")
                        + (kind == ViewNode.Kind.MANY ? "), or 'through' for a link table" : ")"));
            }
            if (through != null && !on.isEmpty()) {
                throw new IllegalArgumentException(
                        at + ": 'on' and 'through' together; a relation through a link table joins in 'through'");
            }
            if (through != null) {
                through.check(at + ".through");
            }
            checkColumns(at + ".", include, exclude);
            checkFields(at + ".", rename, one, many);
            one.forEach((field, r) -> r.check(at + ".one." + field, ViewNode.Kind.ONE));
            many.forEach((field, r) -> r.check(at + ".many." + field, ViewNode.Kind.MANY));
        }

        static void checkColumns(String at, List<String> include, List<String> exclude) {
            if (!include.isEmpty() && !exclude.isEmpty()) {
                throw new IllegalArgumentException(
                        at + "include: 'include' and 'exclude' together; list the columns to keep or to drop");
            }
        }

        static void checkFields(
                String at, Map<String, String> rename, Map<String, Relation> one, Map<String, Relation> many) {
            for (String field : one.keySet()) {
                if (many.containsKey(field)) {
                    throw new IllegalArgumentException(
                            at + "many." + field + ": the field '" + field + "' is also a 'one' relation");
                }
                if (rename.containsValue(field)) {
                    throw new IllegalArgumentException(
                            at + "one." + field + ": a column is renamed to '" + field + "' too");
                }
            }
            for (String field : many.keySet()) {
                if (rename.containsValue(field)) {
                    throw new IllegalArgumentException(
                            at + "many." + field + ": a column is renamed to '" + field + "' too");
                }
            }
        }
    }

    /**
     * A link table of a many-to-many relation.
     *
     * @param table the link table
     * @param on    parent column to link column
     * @param to    link column to related column
     */
    public record Through(TableId table, Map<String, String> on, Map<String, String> to) {

        public Through {
            on = on == null ? Map.of() : ordered(on);
            to = to == null ? Map.of() : ordered(to);
        }

        void check(String at) {
            if (table == null) {
                throw new IllegalArgumentException(at + ": missing required key 'table' (the link table)");
            }
            if (on.isEmpty()) {
                throw new IllegalArgumentException(at + ": missing required key 'on' (parent column: link column)");
            }
            if (to.isEmpty()) {
                throw new IllegalArgumentException(at + ": missing required key 'to' (link column: related column)");
            }
        }
    }
}
