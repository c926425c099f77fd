package io.cdcfanout.sink.jdbc;

import java.math.BigDecimal;
import java.util.HexFormat;

/**
 * A key value as Postgres input text, so the writer can pass keys of any type as {@code text[]} and
 * cast them to the key column's type in SQL.
 */
public final class KeyText {

    private KeyText() {}

    public static String of(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof byte[] bytes) {
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        // Long, Boolean, Double and String (text, uuid, ISO-8601 dates and times) print as Postgres reads them.
        return value.toString();
    }
}
