package io.cdcfanout.sink.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import java.util.Comparator;
import java.util.List;

/** The {@code data} column: row images as JSON ({@link RowJson}), read back exactly, compared by value. */
final class HistoryJson {

    /** Reads numbers as exact decimals, so a numeric read back from jsonb keeps its digits and scale. */
    private static final ObjectReader EXACT_READER =
            RowJson.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** Numbers by value (jsonb gives back 5 as an int, RowJson wrote a long); everything else structurally. */
    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private HistoryJson() {}

    /**
     * The after image as JSON with every unchanged TOAST column carried forward from the previous
     * version's data. A column neither knows stays absent (the planner rejects such a change first,
     * see {@link #notCarried}): a placeholder is never stored.
     *
     * @param previous the data of the version this image follows; null when there is none
     */
    static VersionData imageOf(Row after, VersionData previous) {
        if (previous == null || after.isComplete()) {
            return VersionData.of(after);
        }
        ObjectNode json = RowJson.toJson(after);
        ObjectNode carried = previous.tree();
        for (String column : after.unchangedToastColumns()) {
            JsonNode value = carried.get(column);
            if (value != null) {
                json.set(column, value);
            }
        }
        return VersionData.of(json);
    }

    /** The after image's unchanged TOAST columns that {@code previous} (may be null) has no value for. */
    static List<String> notCarried(Row after, VersionData previous) {
        if (after.isComplete()) {
            return List.of();
        }
        ObjectNode carried = previous == null ? null : previous.tree();
        return after.unchangedToastColumns().stream()
                .filter(c -> carried == null || !carried.has(c))
                .toList();
    }

    /** The key alone as a row image, for a deletion of a row no version knows. */
    static VersionData keyOnly(RowKey key) {
        ObjectNode json = RowJson.MAPPER.createObjectNode();
        for (int i = 0; i < key.columns().size(); i++) {
            json.set(key.columns().get(i), RowJson.toJson(key.values().get(i)));
        }
        return VersionData.of(json);
    }

    static boolean sameData(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == null && b == null;
        }
        return a.equals(BY_VALUE, b);
    }

    static ObjectNode parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return (ObjectNode) EXACT_READER.readTree(text);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("history data is not a JSON object: " + e.getMessage(), e);
        }
    }

    static String write(JsonNode json) {
        try {
            return json == null ? null : RowJson.MAPPER.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render row image as JSON: " + e.getMessage(), e);
        }
    }
}
