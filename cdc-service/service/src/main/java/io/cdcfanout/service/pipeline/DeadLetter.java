package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;

/**
 * One change that could not be applied, as {@link DeadLetterStore} writes it. Its payload is cut down to
 * {@link DeadLetterPayload#DEFAULT_CAP_CHARS} (see {@link DeadLetterPayload}) and its reason to
 * {@value #REASON_CAP_CHARS} characters, so that a letter can always be stored.
 *
 * @param sink    the sink that refused it, or {@value #UNDECODABLE} when it could not even be decoded
 * @param payload what is stored of the change's row image
 */
public record DeadLetter(
        String sink,
        String table,
        String key,
        Lsn lsn,
        long sequence,
        long txId,
        String operation,
        String reason,
        DeadLetterPayload payload) {

    /** The dead-letter "sink" of changes that could not be decoded at all. */
    public static final String UNDECODABLE = "(converter)";

    /** The longest reason stored; a longer one is cut and says so. */
    static final int REASON_CAP_CHARS = 16_384;

    public DeadLetter {
        reason = capped(reason, REASON_CAP_CHARS);
    }

    /** A change a sink refused for good. */
    public static DeadLetter rejected(String sink, ChangeEvent e, String reason) {
        var image = e.after() != null ? e.after() : e.before();
        return new DeadLetter(
                sink,
                e.table().toString(),
                e.key() == null ? "" : e.key().asText(),
                e.lsn(),
                e.position().sequence(),
                e.position().txId(),
                e.op().name(),
                reason,
                DeadLetterPayload.of(image, DeadLetterPayload.DEFAULT_CAP_CHARS));
    }

    /**
     * A record that could not be turned into a change, with the row image it carries; the caller has already
     * applied the column rules to {@code image} (and to {@code reason}).
     *
     * @param table     the table it names, or where it was published when it names none
     * @param operation the operation the record says it is, or {@code UNKNOWN}
     * @param image     the record's row image, null when it has none or none may be kept
     */
    public static DeadLetter undecodable(
            String table, String key, Lsn lsn, long txId, String operation, String reason, Row image) {
        return new DeadLetter(
                UNDECODABLE,
                table,
                key,
                lsn,
                0,
                txId,
                operation,
                reason,
                DeadLetterPayload.of(image, DeadLetterPayload.DEFAULT_CAP_CHARS));
    }

    /**
     * A record that could not be turned into a change, kept as text (as {@code {"record": text}}, cut like any
     * payload) so nothing is lost. Only for records of tables without column rules.
     *
     * @param table      the table it names, or where it was published when it names none
     * @param recordText the record's value as text
     */
    public static DeadLetter undecodable(
            String table, String key, Lsn lsn, long txId, String reason, String recordText) {
        return undecodable(
                table,
                key,
                lsn,
                txId,
                "UNKNOWN",
                reason,
                Row.builder().put("record", recordText).build());
    }

    /**
     * This letter as it can always be stored, after the database refused it for its data ({@code cause}): no
     * payload (its size still noted), text without NUL characters (Postgres {@code text} cannot hold them), and
     * the refusal appended to the reason.
     */
    DeadLetter cutDown(String cause) {
        return new DeadLetter(
                storable(sink),
                storable(table),
                storable(key),
                lsn,
                sequence,
                txId,
                storable(operation),
                storable(capped(reason, REASON_CAP_CHARS / 2)
                        + " [stored without its payload: the database refused the letter: "
                        + capped(cause, REASON_CAP_CHARS / 4) + "]"),
                payload.dropped());
    }

    private static String storable(String text) {
        return text == null ? "" : text.replace("\u0000", "\\u0000");
    }

    private static String capped(String text, int chars) {
        if (text == null || text.length() <= chars) {
            return text;
        }
        return text.substring(0, chars) + "… (" + text.length() + " characters, cut)";
    }
}
