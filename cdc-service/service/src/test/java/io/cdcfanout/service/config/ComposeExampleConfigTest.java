package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The example configuration of {@code compose/} stays loadable, with the environment docker-compose.yml gives it. */
class ComposeExampleConfigTest {

    private static final Path COMPOSE = Path.of("..", "..", "compose");

    @Test
    void exampleConfigLoadsWithTheEnvironmentComposeSets() throws Exception {
        Map<String, String> env = composeDefaults(Files.readString(COMPOSE.resolve("docker-compose.yml")));
        assertThat(env).containsKeys("PG_PASSWORD", "CDC_HTTP_TOKEN", "CDC_MASK_KEY");

        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), env).load(COMPOSE.resolve("cdc-fanout.yml"));

        assertThat(config.source().tables())
                .extracting(TableId::toString)
                .containsExactly("public.products", "public.customers", "public.orders", "public.tax_rates");
        assertThat(config.sinks().keySet()).containsExactly("search", "cache", "history");
        assertThat(config.source().columns()).containsKey(TableId.parse("public.customers"));
        assertThat(config.http().token().isEmpty()).isFalse();
    }

    @Test
    void initSqlCreatesEveryCapturedTable() throws Exception {
        String initSql = Files.readString(COMPOSE.resolve("init.sql"));
        ServiceConfig config = new ConfigLoader(
                        SinkRegistry.load(), composeDefaults(Files.readString(COMPOSE.resolve("docker-compose.yml"))))
                .load(COMPOSE.resolve("cdc-fanout.yml"));
        for (TableId table : config.source().tables()) {
            assertThat(initSql).contains("CREATE TABLE " + table + " (");
        }
    }

    /** {@code NAME: ${NAME:-default}} lines of the cdc-fanout service's environment. */
    private static Map<String, String> composeDefaults(String composeFile) {
        String service = composeFile.substring(composeFile.indexOf("  cdc-fanout:"));
        Matcher m = Pattern.compile("(?m)^\\s+([A-Z_]+): \\$\\{\\1:-([^}]*)}").matcher(service);
        Map<String, String> env = new java.util.HashMap<>();
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        return env;
    }
}
