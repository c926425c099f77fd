package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.cache.CaffeineSinkConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String VALID = """
            source:
              postgres: { host: 127.0.0.1, port: 5432, database: shop, user: cdc, password: "${PG_PASSWORD}" }
              slot: cdc_fanout
              publication: cdc_fanout
              tables: [public.products, public.tax_rates]
            offsets: { store: postgres }
            http: { port: 8080 }
            sinks:
              cache:
                type: caffeine
                max-entries: 100000
                expire-after-write: 10m
                tables: [public.products]
            """;

    private final ConfigLoader loader = new ConfigLoader(SinkRegistry.load(), Map.of("PG_PASSWORD", "s3cret"));

    @Test
    void bindsAValidFileWithDefaultsAndEnvironment() {
        ServiceConfig config = loader.parse(VALID, "cdc.yml");

        assertThat(config.source().postgres().password().reveal()).isEqualTo("s3cret");
        assertThat(config.source().postgres().toString()).doesNotContain("s3cret");
        assertThat(config.source().tables())
                .containsExactly(TableId.parse("public.products"), TableId.parse("public.tax_rates"));
        assertThat(config.source().pollInterval()).isEqualTo(Duration.ofMillis(5));
        assertThat(config.http().host()).isEqualTo("127.0.0.1");
        assertThat(config.offsets().schema()).isEqualTo("cdc_fanout");
        CaffeineSinkConfig cache =
                (CaffeineSinkConfig) config.sinks().get("cache").config();
        assertThat(config.sinks().get("cache").type()).isEqualTo("caffeine");
        assertThat(cache.maxEntries()).isEqualTo(100_000L);
        assertThat(cache.expireAfterWrite()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void environmentDefaultIsUsedWhenTheVariableIsUnset() {
        ConfigLoader noEnv = new ConfigLoader(SinkRegistry.load(), Map.of());
        ServiceConfig config = noEnv.parse(VALID.replace("${PG_PASSWORD}", "${PG_PASSWORD:-fallback}"), "cdc.yml");
        assertThat(config.source().postgres().password().reveal()).isEqualTo("fallback");
    }

    @Test
    void secretsCanComeFromFiles(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pg-password");
        Files.writeString(secret, "from-a-file\n");
        ServiceConfig config = loader.parse(VALID.replace("${PG_PASSWORD}", "${file:" + secret + "}"), "cdc.yml");
        assertThat(config.source().postgres().password().reveal()).isEqualTo("from-a-file");
        assertThatThrownBy(() ->
                        loader.parse(VALID.replace("${PG_PASSWORD}", "${file:" + dir.resolve("nope") + "}"), "cdc.yml"))
                .hasMessageContaining("cdc.yml:2:")
                .hasMessageContaining("cannot read secret file");
    }

    @Test
    void unsetEnvironmentVariableNamesFileLineKeyAndVariable() {
        ConfigLoader noEnv = new ConfigLoader(SinkRegistry.load(), Map.of());
        assertThatThrownBy(() -> noEnv.parse(VALID, "cdc.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.yml:2:")
                .hasMessageContaining("source.postgres.password")
                .hasMessageContaining("PG_PASSWORD is not set");
    }

    @Test
    void unknownKeyNamesFileLineKeyAndTheSupportedKeys() {
        String yaml = VALID.replace("    max-entries: 100000", "    max-entry: 100000");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.yml:11:")
                .hasMessageContaining("sinks.cache.max-entry")
                .hasMessageContaining("unknown key 'max-entry'")
                .hasMessageContaining("max-entries");
    }

    @Test
    void unknownTopLevelKeyIsAnError() {
        assertThatThrownBy(() -> loader.parse(VALID + "extra: 1\n", "cdc.yml"))
                .hasMessageContaining("cdc.yml:14:")
                .hasMessageContaining("unknown key 'extra'");
    }

    @Test
    void wrongTypeSaysWhatWasExpected() {
        String yaml = VALID.replace("port: 5432", "port: lots");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .hasMessageContaining("cdc.yml:2:")
                .hasMessageContaining("source.postgres.port")
                .hasMessageContaining("expected a whole number");
    }

    @Test
    void missingRequiredKeyIsNamed() {
        String yaml = VALID.replace("  tables: [public.products, public.tax_rates]\n", "");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .hasMessageContaining("cdc.yml:")
                .hasMessageContaining("missing required key 'source.tables'");
    }

    @Test
    void unknownSinkTypeListsSupportedTypes() {
        String yaml = VALID.replace("type: caffeine", "type: redis");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .hasMessageContaining("cdc.yml:10:")
                .hasMessageContaining("sinks.cache.type")
                .hasMessageContaining("unknown sink type 'redis'")
                .hasMessageContaining("caffeine");
    }

    @Test
    void sinkTableMustBeCaptured() {
        String yaml = VALID.replace("tables: [public.products]", "tables: [public.orders]");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .hasMessageContaining("sink 'cache'")
                .hasMessageContaining("public.orders")
                .hasMessageContaining("not in source.tables");
    }

    @Test
    void invalidValueIsExplained() {
        String yaml = VALID.replace("expire-after-write: 10m", "expire-after-write: soon");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .hasMessageContaining("cdc.yml:12:")
                .hasMessageContaining("sinks.cache.expire-after-write")
                .hasMessageContaining("not a duration");
    }

    @Test
    void malformedYamlGivesTheLine() {
        String yaml = VALID.replace("  slot: cdc_fanout", "  slot: [cdc_fanout");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.yml:")
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void badTableNameIsRejected() {
        String yaml = VALID.replace("public.tax_rates]", "public.tax-rates]")
                .replace("tables: [public.products]", "tables: [public.products]");
        assertThatThrownBy(() -> loader.parse(yaml, "cdc.yml"))
                .hasMessageContaining("source.tables")
                .hasMessageContaining("not a valid table name");
    }

    @Test
    void missingFileIsReported(@TempDir Path dir) {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yml"))).hasMessageContaining("nope.yml: no such file");
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cdc.yml");
        Files.writeString(file, VALID);
        assertThat(loader.load(file).sinks()).containsOnlyKeys("cache");
        assertThat(List.copyOf(loader.load(file).sinks().get("cache").config().sourceTables()))
                .containsExactly(TableId.parse("public.products"));
    }

    @Test
    void lagPoliciesDefaultPerSinkTypeAndBindFromEachSinksBlock() {
        ServiceConfig defaults = loader.parse(VALID, "cdc.yml");
        assertThat(defaults.lag().get("cache")).isEqualTo(LagPolicy.WAIT);

        ServiceConfig detaching = loader.parse(
                VALID.replace(
                        "    type: caffeine\n",
                        "    type: caffeine\n    on-lag: detach\n    max-lag: { wal: 256MiB, time: 90s }\n"),
                "cdc.yml");
        LagPolicy policy = detaching.lag().get("cache");
        assertThat(policy.detaches()).isTrue();
        assertThat(policy.maxLagBytes()).isEqualTo(256L << 20);
        assertThat(policy.maxLagTime()).isEqualTo(Duration.ofSeconds(90));
        assertThat(LagPolicy.defaultFor("elasticsearch")).isEqualTo(LagPolicy.detachByDefault());
        assertThat(LagPolicy.defaultFor("scd2")).isEqualTo(LagPolicy.WAIT);
    }

    @Test
    void badLagKeysNameTheLineAndKey() {
        assertThatThrownBy(() -> loader.parse(
                        VALID.replace("    type: caffeine\n", "    type: caffeine\n    on-lag: drop\n"), "cdc.yml"))
                .hasMessageContaining("cdc.yml:11: sinks.cache.on-lag: expected wait or detach, not 'drop'");
        assertThatThrownBy(() -> loader.parse(
                        VALID.replace("    type: caffeine\n", "    type: caffeine\n    max-lag: { time: 5m }\n"),
                        "cdc.yml"))
                .hasMessageContaining("sinks.cache.max-lag: applies to on-lag: detach only");
        assertThatThrownBy(() -> loader.parse(
                        VALID.replace(
                                "    type: caffeine\n",
                                "    type: caffeine\n    on-lag: detach\n    max-lag: { bytes: 5 }\n"),
                        "cdc.yml"))
                .hasMessageContaining(
                        "cdc.yml:12: sinks.cache.max-lag.bytes: unknown key 'bytes'; supported keys here: time, wal");
        assertThatThrownBy(() -> loader.parse(
                        VALID.replace(
                                "    type: caffeine\n",
                                "    type: caffeine\n    on-lag: detach\n    max-lag: { wal: lots }\n"),
                        "cdc.yml"))
                .hasMessageContaining("sinks.cache.max-lag.wal: not a size: 'lots'");
        assertThatThrownBy(
                        () -> loader.parse(VALID.replace("    max-entries: 100000\n", "    max-entry: 1\n"), "cdc.yml"))
                .hasMessageContaining("supported keys here: expire-after-write, max-entries, max-lag, on-lag, tables");
    }
}
