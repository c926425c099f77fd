package io.cdcfanout.sink;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads the latest image of a row a sink holds; served over HTTP as {@code /cache/{table}/{key}}. */
public interface LatestRowReader {

    /** True when this reader holds rows of the table. */
    boolean serves(TableId table);

    /** The table's primary-key columns in key order. */
    List<String> keyColumns(TableId table);

    /**
     * The canonical key text ({@link io.cdcfanout.schema.RowKey#asText()}) of a key as a client writes it,
     * column to text (an HTTP path or query string), for {@link #get}. This default takes the texts as
     * canonical already (text keys); a reader that knows the key's types reads them with
     * {@link io.cdcfanout.schema.KeyShape#keyText}.
     *
     * @throws IllegalArgumentException for a missing key column or a value the column's type cannot read
     */
    default String keyText(TableId table, Map<String, String> key) {
        return RowKey.canonicalText(keyColumns(table), key);
    }

    /** The row with this canonical key text ({@link io.cdcfanout.schema.RowKey#asText()}), if held. */
    Optional<LatestRow> get(TableId table, String keyText);

    /** The source position up to which every change has been applied. */
    Lsn appliedLsn();

    /**
     * Waits until {@link #appliedLsn()} reaches {@code lsn}.
     *
     * @return true when reached, false on timeout
     */
    boolean awaitApplied(Lsn lsn, Duration timeout) throws InterruptedException;
}
