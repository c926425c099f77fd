package io.cdcfanout.sink;

import io.cdcfanout.schema.TableId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads the versions a history sink keeps; served over HTTP as {@code /history/{table}/{key}}. */
public interface HistoryReader {

    /** True when this reader keeps history for the table. */
    boolean serves(TableId table);

    /** The table's primary-key columns in key order. */
    List<String> keyColumns(TableId table);

    /**
     * Every version of the key, oldest first; empty when the key never existed.
     *
     * @param key key column to its value as text (e.g. from a URL)
     */
    List<HistoryVersion> versions(TableId table, Map<String, String> key);

    /** The version valid at {@code instant} (valid_from &lt;= instant &lt; valid_to), if any. */
    Optional<HistoryVersion> asOf(TableId table, Map<String, String> key, Instant instant);
}
