package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

class BulkChunkerTest {

    /** All chunks of {@code items}, added one by one and flushed at the end. */
    static <T> List<List<T>> chunk(List<T> items, ToLongFunction<T> sizeBytes, int maxActions, long maxBytes) {
        List<List<T>> chunks = new ArrayList<>();
        BulkChunker<T> chunker = new BulkChunker<>(sizeBytes, maxActions, maxBytes, chunks::add);
        items.forEach(chunker::add);
        chunker.flush();
        return chunks;
    }

    @Test
    void cutsByActions() {
        assertThat(chunk(List.of(1, 2, 3, 4, 5), i -> 1, 2, 1_000))
                .containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
    }

    @Test
    void cutsByBytesAndSendsAnOversizedItemAlone() {
        List<Long> sizes = List.of(400L, 400L, 400L, 5_000L, 100L);
        assertThat(chunk(sizes, s -> s, 100, 1_000))
                .containsExactly(List.of(400L, 400L), List.of(400L), List.of(5_000L), List.of(100L));
    }

    @Test
    void handsEachChunkOnAsSoonAsItIsFull() {
        List<List<Integer>> sent = new ArrayList<>();
        BulkChunker<Integer> chunker = new BulkChunker<>(i -> 1, 2, 1_000, sent::add);
        chunker.add(1);
        assertThat(sent).isEmpty();
        chunker.add(2);
        assertThat(sent).containsExactly(List.of(1, 2));
        chunker.add(3);
        assertThat(sent).containsExactly(List.of(1, 2));
        chunker.flush();
        assertThat(sent).containsExactly(List.of(1, 2), List.of(3));
        chunker.flush();
        assertThat(sent).hasSize(2);
    }

    @Test
    void nothingInNothingOut() {
        assertThat(chunk(List.<Integer>of(), i -> 1, 10, 10)).isEmpty();
    }
}
