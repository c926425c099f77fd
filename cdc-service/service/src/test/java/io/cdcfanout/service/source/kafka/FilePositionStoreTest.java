package io.cdcfanout.service.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.service.engine.StartupException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePositionStoreTest {

    @TempDir
    Path dir;

    @Test
    void aSavedPositionIsLoadedBackAndAMissingFileIsAFirstStart() {
        Path file = dir.resolve("position.json");
        FilePositionStore store = new FilePositionStore(file, "changes");
        assertThat(store.load()).isEmpty();

        store.save(41);
        store.save(42);

        assertThat(new FilePositionStore(file, "changes").load()).hasValue(42);
        assertThat(dir.resolve("position.json.tmp")).doesNotExist();
    }

    @Test
    void aFileOfAnotherTopicOrFormatIsRefused() throws Exception {
        Path file = dir.resolve("position.json");
        new FilePositionStore(file, "changes").save(7);
        assertThatThrownBy(() -> new FilePositionStore(file, "other").load())
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("holds the position in topic changes, not in source.kafka.topic other");

        Files.writeString(file, "not json");
        assertThatThrownBy(() -> new FilePositionStore(file, "changes").load())
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("does not hold a Kafka position");
    }

    @Test
    void postgresStoreValuesParse() {
        assertThat(PostgresPositionStore.parse("{\"offset\":123}")).isEqualTo(123);
        assertThatThrownBy(() -> PostgresPositionStore.parse("{}")).isInstanceOf(StartupException.class);
    }
}
