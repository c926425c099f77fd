package io.cdcfanout.converter;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.debezium.data.Envelope;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * {@link RecordConverter} on {@link SinkRecord}s as a Kafka Connect worker hands them to a sink task: Debezium's
 * records written to a topic with {@link JsonConverter} ({@code schemas.enable=true}) and read back with it. The
 * Kafka offset of such a record says nothing about the WAL, so its position comes from {@code source.lsn}.
 */
class RecordConverterSinkRecordTest {

    private static final String TOPIC = "cdc.public.orders";
    private static final long LSN = 0x2A0F3C8L;
    private static final long TX_ID = 812L;
    private static final Instant COMMIT = Instant.parse("2024-06-01T08:00:00.654321Z");

    private static final Schema SOURCE = SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("db", Schema.STRING_SCHEMA)
            .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    private static final Schema TRANSACTION = SchemaBuilder.struct()
            .optional()
            .name("event.block")
            .field("id", Schema.STRING_SCHEMA)
            .field("total_order", Schema.INT64_SCHEMA)
            .field("data_collection_order", Schema.INT64_SCHEMA)
            .build();

    private static final Schema KEY = SchemaBuilder.struct()
            .name("cdc.public.orders.Key")
            .field("id", Schema.INT64_SCHEMA)
            .build();

    /** A numeric in Debezium's string mode and a bytea, both with their propagated source type. */
    private static final Schema ORDERS = SchemaBuilder.struct()
            .optional()
            .name("cdc.public.orders.Value")
            .field("id", Schema.INT64_SCHEMA)
            .field(
                    "price",
                    SchemaBuilder.string()
                            .optional()
                            .parameter("__debezium.source.column.type", "NUMERIC")
                            .build())
            .field(
                    "blob",
                    SchemaBuilder.bytes()
                            .optional()
                            .parameter("__debezium.source.column.type", "BYTEA")
                            .build())
            .field(
                    "created",
                    io.debezium.time.MicroTimestamp.builder().optional().build())
            .build();

    private static final Envelope ENVELOPE = Envelope.defineSchema()
            .withName("cdc.public.orders.Envelope")
            .withRecord(ORDERS)
            .withSource(SOURCE)
            .withTransaction(TRANSACTION)
            .build();

    private final RecordConverter converter = new RecordConverter();

    @Test
    void anInsertReadBackFromTheTopicConvertsLikeTheEngineRecordItCameFrom() {
        SourceRecord produced = produced(key(7), insert(7, "19.90", new byte[] {0x0a, (byte) 0xff}), null);
        SinkRecord consumed = throughTopic(produced, 42);

        ChangeEvent fromTopic = converter.convert(consumed).orElseThrow();
        ChangeEvent direct = new RecordConverter().convert(produced).orElseThrow();

        assertThat(fromTopic.table()).isEqualTo(new TableId("public", "orders"));
        assertThat(fromTopic.op()).isEqualTo(Operation.INSERT);
        assertThat(fromTopic.key()).isEqualTo(new RowKey(List.of("id"), List.of(7L)));
        assertThat(fromTopic.after().get("price")).isEqualTo(new BigDecimal("19.90"));
        assertThat((byte[]) fromTopic.after().get("blob")).containsExactly(0x0a, 0xff);
        assertThat(fromTopic.after()).isEqualTo(direct.after());
        assertThat(fromTopic.position()).isEqualTo(direct.position());
        assertThat(fromTopic.position().lsn()).isEqualTo(new Lsn(LSN));
        assertThat(fromTopic.position().txId()).isEqualTo(TX_ID);
        assertThat(fromTopic.position().sequence()).isEqualTo(5);
        assertThat(fromTopic.position().commitTime()).isEqualTo(COMMIT);
    }

    @Test
    void theWalPositionOfASinkRecordIsItsSourceLsnNotItsKafkaOffset() {
        SinkRecord consumed = throughTopic(produced(key(7), insert(7, "1", null), null), 42);

        assertThat(consumed.kafkaOffset()).isEqualTo(42);
        assertThat(RecordConverter.positionOf(consumed)).contains(new Lsn(LSN));
        assertThat(RecordConverter.originOf(consumed).lsn()).isEqualTo(new Lsn(LSN));
        assertThat(RecordConverter.originOf(consumed).table()).isEqualTo("public.orders");
        assertThat(RecordConverter.originOf(consumed).txId()).isEqualTo(TX_ID);
    }

    @Test
    void aSinkRecordWithoutASourceLsnHasNoPosition() {
        Schema heartbeat = SchemaBuilder.struct()
                .name("io.debezium.connector.common.Heartbeat")
                .field("ts_ms", Schema.INT64_SCHEMA)
                .build();
        SinkRecord beat = new SinkRecord(
                "__debezium-heartbeat.cdc", 0, null, null, heartbeat, new Struct(heartbeat).put("ts_ms", 1L), 3);
        SinkRecord tombstone = new SinkRecord(TOPIC, 0, KEY, key(7), null, null, 4);

        assertThat(RecordConverter.positionOf(beat)).isEmpty();
        assertThat(RecordConverter.positionOf(tombstone)).isEmpty();
        assertThat(converter.convert(beat)).isEmpty();
        assertThat(converter.convert(tombstone))
                .as("Kafka's delete tombstone is no change")
                .isEmpty();
    }

    @Test
    void aTruncateReadBackFromTheTopicHasNoKeyAndItsOwnPosition() {
        Struct value = new Struct(ENVELOPE.schema())
                .put("op", "t")
                .put("ts_ms", COMMIT.toEpochMilli())
                .put("source", source(LSN + 64))
                .put("transaction", transaction(1));
        SinkRecord consumed = throughTopic(produced(null, value, null), 9);

        ChangeEvent truncate = converter.convert(consumed).orElseThrow();

        assertThat(truncate.op()).isEqualTo(Operation.TRUNCATE);
        assertThat(truncate.key()).isNull();
        assertThat(truncate.lsn()).isEqualTo(new Lsn(LSN + 64));
    }

    @Test
    void theKeyUpdateLinkSurvivesTheTopicWhenHeadersUseJsonConverterToo() {
        ConnectHeaders headers = new ConnectHeaders();
        headers.add(RecordConverter.OLD_KEY_HEADER, new SchemaAndValue(KEY, key(6)));
        SinkRecord consumed = throughTopic(produced(key(7), insert(7, "2", null), headers), 1);

        ChangeEvent insert = converter.convert(consumed).orElseThrow();

        assertThat(insert.keyUpdate()).isNotNull();
        assertThat(insert.previousKey()).isEqualTo(new RowKey(List.of("id"), List.of(6L)));
    }

    // ---- building records -------------------------------------------------------------------------------

    private static Struct key(long id) {
        return new Struct(KEY).put("id", id);
    }

    private static Struct source(long lsn) {
        return new Struct(SOURCE)
                .put("version", "3.6.3.Final")
                .put("connector", "postgresql")
                .put("name", "cdc")
                .put("ts_ms", COMMIT.toEpochMilli())
                .put("db", "app")
                .put("sequence", "[null,\"" + lsn + "\"]")
                .put("ts_us", COMMIT.getEpochSecond() * 1_000_000L + COMMIT.getNano() / 1_000)
                .put("schema", "public")
                .put("table", "orders")
                .put("txId", TX_ID)
                .put("lsn", lsn);
    }

    private static Struct transaction(long totalOrder) {
        return new Struct(TRANSACTION)
                .put("id", TX_ID + ":" + LSN)
                .put("total_order", totalOrder)
                .put("data_collection_order", totalOrder);
    }

    private static Struct insert(long id, String price, byte[] blob) {
        Struct after = new Struct(ORDERS)
                .put("id", id)
                .put("price", price)
                .put("blob", blob)
                .put("created", 1_717_228_800_123_456L);
        return ENVELOPE.create(after, source(LSN), COMMIT).put("transaction", transaction(5));
    }

    private static SourceRecord produced(Struct key, Struct value, ConnectHeaders headers) {
        return new SourceRecord(
                Map.of("server", "cdc"),
                Map.of("lsn", LSN),
                TOPIC,
                null,
                key == null ? null : KEY,
                key,
                value.schema(),
                value,
                null,
                headers);
    }

    /** Writes the record to bytes as a worker's producer would and reads it back as a sink task's consumer. */
    private static SinkRecord throughTopic(SourceRecord record, long offset) {
        JsonConverter keys = jsonConverter(true);
        JsonConverter values = jsonConverter(false);
        JsonConverter headerConverter = jsonConverter(false);
        byte[] keyBytes = keys.fromConnectData(TOPIC, record.keySchema(), record.key());
        byte[] valueBytes = values.fromConnectData(TOPIC, record.valueSchema(), record.value());
        SchemaAndValue key = keys.toConnectData(TOPIC, keyBytes);
        SchemaAndValue value = values.toConnectData(TOPIC, valueBytes);
        ConnectHeaders headers = new ConnectHeaders();
        record.headers().forEach(h -> {
            byte[] bytes = headerConverter.fromConnectHeader(TOPIC, h.key(), h.schema(), h.value());
            SchemaAndValue back = headerConverter.toConnectHeader(TOPIC, h.key(), bytes);
            headers.add(h.key(), back);
        });
        assertThat(new String(valueBytes, StandardCharsets.UTF_8)).contains("\"schema\"");
        return new SinkRecord(
                TOPIC,
                0,
                key.schema(),
                key.value(),
                value.schema(),
                value.value(),
                offset,
                null,
                org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE,
                headers);
    }

    private static JsonConverter jsonConverter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
