package io.cdcfanout.sink.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The user's part of a create-index request: {@code settings} and {@code mappings}, either of which may be
 * empty. The sink adds its own fields and the filtered alias when it creates the index.
 *
 * @param settings index settings, e.g. {@code {"number_of_shards": 1}}; never null
 * @param mappings index mappings, e.g. {@code {"properties": {...}}}; never null
 */
record IndexBody(ObjectNode settings, ObjectNode mappings) {

    private static final Set<String> BODY_KEYS = Set.of("settings", "mappings");

    static IndexBody of(JsonNode resolvedMapping) {
        ObjectNode settings = RowJson.MAPPER.createObjectNode();
        ObjectNode mappings = RowJson.MAPPER.createObjectNode();
        if (resolvedMapping == null || resolvedMapping.isEmpty()) {
            return new IndexBody(settings, mappings);
        }
        boolean isBody = resolvedMapping.size() > 0;
        for (var it = resolvedMapping.fieldNames(); it.hasNext(); ) {
            isBody &= BODY_KEYS.contains(it.next());
        }
        if (isBody) {
            if (resolvedMapping.get("settings") instanceof ObjectNode s) {
                settings.setAll(s);
            }
            if (resolvedMapping.get("mappings") instanceof ObjectNode m) {
                mappings.setAll(m);
            }
        } else {
            mappings.setAll((ObjectNode) resolvedMapping);
        }
        return new IndexBody(settings, mappings);
    }

    /**
     * The {@code mapping} option as an object: kept when inline, read when it is a path to a JSON file.
     *
     * @throws IllegalArgumentException when the file is missing or not a JSON object, or the option is neither
     */
    static JsonNode resolve(String index, JsonNode mapping) {
        if (mapping == null || mapping.isNull()) {
            return null;
        }
        if (mapping.isObject()) {
            checkShape(index, mapping);
            return mapping.deepCopy();
        }
        if (mapping.isTextual()) {
            Path file = Path.of(mapping.asText());
            JsonNode read;
            try {
                read = RowJson.MAPPER.readTree(Files.readString(file));
            } catch (IOException e) {
                throw new IllegalArgumentException("elasticsearch sink: index '" + index
                        + "': cannot read mapping file " + file.toAbsolutePath() + ": " + e.getMessage());
            }
            if (read == null || !read.isObject()) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: index '" + index + "': mapping file " + file
                                + " must hold a JSON object ({\"mappings\": {...}, \"settings\": {...}} or {\"properties\": {...}})");
            }
            checkShape(index, read);
            return read;
        }
        throw new IllegalArgumentException("elasticsearch sink: index '" + index
                + "': 'mapping' must be an object or the path of a JSON file, not " + mapping.getNodeType());
    }

    private static void checkShape(String index, JsonNode mapping) {
        for (String key : BODY_KEYS) {
            JsonNode part = mapping.get(key);
            if (part != null && !part.isObject()) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: index '" + index + "': mapping." + key + " must be an object");
            }
        }
        if (mapping.has("aliases")) {
            throw new IllegalArgumentException("elasticsearch sink: index '" + index
                    + "': mapping must not set 'aliases'; the sink creates the alias '" + index + "' itself");
        }
    }
}
