package io.cdcfanout.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** DDL of the service's own tables (offsets, dead letters), rendered for a schema name. */
public final class ServiceTables {

    public static final String DEFAULT_SCHEMA = "cdc_fanout";
    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    private ServiceTables() {}

    /** The DDL, idempotent ({@code IF NOT EXISTS}), as one script of statements separated by semicolons. */
    public static String ddl(String schema) {
        if (!SCHEMA_NAME.matcher(schema).matches()) {
            throw new IllegalArgumentException(
                    "not a valid schema name: '" + schema + "' (lower-case letters, digits, _)");
        }
        return resource("service-tables.sql").replace("${schema}", schema);
    }

    private static String resource(String name) {
        try (InputStream in = ServiceTables.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
