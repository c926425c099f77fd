package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BulkChunkerTest {

    @Test
    void cutsByActions() {
        assertThat(BulkChunker.chunk(List.of(1, 2, 3, 4, 5), i -> 1, 2, 1_000))
                .containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
    }

    @Test
    void cutsByBytesAndSendsAnOversizedItemAlone() {
        List<Long> sizes = List.of(400L, 400L, 400L, 5_000L, 100L);
        assertThat(BulkChunker.chunk(sizes, s -> s, 100, 1_000))
                .containsExactly(List.of(400L, 400L), List.of(400L), List.of(5_000L), List.of(100L));
    }

    @Test
    void handsEachChunkOnAsSoonAsItIsFull() {
        List<List<Integer>> sent = new java.util.ArrayList<>();
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
        assertThat(BulkChunker.chunk(List.<Integer>of(), i -> 1, 10, 10)).isEmpty();
    }
}
