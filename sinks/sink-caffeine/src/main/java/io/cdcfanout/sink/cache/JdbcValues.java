package io.cdcfanout.sink.cache;

import io.cdcfanout.schema.CanonicalValues;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a column of a plain query into the value types of {@link io.cdcfanout.schema.Row}, in the same
 * canonical forms the WAL converter produces, so a row loaded by query equals the same row streamed.
 */
final class JdbcValues {

    private JdbcValues() {}

    static Object read(ResultSet rs, int column, String typeName) throws SQLException {
        try {
            // Inside the try: the driver's own getObject fails on some values (money beyond a double's digits).
            if (rs.getObject(column) == null) {
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
                case "timetz" -> CanonicalValues.timeTz(rs.getObject(column, OffsetTime.class));
                case "bytea" -> rs.getBytes(column);
                default ->
                    typeName.startsWith("_") ? array(rs.getArray(column), typeName.substring(1)) : rs.getString(column);
            };
        } catch (RuntimeException | SQLException e) {
            // Special values (infinity, NaN) have no Java form: keep Postgres' text.
            return rs.getString(column);
        }
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
            default -> element.toString();
        };
    }
}
