package io.cdcfanout.sink.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import java.util.Objects;

/**
 * A version's row image, for the {@code data} column. Most versions are only ever written, so an image
 * is kept in the form it came in (a change's row, the stored text, or a merged tree) and turned into
 * JSON text or a tree only when asked: the text to write it, the tree to compare it with the next
 * version or carry its TOAST columns forward.
 *
 * <p>Not thread-safe: a batch is planned and written by one thread.
 */
final class VersionData {

    private final Row row;
    private String text;
    private ObjectNode tree;

    private VersionData(Row row, String text, ObjectNode tree) {
        this.row = row;
        this.text = text;
        this.tree = tree;
    }

    /** The image of a change's row; unchanged TOAST columns are left out, as {@link RowJson} does. */
    static VersionData of(Row row) {
        return new VersionData(Objects.requireNonNull(row, "row"), null, null);
    }

    static VersionData of(ObjectNode tree) {
        return new VersionData(null, null, Objects.requireNonNull(tree, "tree"));
    }

    /** The image as the data column holds it; null for a null column. */
    static VersionData stored(String text) {
        return text == null ? null : new VersionData(null, text, null);
    }

    String text() {
        if (text == null) {
            text = row != null ? RowJson.toText(row) : HistoryJson.write(tree);
        }
        return text;
    }

    ObjectNode tree() {
        if (tree == null) {
            tree = row != null ? RowJson.toJson(row) : HistoryJson.parse(text);
        }
        return tree;
    }

    @Override
    public String toString() {
        return text();
    }
}
