package io.cdcfanout.sink.view;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyCodec;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which documents of a view a run of changes affects: pure, no I/O. A change of a row affects every root whose
 * document holds the row before the change or after it. The root table's changes name their roots; a related
 * row's change names its parent by the join columns of its old and new images, and the roots above that parent
 * are looked up in the database ({@link Lookup}), in the same snapshot the documents are then rendered from.
 *
 * <p>Why old images suffice: a row moved to another parent (its join column changed) names both parents; a row
 * whose ancestor moved is re-rendered by the ancestor's own change, which names both of the ancestor's parents.
 * {@link ViewCatalogCheck} makes sure the old values are logged.
 */
public final class ViewPlanner {

    /**
     * Roots to look up: those whose path from the root reaches a row of {@code chain}'s last node with
     * {@code columns} in {@code values} (through {@code through}'s link table when it is set).
     */
    public record Lookup(List<ViewNode> chain, ViewNode through, List<String> columns, Set<List<String>> values) {}

    /**
     * What a run of changes affects.
     *
     * @param rootKeys  root keys named directly, as the canonical texts of their key values
     * @param lookups   the roots still to find
     * @param truncated a TRUNCATE of one of the view's tables: every document may be affected
     */
    public record Plan(Set<List<String>> rootKeys, List<Lookup> lookups, boolean truncated) {
        public boolean isEmpty() {
            return rootKeys.isEmpty() && lookups.isEmpty() && !truncated;
        }
    }

    private final ViewNode root;
    private final Map<TableId, TableShape> shapes;
    private final Map<String, List<ViewNode>> chainToParent = new LinkedHashMap<>();
    private final Set<TableId> tables = new LinkedHashSet<>();

    public ViewPlanner(ViewNode root, Map<TableId, TableShape> shapes) {
        this.root = root;
        this.shapes = shapes;
        walk(root, new ArrayList<>());
    }

    private void walk(ViewNode node, List<ViewNode> ancestors) {
        tables.add(node.table());
        if (node.link() != null) {
            tables.add(node.link().table());
        }
        if (node.kind() != ViewNode.Kind.ROOT) {
            chainToParent.put(node.path(), List.copyOf(ancestors));
        }
        ancestors.add(node);
        for (ViewNode child : node.children()) {
            walk(child, ancestors);
        }
        ancestors.remove(ancestors.size() - 1);
    }

    public boolean touches(TableId table) {
        return tables.contains(table);
    }

    public Plan plan(List<ChangeEvent> events) {
        Set<List<String>> rootKeys = new LinkedHashSet<>();
        Map<String, Lookup> lookups = new LinkedHashMap<>();
        boolean truncated = false;
        List<ViewNode> nodes = root.flatten();
        for (ChangeEvent event : events) {
            if (!tables.contains(event.table()) || event.op() == Operation.SNAPSHOT) {
                continue; // a snapshot row is no change: the view is built from the tables whole (first start, rebuild)
            }
            if (event.op() == Operation.TRUNCATE) {
                truncated = true;
                continue;
            }
            for (ViewNode node : nodes) {
                if (node.kind() == ViewNode.Kind.ROOT) {
                    if (node.table().equals(event.table())) {
                        rootKeys.add(texts(event.key()));
                        if (event.previousKey() != null) {
                            rootKeys.add(texts(event.previousKey()));
                        }
                    }
                    continue;
                }
                List<ViewNode> chain = chainToParent.get(node.path());
                if (node.table().equals(event.table())) {
                    List<List<String>> values = values(event, node.joinColumns());
                    if (node.link() == null) {
                        add(chain, null, node.parentColumns(), values, rootKeys, lookups);
                    } else {
                        add(chain, node, node.link().toColumns(), values, rootKeys, lookups);
                    }
                }
                if (node.link() != null && node.link().table().equals(event.table())) {
                    add(
                            chain,
                            null,
                            node.parentColumns(),
                            values(event, node.link().fromColumns()),
                            rootKeys,
                            lookups);
                }
            }
        }
        return new Plan(rootKeys, List.copyOf(lookups.values()), truncated);
    }

    private void add(
            List<ViewNode> chain,
            ViewNode through,
            List<String> columns,
            List<List<String>> values,
            Set<List<String>> rootKeys,
            Map<String, Lookup> lookups) {
        if (values.isEmpty()) {
            return;
        }
        if (through == null
                && chain.size() == 1
                && columns.equals(shapes.get(root.table()).key())) {
            rootKeys.addAll(values); // the parent is the root and the join is on its key: no look-up needed
            return;
        }
        String id = chain.get(chain.size() - 1).path() + "|" + (through == null ? "" : through.path()) + "|" + columns;
        lookups.computeIfAbsent(id, k -> new Lookup(chain, through, columns, new LinkedHashSet<>()))
                .values()
                .addAll(values);
    }

    /** The values of {@code columns} in the change's old and new images (those it logs reliably), as texts. */
    private List<List<String>> values(ChangeEvent event, List<String> columns) {
        List<List<String>> out = new ArrayList<>(2);
        TableShape shape = shapes.get(event.table());
        if (event.key() != null && event.key().columns().containsAll(columns)) {
            addTuple(out, columns, keyImage(event.key()));
            if (event.previousKey() != null) {
                addTuple(out, columns, keyImage(event.previousKey()));
            }
        } else if (event.before() != null && shape != null && shape.replicaIdentityFull()) {
            addTuple(out, columns, event.before());
        }
        if (event.after() != null) {
            addTuple(out, columns, event.after());
        }
        return out;
    }

    private static Row keyImage(RowKey key) {
        Row.Builder row = Row.builder();
        for (int i = 0; i < key.columns().size(); i++) {
            row.put(key.columns().get(i), key.values().get(i));
        }
        return row.build();
    }

    private static void addTuple(List<List<String>> out, List<String> columns, Row image) {
        List<String> tuple = new ArrayList<>(columns.size());
        for (String column : columns) {
            Object value = image.get(column);
            if (value == null) {
                return; // NULL joins nothing (or the image does not know the column)
            }
            tuple.add(KeyCodec.valueText(value));
        }
        if (!out.contains(tuple)) {
            out.add(List.copyOf(tuple));
        }
    }

    static List<String> texts(RowKey key) {
        List<String> texts = new ArrayList<>(key.values().size());
        for (Object value : key.values()) {
            texts.add(KeyCodec.valueText(value));
        }
        return List.copyOf(texts);
    }
}
