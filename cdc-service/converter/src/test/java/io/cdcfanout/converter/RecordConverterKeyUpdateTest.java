package io.cdcfanout.converter;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyUpdate;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The two records Debezium emits for an update of a primary key become two changes that name each other's key. */
class RecordConverterKeyUpdateTest {

    private static final Schema KEY = SchemaBuilder.struct()
            .field("tenant", Schema.STRING_SCHEMA)
            .field("id", Schema.INT32_SCHEMA)
            .build();
    private static final Schema ROW = SchemaBuilder.struct()
            .field("tenant", Schema.STRING_SCHEMA)
            .field("id", Schema.INT32_SCHEMA)
            .field("body", Schema.OPTIONAL_STRING_SCHEMA)
            .optional()
            .build();
    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();
    private static final Schema ENVELOPE = SchemaBuilder.struct()
            .field("op", Schema.STRING_SCHEMA)
            .field("source", SOURCE)
            .field("before", ROW)
            .field("after", ROW)
            .build();

    private final RecordConverter converter = new RecordConverter();

    @Test
    void theDeleteAndTheCreateOfAKeyUpdateCarryBothKeys() {
        ConnectHeaders deleteHeaders = new ConnectHeaders();
        deleteHeaders.add(RecordConverter.NEW_KEY_HEADER, key("a", 10), KEY);
        ConnectHeaders createHeaders = new ConnectHeaders();
        createHeaders.add(RecordConverter.OLD_KEY_HEADER, key("a", 1), KEY);

        ChangeEvent delete = converter
                .convert(record("d", key("a", 1), row("a", 1, null), null, deleteHeaders))
                .orElseThrow();
        ChangeEvent create = converter
                .convert(record(
                        "c",
                        key("a", 10),
                        null,
                        row("a", 10, ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER),
                        createHeaders))
                .orElseThrow();

        KeyUpdate expected = new KeyUpdate(
                new RowKey(List.of("tenant", "id"), List.of("a", 1L)),
                new RowKey(List.of("tenant", "id"), List.of("a", 10L)));
        assertThat(delete.op()).isEqualTo(Operation.DELETE);
        assertThat(delete.keyUpdate()).isEqualTo(expected);
        assertThat(delete.previousKey()).isNull();
        assertThat(create.op()).isEqualTo(Operation.INSERT);
        assertThat(create.keyUpdate()).isEqualTo(expected);
        assertThat(create.previousKey()).isEqualTo(expected.oldKey());
        assertThat(create.after().unchangedToastColumns()).containsExactly("body");
    }

    @Test
    void otherChangesHaveNoKeyUpdate() {
        ChangeEvent insert = converter
                .convert(record("c", key("a", 2), null, row("a", 2, "x"), new ConnectHeaders()))
                .orElseThrow();
        ChangeEvent update = converter
                .convert(record("u", key("a", 2), row("a", 2, "x"), row("a", 2, "y"), new ConnectHeaders()))
                .orElseThrow();
        ChangeEvent delete = converter
                .convert(record("d", key("a", 2), row("a", 2, "y"), null, new ConnectHeaders()))
                .orElseThrow();

        assertThat(insert.keyUpdate()).isNull();
        assertThat(update.keyUpdate()).isNull();
        assertThat(delete.keyUpdate()).isNull();
        assertThat(insert.previousKey()).isNull();
    }

    private static Struct key(String tenant, int id) {
        return new Struct(KEY).put("tenant", tenant).put("id", id);
    }

    private static Struct row(String tenant, int id, String body) {
        return new Struct(ROW).put("tenant", tenant).put("id", id).put("body", body);
    }

    private static SourceRecord record(String op, Struct key, Struct before, Struct after, ConnectHeaders headers) {
        Struct source = new Struct(SOURCE)
                .put("schema", "public")
                .put("table", "docs")
                .put("lsn", 1000L)
                .put("txId", 7L)
                .put("ts_ms", 1L);
        Struct value = new Struct(ENVELOPE)
                .put("op", op)
                .put("source", source)
                .put("before", before)
                .put("after", after);
        return new SourceRecord(
                Map.of(),
                Map.of("lsn", 1000L),
                "cdc_fanout.public.docs",
                null,
                KEY,
                key,
                ENVELOPE,
                value,
                null,
                headers);
    }
}
