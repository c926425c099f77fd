package io.cdcfanout.service.source.kafka;

import org.apache.kafka.connect.source.SourceRecord;

/**
 * One record of the topic, read back into the form the embedded engine hands over.
 *
 * @param offset its offset in the topic's partition
 * @param record the record as Debezium produced it, with a source offset holding its WAL position ({@code lsn})
 *               when it has one, so the converter reads it as it reads the engine's records
 * @param kind   what kind of record it is
 * @param txId   the Postgres transaction it belongs to; null when it names none (snapshot rows, heartbeats)
 */
record TopicRecord(long offset, SourceRecord record, Kind kind, Long txId) {

    enum Kind {
        /** A transaction's BEGIN marker (transaction metadata). */
        BEGIN,
        /** A transaction's END marker. */
        END,
        /** A streamed data change: insert, update, delete or truncate. */
        CHANGE,
        /** A row of the connector's initial snapshot. */
        SNAPSHOT,
        /** A logical decoding message (the service's fence). */
        MESSAGE,
        /** Anything else (a heartbeat, a tombstone): it carries no change. */
        OTHER
    }
}
