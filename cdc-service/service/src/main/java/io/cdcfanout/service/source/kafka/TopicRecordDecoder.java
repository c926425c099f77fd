package io.cdcfanout.service.source.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads a topic record written by the connector's {@code JsonConverter} (schemas enabled, for keys, values and
 * headers) back into the {@link SourceRecord} the connector produced, and says what kind of record it is.
 *
 * <p>The WAL position goes into the record's source offset as {@code lsn}, which is where the converter and the
 * pipeline read positions from: a change's and a message's {@code source.lsn}, a transaction marker's LSN from
 * its id ({@code "<xid>:<lsn>"}). {@code replace.null.with.default} is off: a NULL in a column that has a default
 * stays NULL (the converter's default would turn it into the column's default value).
 *
 * <p>Not thread-safe (JsonConverter caches schemas): one per source thread.
 */
final class TopicRecordDecoder {

    static final String LSN = "lsn";

    private final JsonConverter keys = new JsonConverter();
    private final JsonConverter values = new JsonConverter();
    private final JsonConverter headers = new JsonConverter();

    TopicRecordDecoder() {
        Map<String, Object> config = new HashMap<>();
        config.put("schemas.enable", "true");
        config.put("replace.null.with.default", "false");
        keys.configure(config, true);
        values.configure(config, false);
        Map<String, Object> headerConfig = new HashMap<>(config);
        headerConfig.put("converter.type", "header");
        headers.configure(headerConfig);
    }

    /**
     * @throws org.apache.kafka.connect.errors.DataException when the record is not JsonConverter output with
     *                                                       schemas
     */
    TopicRecord decode(ConsumerRecord<byte[], byte[]> consumed) {
        String topic = consumed.topic();
        SchemaAndValue key = keys.toConnectData(topic, consumed.headers(), consumed.key());
        SchemaAndValue value = values.toConnectData(topic, consumed.headers(), consumed.value());
        ConnectHeaders connectHeaders = new ConnectHeaders();
        for (Header header : consumed.headers()) {
            SchemaAndValue h = headers.toConnectHeader(topic, header.key(), header.value());
            connectHeaders.add(header.key(), h);
        }
        TopicRecord.Kind kind = TopicRecord.Kind.OTHER;
        Long txId = null;
        Long lsn = null;
        if (value.value() instanceof Struct struct) {
            if (struct.schema().field("status") != null && struct.schema().field("id") != null) {
                String status = struct.getString("status");
                kind = "BEGIN".equals(status)
                        ? TopicRecord.Kind.BEGIN
                        : "END".equals(status) ? TopicRecord.Kind.END : TopicRecord.Kind.OTHER;
                String id = struct.getString("id");
                int colon = id == null ? -1 : id.indexOf(':');
                txId = colon < 0 ? parse(id) : parse(id.substring(0, colon));
                lsn = colon < 0 ? null : parse(id.substring(colon + 1));
            } else if (struct.schema().field("op") != null && struct.schema().field("source") != null) {
                String op = struct.getString("op");
                kind = switch (op == null ? "" : op) {
                    case "c", "u", "d", "t" -> TopicRecord.Kind.CHANGE;
                    case "r" -> TopicRecord.Kind.SNAPSHOT;
                    case "m" -> TopicRecord.Kind.MESSAGE;
                    default -> TopicRecord.Kind.OTHER;
                };
                Struct source = struct.getStruct("source");
                if (source != null) {
                    lsn = source.schema().field("lsn") == null ? null : source.getInt64("lsn");
                    txId = source.schema().field("txId") == null ? null : source.getInt64("txId");
                }
            }
        }
        Map<String, Object> offset = lsn == null ? Map.of() : Map.of(LSN, lsn);
        SourceRecord record = new SourceRecord(
                Map.of("topic", topic),
                offset,
                topic,
                consumed.partition(),
                key.schema(),
                key.value(),
                value.schema(),
                value.value(),
                consumed.timestamp(),
                connectHeaders);
        return new TopicRecord(consumed.offset(), record, kind, txId);
    }

    private static Long parse(String number) {
        try {
            return number == null ? null : Long.parseLong(number);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
