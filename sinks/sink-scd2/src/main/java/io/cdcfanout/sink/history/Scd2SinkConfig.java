package io.cdcfanout.sink.history;

import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.SinkConfig;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of an SCD type-2 history sink ({@code type: scd2}).
 *
 * <pre>
 * history:
 *   type: scd2
 *   jdbc-url: jdbc:postgresql://127.0.0.1:5432/warehouse   # optional; default: the source database
 *   user: history_writer                                   # with jdbc-url only
 *   password: "${HISTORY_PASSWORD}"                        # with jdbc-url only
 *   tables:
 *     public.tax_rates: { history-table: history.tax_rates }
 * </pre>
 *
 * @param jdbcUrl  where the history tables live; null means the source database
 * @param user     the user for {@code jdbcUrl}; required with it, not allowed without it
 * @param password the password for {@code jdbcUrl}; optional
 * @param tables   source table to its history table; at least one
 */
@JsonTypeName("scd2")
public record Scd2SinkConfig(String jdbcUrl, String user, Secret password, Map<TableId, TableMapping> tables)
        implements SinkConfig {

    public Scd2SinkConfig {
        if (tables == null || tables.isEmpty()) {
            throw new IllegalArgumentException("scd2 sink: 'tables' must name at least one source table, e.g. "
                    + "tables: { public.tax_rates: { history-table: history.tax_rates } }");
        }
        Map<TableId, TableId> historyToSource = new HashMap<>();
        for (Map.Entry<TableId, TableMapping> e : tables.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException(
                        "scd2 sink: table " + e.getKey() + " needs a 'history-table', e.g. { history-table: history."
                                + e.getKey().table() + " }");
            }
            TableId history = e.getValue().historyTable();
            if (tables.containsKey(history)) {
                throw new IllegalArgumentException("scd2 sink: history-table " + history + " of " + e.getKey()
                        + " is itself a captured source table; put history tables in a schema of their own (e.g. history."
                        + e.getKey().table() + ")");
            }
            TableId other = historyToSource.put(history, e.getKey());
            if (other != null) {
                throw new IllegalArgumentException("scd2 sink: " + other + " and " + e.getKey()
                        + " both write to history-table " + history + "; give each source table its own");
            }
        }
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        if (jdbcUrl != null) {
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("scd2 sink: jdbc-url must be a Postgres JDBC URL "
                        + "(jdbc:postgresql://host:port/database), got '" + jdbcUrl + "'");
            }
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("scd2 sink: 'user' is required with jdbc-url");
            }
        } else if (user != null || (password != null && !password.isEmpty())) {
            throw new IllegalArgumentException("scd2 sink: 'user' and 'password' apply only with 'jdbc-url'; "
                    + "without jdbc-url the history is written to the source database with the source's credentials");
        }
        password = password == null ? Secret.NONE : password;
    }

    @Override
    public Set<TableId> sourceTables() {
        return tables.keySet();
    }

    /** The history table of a configured source table. */
    public TableId historyTableOf(TableId source) {
        TableMapping mapping = tables.get(source);
        if (mapping == null) {
            throw new IllegalArgumentException("scd2 sink: no history table configured for " + source);
        }
        return mapping.historyTable();
    }

    /**
     * Where one source table's history goes.
     *
     * @param historyTable {@code schema.table} of the history table; created on start if absent
     */
    public record TableMapping(TableId historyTable) {
        public TableMapping {
            Objects.requireNonNull(
                    historyTable, "scd2 sink: 'history-table' is required (schema.table, e.g. history.tax_rates)");
        }
    }
}
