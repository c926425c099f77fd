package io.cdcfanout.sink.jdbc;

import io.cdcfanout.schema.CanonicalValues;
import io.cdcfanout.schema.PostgresArrayText;
import io.cdcfanout.schema.PostgresText;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGStatement;

/**
 * Reads a column of a plain query into the value types of {@link io.cdcfanout.schema.Row}, in the same
 * canonical forms the WAL converter produces, so a row loaded by query equals the same row streamed.
 */
public final class JdbcValues {

    private JdbcValues() {}

    public static Object read(ResultSet rs, int column, String typeName) throws SQLException {
        try {
            // Not getObject: the driver's fails on some values (money with group separators or beyond a double).
            if (rs.getString(column) == null) {
                return null;
            }
            return switch (typeName) {
                case "int2", "int4", "int8", "oid", "serial", "bigserial" -> rs.getLong(column);
                case "numeric" -> numeric(rs.getString(column));
                case "float4" -> CanonicalValues.real(rs.getFloat(column));
                case "float8" -> rs.getDouble(column);
                case "bool" -> rs.getBoolean(column);
                case "json", "jsonb" -> CanonicalValues.json(rs.getString(column));
                case "timestamptz" ->
                    CanonicalValues.timestampTz(
                            rs.getObject(column, OffsetDateTime.class).toInstant());
                case "timestamp" -> CanonicalValues.timestamp(rs.getObject(column, LocalDateTime.class));
                case "date" -> CanonicalValues.date(rs.getObject(column, LocalDate.class));
                case "time" -> CanonicalValues.time(rs.getObject(column, LocalTime.class));
                case "timetz" -> PostgresText.timeTz(rs.getString(column)); // the driver misreads 24:00:00+00
                case "bytea" -> rs.getBytes(column);
                // as Debezium sends them: ISO intervals, money as exact decimals, bit(1) as a boolean
                case "interval" -> PostgresText.interval(rs.getString(column));
                case "money" -> PostgresText.money(rs.getString(column));
                case "bit" -> rs.getObject(column) instanceof Boolean b ? b : rs.getString(column);
                default -> {
                    if (!typeName.startsWith("_")) {
                        yield rs.getString(column);
                    }
                    String element = typeName.substring(1);
                    // the arrays the WAL path reads as text (ArrayTextConverter), read here the same way
                    yield PostgresArrayText.renders(element)
                            ? PostgresArrayText.render(element, rs.getString(column))
                            : array(rs.getArray(column), element);
                }
            };
        } catch (RuntimeException | SQLException e) {
            // Special values (infinity, NaN) have no Java form: keep Postgres' text.
            return rs.getString(column);
        }
    }

    /** The driver's Timestamp for an element, with its sentinels for ±infinity as Postgres' text. */
    private static String timestamp(Timestamp t, boolean withZone) {
        if (t.getTime() == PGStatement.DATE_POSITIVE_INFINITY) {
            return "infinity";
        }
        if (t.getTime() == PGStatement.DATE_NEGATIVE_INFINITY) {
            return "-infinity";
        }
        return withZone ? CanonicalValues.timestampTz(t.toInstant()) : CanonicalValues.timestamp(t.toLocalDateTime());
    }

    private static Object numeric(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return text;
        }
    }

    private static List<Object> array(Array array, String elementType) throws SQLException {
        Object[] elements = (Object[]) array.getArray();
        List<Object> out = new ArrayList<>(elements.length);
        for (Object element : elements) {
            out.add(element(element, elementType));
        }
        return out;
    }

    private static Object element(Object element, String elementType) {
        if (element == null) {
            return null;
        }
        if (element instanceof Object[] nested) {
            List<Object> out = new ArrayList<>(nested.length);
            for (Object e : nested) {
                out.add(element(e, elementType));
            }
            return out;
        }
        return switch (elementType) {
            case "int2", "int4", "int8" -> ((Number) element).longValue();
            case "numeric" -> element instanceof BigDecimal d ? d : numeric(element.toString());
            case "float4" -> CanonicalValues.real(((Number) element).floatValue());
            case "float8" -> ((Number) element).doubleValue();
            case "bool" -> element;
            case "json", "jsonb" -> CanonicalValues.json(element.toString());
            case "date" -> CanonicalValues.date(((java.sql.Date) element).toLocalDate());
            case "bytea" -> element;
            case "timestamp", "timestamptz" -> timestamp((Timestamp) element, elementType.equals("timestamptz"));
            default -> element.toString();
        };
    }
}
