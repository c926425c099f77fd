package io.cdcfanout.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The one text form of each Postgres value type, used wherever a row image is built (from the WAL or
 * from a plain query), so that the same row reads the same in every sink whichever way it arrived.
 */
public final class CanonicalValues {

    private CanonicalValues() {}

    /**
     * timestamptz: UTC, always with seconds, a fraction in groups of three digits only when non-zero:
     * {@code 2024-05-01T10:15:30.500Z}. Exactly {@link DateTimeFormatter#ISO_INSTANT}'s text, written by hand
     * for years 0000-9999 because this runs for every timestamptz of every change.
     */
    public static String timestampTz(Instant instant) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(), ZoneOffset.UTC);
        int year = t.getYear();
        if (year < 0 || year > 9999) {
            return DateTimeFormatter.ISO_INSTANT.format(instant);
        }
        StringBuilder s = new StringBuilder(30);
        digits(s, year, 4).append('-');
        digits(s, t.getMonthValue(), 2).append('-');
        digits(s, t.getDayOfMonth(), 2).append('T');
        digits(s, t.getHour(), 2).append(':');
        digits(s, t.getMinute(), 2).append(':');
        digits(s, t.getSecond(), 2);
        int nano = t.getNano();
        if (nano != 0) {
            s.append('.');
            if (nano % 1_000_000 == 0) {
                digits(s, nano / 1_000_000, 3);
            } else if (nano % 1_000 == 0) {
                digits(s, nano / 1_000, 6);
            } else {
                digits(s, nano, 9);
            }
        }
        return s.append('Z').toString();
    }

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    /** {@code value} zero-padded to {@code width} digits. */
    private static StringBuilder digits(StringBuilder s, int value, int width) {
        for (int power = POWERS_OF_TEN[width - 1]; power > 1 && value < power; power /= 10) {
            s.append('0');
        }
        return s.append(value);
    }

    /** timestamp without time zone: {@code 2024-05-01T10:15:30}. */
    public static String timestamp(LocalDateTime value) {
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value);
    }

    /** date: {@code 2024-05-01}. */
    public static String date(LocalDate value) {
        return DateTimeFormatter.ISO_LOCAL_DATE.format(value);
    }

    /**
     * time: {@code 10:15:30}; {@link LocalTime#MAX} is Postgres' end of day {@code 24:00:00} (the driver reads
     * 24:00:00 as MAX, and no Postgres time has nanoseconds).
     */
    public static String time(LocalTime value) {
        return value.equals(LocalTime.MAX) ? "24:00:00" : DateTimeFormatter.ISO_LOCAL_TIME.format(value);
    }

    /**
     * time with time zone, in UTC as Debezium sends it: {@code 10:15:30+02:00} is {@code 08:15:30Z}. The time
     * of day in UTC is exact; the offset it was written with is not kept.
     */
    public static String timeTz(OffsetTime value) {
        return DateTimeFormatter.ISO_OFFSET_TIME.format(value.withOffsetSameInstant(ZoneOffset.UTC));
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
