package io.cdcfanout.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The one JSON rendering of a row image, shared by every sink and the HTTP API so that the index, the
 * cache and the history show a row the same way: numerics stay exact, json/jsonb stay JSON, bytea is
 * base64, NaN and infinities (which JSON cannot hold) become the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"}. Unknown (unchanged TOAST) columns are left out.
 *
 * <p>Two forms, which write the same JSON: a tree ({@link #toJson}) for callers that compare or merge
 * images, and a stream ({@link #write}) for callers that only send them on, which skips building the tree.
 */
public final class RowJson {

    /** A mapper configured to keep decimals exact; share it, it is thread-safe. */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();

    private RowJson() {}

    public static ObjectNode toJson(Row row) {
        ObjectNode node = NODES.objectNode();
        for (Map.Entry<String, Object> e : row.values().entrySet()) {
            node.set(e.getKey(), toJson(e.getValue()));
        }
        return node;
    }

    public static JsonNode toJson(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof JsonNode json) {
            return json;
        }
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? NODES.textNode(d.toString()) : NODES.numberNode(d);
        }
        if (value instanceof Float f) {
            return toJson(f.doubleValue());
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof byte[] bytes) {
            return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
        }
        if (value instanceof List<?> list) {
            ArrayNode array = NODES.arrayNode(list.size());
            list.forEach(element -> array.add(toJson(element)));
            return array;
        }
        return NODES.textNode(value.toString());
    }

    /** An escape {@code \u0000} in JSON text: a backslash not itself escaped (an even run of backslashes before it). */
    private static final java.util.regex.Pattern NUL_ESCAPE =
            java.util.regex.Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");

    /**
     * The JSON text of {@code json} in a form a Postgres jsonb column accepts. jsonb cannot hold the
     * character U+0000, so each one becomes the six characters {@code \u0000} (a literal backslash and
     * {@code u0000}): the value is kept readable and the insert does not fail. Everything else is unchanged.
     */
    public static String toJsonbText(JsonNode json) {
        String text = json.toString();
        return text.contains("\\u0000") ? NUL_ESCAPE.matcher(text).replaceAll("$1\\\\\\\\u0000") : text;
    }

    /** The text of {@link #toJson(Row)}, rendered without building the tree. */
    public static String toText(Row row) {
        StringWriter text = new StringWriter(256);
        try (JsonGenerator json = MAPPER.createGenerator(text)) {
            json.writeStartObject();
            for (Map.Entry<String, Object> e : row.values().entrySet()) {
                json.writeFieldName(e.getKey());
                write(json, e.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render row image as JSON", e);
        }
        return text.toString();
    }

    /** Writes one value as {@link #toJson(Object)} renders it, straight to {@code json}. */
    public static void write(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof JsonNode node) {
            MAPPER.writeTree(json, node);
        } else if (value instanceof String s) {
            json.writeString(s);
        } else if (value instanceof Long l) {
            json.writeNumber(l);
        } else if (value instanceof Integer i) {
            json.writeNumber(i);
        } else if (value instanceof BigDecimal d) {
            json.writeNumber(d);
        } else if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                json.writeString(d.toString());
            } else {
                json.writeNumber(d);
            }
        } else if (value instanceof Float f) {
            write(json, f.doubleValue());
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof byte[] bytes) {
            json.writeString(Base64.getEncoder().encodeToString(bytes));
        } else if (value instanceof List<?> list) {
            json.writeStartArray();
            for (Object element : list) {
                write(json, element);
            }
            json.writeEndArray();
        } else {
            json.writeString(value.toString());
        }
    }

    /**
     * A lower bound of the length of {@link #toText(Row)} in bytes, computed without rendering: enough to refuse a
     * row that cannot fit a size limit (jsonb's 256 MiB) before building copies of it that a small heap cannot hold.
     */
    public static long minimumTextLength(Row row) {
        long length = 2L + Math.max(0, row.values().size() - 1); // braces and commas
        for (Map.Entry<String, Object> e : row.values().entrySet()) {
            length += e.getKey().length() + 3 + minimumTextLength(e.getValue()); // "key":value
        }
        return length;
    }

    private static long minimumTextLength(Object value) {
        if (value instanceof byte[] bytes) {
            return 4L * ((bytes.length + 2) / 3) + 2; // base64 in quotes
        } else if (value instanceof String s) {
            return s.length() + 2L;
        } else if (value instanceof List<?> list) {
            long length = 2L + Math.max(0, list.size() - 1); // brackets and commas
            for (Object element : list) {
                length += minimumTextLength(element);
            }
            return length;
        }
        return 1; // null, numbers, booleans, json: at least one character
    }
}
