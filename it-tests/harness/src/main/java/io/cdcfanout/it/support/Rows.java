package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Row images normalised to {@code column -> text}, so a row read from Postgres, an Elasticsearch document,
 * a cache entry and a history version's {@code data} compare equal exactly when they hold the same values
 * (numbers by value: {@code 1.50} equals {@code 1.5}; SQL NULL equals JSON null).
 */
public final class Rows {

    private Rows() {}

    /** Every row of {@code table}, by the text of {@code keyColumn}. */
    public static Map<String, Map<String, String>> read(TestDatabase db, String table, String keyColumn) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
            Map<String, Map<String, String>> rows = new TreeMap<>();
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new TreeMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), norm(rs.getObject(i)));
                }
                rows.put(row.get(keyColumn), row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + table + ": " + e.getMessage(), e);
        }
    }

    /** A JSON object (document, cache row, history data) as a row; the {@code _cdc} metadata is left out. */
    public static Map<String, String> fromJson(JsonNode object) {
        Map<String, String> row = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("_cdc")) {
                row.put(field.getKey(), norm(field.getValue()));
            }
        }
        return row;
    }

    /** Two JSON trees hold the same values: numbers compare by value ({@code 1.5E+300} equals its plain form). */
    public static boolean sameJson(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == null && b == null;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<String> names = a.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!sameJson(a.get(name), b.get(name))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!sameJson(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** One value's comparable text. */
    public static String norm(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof JsonNode json) {
            if (json.isNull() || json.isMissingNode()) {
                return null;
            }
            if (json.isNumber()) {
                return norm(json.decimalValue());
            }
            return json.isTextual() ? json.asText() : json.toString();
        }
        if (value instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        if (value instanceof Number n) {
            return norm(new BigDecimal(n.toString()));
        }
        return value.toString();
    }
}
