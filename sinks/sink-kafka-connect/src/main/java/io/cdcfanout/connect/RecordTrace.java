package io.cdcfanout.connect;

import io.cdcfanout.schema.ChangeEvent;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Which record each change of a batch came from, so that a change a sink refuses is reported as its record. A
 * sink may hand back a copy of a change (completed columns), so the look-up falls back to the change's table,
 * key and position.
 */
final class RecordTrace {

    private final IdentityHashMap<ChangeEvent, SinkRecord> byIdentity = new IdentityHashMap<>();
    private final Map<String, SinkRecord> byPosition = new HashMap<>();

    void add(ChangeEvent event, SinkRecord record) {
        byIdentity.put(event, record);
        byPosition.putIfAbsent(positionOf(event), record);
    }

    /** The record of a change, or null for a change no record of the batch brought (a logged TRUNCATE). */
    SinkRecord recordOf(ChangeEvent event) {
        SinkRecord record = byIdentity.get(event);
        return record != null ? record : byPosition.get(positionOf(event));
    }

    private static String positionOf(ChangeEvent event) {
        return event.table() + "|" + (event.key() == null ? "" : event.key().asText()) + "|" + event.lsn() + "|"
                + event.position().sequence();
    }
}
