package io.cdcfanout.schema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A row's primary key: the key columns in key order and their values.
 *
 * <p>{@link #asText()} is the key's canonical text, the same for the same row wherever it is computed
 * (a change event, an HTTP path, a query string), so sinks can use it as a map key or document id:
 * the plain value for a one-column key, {@code col=value&col=value} in key order for a composite one.
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
            return String.valueOf(values.get(0)); // the common key, without building a list; the history asks often
        }
        return canonicalText(columns, values.stream().map(String::valueOf).toList());
    }

    /**
     * The canonical text of a key given as text values, e.g. from an HTTP request.
     *
     * @throws IllegalArgumentException naming the missing key columns
     */
    public static String canonicalText(List<String> keyColumns, Map<String, String> textValues) {
        List<String> missing = keyColumns.stream().filter(c -> !textValues.containsKey(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing key column(s) " + missing + "; the key is " + keyColumns);
        }
        return canonicalText(keyColumns, keyColumns.stream().map(textValues::get).toList());
    }

    private static String canonicalText(List<String> keyColumns, List<String> textValues) {
        if (keyColumns.size() == 1) {
            return Objects.requireNonNull(textValues.get(0));
        }
        StringJoiner joiner = new StringJoiner("&");
        for (int i = 0; i < keyColumns.size(); i++) {
            joiner.add(keyColumns.get(i) + "=" + textValues.get(i));
        }
        return joiner.toString();
    }

    @Override
    public String toString() {
        return asText();
    }
}
