package io.cdcfanout.converter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.CanonicalValues;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.Envelope;
import io.debezium.data.Json;
import io.debezium.data.VariableScaleDecimal;
import io.debezium.time.Date;
import io.debezium.time.MicroTime;
import io.debezium.time.MicroTimestamp;
import io.debezium.time.Timestamp;
import io.debezium.time.ZonedTime;
import io.debezium.time.ZonedTimestamp;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;

/**
 * {@link RecordConverter} on records shaped as Debezium 3.6's Postgres connector writes them with the
 * service's settings ({@code decimal.handling.mode=string}, the source type propagated for the types of
 * {@link ConnectorContract#PROPAGATED_SOURCE_TYPES}, so numerics and bytea columns carry
 * {@code __debezium.source.column.type}, {@code include.unknown.datatypes=true},
 * {@code time.precision.mode=adaptive_time_microseconds}, {@code binary.handling.mode=bytes},
 * {@code provide.transaction.metadata=true}, the unchanged-TOAST placeholder of {@link ConnectorContract}).
 * The envelopes are built with Debezium's own {@link Envelope}; the source block mirrors
 * {@code PostgresSourceInfoStructMaker}.
 */
class RecordConverterTest {

    private static final String TOPIC = "cdc.public.orders";
    private static final String PLACEHOLDER = ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER;
    private static final long LSN = 0x16B3748L;
    private static final long TX_ID = 771L;
    private static final Instant COMMIT = Instant.parse("2024-05-01T10:15:30.123456Z");

    /** The Postgres connector's source block (common fields, then schema, table, txId, lsn, xmin, origin). */
    private static final Schema SOURCE = SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field(
                    "snapshot",
                    SchemaBuilder.string().optional().defaultValue("false").build())
            .field("db", Schema.STRING_SCHEMA)
            .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("xmin", Schema.OPTIONAL_INT64_SCHEMA)
            .field("origin", Schema.OPTIONAL_STRING_SCHEMA)
            .field("origin_lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    /** The transaction block {@code provide.transaction.metadata} adds to every change. */
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

    private static final Schema ORDERS = SchemaBuilder.struct()
            .optional()
            .name("cdc.public.orders.Value")
            .field("id", Schema.INT64_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private final RecordConverter converter = new RecordConverter();

    // ---- records -------------------------------------------------------------------------------------

    private static Envelope envelope(Schema row, boolean withTransaction) {
        Envelope.Builder builder = Envelope.defineSchema()
                .withName("cdc.public.orders.Envelope")
                .withRecord(row)
                .withSource(SOURCE);
        return (withTransaction ? builder.withTransaction(TRANSACTION) : builder).build();
    }

    private static Struct source(String table, Long lsn, String snapshot) {
        return new Struct(SOURCE)
                .put("version", "3.6.3.Final")
                .put("connector", "postgresql")
                .put("name", "cdc")
                .put("ts_ms", COMMIT.toEpochMilli())
                .put("snapshot", snapshot)
                .put("db", "app")
                .put("sequence", "[null,\"" + lsn + "\"]")
                .put("ts_us", COMMIT.getEpochSecond() * 1_000_000L + COMMIT.getNano() / 1_000)
                .put("ts_ns", COMMIT.getEpochSecond() * 1_000_000_000L + COMMIT.getNano())
                .put("schema", "public")
                .put("table", table)
                .put("txId", TX_ID)
                .put("lsn", lsn);
    }

    private static Struct transaction(long totalOrder) {
        return new Struct(TRANSACTION)
                .put("id", TX_ID + ":" + LSN)
                .put("total_order", totalOrder)
                .put("data_collection_order", totalOrder);
    }

    private static Struct order(long id, Object note) {
        return new Struct(ORDERS).put("id", id).put("note", note);
    }

    private static Struct key(long id) {
        return new Struct(KEY).put("id", id);
    }

    private static SourceRecord record(Struct key, Struct value) {
        return new SourceRecord(
                Map.of("server", "cdc"),
                Map.of("lsn", LSN, "txId", TX_ID),
                TOPIC,
                null,
                key == null ? null : key.schema(),
                key,
                value == null ? null : value.schema(),
                value);
    }

    /** A streamed change in a transaction, at its total order. */
    private static Struct withTransaction(Struct value, long totalOrder) {
        return value.put("transaction", transaction(totalOrder));
    }

    private ChangeEvent convert(SourceRecord record) {
        Optional<ChangeEvent> event = converter.convert(record);
        assertThat(event).as("a data change").isPresent();
        return event.get();
    }

    /** The one column {@code v} of a row with the given column schema, converted from the raw value. */
    private Object convertColumn(Schema columnSchema, Object raw) {
        Schema row = SchemaBuilder.struct()
                .optional()
                .name("cdc.public.orders.Value")
                .field("id", Schema.INT64_SCHEMA)
                .field("v", columnSchema)
                .build();
        Struct after = new Struct(row).put("id", 1L).put("v", raw);
        Struct value = envelope(row, false).create(after, source("orders", LSN, "false"), COMMIT);
        Row image = convert(record(key(1), value)).after();
        assertThat(image.unchangedToastColumns()).isEmpty();
        return image.get("v");
    }

    private static Schema sourceTyped(SchemaBuilder builder, String postgresType) {
        return builder.optional()
                .parameter("__debezium.source.column.type", postgresType)
                .build();
    }

    // ---- operations and positions ------------------------------------------------------------------

    @Nested
    class Operations {

        @Test
        void anInsertHasItsKeyAfterImageAndPositionFromTheSourceAndTransactionBlocks() {
            Struct value = withTransaction(
                    envelope(ORDERS, true).create(order(7, "first"), source("orders", LSN, "false"), COMMIT), 3);

            ChangeEvent event = convert(record(key(7), value));

            assertThat(event.table()).isEqualTo(new TableId("public", "orders"));
            assertThat(event.op()).isEqualTo(Operation.INSERT);
            assertThat(event.key()).isEqualTo(new RowKey(List.of("id"), List.of(7L)));
            assertThat(event.before()).isNull();
            assertThat(event.after()).isEqualTo(Row.of(Map.of("id", 7L, "note", "first")));
            assertThat(event.after().values().keySet()).containsExactly("id", "note");
            assertThat(event.position().lsn()).isEqualTo(new Lsn(LSN));
            assertThat(event.position().txId()).isEqualTo(TX_ID);
            assertThat(event.position().sequence()).isEqualTo(3);
            assertThat(event.position().commitTime())
                    .as("microseconds from ts_us")
                    .isEqualTo(COMMIT);
        }

        @Test
        void anUpdateKeepsBothImages() {
            Struct value = withTransaction(
                    envelope(ORDERS, true)
                            .update(order(7, "old"), order(7, "new"), source("orders", LSN, "false"), COMMIT),
                    1);

            ChangeEvent event = convert(record(key(7), value));

            assertThat(event.op()).isEqualTo(Operation.UPDATE);
            assertThat(event.before().get("note")).isEqualTo("old");
            assertThat(event.after().get("note")).isEqualTo("new");
            assertThat(event.position().lsn()).isEqualTo(new Lsn(LSN));
        }

        @Test
        void aDeleteHasTheBeforeImageAndNoAfterImage() {
            Struct before = new Struct(ORDERS).put("id", 7L); // REPLICA IDENTITY DEFAULT: the key columns only
            Struct value =
                    withTransaction(envelope(ORDERS, true).delete(before, source("orders", LSN, "false"), COMMIT), 2);

            ChangeEvent event = convert(record(key(7), value));

            assertThat(event.op()).isEqualTo(Operation.DELETE);
            assertThat(event.key().values()).containsExactly(7L);
            assertThat(event.before().get("id")).isEqualTo(7L);
            assertThat(event.after()).isNull();
            assertThat(event.position().sequence()).isEqualTo(2);
        }

        @Test
        void snapshotRowsStandAtVersionZeroAndAreNumberedInTheOrderRead() {
            Envelope envelope = envelope(ORDERS, true);
            // snapshot rows carry the snapshot's LSN, no transaction block
            SourceRecord first = record(key(1), envelope.read(order(1, "a"), source("orders", LSN, "first"), COMMIT));
            SourceRecord second = record(key(2), envelope.read(order(2, "b"), source("orders", LSN, "true"), COMMIT));
            SourceRecord last = record(key(3), envelope.read(order(3, "c"), source("orders", LSN, "last"), COMMIT));

            List<ChangeEvent> events = List.of(convert(first), convert(second), convert(last));

            assertThat(events).extracting(ChangeEvent::op).containsOnly(Operation.SNAPSHOT);
            assertThat(events).extracting(ChangeEvent::lsn).containsOnly(Lsn.ZERO);
            assertThat(events).extracting(e -> e.position().sequence()).containsExactly(1L, 2L, 3L);
            assertThat(events).extracting(e -> e.key().values().get(0)).containsExactly(1L, 2L, 3L);
            assertThat(events.get(0).after().get("note")).isEqualTo("a");
        }

        @Test
        void aStreamedChangeOutsideATransactionBlockHasSequenceZero() {
            Struct value = envelope(ORDERS, false).create(order(7, "x"), source("orders", LSN, "false"), COMMIT);

            ChangeEvent event = convert(record(key(7), value));

            assertThat(event.position().sequence()).isZero();
            assertThat(event.position().lsn()).isEqualTo(new Lsn(LSN));
        }

        @Test
        void aTruncateHasNoKeyAndNoImages() {
            // Debezium sends TRUNCATE without a key and without before/after
            Struct value = withTransaction(envelope(ORDERS, true).truncate(source("orders", LSN, "false"), COMMIT), 4);

            ChangeEvent event = convert(record(null, value));

            assertThat(event.op()).isEqualTo(Operation.TRUNCATE);
            assertThat(event.table()).isEqualTo(new TableId("public", "orders"));
            assertThat(event.key()).isNull();
            assertThat(event.before()).isNull();
            assertThat(event.after()).isNull();
            assertThat(event.position().lsn()).isEqualTo(new Lsn(LSN));
            assertThat(event.position().sequence()).isEqualTo(4);
        }

        @Test
        void withoutTsUsTheCommitTimeComesFromTsMs() {
            Schema oldSource = SchemaBuilder.struct()
                    .name("io.debezium.connector.postgresql.Source")
                    .field("ts_ms", Schema.INT64_SCHEMA)
                    .field("schema", Schema.STRING_SCHEMA)
                    .field("table", Schema.STRING_SCHEMA)
                    .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                    .build();
            Envelope envelope = Envelope.defineSchema()
                    .withName("e")
                    .withRecord(ORDERS)
                    .withSource(oldSource)
                    .build();
            Struct source = new Struct(oldSource)
                    .put("ts_ms", 1_714_558_530_123L)
                    .put("schema", "public")
                    .put("table", "orders")
                    .put("lsn", LSN);

            ChangeEvent event = convert(record(key(7), envelope.create(order(7, "x"), source, COMMIT)));

            assertThat(event.position().commitTime()).isEqualTo(Instant.ofEpochMilli(1_714_558_530_123L));
            assertThat(event.position().txId()).as("no txId: 0").isZero();
        }

        @Test
        void aCompositeKeyKeepsKeyOrderAndConvertsItsValues() {
            Schema keySchema = SchemaBuilder.struct()
                    .field("tenant", Schema.STRING_SCHEMA)
                    .field("day", Date.schema())
                    .build();
            Schema rowSchema = SchemaBuilder.struct()
                    .optional()
                    .field("day", Date.schema())
                    .field("tenant", Schema.STRING_SCHEMA)
                    .build();
            int day = (int) LocalDate.of(2024, 5, 1).toEpochDay();
            Struct key = new Struct(keySchema).put("tenant", "acme").put("day", day);
            Struct after = new Struct(rowSchema).put("day", day).put("tenant", "acme");

            ChangeEvent event = convert(
                    record(key, envelope(rowSchema, false).create(after, source("visits", LSN, "false"), COMMIT)));

            assertThat(event.key()).isEqualTo(new RowKey(List.of("tenant", "day"), List.of("acme", "2024-05-01")));
        }

        @Test
        void aChangeWithoutKeyUsesTheKeyColumnsLastSeenForItsTable() {
            Envelope envelope = envelope(ORDERS, false);
            convert(record(key(7), envelope.create(order(7, "x"), source("orders", LSN, "false"), COMMIT)));

            // the table lost its key (or was dropped) before Debezium read the relation of this change
            ChangeEvent keyless =
                    convert(record(null, envelope.delete(order(7, "x"), source("orders", LSN + 1, "false"), COMMIT)));

            assertThat(keyless.key()).isEqualTo(new RowKey(List.of("id"), List.of(7L)));
        }

        @Test
        void aChangeWithoutKeyOfATableNeverSeenWithOneIsRejected() {
            SourceRecord record =
                    record(null, envelope(ORDERS, false).create(order(7, "x"), source("orders", LSN, "false"), COMMIT));

            assertThatThrownBy(() -> converter.convert(record))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(TOPIC)
                    .hasMessageContaining("primary key");
        }

        @Test
        void tablesAreTakenFromEachRecordsSourceBlock() {
            Envelope envelope = envelope(ORDERS, false);
            ChangeEvent orders =
                    convert(record(key(1), envelope.create(order(1, "x"), source("orders", LSN, "false"), COMMIT)));
            ChangeEvent items =
                    convert(record(key(1), envelope.create(order(1, "x"), source("items", LSN + 1, "false"), COMMIT)));
            ChangeEvent ordersAgain =
                    convert(record(key(2), envelope.create(order(2, "x"), source("orders", LSN + 2, "false"), COMMIT)));

            assertThat(orders.table()).isEqualTo(new TableId("public", "orders"));
            assertThat(items.table()).isEqualTo(new TableId("public", "items"));
            assertThat(ordersAgain.table()).isEqualTo(new TableId("public", "orders"));
        }
    }

    // ---- records that are no data change ------------------------------------------------------------

    @Nested
    class NonDataRecords {

        @Test
        void heartbeatsBecomeNoEventButHaveAPosition() {
            Schema keySchema = SchemaBuilder.struct()
                    .name("io.debezium.connector.common.ServerNameKey")
                    .field("serverName", Schema.STRING_SCHEMA)
                    .build();
            Schema valueSchema = SchemaBuilder.struct()
                    .name("io.debezium.connector.common.Heartbeat")
                    .field("ts_ms", Schema.INT64_SCHEMA)
                    .build();
            SourceRecord heartbeat =
                    record(new Struct(keySchema).put("serverName", "cdc"), new Struct(valueSchema).put("ts_ms", 1L));

            assertThat(converter.convert(heartbeat)).isEmpty();
            assertThat(RecordConverter.positionOf(heartbeat)).contains(new Lsn(LSN));
        }

        @Test
        void transactionMarkersBecomeNoEvent() {
            Schema collection = SchemaBuilder.struct()
                    .field("data_collection", Schema.STRING_SCHEMA)
                    .field("event_count", Schema.INT64_SCHEMA)
                    .build();
            Schema markerSchema = SchemaBuilder.struct()
                    .name("io.debezium.connector.common.TransactionMetadataValue")
                    .field("status", Schema.STRING_SCHEMA)
                    .field("id", Schema.STRING_SCHEMA)
                    .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
                    .field(
                            "data_collections",
                            SchemaBuilder.array(collection).optional().build())
                    .field("ts_ms", Schema.INT64_SCHEMA)
                    .build();
            Struct begin = new Struct(markerSchema)
                    .put("status", "BEGIN")
                    .put("id", "771:23803720")
                    .put("ts_ms", 1L);
            Struct end = new Struct(markerSchema)
                    .put("status", "END")
                    .put("id", "771:23803720")
                    .put("event_count", 1L)
                    .put(
                            "data_collections",
                            List.of(new Struct(collection)
                                    .put("data_collection", "public.orders")
                                    .put("event_count", 1L)))
                    .put("ts_ms", 1L);

            assertThat(converter.convert(record(null, begin))).isEmpty();
            assertThat(converter.convert(record(null, end))).isEmpty();
        }

        @Test
        void logicalDecodingMessagesBecomeNoEventButHaveAPosition() {
            // the fence messages: op "m", a source block and the message itself, no before/after
            Schema message = SchemaBuilder.struct()
                    .name("io.debezium.connector.postgresql.Message")
                    .field("prefix", Schema.STRING_SCHEMA)
                    .field("content", Schema.BYTES_SCHEMA)
                    .build();
            Schema valueSchema = SchemaBuilder.struct()
                    .name("io.debezium.connector.postgresql.MessageValue")
                    .field("op", Schema.STRING_SCHEMA)
                    .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("source", SOURCE)
                    .field("message", message)
                    .build();
            Struct value = new Struct(valueSchema)
                    .put("op", "m")
                    .put("ts_ms", 1L)
                    .put("source", source("", LSN, "false"))
                    .put(
                            "message",
                            new Struct(message)
                                    .put("prefix", ConnectorContract.FENCE_MESSAGE_PREFIX)
                                    .put("content", "42".getBytes(StandardCharsets.UTF_8)));
            SourceRecord record = record(null, value);

            assertThat(converter.convert(record)).isEmpty();
            assertThat(RecordConverter.positionOf(record)).contains(new Lsn(LSN));
        }

        @Test
        void tombstonesAndSchemaChangesBecomeNoEvent() {
            Schema schemaChange = SchemaBuilder.struct()
                    .name("io.debezium.connector.schema.Change")
                    .field("ddl", Schema.OPTIONAL_STRING_SCHEMA)
                    .build();

            assertThat(converter.convert(record(key(7), null))).isEmpty();
            assertThat(converter.convert(record(null, new Struct(schemaChange).put("ddl", "CREATE TABLE t ()"))))
                    .isEmpty();
        }

        @Test
        void positionOfIsEmptyWithoutAnLsnInTheOffset() {
            SourceRecord noOffset = new SourceRecord(Map.of(), null, TOPIC, null, null, null, null);
            SourceRecord snapshotStart =
                    new SourceRecord(Map.of(), Map.of("snapshot", true), TOPIC, null, null, null, null);
            SourceRecord textLsn =
                    new SourceRecord(Map.of(), Map.of("lsn", "0/16B3748"), TOPIC, null, null, null, null);

            assertThat(RecordConverter.positionOf(noOffset)).isEmpty();
            assertThat(RecordConverter.positionOf(snapshotStart)).isEmpty();
            assertThat(RecordConverter.positionOf(textLsn)).isEmpty();
        }

        @Test
        void positionOfReadsTheOffsetsLsnForAnyRecord() {
            SourceRecord change = record(
                    key(7), envelope(ORDERS, false).create(order(7, "x"), source("orders", 5L, "false"), COMMIT));
            SourceRecord intLsn = new SourceRecord(Map.of(), Map.of("lsn", 12), TOPIC, null, null, null, null);

            assertThat(RecordConverter.positionOf(change))
                    .as("the offset's lsn, not the source block's")
                    .contains(new Lsn(LSN));
            assertThat(RecordConverter.positionOf(intLsn)).contains(new Lsn(12));
        }
    }

    // ---- unchanged TOAST -----------------------------------------------------------------------------

    @Nested
    class UnchangedToast {

        private final Schema row = SchemaBuilder.struct()
                .optional()
                .name("cdc.public.docs.Value")
                .field("id", Schema.INT64_SCHEMA)
                .field("body", Schema.OPTIONAL_STRING_SCHEMA)
                .field("blob", sourceTyped(SchemaBuilder.bytes(), "BYTEA"))
                .field("doc", Json.builder().optional().build())
                .field(
                        "tags",
                        SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA)
                                .optional()
                                .build())
                .field("title", Schema.OPTIONAL_STRING_SCHEMA)
                .build();

        private ChangeEvent updateWith(Object body, Object blob, Object doc, Object tags) {
            Struct before = new Struct(row).put("id", 7L);
            Struct after = new Struct(row)
                    .put("id", 7L)
                    .put("body", body)
                    .put("blob", blob)
                    .put("doc", doc)
                    .put("tags", tags)
                    .put("title", "t");
            return convert(
                    record(key(7), envelope(row, false).update(before, after, source("docs", LSN, "false"), COMMIT)));
        }

        @Test
        void thePlaceholderAsTextAsBytesAsJsonAndAsAnArrayBecomesAnUnknownColumn() {
            ChangeEvent event = updateWith(
                    PLACEHOLDER, PLACEHOLDER.getBytes(StandardCharsets.UTF_8), PLACEHOLDER, List.of(PLACEHOLDER));

            Row after = event.after();
            assertThat(after.unchangedToastColumns()).containsExactly("body", "blob", "doc", "tags");
            assertThat(after.isComplete()).isFalse();
            assertThat(after.values()).containsOnlyKeys("id", "title");
            assertThat(after.has("body")).isFalse();
        }

        @Test
        void thePlaceholderAsAByteBufferBecomesAnUnknownColumn() {
            ChangeEvent event =
                    updateWith("text", ByteBuffer.wrap(PLACEHOLDER.getBytes(StandardCharsets.UTF_8)), null, null);

            assertThat(event.after().unchangedToastColumns()).containsExactly("blob");
            assertThat(event.after().get("body")).isEqualTo("text");
        }

        @Test
        void valuesThatOnlyResembleThePlaceholderStayValues() {
            byte[] longer = (PLACEHOLDER + "x").getBytes(StandardCharsets.UTF_8);
            ChangeEvent event = updateWith(PLACEHOLDER + " ", longer, null, List.of(PLACEHOLDER, PLACEHOLDER));

            Row after = event.after();
            assertThat(after.isComplete()).isTrue();
            assertThat(after.get("body")).isEqualTo(PLACEHOLDER + " ");
            assertThat((byte[]) after.get("blob")).isEqualTo(longer);
            assertThat(after.get("tags")).isEqualTo(List.of(PLACEHOLDER, PLACEHOLDER));
            assertThat(after.has("doc")).as("a null is a known value").isTrue();
            assertThat(after.get("doc")).isNull();
        }

        @Test
        void recognisesThePlaceholderInEveryShapeDebeziumWritesIt() {
            byte[] bytes = PLACEHOLDER.getBytes(StandardCharsets.UTF_8);
            ByteBuffer offset = ByteBuffer.allocate(bytes.length + 4);
            offset.position(2);
            offset.put(bytes);
            offset.position(2).limit(2 + bytes.length);

            assertThat(RecordConverter.isUnchangedToast(PLACEHOLDER)).isTrue();
            assertThat(RecordConverter.isUnchangedToast(bytes)).isTrue();
            assertThat(RecordConverter.isUnchangedToast(offset))
                    .as("a slice of a larger buffer")
                    .isTrue();
            assertThat(RecordConverter.isUnchangedToast(Arrays.asList(PLACEHOLDER)))
                    .isTrue();
            assertThat(RecordConverter.isUnchangedToast(List.of(bytes))).isTrue();
            assertThat(RecordConverter.isUnchangedToast(null)).isFalse();
            assertThat(RecordConverter.isUnchangedToast(List.of())).isFalse();
            assertThat(RecordConverter.isUnchangedToast(42L)).isFalse();
        }

        @Test
        void anUnchangedToastInTheBeforeImageIsUnknownThereToo() {
            Struct before = new Struct(row).put("id", 7L).put("body", PLACEHOLDER);
            Struct after =
                    new Struct(row).put("id", 7L).put("body", PLACEHOLDER).put("title", "new");

            ChangeEvent event = convert(
                    record(key(7), envelope(row, false).update(before, after, source("docs", LSN, "false"), COMMIT)));

            assertThat(event.before().unchangedToastColumns()).containsExactly("body");
            assertThat(event.after().unchangedToastColumns()).containsExactly("body");
            assertThat(event.after()
                            .mergedOnto(Row.of(Map.of("id", 7L, "body", "kept")))
                            .get("body"))
                    .isEqualTo("kept");
        }
    }

    // ---- values -------------------------------------------------------------------------------------

    @Nested
    class Numerics {

        @Test
        void numericInStringModeBecomesAnExactBigDecimal() {
            Schema numeric = sourceTyped(SchemaBuilder.string(), "NUMERIC");

            assertThat(convertColumn(numeric, "12345678901234567890.000000000000000001"))
                    .isEqualTo(new BigDecimal("12345678901234567890.000000000000000001"));
            assertThat(convertColumn(numeric, "-0.10"))
                    .isInstanceOf(BigDecimal.class)
                    .hasToString("-0.10");
            assertThat(convertColumn(sourceTyped(SchemaBuilder.string(), "decimal"), "1.5"))
                    .isEqualTo(new BigDecimal("1.5"));
        }

        @Test
        void numericSpecialValuesBecomePostgresText() {
            Schema numeric = sourceTyped(SchemaBuilder.string(), "NUMERIC");

            assertThat(convertColumn(numeric, "NAN")).isEqualTo("NaN");
            assertThat(convertColumn(numeric, "NaN")).isEqualTo("NaN");
            assertThat(convertColumn(numeric, "Infinity")).isEqualTo("Infinity");
            assertThat(convertColumn(numeric, "POSITIVE_INFINITY")).isEqualTo("Infinity");
            assertThat(convertColumn(numeric, "-Infinity")).isEqualTo("-Infinity");
            assertThat(convertColumn(numeric, "NEGATIVE_INFINITY")).isEqualTo("-Infinity");
        }

        @Test
        void aNumericArrayBecomesBigDecimalsKeepingNulls() {
            Schema array = sourceTyped(SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA), "_NUMERIC");

            assertThat(convertColumn(array, Arrays.asList("1.10", null, "NaN")))
                    .isEqualTo(Arrays.asList(new BigDecimal("1.10"), null, "NaN"));
        }

        @Test
        void aStringWithoutANumericSourceTypeStaysText() {
            assertThat(convertColumn(Schema.OPTIONAL_STRING_SCHEMA, "1.50")).isEqualTo("1.50");
            assertThat(convertColumn(sourceTyped(SchemaBuilder.string(), "VARCHAR"), "1.50"))
                    .isEqualTo("1.50");
        }

        @Test
        void variableScaleDecimalBecomesItsBigDecimal() {
            Schema schema = VariableScaleDecimal.builder().optional().build();
            BigDecimal value = new BigDecimal("-98765.4321");

            assertThat(convertColumn(schema, VariableScaleDecimal.fromLogical(schema, value)))
                    .isEqualTo(value);
            assertThat(convertColumn(schema, VariableScaleDecimal.fromLogical(schema, new BigDecimal("1E+3"))))
                    .isEqualTo(new BigDecimal("1E+3"));
        }

        @Test
        void connectDecimalIsPassedThrough() {
            Schema schema = Decimal.builder(2).optional().build();

            assertThat(convertColumn(schema, new BigDecimal("12.34"))).isEqualTo(new BigDecimal("12.34"));
        }

        @Test
        void integersBecomeLongsAndFloatsKeepTheirDecimalText() {
            assertThat(convertColumn(Schema.OPTIONAL_INT16_SCHEMA, (short) 7)).isEqualTo(7L);
            assertThat(convertColumn(Schema.OPTIONAL_INT32_SCHEMA, 7)).isEqualTo(7L);
            assertThat(convertColumn(Schema.OPTIONAL_INT64_SCHEMA, Long.MIN_VALUE))
                    .isEqualTo(Long.MIN_VALUE);
            assertThat(convertColumn(Schema.OPTIONAL_FLOAT32_SCHEMA, 1.1f)).isEqualTo(1.1d);
            assertThat(convertColumn(Schema.OPTIONAL_FLOAT32_SCHEMA, Float.NaN)).isEqualTo(Double.NaN);
            assertThat(convertColumn(Schema.OPTIONAL_FLOAT64_SCHEMA, Double.NEGATIVE_INFINITY))
                    .isEqualTo(Double.NEGATIVE_INFINITY);
            assertThat(convertColumn(Schema.OPTIONAL_BOOLEAN_SCHEMA, true)).isEqualTo(true);
        }
    }

    @Nested
    class DatesAndTimes {

        private final Schema date = Date.builder().optional().build();

        @Test
        void aDateBecomesIsoText() {
            assertThat(convertColumn(date, (int) LocalDate.of(2024, 2, 29).toEpochDay()))
                    .isEqualTo("2024-02-29");
            assertThat(convertColumn(date, (int) LocalDate.of(1, 1, 1).toEpochDay()))
                    .isEqualTo("0001-01-01");
        }

        @Test
        void infiniteDatesBecomePostgresWords() {
            int positive = Date.toEpochDay(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE, null);
            int negative = Date.toEpochDay(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE, null);

            assertThat(convertColumn(date, positive)).isEqualTo("infinity");
            assertThat(convertColumn(date, negative)).isEqualTo("-infinity");
            // Debezium's sentinels lie far before Postgres' first date (4713 BC); a day next to them is no real date
            // but how Debezium renders infinity inside a date[] (ConverterBoundaryValuesIT), and is refused
            assertThatThrownBy(() -> convertColumn(date, positive - 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside Postgres' range");
            assertThat(convertColumn(date, (int) LocalDate.of(5_874_897, 12, 31).toEpochDay()))
                    .as("Postgres' last date")
                    .isEqualTo(CanonicalValues.date(LocalDate.of(5_874_897, 12, 31)));
        }

        @Test
        void aTimestampWithoutTimeZoneBecomesIsoTextAtEachPrecision() {
            LocalDateTime value = LocalDateTime.of(2024, 5, 1, 10, 15, 30, 123_456_000);
            long micros = ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), value);

            assertThat(convertColumn(MicroTimestamp.builder().optional().build(), micros))
                    .isEqualTo("2024-05-01T10:15:30.123456");
            assertThat(convertColumn(Timestamp.builder().optional().build(), micros / 1_000))
                    .isEqualTo("2024-05-01T10:15:30.123");
            assertThat(convertColumn(MicroTimestamp.builder().optional().build(), 0L))
                    .isEqualTo("1970-01-01T00:00:00");
        }

        @Test
        void timestampsBeforeTheEpochRoundTowardsThePast() {
            // 1969-12-31T23:59:59.999999 is -1 µs
            assertThat(convertColumn(MicroTimestamp.builder().optional().build(), -1L))
                    .isEqualTo("1969-12-31T23:59:59.999999");
            assertThat(RecordConverter.timestamp(-1L, 1_000_000_000L)).isEqualTo("1969-12-31T23:59:59.999999999");
        }

        @Test
        void infiniteTimestampsBecomePostgresWords() {
            Schema micro = MicroTimestamp.builder().optional().build();

            assertThat(convertColumn(micro, PGStatement.DATE_POSITIVE_INFINITY)).isEqualTo("infinity");
            assertThat(convertColumn(micro, PGStatement.DATE_NEGATIVE_INFINITY)).isEqualTo("-infinity");
        }

        @Test
        void timestampsBeyondTheNanosecondRangeOfALongStayExact() {
            LocalDateTime farFuture = LocalDateTime.of(2500, 1, 1, 0, 0, 0, 1_000);
            long micros = farFuture.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + 1;

            assertThat(RecordConverter.timestamp(micros, 1_000_000L)).isEqualTo("2500-01-01T00:00:00.000001");
        }

        @Test
        void aTimestampWithTimeZoneBecomesCanonicalUtcText() {
            Schema zoned = ZonedTimestamp.builder().optional().build();

            assertThat(convertColumn(zoned, "2024-05-01T10:15:30.5Z")).isEqualTo("2024-05-01T10:15:30.500Z");
            assertThat(convertColumn(zoned, "2024-05-01T12:15:30+02:00")).isEqualTo("2024-05-01T10:15:30Z");
            assertThat(convertColumn(zoned, "infinity")).isEqualTo("infinity");
            assertThat(convertColumn(zoned, "-infinity")).isEqualTo("-infinity");
        }

        @Test
        void timesBecomeIsoText() {
            long micros = LocalTime.of(10, 15, 30, 123_456_000).toNanoOfDay() / 1_000;

            assertThat(convertColumn(MicroTime.builder().optional().build(), micros))
                    .isEqualTo("10:15:30.123456");
            assertThat(convertColumn(io.debezium.time.Time.builder().optional().build(), (int) (micros / 1_000)))
                    .isEqualTo("10:15:30.123");
            // Debezium sends timetz in UTC (10:15:30+02:00 arrives as 08:15:30Z); the offset written is not kept
            assertThat(convertColumn(ZonedTime.builder().optional().build(), "08:15:30Z"))
                    .isEqualTo("08:15:30Z");
            assertThat(convertColumn(ZonedTime.builder().optional().build(), "08:15:30.5Z"))
                    .isEqualTo("08:15:30.5Z");
        }

        @Test
        void midnightAtTheEndOfTheDayBecomesPostgresText() {
            // Debezium's PostgresValueConverter.convertTime reads '24:00:00' as a Duration of one whole day
            long endOfDay = 24L * 3_600 * 1_000_000; // what Debezium sends for time '24:00:00'

            assertThat(convertColumn(MicroTime.builder().optional().build(), endOfDay))
                    .isEqualTo("24:00:00");
        }
    }

    @Nested
    class OtherTypes {

        @Test
        void byteaBecomesBytesFromAnArrayOrABuffer() {
            Schema bytea = sourceTyped(SchemaBuilder.bytes(), "BYTEA");
            byte[] bytes = {0, 1, (byte) 0xff};
            ByteBuffer slice = ByteBuffer.wrap(new byte[] {9, 0, 1, (byte) 0xff, 9}, 1, 3);

            assertThat((byte[]) convertColumn(bytea, bytes)).containsExactly(0, 1, 0xff);
            assertThat((byte[]) convertColumn(bytea, slice)).containsExactly(0, 1, 0xff);
            assertThat(slice.remaining())
                    .as("the record's buffer is left as it was")
                    .isEqualTo(3);
        }

        @Test
        void bytesWithoutTheByteaSourceTypeAreTheTextOfATypeDebeziumDoesNotKnowOrRefused() {
            // include.unknown.datatypes: a composite's Postgres text, as bytes, in a column with no propagated type
            assertThat(convertColumn(Schema.OPTIONAL_BYTES_SCHEMA, "(1,x)".getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo("(1,x)");
            assertThatThrownBy(() -> convertColumn(Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {0, 1, (byte) 0xff}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not the UTF-8 text");
        }

        @Test
        void jsonBecomesAJsonTree() {
            Object value =
                    convertColumn(Json.builder().optional().build(), "{\"a\": [1, \"x\", null], \"b\": {\"c\": true}}");

            assertThat(value).isInstanceOf(JsonNode.class);
            JsonNode json = (JsonNode) value;
            assertThat(json.get("a").get(0).asLong()).isEqualTo(1);
            assertThat(json.get("a").get(1).asText()).isEqualTo("x");
            assertThat(json.get("a").get(2).isNull()).isTrue();
            assertThat(json.get("b").get("c").asBoolean()).isTrue();
        }

        @Test
        void arraysConvertEachElementByTheElementSchema() {
            Schema dates = SchemaBuilder.array(Date.builder().optional().build())
                    .optional()
                    .build();
            Schema texts = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA)
                    .optional()
                    .build();
            Schema ints =
                    SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).optional().build();
            int day = (int) LocalDate.of(2024, 5, 1).toEpochDay();

            assertThat(convertColumn(dates, Arrays.asList(day, null))).isEqualTo(Arrays.asList("2024-05-01", null));
            assertThat(convertColumn(texts, List.of("a", "b"))).isEqualTo(List.of("a", "b"));
            assertThat(convertColumn(ints, List.of(1, 2))).isEqualTo(List.of(1L, 2L));
            assertThat(convertColumn(ints, List.of())).isEqualTo(List.of());
        }

        @Test
        void nullsStayNullWhateverTheType() {
            assertThat(convertColumn(Date.builder().optional().build(), null)).isNull();
            assertThat(convertColumn(sourceTyped(SchemaBuilder.string(), "NUMERIC"), null))
                    .isNull();
            assertThat(convertColumn(Json.builder().optional().build(), null)).isNull();
        }

        /**
         * Debezium puts a column's constant DEFAULT into its schema, and Connect's {@code Struct.get} hands out
         * that default for a NULL: a row whose column was set to NULL must not read as the default.
         */
        @Test
        void aNullInAColumnWithADefaultStaysNull() {
            assertThat(convertColumn(
                            SchemaBuilder.string()
                                    .optional()
                                    .defaultValue("draft")
                                    .build(),
                            null))
                    .isNull();
            assertThat(convertColumn(
                            SchemaBuilder.int32().optional().defaultValue(0).build(), null))
                    .isNull();
            assertThat(convertColumn(
                            SchemaBuilder.string()
                                    .optional()
                                    .defaultValue("draft")
                                    .build(),
                            "sent"))
                    .isEqualTo("sent");
        }

        @Test
        void otherStringsSuchAsUuidIntervalAndEnumsStayText() {
            assertThat(convertColumn(
                            io.debezium.data.Uuid.builder().optional().build(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
                    .isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
            assertThat(convertColumn(Schema.OPTIONAL_STRING_SCHEMA, "P1Y2M3DT4H5M6.78S"))
                    .isEqualTo("P1Y2M3DT4H5M6.78S");
        }
    }
}
