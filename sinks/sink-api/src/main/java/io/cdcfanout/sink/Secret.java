package io.cdcfanout.sink;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * A password, token or key. Its {@code toString} never shows the value, so it cannot reach a log by
 * accident; only {@link #reveal()} does, at the one place that hands it to a client library.
 */
public final class Secret {

    public static final Secret NONE = new Secret("");

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    @JsonCreator
    public static Secret of(String value) {
        return value == null || value.isEmpty() ? NONE : new Secret(value);
    }

    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return isEmpty() ? "(none)" : "******";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
