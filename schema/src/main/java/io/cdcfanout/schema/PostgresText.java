package io.cdcfanout.schema;

import static io.cdcfanout.schema.PostgresArrayText.abbreviate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.postgresql.util.PGInterval;

/**
 * Postgres' output text of one value to the rendering the WAL path gives the same value, for values that arrive
 * as text: elements of the arrays {@link PostgresArrayText} parses, and columns a plain query reads. Each method
 * throws {@link IllegalArgumentException} for text it cannot render exactly.
 */
public final class PostgresText {

    private PostgresText() {}

    /**
     * An interval in any of Postgres' output styles, as Debezium renders one with
     * {@code interval.handling.mode=string}: {@code P1Y2M3DT4H5M6.789012S}, each field with its own sign.
     */
    public static String interval(String value) {
        PGInterval interval;
        try {
            if (value.chars().noneMatch(Character::isDigit)) { // the driver reads such text as a zero interval
                throw new IllegalArgumentException("no digits");
            }
            interval = new PGInterval(value);
        } catch (SQLException | RuntimeException e) {
            throw new IllegalArgumentException("'" + abbreviate(value) + "' is not interval text", e);
        }
        BigDecimal seconds = BigDecimal.valueOf(interval.getSeconds());
        if (seconds.scale() > 9) {
            seconds = seconds.setScale(9, RoundingMode.DOWN);
        }
        // the same text as Debezium's io.debezium.time.Interval.toIsoString
        return "P" + interval.getYears() + "Y" + interval.getMonths() + "M" + interval.getDays() + "DT"
                + interval.getHours() + "H" + interval.getMinutes() + "M"
                + seconds.stripTrailingZeros().toPlainString() + "S";
    }

    /**
     * Money as Postgres writes it under {@code lc_monetary} ({@code $1,234.56}, {@code -$0.01}, {@code ($5.00)}),
     * as the exact decimal text Debezium makes of a money value: sign, digits and the decimal point are kept, a
     * leading currency symbol and the {@code ,} group separators are dropped. Text that is still no decimal then
     * (a locale with {@code ,} as its decimal separator) is refused rather than misread.
     */
    public static String money(String value) {
        String v = value.strip();
        boolean negative = v.startsWith("-") || (v.startsWith("(") && v.endsWith(")"));
        if (v.startsWith("-")) {
            v = v.substring(1);
        } else if (negative) {
            v = v.substring(1, v.length() - 1);
        }
        if (!v.isEmpty() && !Character.isDigit(v.charAt(0)) && v.charAt(0) != '.') {
            v = v.substring(1);
        }
        v = v.replace(",", "");
        try {
            BigDecimal amount = new BigDecimal(v);
            return (negative ? amount.negate() : amount).toPlainString();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "money '" + abbreviate(value) + "' is not decimal text under this server's lc_monetary", e);
        }
    }

    /** A time of day, {@code 24:00:00} kept, as {@link CanonicalValues#time}. */
    public static String time(String value) {
        if (value.equals("24:00:00")) {
            return CanonicalValues.time(LocalTime.MAX);
        }
        try {
            return CanonicalValues.time(LocalTime.parse(value));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + abbreviate(value) + "' is not time text", e);
        }
    }

    /**
     * A time with time zone as {@link CanonicalValues#timeTz} renders it: the UTC time of day, so
     * {@code 24:00:00+00} is {@code 00:00:00Z}, as Debezium sends it.
     */
    public static String timeTz(String value) {
        try {
            String text = value.startsWith("24:00:00") ? "00:00:00" + value.substring("24:00:00".length()) : value;
            return CanonicalValues.timeTz(OffsetTime.parse(text, TIME_TZ));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + abbreviate(value) + "' is not timetz text", e);
        }
    }

    /** Postgres' timetz output: {@code 12:00:00+05:30}, {@code 08:01:00.5-15:59}, {@code 00:00:00+00}. */
    private static final DateTimeFormatter TIME_TZ = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .appendOffset("+HH:mm:ss", "+00")
            .toFormatter(Locale.ROOT);

    /** A bit string as its text, leading zeros kept. */
    public static String bits(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) != '0' && value.charAt(i) != '1') {
                throw new IllegalArgumentException("bit string '" + abbreviate(value) + "' is not 0s and 1s");
            }
        }
        return value;
    }
}
