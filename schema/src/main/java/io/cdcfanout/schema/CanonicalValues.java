package io.cdcfanout.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;

/**
 * The one text form of each Postgres value type, used wherever a row image is built (from the WAL or
 * from a plain query), so that the same row reads the same in every sink whichever way it arrived.
 */
public final class CanonicalValues {

    private CanonicalValues() {
    }

    /** timestamptz: UTC, always with seconds, fraction only when non-zero: {@code 2024-05-01T10:15:30.5Z}. */
    public static String timestampTz(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    /** timestamp without time zone: {@code 2024-05-01T10:15:30}. */
    public static String timestamp(LocalDateTime value) {
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value);
    }

    /** date: {@code 2024-05-01}. */
    public static String date(LocalDate value) {
        return DateTimeFormatter.ISO_LOCAL_DATE.format(value);
    }

    /** time: {@code 10:15:30}. */
    public static String time(LocalTime value) {
        return DateTimeFormatter.ISO_LOCAL_TIME.format(value);
    }

    /** time with time zone: {@code 10:15:30Z} / {@code 10:15:30+02:00}. */
    public static String timeTz(OffsetTime value) {
        return DateTimeFormatter.ISO_OFFSET_TIME.format(value);
    }

    /** real: the float's own decimal text as a double, so 1.1 stays 1.1 and not 1.100000023841858. */
    public static Double real(float value) {
        if (Float.isNaN(value) || Float.isInfinite(value)) {
            return (double) value;
        }
        return Double.parseDouble(Float.toString(value));
    }

    /** json/jsonb: parsed, so it is written as JSON and not as a string. */
    public static JsonNode json(String text) {
        try {
            return RowJson.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
