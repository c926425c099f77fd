package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.sink.SinkRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every YAML example in README.md must load, so the documentation cannot drift from the code. */
class ReadmeExamplesTest {

    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TABLE = Pattern.compile("\\b([a-z_]+\\.[a-z_]+)(?=\\s*[:,\\]])");

    private final ConfigLoader loader = new ConfigLoader(SinkRegistry.load(),
            Map.of("PG_PASSWORD", "pw", "ES_PASSWORD", "pw", "ES_API_KEY", "key", "CDC_MASK_KEY", "0123456789abcdef0123"));

    @Test
    void everyExampleLoads() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = YAML_BLOCK.matcher(readme);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).as("yaml examples in README.md").hasSizeGreaterThanOrEqualTo(3);
        for (String block : blocks) {
            String yaml = block.startsWith("source:") ? block : withSource(block);
            assertThat(loader.parse(yaml, "README.md example").sinks()).isNotEmpty();
        }
    }

    /** A sinks-only example gets a source that captures the tables it names. */
    private static String withSource(String sinksBlock) {
        Set<String> tables = new LinkedHashSet<>();
        Matcher m = TABLE.matcher(sinksBlock);
        while (m.find()) {
            if (!m.group(1).startsWith("history.")) {
                tables.add(m.group(1));
            }
        }
        return """
                source:
                  postgres: { host: 127.0.0.1, database: shop, user: cdc }
                  tables: [%s]
                """.formatted(String.join(", ", tables)) + sinksBlock;
    }
}
