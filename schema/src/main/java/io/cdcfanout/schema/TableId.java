package io.cdcfanout.schema;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A captured table, always schema-qualified. Parsed from {@code "schema.table"}; an unqualified name
 * means schema {@code public}, as in Postgres. Names are kept as written (unquoted, lower-case is usual).
 */
public record TableId(String schema, String table) implements Comparable<TableId> {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    public TableId {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        if (!IDENTIFIER.matcher(schema).matches() || !IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("not a valid table name: '" + schema + "." + table
                    + "' (expected schema.table, letters, digits and underscores)");
        }
    }

    @JsonCreator
    public static TableId parse(String qualifiedName) {
        Objects.requireNonNull(qualifiedName, "table name");
        String name = qualifiedName.trim();
        int dot = name.indexOf('.');
        if (dot < 0) {
            return new TableId("public", name);
        }
        if (name.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException(
                    "not a valid table name: '" + qualifiedName + "' (expected schema.table)");
        }
        return new TableId(name.substring(0, dot), name.substring(dot + 1));
    }

    /** The name as Postgres SQL text, each part double-quoted. */
    public String quoted() {
        return '"' + schema + "\".\"" + table + '"';
    }

    @JsonValue
    @Override
    public String toString() {
        return schema + "." + table;
    }

    @Override
    public int compareTo(TableId other) {
        return toString().compareTo(other.toString());
    }
}
