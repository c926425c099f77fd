package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.sink.SinkRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpConfigTest {

    private static final String FILE = """
            source:
              postgres: { host: 127.0.0.1, port: 5432, database: shop, user: cdc, password: x }
              slot: cdc_fanout
              publication: cdc_fanout
              tables: [public.products]
            http: %s
            sinks:
              cache: { type: caffeine, tables: [public.products] }
            """;

    private final ConfigLoader loader = new ConfigLoader(SinkRegistry.load(), Map.of());

    @Test
    void readWaitsHaveDefaults() {
        HttpConfig http = loader.parse(FILE.formatted("{ port: 0 }"), "cdc.yml").http();
        assertThat(http.maxReadWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(http.maxWaitingReads()).isEqualTo(HttpConfig.DEFAULT_MAX_WAITING_READS);
        assertThat(HttpConfig.DEFAULT.maxWaitingReads()).isEqualTo(1000);
    }

    @Test
    void readWaitsCanBeSet() {
        HttpConfig http = loader.parse(
                        FILE.formatted("{ port: 0, max-read-wait: 30s, max-waiting-reads: 50 }"), "cdc.yml")
                .http();
        assertThat(http.maxReadWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(http.maxWaitingReads()).isEqualTo(50);
    }

    @Test
    void aBoundBelowOneIsRefusedByName() {
        assertThatThrownBy(() -> loader.parse(FILE.formatted("{ max-waiting-reads: 0 }"), "cdc.yml"))
                .hasMessageContaining("http.max-waiting-reads");
    }
}
