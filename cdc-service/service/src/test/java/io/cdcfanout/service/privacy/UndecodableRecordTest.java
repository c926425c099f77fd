package io.cdcfanout.service.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.sink.SinkRegistry;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** What is kept of a record the converter refused: the column rules apply to its image and to the reason. */
class UndecodableRecordTest {

    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Schema ROW = SchemaBuilder.struct()
            .optional()
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ssn", Schema.OPTIONAL_STRING_SCHEMA)
            .field("age", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    private static final Schema VALUE = SchemaBuilder.struct()
            .field("op", Schema.STRING_SCHEMA)
            .field("source", SOURCE)
            .field("before", ROW)
            .field("after", ROW)
            .build();

    private final ColumnPolicy policy = ColumnPolicy.from(new ConfigLoader(SinkRegistry.load(), Map.of())
            .parse("""
            source:
              postgres: { host: 127.0.0.1, database: shop, user: cdc }
              tables: [public.customers, public.orders]
              columns:
                public.customers: { exclude: [ssn], mask: [email] }
              mask-key: "undecodable-record-test-key"
            sinks:
              cache: { type: caffeine, tables: [public.customers, public.orders] }
            """, "test.yml")
            .source());

    private static SourceRecord record(String table) {
        Struct after = new Struct(ROW)
                .put("name", "Carol")
                .put("email", "carol@example.com")
                .put("ssn", "555-12-3456")
                .put("age", 41);
        Struct value = new Struct(VALUE)
                .put("op", "c")
                .put("after", after)
                .put(
                        "source",
                        new Struct(SOURCE)
                                .put("schema", "public")
                                .put("table", table)
                                .put("txId", 7L));
        return new SourceRecord(Map.of(), Map.of("lsn", 900L), "test.public." + table, null, null, null, VALUE, value);
    }

    @Test
    void aTableWithRulesKeepsItsAllowedColumnsAndMasksOrDropsTheOthers() {
        UndecodableRecord kept = UndecodableRecord.of(
                record("customers"),
                policy,
                new IllegalStateException("bad value 'carol@example.com' next to 555-12-3456"));

        assertThat(kept.table()).isEqualTo("public.customers");
        assertThat(kept.lsn()).isEqualTo(new Lsn(900));
        assertThat(kept.txId()).isEqualTo(7);
        assertThat(kept.operation()).isEqualTo("c");
        assertThat(kept.image().values()).containsOnlyKeys("name", "email", "age");
        assertThat(kept.image().get("name")).isEqualTo("Carol");
        assertThat(kept.image().get("age")).isEqualTo(41L);
        assertThat(kept.image().get("email")).isEqualTo(policy.mask("carol@example.com"));
        assertThat(kept.reason())
                .contains("IllegalStateException", "<email withheld>", "<ssn withheld>")
                .doesNotContain("carol@example.com")
                .doesNotContain("555-12-3456");
    }

    @Test
    void aTableWithoutRulesKeepsEverything() {
        UndecodableRecord kept =
                UndecodableRecord.of(record("orders"), policy, new IllegalStateException("bad 555-12-3456"));

        assertThat(kept.image().values()).containsOnlyKeys("name", "email", "ssn", "age");
        assertThat(kept.reason()).contains("555-12-3456");
    }

    @Test
    void aRecordNamingNoTableKeepsNoValuesWhenAnyRulesExist() {
        SourceRecord odd = new SourceRecord(
                Map.of(), Map.of("lsn", 5L), "somewhere", null, null, null, Schema.STRING_SCHEMA, "ssn=555-12-3456");

        UndecodableRecord guarded = UndecodableRecord.of(odd, policy, new IllegalStateException("ssn=555-12-3456"));
        assertThat(guarded.image()).isNull();
        assertThat(guarded.reason()).doesNotContain("555-12-3456").contains("IllegalStateException");
        assertThat(guarded.table()).isEqualTo("somewhere");

        UndecodableRecord open = UndecodableRecord.of(odd, ColumnPolicy.none(), new IllegalStateException("x"));
        assertThat(open.image().get("record")).isEqualTo("ssn=555-12-3456");
    }
}
