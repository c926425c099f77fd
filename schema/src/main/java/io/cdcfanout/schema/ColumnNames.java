package io.cdcfanout.schema;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The column names of a row, in order, shared by every row of the same shape: a table's rows all carry the
 * same names, so each {@link Row} holds only its values and a reference to one of these. Interned up to
 * {@link #INTERNED_LIMIT} shapes; past that (a program building rows of ever new shapes) a shape is simply
 * not shared.
 */
final class ColumnNames extends AbstractList<String> {

    private static final int INTERNED_LIMIT = 10_000;
    private static final Map<ColumnNames, ColumnNames> INTERNED = new ConcurrentHashMap<>();

    static final ColumnNames NONE = new ColumnNames(new String[0], 0);

    private final String[] names;
    private final int size;
    private final int hash;
    private volatile Map<String, Integer> positions; // built on first lookup by name, then shared

    private ColumnNames(String[] names, int size) {
        this.names = names;
        this.size = size;
        int h = 1;
        for (int i = 0; i < size; i++) {
            h = 31 * h + names[i].hashCode();
        }
        this.hash = h;
    }

    /** The shared instance for the first {@code size} of {@code names}; {@code names} is not kept. */
    static ColumnNames of(String[] names, int size) {
        if (size == 0) {
            return NONE;
        }
        ColumnNames probe = new ColumnNames(names, size);
        ColumnNames shared = INTERNED.get(probe);
        if (shared != null) {
            return shared;
        }
        ColumnNames own = new ColumnNames(Arrays.copyOf(names, size), size);
        if (INTERNED.size() >= INTERNED_LIMIT) {
            return own;
        }
        ColumnNames raced = INTERNED.putIfAbsent(own, own);
        return raced == null ? own : raced;
    }

    /** Where {@code column} is, or -1. */
    int positionOf(Object column) {
        if (size <= 8) { // a scan of a few names beats hashing; equals() is == for the schema's own strings
            for (int i = 0; i < size; i++) {
                if (names[i].equals(column)) {
                    return i;
                }
            }
            return -1;
        }
        Map<String, Integer> p = positions;
        if (p == null) {
            p = new HashMap<>(size * 2);
            for (int i = 0; i < size; i++) {
                p.put(names[i], i);
            }
            positions = p;
        }
        Integer i = p.get(column);
        return i == null ? -1 : i;
    }

    @Override
    public String get(int index) {
        if (index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return names[index];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof ColumnNames other)) {
            return super.equals(o);
        }
        if (other.hash != hash || other.size != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!names[i].equals(other.names[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
