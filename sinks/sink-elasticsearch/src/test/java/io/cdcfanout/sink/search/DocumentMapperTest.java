package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.search.DocumentMapper.UnmappableChangeException;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DocumentMapperTest {

    static final TableId TABLE = TableId.parse("public.items");

    static ChangeEvent event(Operation op, long lsn, RowKey key, Row after) {
        return new ChangeEvent(TABLE, op, key, null, after, new SourcePosition(new Lsn(lsn), 7, Instant.EPOCH, 1));
    }

    static RowKey key(long id) {
        return new RowKey(List.of("id"), List.of(id));
    }

    @Test
    void anUpsertIsTheRowImageWithTheLsnAsVersionAndMetadata() throws Exception {
        DocumentMapper mapper = new DocumentMapper(new TableOptions("items", null, null, null, null));
        Row row = Row.builder()
                .put("id", 5L)
                .put("price", new BigDecimal("1.50"))
                .put("note", null)
                .build();
        DocumentWrite write = mapper.toWrite(event(Operation.INSERT, 0x1_0000_0010L, key(5), row));
        assertThat(write.id()).isEqualTo("5");
        assertThat(write.version()).isEqualTo(0x1_0000_0010L);
        assertThat(write.tombstone()).isFalse();
        assertThat(new String(write.source(), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"id\":5,\"price\":1.50,\"note\":null,\"_cdc\":{\"deleted\":false,\"version\":4294967312,\"lsn\":\"1/10\"}}");
        assertThat(write.needsPreviousDocument()).isFalse();
    }

    @Test
    void aDeleteIsATombstone() throws Exception {
        DocumentMapper mapper = new DocumentMapper(new TableOptions("items", null, null, null, null));
        ChangeEvent delete = new ChangeEvent(
                TABLE,
                Operation.DELETE,
                key(5),
                Row.builder().put("id", 5L).build(),
                null,
                new SourcePosition(new Lsn(42), 7, Instant.EPOCH, 1));
        DocumentWrite write = mapper.toWrite(delete);
        assertThat(write.tombstone()).isTrue();
        assertThat(write.version()).isEqualTo(42);
        assertThat(new String(write.source(), StandardCharsets.UTF_8))
                .isEqualTo("{\"_cdc\":{\"deleted\":true,\"version\":42,\"lsn\":\"0/2A\"}}");
    }

    @Test
    void includeAndExcludeChooseColumnsAndUnknownToastColumnsAreOnlyThoseKept() throws Exception {
        Row row = Row.builder()
                .put("id", 1L)
                .put("a", "x")
                .put("secret", "s")
                .unchangedToast("body")
                .unchangedToast("blob")
                .build();
        DocumentWrite excluded = new DocumentMapper(
                        new TableOptions("items", null, null, List.of("secret", "blob"), null))
                .toWrite(event(Operation.UPDATE, 10, key(1), row));
        assertThat(fields(excluded)).containsExactly("id", "a", "_cdc");
        assertThat(excluded.unknownColumns()).containsExactly("body");

        DocumentWrite included = new DocumentMapper(new TableOptions("items", null, List.of("id", "a"), null, null))
                .toWrite(event(Operation.UPDATE, 10, key(1), row));
        assertThat(fields(included)).containsExactly("id", "a", "_cdc");
        assertThat(included.needsPreviousDocument()).isFalse();
    }

    static List<String> fields(DocumentWrite write) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        RowJson.MAPPER.readTree(write.source()).fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aColumnOnTheMetadataFieldIsRefused() {
        DocumentMapper mapper = new DocumentMapper(new TableOptions("items", null, null, null, null));
        Row row = Row.builder().put("id", 1L).put("_cdc", "mine").build();
        assertThatThrownBy(() -> mapper.toWrite(event(Operation.INSERT, 10, key(1), row)))
                .isInstanceOf(UnmappableChangeException.class)
                .hasMessageContaining("exclude");
        Row dotted = Row.builder().put("id", 1L).put("_cdc.deleted", false).build();
        assertThatThrownBy(() -> mapper.toWrite(event(Operation.INSERT, 10, key(1), dotted)))
                .isInstanceOf(UnmappableChangeException.class);
    }

    @Test
    void idsComeFromTheTemplateAndMustFitElasticsearch() throws Exception {
        RowKey composite = new RowKey(List.of("tenant", "sku"), List.of(3L, "A-1"));
        Row row = Row.builder().put("tenant", 3L).put("sku", "A-1").build();
        assertThat(new DocumentMapper(new TableOptions("items", null, null, null, null))
                        .documentId(event(Operation.INSERT, 1, composite, row)))
                .isEqualTo("tenant=3&sku=A-1");
        assertThat(new DocumentMapper(new TableOptions("items", "{tenant}/{sku}", null, null, null))
                        .documentId(event(Operation.INSERT, 1, composite, row)))
                .isEqualTo("3/A-1");
        assertThatThrownBy(() -> new DocumentMapper(new TableOptions("items", "{name}", null, null, null))
                        .documentId(event(Operation.INSERT, 1, composite, row)))
                .isInstanceOf(UnmappableChangeException.class)
                .hasMessageContaining("not a key column");
        RowKey huge = new RowKey(List.of("id"), List.of("x".repeat(600)));
        assertThatThrownBy(() -> new DocumentMapper(new TableOptions("items", null, null, null, null))
                        .documentId(event(
                                Operation.INSERT,
                                1,
                                huge,
                                Row.builder().put("id", "x").build())))
                .isInstanceOf(UnmappableChangeException.class)
                .hasMessageContaining("512");
    }
}
