package io.cdcfanout.service.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.service.pipeline.DeadLetter;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Decoding a Debezium batch: events, end position, dead letters of undecodable records, and what acknowledging marks. */
class ChangeBatchDecoderTest {

    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Schema ROW =
            SchemaBuilder.struct().optional().field("id", Schema.INT64_SCHEMA).build();
    private static final Schema KEY =
            SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build();
    private static final Schema VALUE = SchemaBuilder.struct()
            .field("op", Schema.STRING_SCHEMA)
            .field("source", SOURCE)
            .field("before", ROW)
            .field("after", ROW)
            .build();

    private final List<Object> marked = new ArrayList<>();

    private final DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer =
            new DebeziumEngine.RecordCommitter<>() {
                @Override
                public void markProcessed(RecordChangeEvent<SourceRecord> record) {
                    throw new AssertionError("records are marked with their boundary offsets");
                }

                @Override
                public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
                    marked.add(((RecordedOffsets) offsets).values);
                }

                @Override
                public void markBatchFinished() {
                    marked.add("batch finished");
                }

                @Override
                public DebeziumEngine.Offsets buildOffsets() {
                    return new RecordedOffsets();
                }
            };

    private static final class RecordedOffsets implements DebeziumEngine.Offsets {
        final Map<String, Object> values = new HashMap<>();

        @Override
        public void set(String key, Object value) {
            values.put(key, value);
        }
    }

    private static RecordChangeEvent<SourceRecord> insert(long id, long lsn, long lastCommit, boolean withKey) {
        Struct source = new Struct(SOURCE)
                .put("schema", "public")
                .put("table", "products")
                .put("lsn", lsn)
                .put("txId", 42L)
                .put("ts_ms", 1_700_000_000_000L);
        Struct value =
                new Struct(VALUE).put("op", "c").put("source", source).put("after", new Struct(ROW).put("id", id));
        SourceRecord record = new SourceRecord(
                Map.of("server", "test"),
                Map.of("lsn", lsn, "lsn_proc", lsn, "lsn_commit", lastCommit),
                "test.public.products",
                null,
                withKey ? KEY : null,
                withKey ? new Struct(KEY).put("id", id) : null,
                VALUE,
                value);
        return () -> record;
    }

    private static RecordChangeEvent<SourceRecord> heartbeat(long lsn, long lastCommit) {
        SourceRecord record = new SourceRecord(
                Map.of("server", "test"),
                Map.of("lsn", lsn, "lsn_proc", lsn, "lsn_commit", lastCommit),
                "heartbeat",
                null,
                null);
        return () -> record;
    }

    @Test
    void aBatchBecomesItsEventsItsEndAndTheDeadLettersOfWhatCannotBeDecoded() {
        ChangeBatchDecoder decoder = new ChangeBatchDecoder(ColumnPolicy.none(), null);
        // the first comes without a key, and none was seen before for the table: the converter cannot identify the row
        ChangeBatchDecoder.Decoded decoded = decoder.decode(
                List.of(insert(2, 520, 300, false), insert(1, 530, 300, true), heartbeat(600, 550)), committer);

        assertThat(decoded.batch().recordCount()).isEqualTo(3);
        assertThat(decoded.batch().endLsn()).isEqualTo(new Lsn(600));
        assertThat(decoded.batch().events()).singleElement().satisfies(e -> {
            assertThat(e.op()).isEqualTo(Operation.INSERT);
            assertThat(e.key().asText()).isEqualTo("1");
        });
        assertThat(decoded.batch().undecodable()).singleElement().satisfies(letter -> {
            assertThat(letter.sink()).isEqualTo(DeadLetter.UNDECODABLE);
            assertThat(letter.table()).isEqualTo("public.products");
            assertThat(letter.txId()).isEqualTo(42);
            assertThat(letter.lsn()).isEqualTo(new Lsn(520));
            assertThat(letter.reason()).contains("no key");
            assertThat(letter.operation()).isEqualTo("c");
            assertThat(letter.payload().json()).isEqualTo("{\"id\":2}");
        });
        assertThat(marked)
                .as("nothing is marked before the pipeline acknowledges")
                .isEmpty();
    }

    @Test
    void acknowledgingMarksTheNewestTransactionBoundaryThenFinishesTheBatch() throws Exception {
        ChangeBatchDecoder decoder = new ChangeBatchDecoder(ColumnPolicy.none(), null);
        decoder.decode(List.of(insert(1, 500, 300, true), heartbeat(600, 550)), committer)
                .acknowledgement()
                .acknowledge();

        assertThat(marked).containsExactly(Map.of("lsn", 550L, "lsn_commit", 550L), "batch finished");
    }

    @Test
    void aBatchWithoutABoundaryOnlyFinishes() throws Exception {
        ChangeBatchDecoder decoder = new ChangeBatchDecoder(ColumnPolicy.none(), null);
        SourceRecord firstAfterSnapshot = new SourceRecord(
                Map.of("server", "test"), Map.of("lsn", 700L, "lsn_proc", 700L), "heartbeat", null, null);
        decoder.decode(List.of(() -> firstAfterSnapshot), committer)
                .acknowledgement()
                .acknowledge();

        assertThat(marked).containsExactly("batch finished");
    }
}
