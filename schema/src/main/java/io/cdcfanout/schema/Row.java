package io.cdcfanout.schema;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable image of a row: column name to value, in table column order.
 *
 * <p>Values are plain Java objects: {@code null}, {@link Boolean}, {@link Long} (every integer type),
 * {@link java.math.BigDecimal} (numeric, exact), {@link Double} (real, double precision; may be NaN or
 * infinite), {@link String} (text types, uuid, enums, intervals, and date/time types as ISO-8601),
 * {@link com.fasterxml.jackson.databind.JsonNode} (json, jsonb), {@link java.util.List} (arrays) and
 * {@code byte[]} (bytea).
 *
 * <p>A column whose TOASTed value the update did not change is <em>unknown</em>: Postgres did not send
 * it. It is listed in {@link #unchangedToastColumns()} and has no value here, so a sink can never write
 * a placeholder by mistake; use {@link #mergedOnto(Row)} to carry the previous value forward.
 *
 * <p>A row holds its values in an array and shares its column names with every row of the same shape
 * (a cache holds millions of rows, and a map per row cost more than the values themselves).
 */
public final class Row {

    private final RowValues values;
    private final Set<String> unchangedToastColumns;

    private Row(RowValues values, Set<String> unchangedToastColumns) {
        this.values = values;
        this.unchangedToastColumns = unchangedToastColumns;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Row of(Map<String, ?> values) {
        Builder builder = builder();
        values.forEach(builder::put);
        return builder.build();
    }

    /** Known values by column, in column order, unmodifiable; unchanged TOAST columns are absent. */
    public Map<String, Object> values() {
        return values;
    }

    public Object get(String column) {
        return values.get(column);
    }

    public boolean has(String column) {
        return values.containsKey(column);
    }

    /** Columns Postgres did not send because their TOASTed value was unchanged. */
    public Set<String> unchangedToastColumns() {
        return unchangedToastColumns;
    }

    public boolean isComplete() {
        return unchangedToastColumns.isEmpty();
    }

    /**
     * This image with every unknown column filled from {@code previous} (when previous knows it).
     * Columns that neither image knows stay unknown.
     */
    public Row mergedOnto(Row previous) {
        if (isComplete() || previous == null) {
            return this;
        }
        Builder builder = builder();
        values.forEach(builder::put);
        for (String column : unchangedToastColumns) {
            if (previous.has(column)) {
                builder.put(column, previous.get(column));
            } else {
                builder.unchangedToast(column);
            }
        }
        return builder.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row other
                && ValueEquality.mapsEqual(values, other.values)
                && unchangedToastColumns.equals(other.unchangedToastColumns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(values.keySet(), unchangedToastColumns);
    }

    @Override
    public String toString() {
        return "Row" + values.keySet() + (isComplete() ? "" : " unchanged-toast=" + unchangedToastColumns);
    }

    /** Builds a {@link Row}; columns keep the order they were first put in. */
    public static final class Builder {
        private static final int WIDE = 16;
        private String[] names = new String[16];
        private Object[] values = new Object[16];
        private int size;
        private Map<String, Integer> positions; // for wide rows only: a scan per put would be quadratic
        private Set<String> unchangedToast = Set.of();

        private Builder() {}

        public Builder put(String column, Object value) {
            Objects.requireNonNull(column, "column");
            if (!unchangedToast.isEmpty() && unchangedToast.contains(column)) {
                Set<String> rest = new LinkedHashSet<>(unchangedToast);
                rest.remove(column);
                unchangedToast = Collections.unmodifiableSet(rest);
            }
            int at = positionOf(column);
            if (at >= 0) {
                values[at] = value;
                return this;
            }
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = column;
            values[size] = value;
            if (positions != null) {
                positions.put(column, size);
            }
            size++;
            return this;
        }

        public Builder unchangedToast(String column) {
            Objects.requireNonNull(column, "column");
            int at = positionOf(column);
            if (at >= 0) {
                System.arraycopy(names, at + 1, names, at, size - at - 1);
                System.arraycopy(values, at + 1, values, at, size - at - 1);
                size--;
                names[size] = null;
                values[size] = null;
                positions = null;
            }
            if (!unchangedToast.contains(column)) {
                Set<String> more = new LinkedHashSet<>(unchangedToast);
                more.add(column);
                unchangedToast = Collections.unmodifiableSet(more);
            }
            return this;
        }

        /** The row; the builder can go on and build others without changing it. */
        public Row build() {
            return new Row(new RowValues(ColumnNames.of(names, size), Arrays.copyOf(values, size)), unchangedToast);
        }

        private int positionOf(String column) {
            if (size <= WIDE) {
                for (int i = 0; i < size; i++) {
                    if (names[i].equals(column)) {
                        return i;
                    }
                }
                return -1;
            }
            if (positions == null) {
                positions = new HashMap<>(size * 4);
                for (int i = 0; i < size; i++) {
                    positions.put(names[i], i);
                }
            }
            Integer at = positions.get(column);
            return at == null ? -1 : at;
        }
    }
}
