package io.cdcfanout.service.config;

import java.nio.file.Path;

/**
 * Where source offsets live.
 *
 * @param store  {@code postgres} (default: a table in the service's schema of the source database, so
 *               the sidecar keeps no local state) or {@code file}
 * @param path   the offsets file, for {@code store: file}
 * @param schema the service's own schema in the source database (offsets, dead letters); never captured
 */
public record OffsetsConfig(String store, Path path, String schema) {

    public static final OffsetsConfig DEFAULT = new OffsetsConfig(null, null, null);

    public OffsetsConfig {
        store = store == null ? "postgres" : store;
        schema = Validation.identifier(schema, "cdc_fanout", "offsets.schema");
        switch (store) {
            case "postgres" -> {
                if (path != null) {
                    throw new IllegalArgumentException("'offsets.path' only goes with 'offsets.store: file'");
                }
            }
            case "file" -> Validation.require(path, "offsets.path");
            default ->
                throw new IllegalArgumentException("'offsets.store' must be 'postgres' or 'file', not '" + store + "'");
        }
    }

    public boolean inPostgres() {
        return store.equals("postgres");
    }
}
