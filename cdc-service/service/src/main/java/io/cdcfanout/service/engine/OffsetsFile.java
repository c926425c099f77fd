package io.cdcfanout.service.engine;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.connect.util.SafeObjectInputStream;

/**
 * Reads the file Kafka Connect's {@code FileOffsetBackingStore} keeps offsets in ({@code offsets.store: file}),
 * as that store reads it: one serialized map from key bytes to value bytes, each key the JSON
 * {@code ["<connector name>",{partition}]}. A missing or empty file holds no offsets, as for the store.
 */
final class OffsetsFile {

    private OffsetsFile() {}

    /**
     * True when {@code file} holds an offset of the connector named {@code connectorName}.
     *
     * @throws StartupException when the file exists but is not an offsets file
     */
    static boolean holdsOffsetsOf(Path file, String connectorName) {
        byte[] keyPrefix = ("[\"" + connectorName + "\",").getBytes(StandardCharsets.UTF_8);
        try (InputStream in = Files.newInputStream(file);
                SafeObjectInputStream objects = new SafeObjectInputStream(in)) {
            if (!(objects.readObject() instanceof Map<?, ?> offsets)) {
                throw new StartupException(
                        "offsets.path " + file + " is not an offsets file (no map of offsets in it)");
            }
            for (Map.Entry<?, ?> entry : offsets.entrySet()) {
                if (entry.getKey() instanceof byte[] key && entry.getValue() != null && startsWith(key, keyPrefix)) {
                    return true;
                }
            }
            return false;
        } catch (NoSuchFileException | EOFException e) {
            return false;
        } catch (IOException | ClassNotFoundException e) {
            throw new StartupException(
                    "cannot read the offsets file " + file + " (offsets.path): " + e.getMessage(), e);
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
