package io.cdcfanout.schema;

import java.util.Collections;
import java.util.LinkedHashMap;
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
 */
public final class Row {

    private final Map<String, Object> values;
    private final Set<String> unchangedToastColumns;

    private Row(Map<String, Object> values, Set<String> unchangedToastColumns) {
        this.values = Collections.unmodifiableMap(values);
        this.unchangedToastColumns = Collections.unmodifiableSet(unchangedToastColumns);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Row of(Map<String, ?> values) {
        Builder builder = builder();
        values.forEach(builder::put);
        return builder.build();
    }

    /** Known values by column, in column order; unchanged TOAST columns are absent. */
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

    /** Builds a {@link Row}; columns keep the order they were put in. */
    public static final class Builder {
        private Map<String, Object> values = new LinkedHashMap<>();
        private Set<String> unchangedToast = new LinkedHashSet<>();
        private boolean built; // the maps now belong to a Row: copy them before the next change

        private Builder() {}

        public Builder put(String column, Object value) {
            Objects.requireNonNull(column, "column");
            ownMaps();
            if (!unchangedToast.isEmpty()) {
                unchangedToast.remove(column);
            }
            values.put(column, value);
            return this;
        }

        public Builder unchangedToast(String column) {
            Objects.requireNonNull(column, "column");
            ownMaps();
            values.remove(column);
            unchangedToast.add(column);
            return this;
        }

        /** The row; hands over the builder's maps rather than copying them (one row per change adds up). */
        public Row build() {
            built = true;
            return new Row(values, unchangedToast);
        }

        private void ownMaps() {
            if (built) {
                values = new LinkedHashMap<>(values);
                unchangedToast = new LinkedHashSet<>(unchangedToast);
                built = false;
            }
        }
    }
}
