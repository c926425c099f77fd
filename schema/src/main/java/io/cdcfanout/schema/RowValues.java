package io.cdcfanout.schema;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/** A row's values as an unmodifiable map in column order, over the shared names and the row's own array. */
final class RowValues extends AbstractMap<String, Object> {

    private final ColumnNames names;
    private final Object[] values;

    RowValues(ColumnNames names, Object[] values) {
        this.names = names;
        this.values = values;
    }

    ColumnNames names() {
        return names;
    }

    Object valueAt(int position) {
        return values[position];
    }

    @Override
    public int size() {
        return names.size();
    }

    @Override
    public boolean containsKey(Object key) {
        return names.positionOf(key) >= 0;
    }

    @Override
    public Object get(Object key) {
        int i = names.positionOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Object> action) {
        for (int i = 0; i < names.size(); i++) {
            action.accept(names.get(i), values[i]);
        }
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                return names.iterator();
            }

            @Override
            public int size() {
                return names.size();
            }

            @Override
            public boolean contains(Object o) {
                return names.positionOf(o) >= 0;
            }
        };
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < names.size();
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (next >= names.size()) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(names.get(i), values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return names.size();
            }
        };
    }
}
