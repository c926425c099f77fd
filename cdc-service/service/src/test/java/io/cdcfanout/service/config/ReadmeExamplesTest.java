package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.sink.SinkRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every YAML example in README.md and docs/*.md must load, so the documentation cannot drift from the
 * code.
 */
class ReadmeExamplesTest {

    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TABLE =
            Pattern.compile("\\b([a-z_]+\\.[a-z_]+)(?=\\s*[:,\\]}#]|[ \\t]*$)", Pattern.MULTILINE);

    private static final Path ROOT = Path.of("..", "..");
    private static final Path README = ROOT.resolve("README.md");

    private final ConfigLoader loader = new ConfigLoader(
            SinkRegistry.load(),
            Map.of(
                    "PG_PASSWORD",
                    "pw",
                    "ES_PASSWORD",
                    "pw",
                    "ES_API_KEY",
                    "key",
                    "CDC_MASK_KEY",
                    "0123456789abcdef0123"));

    @Test
    void everyExampleLoads() throws Exception {
        Map<Path, List<String>> blocksByFile = new LinkedHashMap<>();
        for (Path file : documentation()) {
            List<String> blocks = new ArrayList<>();
            Matcher m = YAML_BLOCK.matcher(Files.readString(file));
            while (m.find()) {
                blocks.add(m.group(1));
            }
            blocksByFile.put(file, blocks);
        }
        assertThat(blocksByFile.get(README)).as("yaml examples in README.md").isNotEmpty();
        assertThat(blocksByFile.values().stream().mapToInt(List::size).sum())
                .as("yaml examples in README.md and docs/")
                .isGreaterThanOrEqualTo(4);
        for (Map.Entry<Path, List<String>> file : blocksByFile.entrySet()) {
            for (String block : file.getValue()) {
                String yaml = block.startsWith("source:") ? block : withSource(block);
                assertThat(loader.parse(yaml, ROOT.relativize(file.getKey()) + " example")
                                .sinks())
                        .isNotEmpty();
            }
        }
    }

    /** README.md, then every Markdown file under docs/, in name order. */
    private static List<Path> documentation() throws IOException {
        List<Path> files = new ArrayList<>(List.of(README));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
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
