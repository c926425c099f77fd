package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code source.columns} and {@code source.mask-key} are checked when the file is loaded. */
class ColumnRulesConfigTest {

    private static final String BASE = """
            source:
              postgres: { host: 127.0.0.1, database: shop, user: cdc }
              tables: [public.customers]
            %s
            sinks:
              cache: { type: caffeine, tables: [public.customers] }
            """;

    private final ConfigLoader loader =
            new ConfigLoader(SinkRegistry.load(), Map.of("CDC_MASK_KEY", "a-long-enough-mask-key"));

    private ServiceConfig parse(String sourceLines) {
        return loader.parse(BASE.formatted(sourceLines), "cdc.yml");
    }

    @Test
    void bindsRulesAndKey() {
        ServiceConfig config = parse("""
                  columns:
                    public.customers: { exclude: [ssn], mask: [email, phone] }
                  mask-key: "${CDC_MASK_KEY}"
                """);
        ColumnRules rules = config.source().columns().get(TableId.parse("public.customers"));
        assertThat(rules.exclude()).containsExactly("ssn");
        assertThat(rules.mask()).containsExactly("email", "phone");
        assertThat(config.source().maskKey().reveal()).isEqualTo("a-long-enough-mask-key");
        assertThat(config.source().maskKey().toString()).doesNotContain("mask-key");
    }

    @Test
    void noRulesByDefault() {
        ServiceConfig config = parse("");
        assertThat(config.source().columns()).isEmpty();
        assertThat(config.source().maskKey().isEmpty()).isTrue();
    }

    @Test
    void unknownTableIsNamed() {
        assertThatThrownBy(() -> parse("""
                  columns:
                    public.users: { exclude: [ssn] }
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("public.users")
                .hasMessageContaining("source.tables");
    }

    @Test
    void maskWithoutKeyIsAnError() {
        assertThatThrownBy(() -> parse("""
                  columns:
                    public.customers: { mask: [email] }
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.mask-key");
    }

    @Test
    void shortKeyIsAnError() {
        assertThatThrownBy(() -> parse("""
                  columns:
                    public.customers: { mask: [email] }
                  mask-key: short
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("at least 16");
    }

    @Test
    void columnBothExcludedAndMaskedIsAnError() {
        assertThatThrownBy(() -> parse("""
                  columns:
                    public.customers: { exclude: [email], mask: [email] }
                  mask-key: "${CDC_MASK_KEY}"
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("both excluded and masked");
    }

    @Test
    void unknownRuleKeyListsTheSupportedOnes() {
        assertThatThrownBy(() -> parse("""
                  columns:
                    public.customers: { drop: [email] }
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("exclude, mask");
    }

    @Test
    void excludeOnlyNeedsNoKey() {
        assertThat(parse("""
                  columns:
                    public.customers: { exclude: [ssn] }
                """)
                        .source()
                        .columns()
                        .get(TableId.parse("public.customers"))
                        .mask())
                .isEqualTo(List.of());
    }
}
