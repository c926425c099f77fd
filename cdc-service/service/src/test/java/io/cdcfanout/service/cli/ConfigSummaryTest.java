package io.cdcfanout.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.sink.SinkRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigSummaryTest {

    @Test
    void summarisesTheConfigurationWithoutRevealingSecrets() {
        Map<String, String> env = Map.of(
                "PG_PASSWORD",
                "pg-Secret-1",
                "CDC_HTTP_TOKEN",
                "tok-Secret-2",
                "CDC_MASK_KEY",
                "mask-Secret-3-long-enough",
                "ES_PASSWORD",
                "es-Secret-4");
        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), env).parse("""
                source:
                  postgres: { host: db, database: shop, user: cdc, password: "${PG_PASSWORD}", ssl-mode: require }
                  tables: [public.customers]
                  columns:
                    public.customers: { exclude: [ssn], mask: [email] }
                  mask-key: "${CDC_MASK_KEY}"
                http: { token: "${CDC_HTTP_TOKEN}" }
                sinks:
                  search:
                    type: elasticsearch
                    url: http://es:9200
                    username: elastic
                    password: "${ES_PASSWORD}"
                    tables: { public.customers: { index: customers } }
                """, "cdc.yml");

        String summary = ConfigSummary.of(config);

        assertThat(summary)
                .contains(
                        "postgres://cdc@db:5432/shop",
                        "password=******",
                        "ssl-mode=require",
                        "token=******",
                        "exclude [ssn] mask [email]",
                        "mask-key=******",
                        "search(elasticsearch [public.customers])");
        assertThat(summary).doesNotContain("pg-Secret-1", "tok-Secret-2", "mask-Secret-3", "es-Secret-4");
    }
}
