package io.cdcfanout.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.RowJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogFormatTest {

    @Test
    void jsonWritesOneObjectPerLineAndTextSwitchesBack() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(json, true, StandardCharsets.UTF_8));
            LogFormat.JSON.activate();
            LoggerFactory.getLogger("io.cdcfanout.test").info("hello {}", "json");
            System.setOut(new PrintStream(text, true, StandardCharsets.UTF_8));
            LogFormat.TEXT.activate();
            LoggerFactory.getLogger("io.cdcfanout.test").info("hello {}", "text");
        } finally {
            System.setOut(original);
            System.clearProperty("CDC_LOG_FORMAT");
        }
        String line = json.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains("hello json"))
                .findFirst()
                .orElseThrow();
        JsonNode event = RowJson.MAPPER.readTree(line);
        assertThat(event.get("level").asText()).isEqualTo("INFO");
        assertThat(event.get("loggerName").asText()).isEqualTo("io.cdcfanout.test");
        assertThat(event.get("formattedMessage").asText()).isEqualTo("hello json");
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("INFO  [main] io.cdcfanout.test - hello text");
    }
}
