package io.cdcfanout.schema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A row's primary key: the key columns in key order and their values.
 *
 * <p>{@link #asText()} is the key's canonical text ({@link KeyCodec}), the same for the same row wherever it
 * is computed (a change event, a JDBC load, an HTTP path or query string read through {@link KeyShape}) and
 * different for different rows, so sinks can use it as a map key or document id: the value's canonical text
 * (with {@code %} escaped) for a one-column key, {@code col=value&col=value} in key order with {@code %&=}
 * escaped for a composite one.
 */
public record RowKey(List<String> columns, List<Object> values) {

    public RowKey {
        columns = List.copyOf(columns);
        values = Collections.unmodifiableList(new ArrayList<>(values));
        if (columns.isEmpty() || columns.size() != values.size()) {
            throw new IllegalArgumentException("a row key needs one value per key column: " + columns + " " + values);
        }
    }

    public static RowKey of(List<String> columns, Row image) {
        return new RowKey(columns, columns.stream().map(image::get).toList());
    }

    public String asText() {
        if (values.size() == 1) {
            return KeyCodec.keyText(KeyCodec.valueText(
                    values.get(0))); // the common key, without building a list; the history asks often
        }
        List<String> texts = new ArrayList<>(values.size());
        for (Object value : values) {
            texts.add(KeyCodec.valueText(value));
        }
        return KeyCodec.keyText(columns, texts);
    }

    /**
     * The canonical text of a key given as the canonical texts of its values (as a text key's values are
     * written); keys of other types are read with {@link KeyShape#keyText}, which knows their types.
     *
     * @throws IllegalArgumentException naming the missing key columns
     */
    public static String canonicalText(List<String> keyColumns, Map<String, String> textValues) {
        List<String> missing =
                keyColumns.stream().filter(c -> !textValues.containsKey(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing key column(s) " + missing + "; the key is " + keyColumns);
        }
        return KeyCodec.keyText(
                keyColumns,
                keyColumns.stream()
                        .map(c -> Objects.requireNonNull(textValues.get(c), c))
                        .toList());
    }

    @Override
    public String toString() {
        return asText();
    }
}
