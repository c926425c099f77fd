package io.cdcfanout.service.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OffsetsFile} reads what Kafka Connect's own file store writes, keyed the way the engine keys offsets. */
class OffsetsFileTest {

    @TempDir
    Path dir;

    @Test
    void findsTheConnectorsOffsetsWrittenByTheFileStore() throws Exception {
        Path file = dir.resolve("offsets.dat");
        write(file, "cdc-fanout-other", "cdc-fanout-mine");
        assertThat(OffsetsFile.holdsOffsetsOf(file, "cdc-fanout-mine")).isTrue();
        assertThat(OffsetsFile.holdsOffsetsOf(file, "cdc-fanout-other")).isTrue();
        assertThat(OffsetsFile.holdsOffsetsOf(file, "cdc-fanout-min"))
                .as("a name that is a prefix of another")
                .isFalse();
        assertThat(OffsetsFile.holdsOffsetsOf(file, "cdc-fanout-third")).isFalse();
    }

    @Test
    void aMissingOrEmptyFileHoldsNone() throws Exception {
        assertThat(OffsetsFile.holdsOffsetsOf(dir.resolve("absent.dat"), "cdc-fanout-x"))
                .isFalse();
        Path empty = Files.createFile(dir.resolve("empty.dat"));
        assertThat(OffsetsFile.holdsOffsetsOf(empty, "cdc-fanout-x")).isFalse();
    }

    @Test
    void aFileOfSomethingElseIsRefused() throws Exception {
        Path other = Files.writeString(dir.resolve("notes.txt"), "not offsets");
        assertThatThrownBy(() -> OffsetsFile.holdsOffsetsOf(other, "cdc-fanout-x"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining(other.toString());
    }

    /** Stores one offset per connector through Kafka's FileOffsetBackingStore, keyed as the engine keys them. */
    private static void write(Path file, String... connectors) throws Exception {
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "false"), true);
        FileOffsetBackingStore store = new FileOffsetBackingStore(keys);
        store.configure(new StandaloneConfig(Map.of(
                "bootstrap.servers", "localhost:9092", // required by the config class, never contacted
                "key.converter", JsonConverter.class.getName(),
                "value.converter", JsonConverter.class.getName(),
                "offset.storage.file.filename", file.toString())));
        store.start();
        try {
            for (String connector : connectors) {
                byte[] key = keys.fromConnectData(connector, null, List.of(connector, Map.of("server", "cdc_fanout")));
                byte[] value = keys.fromConnectData(connector, null, Map.of("lsn", 42L));
                store.set(Map.of(ByteBuffer.wrap(key), ByteBuffer.wrap(value)), null)
                        .get(10, TimeUnit.SECONDS);
            }
        } finally {
            store.stop();
        }
    }
}
