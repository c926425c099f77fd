package io.cdcfanout.schema;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A table's primary key as a reader of key text from outside (an HTTP path or query string) needs it: the
 * key columns in key order and each one's Postgres type ({@code pg_type.typname} of the column's base type,
 * e.g. {@code int8}, {@code numeric}, {@code bytea}, {@code uuid}, {@code timestamptz}, {@code _int4} for
 * an array).
 *
 * <p>{@link #keyText} turns the key as a client writes it into {@link KeyCodec}'s canonical text, so a
 * lookup finds the row whichever of the accepted spellings it uses: integers {@code 007}; numeric
 * {@code 1.50} = {@code 1.5}; uuid in any case, with or without hyphens or braces; bytea as {@code \x} and
 * hex digits in any case; timestamptz as ISO-8601 or Postgres text with any offset ({@code T} or a space,
 * {@code Z}, {@code +02}, {@code +02:00}); timestamp, date and time as ISO-8601 or with a space; boolean as
 * Postgres reads it ({@code t}, {@code true}, {@code yes}, {@code on}, {@code 1}, ...). Other types are
 * taken as written and must match the text Postgres prints for them.
 */
public record KeyShape(List<String> columns, List<String> types) {

    private static final DateTimeFormatter OFFSET_DATE_TIME = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .appendPattern("[XXX][XX][X]")
            .toFormatter(Locale.ROOT);
    private static final DateTimeFormatter OFFSET_TIME = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .appendPattern("[XXX][XX][X]")
            .toFormatter(Locale.ROOT);

    public KeyShape {
        columns = List.copyOf(columns);
        types = List.copyOf(types);
        if (columns.isEmpty() || columns.size() != types.size()) {
            throw new IllegalArgumentException("a key shape needs one type per key column: " + columns + " " + types);
        }
    }

    /** True when keys of this Postgres type can be written in a URL; arrays cannot. */
    public static boolean urlReadable(String type) {
        return !type.startsWith("_");
    }

    /**
     * The canonical key text of a key given as text per column.
     *
     * @throws IllegalArgumentException naming the missing key columns, or a value its column's type cannot read
     */
    public String keyText(Map<String, String> textValues) {
        if (columns.size() == 1) {
            String text = textValues.get(columns.get(0));
            if (text == null) {
                throw new IllegalArgumentException("missing key column(s) " + columns + "; the key is " + columns);
            }
            return KeyCodec.keyText(valueText(columns.get(0), types.get(0), text));
        }
        List<String> missing =
                columns.stream().filter(c -> !textValues.containsKey(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing key column(s) " + missing + "; the key is " + columns);
        }
        List<String> texts = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            texts.add(valueText(columns.get(i), types.get(i), textValues.get(columns.get(i))));
        }
        return KeyCodec.keyText(columns, texts);
    }

    private static String valueText(String column, String type, String text) {
        try {
            return valueText(type, text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "key column " + column + " (" + type + ") cannot read '" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * One value as a client writes it, in the canonical text of a key value of that Postgres type.
     *
     * @throws IllegalArgumentException or {@link DateTimeParseException} when the type cannot read it
     */
    static String valueText(String type, String text) {
        String t = text.strip();
        return switch (type) {
            case "int2", "int4", "int8", "oid" -> Long.toString(Long.parseLong(t.startsWith("+") ? t.substring(1) : t));
            case "numeric" -> numeric(t);
            case "float4" -> KeyCodec.valueText(CanonicalValues.real(Float.parseFloat(t)));
            case "float8" -> KeyCodec.valueText(Double.parseDouble(t));
            case "bool" -> bool(t);
            case "uuid" -> uuid(t);
            case "bytea" -> bytea(t);
            case "timestamptz" ->
                special(t)
                        ? t.toLowerCase(Locale.ROOT)
                        : CanonicalValues.timestampTz(OffsetDateTime.parse(dateTime(t), OFFSET_DATE_TIME)
                                .toInstant());
            case "timestamp" ->
                special(t) ? t.toLowerCase(Locale.ROOT) : CanonicalValues.timestamp(LocalDateTime.parse(dateTime(t)));
            case "date" -> special(t) ? t.toLowerCase(Locale.ROOT) : CanonicalValues.date(LocalDate.parse(t));
            case "time" -> CanonicalValues.time(LocalTime.parse(t));
            case "timetz" -> CanonicalValues.timeTz(OffsetTime.parse(t, OFFSET_TIME));
            default -> {
                if (!urlReadable(type)) {
                    throw new IllegalArgumentException("array keys cannot be looked up by URL");
                }
                yield text; // text, varchar, enums, ...: exactly as Postgres prints them
            }
        };
    }

    private static boolean special(String t) {
        return t.equalsIgnoreCase("infinity") || t.equalsIgnoreCase("-infinity");
    }

    /** Postgres' {@code 2024-05-01 10:15:30} as ISO-8601. */
    private static String dateTime(String t) {
        return t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
    }

    private static String numeric(String t) {
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "nan" -> "NaN";
            case "infinity", "+infinity", "inf", "+inf" -> "Infinity";
            case "-infinity", "-inf" -> "-Infinity";
            default -> KeyCodec.numeric(new BigDecimal(t));
        };
    }

    private static String bool(String t) {
        String lower = t.toLowerCase(Locale.ROOT);
        if (!lower.isEmpty()
                && ("true".startsWith(lower) || "yes".startsWith(lower) || lower.equals("on") || lower.equals("1"))) {
            return "true";
        }
        if (!lower.isEmpty()
                && ("false".startsWith(lower) || "no".startsWith(lower) || lower.equals("off") || lower.equals("0"))) {
            return "false";
        }
        throw new IllegalArgumentException("not a boolean");
    }

    private static String uuid(String t) {
        String digits = (t.startsWith("{") && t.endsWith("}") ? t.substring(1, t.length() - 1) : t).replace("-", "");
        if (digits.length() != 32) {
            throw new IllegalArgumentException("a uuid has 32 hex digits");
        }
        String hex = HexFormat.of().formatHex(HexFormat.of().parseHex(digits));
        return hex.substring(0, 8)
                + '-'
                + hex.substring(8, 12)
                + '-'
                + hex.substring(12, 16)
                + '-'
                + hex.substring(16, 20)
                + '-'
                + hex.substring(20);
    }

    private static String bytea(String t) {
        if (!t.startsWith("\\x") && !t.startsWith("\\X")) {
            throw new IllegalArgumentException("a bytea key is written \\x and hex digits, e.g. \\x0a1b");
        }
        return "\\x" + HexFormat.of().formatHex(HexFormat.of().parseHex(t.substring(2)));
    }
}
