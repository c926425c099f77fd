package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;

/**
 * One change that could not be applied, as {@link DeadLetterStore} writes it.
 *
 * @param sink    the sink that refused it, or {@value #UNDECODABLE} when it could not even be decoded
 * @param payload the change as JSON text a {@code jsonb} column accepts, may be null
 */
public record DeadLetter(String sink, String table, String key, Lsn lsn, long sequence, long txId, String operation,
                         String reason, String payload) {

    /** The dead-letter "sink" of changes that could not be decoded at all. */
    public static final String UNDECODABLE = "(converter)";

    /** A change a sink refused for good. */
    public static DeadLetter rejected(String sink, ChangeEvent e, String reason) {
        var image = e.after() != null ? e.after() : e.before();
        return new DeadLetter(sink, e.table().toString(), e.key() == null ? "" : e.key().asText(), e.lsn(),
                e.position().sequence(), e.position().txId(), e.op().name(), reason,
                image == null ? null : RowJson.toJsonbText(RowJson.toJson(image)));
    }

    /**
     * A record that could not be turned into a change, kept whole (as text) so nothing is lost.
     *
     * @param table      the table it names, or where it was published when it names none
     * @param recordText the record's value as text
     */
    public static DeadLetter undecodable(String table, String key, Lsn lsn, long txId, String reason, String recordText) {
        var payload = RowJson.MAPPER.createObjectNode().put("record", recordText);
        return new DeadLetter(UNDECODABLE, table, key, lsn, 0, txId, "UNKNOWN", reason, RowJson.toJsonbText(payload));
    }
}
