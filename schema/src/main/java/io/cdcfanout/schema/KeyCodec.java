package io.cdcfanout.schema;

import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical text of primary-key values and of whole keys: one text per key, and a different text for
 * every different key, whichever way the values arrived (WAL, JDBC load, HTTP).
 *
 * <p>A value's text: {@code bytea} {@code \x} and lower-case hex; {@code numeric} its plain digits without
 * trailing fraction zeros ({@code 1.50} and {@code 1.5} are one key, as Postgres compares them);
 * {@code float8}/{@code real} Java's text with {@code -0.0} as {@code 0.0}; arrays a Postgres array literal
 * of the elements' texts; everything else the text the value types of {@link Row} already carry (uuid in
 * lower case, timestamps as {@link CanonicalValues} writes them, text as it is).
 *
 * <p>A composite key's text is {@code col=value&col=value} in key order, with {@code %}, {@code &} and
 * {@code =} in names and values written {@code %25}, {@code %26}, {@code %3D}, so no two keys share a text.
 * A one-column key's text is the value's text with only {@code %} written {@code %25}, and {@code %} alone
 * for the empty text (Elasticsearch refuses an empty id; no value's text is a lone {@code %}).
 */
public final class KeyCodec {

    private static final HexFormat HEX = HexFormat.of();

    private KeyCodec() {}

    /** The canonical text of one key value of any {@link Row} value type. */
    public static String valueText(Object value) {
        if (value instanceof String s) {
            return s; // the common key, without allocating
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof BigDecimal decimal) {
            return numeric(decimal);
        }
        if (value instanceof byte[] bytes) {
            return "\\x" + HEX.formatHex(bytes);
        }
        if (value instanceof Double d) {
            return d == 0.0d ? "0.0" : d.toString();
        }
        if (value instanceof Float f) {
            return f == 0.0f ? "0.0" : f.toString();
        }
        if (value instanceof List<?> list) {
            return array(list);
        }
        return String.valueOf(value);
    }

    /** numeric: the plain digits, without trailing zeros after the point; {@code 0} for any zero. */
    static String numeric(BigDecimal decimal) {
        if (decimal.signum() == 0) {
            return "0";
        }
        return decimal.scale() > 0 ? decimal.stripTrailingZeros().toPlainString() : decimal.toPlainString();
    }

    /** A Postgres array literal: {@code {1,2}}, elements quoted when Postgres would quote them, NULL unquoted. */
    private static String array(List<?> list) {
        StringBuilder s = new StringBuilder().append('{');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                s.append(',');
            }
            Object element = list.get(i);
            if (element == null) {
                s.append("NULL");
            } else if (element instanceof List<?> nested) {
                s.append(array(nested));
            } else {
                String text = valueText(element);
                if (needsQuotes(text)) {
                    s.append('"');
                    for (int j = 0; j < text.length(); j++) {
                        char c = text.charAt(j);
                        if (c == '"' || c == '\\') {
                            s.append('\\');
                        }
                        s.append(c);
                    }
                    s.append('"');
                } else {
                    s.append(text);
                }
            }
        }
        return s.append('}').toString();
    }

    private static boolean needsQuotes(String text) {
        if (text.isEmpty() || text.equalsIgnoreCase("NULL")) {
            return true;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The canonical text of a key from its columns and the canonical texts of its values, in key order.
     */
    public static String keyText(List<String> columns, List<String> valueTexts) {
        if (columns.size() == 1) {
            return keyText(valueTexts.get(0));
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                s.append('&');
            }
            escape(s, columns.get(i)).append('=');
            escape(s, valueTexts.get(i));
        }
        return s.toString();
    }

    /** The canonical text of a one-column key from its value's canonical text; no allocation for most keys. */
    public static String keyText(String valueText) {
        if (valueText.isEmpty()) {
            return "%";
        }
        return valueText.indexOf('%') < 0 ? valueText : valueText.replace("%", "%25");
    }

    private static StringBuilder escape(StringBuilder s, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '%' -> s.append("%25");
                case '&' -> s.append("%26");
                case '=' -> s.append("%3D");
                default -> s.append(c);
            }
        }
        return s;
    }
}
