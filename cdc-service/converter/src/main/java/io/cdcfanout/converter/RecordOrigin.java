package io.cdcfanout.converter;

import io.cdcfanout.schema.Lsn;

/**
 * What a record says about itself without its values being decoded: enough to file a record the
 * converter could not turn into an event (see {@link RecordConverter#originOf}).
 *
 * @param table      {@code schema.table} from the record's source block, else the topic it was published to
 * @param key        the record's key as text ({@code "null"} when it has none)
 * @param lsn        the WAL position of the record, {@link Lsn#ZERO} when it carries none
 * @param txId       the source transaction id, 0 when unknown
 * @param recordText the record's value as text, so nothing of it is lost
 */
public record RecordOrigin(String table, String key, Lsn lsn, long txId, String recordText) {}
