package io.cdcfanout.service.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.converter.ConnectorContract;
import io.cdcfanout.converter.RecordConverter;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/**
 * Topic records as the connector's JsonConverter writes them, read back ({@link TopicRecordDecoder}) and checked
 * against the connector contract ({@link ConnectorContractCheck}).
 */
class TopicRecordsTest {

    private static final String TOPIC = "cdc_fanout.changes";

    private static final Schema SOURCE = SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();
    private static final Schema TRANSACTION = SchemaBuilder.struct()
            .optional()
            .field("id", Schema.STRING_SCHEMA)
            .field("total_order", Schema.INT64_SCHEMA)
            .field("data_collection_order", Schema.INT64_SCHEMA)
            .build();
    private static final Schema KEY =
            SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();

    private final JsonConverter writer = new JsonConverter();
    private final JsonConverter keyWriter = new JsonConverter();
    private final TopicRecordDecoder decoder = new TopicRecordDecoder();
    private final ConnectorContractCheck contract = new ConnectorContractCheck(TOPIC);
    private long offset;

    TopicRecordsTest() {
        Map<String, Object> config = new HashMap<>();
        config.put("schemas.enable", "true");
        config.put("replace.null.with.default", "false"); // as shipped
        writer.configure(config, false);
        keyWriter.configure(config, true);
    }

    private static Schema row(Schema price) {
        return SchemaBuilder.struct()
                .optional()
                .field("id", Schema.INT32_SCHEMA)
                .field("price", price)
                .field(
                        "note",
                        SchemaBuilder.string().optional().defaultValue("none").build())
                .build();
    }

    private static Schema numericText() {
        return SchemaBuilder.string()
                .optional()
                .parameter("__debezium.source.column.type", "NUMERIC")
                .build();
    }

    private static Schema envelope(Schema row) {
        return SchemaBuilder.struct()
                .field("before", row)
                .field("after", row)
                .field("source", SOURCE)
                .field("transaction", TRANSACTION)
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
    }

    private ConsumerRecord<byte[], byte[]> change(String op, Schema rowSchema, Object price, boolean withTransaction) {
        Schema envelope = envelope(rowSchema);
        Struct after = new Struct(rowSchema).put("id", 1).put("price", price).put("note", null);
        Struct value = new Struct(envelope)
                .put("after", after)
                .put(
                        "source",
                        new Struct(SOURCE)
                                .put("schema", "public")
                                .put("table", "products")
                                .put("lsn", 4242L)
                                .put("txId", 77L)
                                .put("ts_ms", 1_700_000_000_000L))
                .put("op", op);
        if (withTransaction) {
            value.put(
                    "transaction",
                    new Struct(TRANSACTION)
                            .put("id", "77:4242")
                            .put("total_order", 1L)
                            .put("data_collection_order", 1L));
        }
        return consumed(
                keyWriter.fromConnectData(TOPIC, KEY, new Struct(KEY).put("id", 1)),
                writer.fromConnectData(TOPIC, envelope, value));
    }

    private ConsumerRecord<byte[], byte[]> consumed(byte[] key, byte[] value) {
        return new ConsumerRecord<>(
                TOPIC,
                0,
                offset++,
                0L,
                TimestampType.CREATE_TIME,
                key == null ? 0 : key.length,
                value == null ? 0 : value.length,
                key,
                value,
                new RecordHeaders(),
                java.util.Optional.empty());
    }

    @Test
    void aChangeReadsBackAsTheConnectorProducedItWithItsPosition() {
        TopicRecord record = decoder.decode(change("c", row(numericText()), "12.50", true));
        contract.check(record);

        assertThat(record.kind()).isEqualTo(TopicRecord.Kind.CHANGE);
        assertThat(record.txId()).isEqualTo(77L);
        assertThat(RecordConverter.positionOf(record.record())).hasValue(new Lsn(4242));
        ChangeEvent event = new RecordConverter().convert(record.record()).orElseThrow();
        assertThat(event.op()).isEqualTo(Operation.INSERT);
        assertThat(event.lsn()).isEqualTo(new Lsn(4242));
        assertThat(event.after().get("price")).isEqualTo(new BigDecimal("12.50"));
        assertThat(((Struct) record.record().value()).getStruct("after").getWithoutDefault("note"))
                .as("a NULL in a column with a default stays NULL (replace.null.with.default=false)")
                .isNull();
    }

    @Test
    void transactionMarkersCarryTheirTransactionAndPosition() {
        Schema marker = SchemaBuilder.struct()
                .field("status", Schema.STRING_SCHEMA)
                .field("id", Schema.STRING_SCHEMA)
                .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        TopicRecord end = decoder.decode(consumed(
                null,
                writer.fromConnectData(
                        TOPIC,
                        marker,
                        new Struct(marker)
                                .put("status", "END")
                                .put("id", "77:4300")
                                .put("event_count", 2L))));

        assertThat(end.kind()).isEqualTo(TopicRecord.Kind.END);
        assertThat(end.txId()).isEqualTo(77L);
        assertThat(RecordConverter.positionOf(end.record())).hasValue(new Lsn(4300));
        assertThat(new RecordConverter().convert(end.record())).isEmpty();
    }

    @Test
    void aChangeWithoutTransactionMetadataNamesTheConnectorSetting() {
        TopicRecord record = decoder.decode(change("u", row(numericText()), "1", false));
        assertThatThrownBy(() -> contract.check(record))
                .isInstanceOf(ConnectorContractException.class)
                .hasMessageContaining("offset 0 of topic " + TOPIC)
                .hasMessageContaining("provide.transaction.metadata=true");
    }

    @Test
    void binaryDecimalsNameTheDecimalHandlingMode() {
        Schema precise = Decimal.builder(2).optional().build();
        TopicRecord record = decoder.decode(change("c", row(precise), new BigDecimal("1.25"), true));
        assertThatThrownBy(() -> contract.check(record))
                .isInstanceOf(ConnectorContractException.class)
                .hasMessageContaining("column price")
                .hasMessageContaining("decimal.handling.mode=string");

        Schema asDouble = SchemaBuilder.float64()
                .optional()
                .parameter("__debezium.source.column.type", "NUMERIC")
                .build();
        TopicRecord doubled = decoder.decode(change("c", row(asDouble), 1.25, true));
        assertThatThrownBy(() -> contract.check(doubled))
                .hasMessageContaining("decimal.handling.mode=double")
                .hasMessageContaining("decimal.handling.mode=string");
    }

    @Test
    void debeziumsDefaultToastPlaceholderNamesTheSetting() {
        TopicRecord record = decoder.decode(change("u", row(numericText()), "__debezium_unavailable_value", true));
        assertThatThrownBy(() -> contract.check(record))
                .isInstanceOf(ConnectorContractException.class)
                .hasMessageContaining("unavailable.value.placeholder=" + ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER);

        TopicRecord ours =
                decoder.decode(change("u", row(numericText()), ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER, true));
        contract.check(ours); // the converter's own placeholder is fine
    }
}
