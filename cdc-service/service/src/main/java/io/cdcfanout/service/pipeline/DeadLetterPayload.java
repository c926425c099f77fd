package io.cdcfanout.service.pipeline;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a dead letter stores of the change's row image: its JSON text, cut down to a cap so that the letter
 * can always be stored (a Postgres jsonb value holds at most 256 MiB, a row may be larger, and a letter that cannot be
 * stored would stop the pipeline).
 *
 * <p>A row whose JSON text fits the cap is stored whole, as {@link RowJson} renders it. A larger one is stored as
 * {@code {"row": {...}, "cut": {"<column>": {"size": n, "head": "..."}}}}: the smallest columns that fit the cap
 * are kept, every other one is left out of {@code row} and noted in {@code cut} with the length of its JSON text
 * and, for text, its first {@value #HEAD_CHARS} characters. The row is measured without being rendered, so a
 * value too large to render as JSON still gives a letter.
 *
 * @param json      the JSON text the payload column (jsonb) accepts, null when there is no image
 * @param truncated true when columns were left out
 * @param size      the length of the JSON text of the whole image (0 when there is none)
 */
public record DeadLetterPayload(String json, boolean truncated, long size) {

    /** The default cap: 4 MiB of JSON text per letter, far below {@code jsonb}'s limit, small enough to read back. */
    public static final int DEFAULT_CAP_CHARS = 4 << 20;

    /** How much of a text value that was cut is kept. */
    static final int HEAD_CHARS = 256;

    /** Room left in the cap for the {@code cut} notes. */
    private static final int NOTE_CHARS = HEAD_CHARS + 128;

    public static final DeadLetterPayload NONE = new DeadLetterPayload(null, false, 0);

    /** The payload of {@code image} (null for none) within {@code capChars} characters, as described above. */
    public static DeadLetterPayload of(Row image, int capChars) {
        if (image == null) {
            return NONE;
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        long total = 2; // {}
        for (Map.Entry<String, Object> column : image.values().entrySet()) {
            long size = jsonLength(column.getValue());
            sizes.put(column.getKey(), size);
            total += jsonLength(column.getKey()) + 1 + size + 1; // "name":value,
        }
        if (!sizes.isEmpty()) {
            total--; // no comma after the last
        }
        if (total <= capChars) {
            return new DeadLetterPayload(RowJson.toJsonbText(RowJson.toJson(image)), false, total);
        }
        List<String> bySize = new ArrayList<>(sizes.keySet());
        bySize.sort(Comparator.comparingLong(sizes::get));
        java.util.Set<String> keep = new java.util.HashSet<>();
        long kept = 32;
        for (String column : bySize) {
            long room = sizes.get(column) + jsonLength(column) + 2;
            if (kept + room + (long) (bySize.size() - keep.size()) * NOTE_CHARS > capChars) {
                break;
            }
            keep.add(column);
            kept += room;
        }
        ObjectNode payload = RowJson.MAPPER.createObjectNode();
        ObjectNode row = payload.putObject("row");
        ObjectNode cut = payload.putObject("cut");
        image.values().forEach((column, value) -> {
            if (keep.contains(column)) {
                row.set(column, RowJson.toJson(value));
            } else {
                ObjectNode note = cut.putObject(column).put("size", sizes.get(column));
                if (value instanceof String text) {
                    note.put("head", text.substring(0, Math.min(HEAD_CHARS, text.length())));
                }
            }
        });
        return new DeadLetterPayload(RowJson.toJsonbText(payload), true, total);
    }

    /** The payload of a letter stored without its image, noting the size it had. */
    DeadLetterPayload dropped() {
        return new DeadLetterPayload(null, true, size);
    }

    /** The length of {@code value}'s JSON text as {@link RowJson#write} renders it, counted without keeping it. */
    static long jsonLength(Object value) {
        if (value instanceof byte[] bytes) {
            return 4L * ((bytes.length + 2) / 3) + 2; // quoted base64
        }
        CountingWriter counter = new CountingWriter();
        try (JsonGenerator json = RowJson.MAPPER.createGenerator(counter)) {
            RowJson.write(json, value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure a value's JSON text", e);
        }
        return counter.count;
    }

    /** Counts what is written and keeps nothing. */
    private static final class CountingWriter extends Writer {
        private long count;

        @Override
        public void write(char[] buffer, int offset, int length) {
            count += length;
        }

        @Override
        public void write(String text, int offset, int length) {
            count += length;
        }

        @Override
        public void write(int c) {
            count++;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
