package io.cdcfanout.service.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.sink.SinkRegistry;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ColumnPolicyTest {

    private static final String KEY = "0123456789abcdef-test-key";
    private static final TableId CUSTOMERS = TableId.parse("public.customers");
    private static final TableId ORDERS = TableId.parse("public.orders");

    private final ColumnPolicy policy =
            ColumnPolicy.from(new ConfigLoader(SinkRegistry.load(), Map.of("CDC_MASK_KEY", KEY))
                    .parse("""
            source:
              postgres: { host: 127.0.0.1, database: shop, user: cdc }
              tables: [public.customers, public.orders]
              columns:
                public.customers: { exclude: [ssn, notes], mask: [email] }
              mask-key: "${CDC_MASK_KEY}"
            sinks:
              cache: { type: caffeine, tables: [public.customers, public.orders] }
            """, "test.yml")
                    .source());

    @Test
    void dropsExcludedAndHashesMaskedColumnsOfBothImages() {
        Row before = customer("alice@example.com", "123-45-6789");
        Row after = customer("alice@new.example", "123-45-6789");
        ChangeEvent event = policy.apply(new ChangeEvent(
                CUSTOMERS, Operation.UPDATE, RowKey.of(List.of("id"), after), before, after, position()));

        for (Row image : List.of(event.before(), event.after())) {
            assertThat(image.values().keySet()).containsExactly("id", "name", "email");
            assertThat(image.get("email")).asString().hasSize(64).matches("[0-9a-f]+");
        }
        assertThat(event.after().get("email")).isEqualTo(hmac("alice@new.example"));
        assertThat(event.before().get("email")).isEqualTo(hmac("alice@example.com"));
        assertThat(event.after().get("name")).isEqualTo("Alice");
        assertThat(event.key()).isEqualTo(RowKey.of(List.of("id"), after));
        assertThat(event.position()).isEqualTo(position());
    }

    @Test
    void equalValuesGiveEqualHashesSoMaskedColumnsStayJoinable() {
        Row a = policy.apply(CUSTOMERS, customer("bob@example.com", null));
        Row b = policy.apply(CUSTOMERS, customer("bob@example.com", "x"));
        assertThat(a.get("email")).isEqualTo(b.get("email")).isNotEqualTo("bob@example.com");
    }

    @Test
    void nullStaysNull() {
        assertThat(policy.apply(CUSTOMERS, customer(null, null)).get("email")).isNull();
    }

    @Test
    void unchangedToastColumnsStayUnknownWhenMaskedAndDisappearWhenExcluded() {
        Row partial = Row.builder()
                .put("id", 1L)
                .put("name", "Alice")
                .unchangedToast("email")
                .unchangedToast("notes")
                .build();
        Row out = policy.apply(CUSTOMERS, partial);
        assertThat(out.unchangedToastColumns()).containsExactly("email");
        assertThat(out.values().keySet()).containsExactly("id", "name");
    }

    @Test
    void tablesWithoutRulesAndTruncatesPassUnchanged() {
        Row order = Row.of(Map.of("id", 7L, "email", "carol@example.com"));
        ChangeEvent insert =
                new ChangeEvent(ORDERS, Operation.INSERT, RowKey.of(List.of("id"), order), null, order, position());
        assertThat(policy.apply(insert)).isSameAs(insert);
        ChangeEvent truncate = new ChangeEvent(CUSTOMERS, Operation.TRUNCATE, null, null, null, position());
        assertThat(policy.apply(truncate).op()).isEqualTo(Operation.TRUNCATE);
    }

    @Test
    void deleteBeforeImageIsFilteredToo() {
        Row before = customer("dave@example.com", "999");
        ChangeEvent delete = policy.apply(new ChangeEvent(
                CUSTOMERS, Operation.DELETE, RowKey.of(List.of("id"), before), before, null, position()));
        assertThat(delete.before().values()).doesNotContainKey("ssn").doesNotContainValue("dave@example.com");
        assertThat(delete.after()).isNull();
    }

    private static Row customer(String email, String ssn) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", 1L);
        values.put("name", "Alice");
        values.put("email", email);
        values.put("ssn", ssn);
        values.put("notes", "likes tea");
        return Row.of(values);
    }

    private static SourcePosition position() {
        return new SourcePosition(Lsn.parse("0/16B3748"), 42, Instant.parse("2026-01-01T00:00:00Z"), 3);
    }

    private static String hmac(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
