package io.cdcfanout.schema;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A Postgres WAL position (log sequence number). Written as Postgres writes it, {@code "16/B374D848"}.
 * Per row, the LSN of its changes only grows, which makes it a usable version number; it is not a
 * unique event id (several rows of one COPY share an LSN).
 */
public record Lsn(long value) implements Comparable<Lsn> {

    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

    public static final Lsn ZERO = new Lsn(0);

    @JsonCreator
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected e.g. 16/B374D848)");
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL || high < 0 || low < 0) {
                throw new NumberFormatException();
            }
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected e.g. 16/B374D848)");
        }
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @JsonValue
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(17);
        appendHex(text, value >>> 32).append('/');
        return appendHex(text, value & 0xFFFFFFFFL).toString();
    }

    /** Upper-case hex without leading zeros, as Postgres writes each half (and without a locale lookup). */
    private static StringBuilder appendHex(StringBuilder text, long half) {
        for (int shift = Math.max(0, (63 - Long.numberOfLeadingZeros(half)) & ~3); shift >= 0; shift -= 4) {
            text.append(HEX_DIGITS[(int) (half >>> shift) & 0xF]);
        }
        return text;
    }
}
