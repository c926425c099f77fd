package io.cdcfanout.service.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Column privacy for one captured table, {@code source.columns.<schema.table>}. Applied before any
 * sink (or the dead-letter table) sees a change, and to rows a sink loads from the source itself.
 *
 * @param exclude columns dropped from every row image
 * @param mask    columns whose values are replaced by a keyed hash (see {@code source.mask-key}): equal
 *                values give equal hashes, so masked columns can still be joined and grouped on
 */
public record ColumnRules(List<String> exclude, List<String> mask) {

    public ColumnRules {
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        mask = mask == null ? List.of() : List.copyOf(mask);
        requireDistinct(exclude, "exclude");
        requireDistinct(mask, "mask");
        Set<String> both = new LinkedHashSet<>(exclude);
        both.retainAll(mask);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("column(s) " + both + " are both excluded and masked: choose one");
        }
    }

    /** Every column these rules name. */
    public Set<String> columns() {
        Set<String> all = new LinkedHashSet<>(exclude);
        all.addAll(mask);
        return all;
    }

    private static void requireDistinct(List<String> columns, String key) {
        if (new LinkedHashSet<>(columns).size() != columns.size()) {
            throw new IllegalArgumentException("'" + key + "' lists a column twice: " + columns);
        }
        if (columns.stream().anyMatch(c -> c == null || c.isBlank())) {
            throw new IllegalArgumentException("'" + key + "' has an empty column name");
        }
    }
}
