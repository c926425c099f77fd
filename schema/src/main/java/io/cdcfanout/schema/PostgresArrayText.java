package io.cdcfanout.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Postgres array text (Debezium's {@code ArrayTextConverter} passes it on, a plain query reads it) to lists of the element's rendering, the
 * same rendering the scalar type gets: {@code interval} as Debezium's ISO text, {@code money} as exact decimal
 * text, {@code time} with {@code 24:00:00} kept, {@code timetz} as the UTC time of day, bit strings and {@code xml} as their text. Nested arrays
 * become nested lists.
 */
public final class PostgresArrayText {

    private final String text;
    private int at;

    private PostgresArrayText(String text) {
        this.text = text;
    }

    /**
     * The elements of {@code arrayText}, each rendered as an element of type {@code element}.
     *
     * @throws IllegalArgumentException for text that cannot be rendered exactly; the change is dead-lettered
     *     with the message
     */
    public static List<Object> render(String element, String arrayText) {
        Function<String, Object> rendering = elementRendering(element);
        if (arrayText.startsWith("[")) {
            throw new IllegalArgumentException(
                    element + "[] value " + abbreviate(arrayText) + " has explicit bounds, which a list cannot carry");
        }
        PostgresArrayText parser = new PostgresArrayText(arrayText);
        List<Object> values;
        try {
            values = parser.array(rendering);
            parser.skipSpace();
            if (parser.at != arrayText.length()) {
                throw parser.malformed("text after the closing brace");
            }
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException(
                    "malformed " + element + "[] text " + abbreviate(arrayText) + ": it ends inside the array", e);
        }
        return values;
    }

    /** Postgres' output text of one array element to its rendering. */
    /** Whether {@link #render} knows {@code element}'s rendering. */
    public static boolean renders(String element) {
        return RENDERED.contains(element.toLowerCase(Locale.ROOT));
    }

    private static final java.util.Set<String> RENDERED =
            java.util.Set.of("interval", "money", "time", "timetz", "bit", "varbit", "xml");

    private static Function<String, Object> elementRendering(String element) {
        return switch (element.toLowerCase(Locale.ROOT)) {
            case "interval" -> PostgresText::interval;
            case "money" -> PostgresText::money;
            case "time" -> PostgresText::time;
            case "timetz" -> PostgresText::timeTz;
            case "bit", "varbit" -> PostgresText::bits;
            case "xml" -> value -> value;
            default -> throw new IllegalArgumentException("no rendering for " + element + "[] elements");
        };
    }

    private List<Object> array(Function<String, Object> rendering) {
        skipSpace();
        expect('{');
        List<Object> values = new ArrayList<>();
        skipSpace();
        if (text.charAt(at) == '}') {
            at++;
            return values;
        }
        while (true) {
            skipSpace();
            char c = text.charAt(at);
            if (c == '{') {
                values.add(array(rendering));
            } else if (c == '"') {
                values.add(rendering.apply(quoted()));
            } else {
                String bare = unquoted();
                values.add(bare.equalsIgnoreCase("NULL") ? null : rendering.apply(bare));
            }
            skipSpace();
            char next = text.charAt(at++);
            if (next == '}') {
                return values;
            }
            if (next != ',') {
                at--;
                throw malformed("expected ',' or '}'");
            }
        }
    }

    private String quoted() {
        expect('"');
        StringBuilder value = new StringBuilder();
        while (true) {
            char c = text.charAt(at++);
            if (c == '"') {
                return value.toString();
            }
            value.append(c == '\\' ? text.charAt(at++) : c);
        }
    }

    private String unquoted() {
        int from = at;
        while (true) {
            char c = text.charAt(at);
            if (c == ',' || c == '}') {
                break;
            }
            if (c == '{' || c == '"') {
                throw malformed("unexpected '" + c + "'");
            }
            at++;
        }
        String value = text.substring(from, at).strip();
        if (value.isEmpty()) {
            throw malformed("an empty element");
        }
        return value;
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private void expect(char c) {
        if (text.charAt(at) != c) {
            throw malformed("expected '" + c + "'");
        }
        at++;
    }

    private IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException(
                "malformed array text " + abbreviate(text) + " at offset " + at + ": " + what);
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
