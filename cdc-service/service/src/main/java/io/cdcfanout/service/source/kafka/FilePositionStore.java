package io.cdcfanout.service.source.kafka;

import io.cdcfanout.service.engine.StartupException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code offsets.store: file}: the position in the file {@code offsets.path}, one line of JSON
 * ({@code {"topic":"<topic>","partition":0,"offset":N}}), replaced atomically (written beside it, forced to disk,
 * renamed) so a crash leaves the old position or the new one. A file of another topic is refused.
 */
final class FilePositionStore implements PositionStore {

    private static final Pattern LINE =
            Pattern.compile("\\{\"topic\":\"([^\"]*)\",\"partition\":0,\"offset\":(\\d+)}\\s*");

    private final Path file;
    private final String topic;

    FilePositionStore(Path file, String topic) {
        this.file = file.toAbsolutePath();
        this.topic = topic;
    }

    @Override
    public OptionalLong load() {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new StartupException("cannot read the Kafka position file " + file + " (offsets.path): " + e, e);
        }
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            throw new StartupException(
                    "offsets.path " + file + " does not hold a Kafka position"
                            + " ({\"topic\":...,\"partition\":0,\"offset\":N}); is it the offsets file of a sidecar on a slot?");
        }
        if (!m.group(1).equals(topic)) {
            throw new StartupException("offsets.path " + file + " holds the position in topic " + m.group(1)
                    + ", not in source.kafka.topic " + topic + ": give each topic its own file");
        }
        return OptionalLong.of(Long.parseLong(m.group(2)));
    }

    @Override
    public void save(long offset) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] line = ("{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":" + offset + "}\n")
                .getBytes(StandardCharsets.UTF_8);
        try {
            try (FileChannel out = FileChannel.open(
                    temporary,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                out.write(java.nio.ByteBuffer.wrap(line));
                out.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Kafka position to " + file + " (offsets.path)", e);
        }
    }

    @Override
    public String deleteHint() {
        return "rm " + file;
    }

    @Override
    public void close() {}
}
