package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.history.VersionPlan.NewVersion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryWriterPagingTest {

    @Test
    void largeVersionsAreInsertedAFewMegabytesAtATimeInTheirOrder() {
        // 10 kB rows, as W4's: 8,192 of them in one statement buffered the whole batch in the driver
        List<NewVersion> versions = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            versions.add(version(i, "x".repeat(10_000)));
        }
        List<int[]> pages = pages(versions);

        int rowChars = versions.get(0).data().text().length();
        int perPage = HistoryWriter.INSERT_PAGE_CHARS / rowChars;
        assertThat(pages).hasSize((1_000 + perPage - 1) / perPage);
        assertThat(pages.get(0)).containsExactly(0, perPage);
        for (int i = 1; i < pages.size(); i++) {
            assertThat(pages.get(i)[0]).as("pages are consecutive").isEqualTo(pages.get(i - 1)[1]);
        }
        assertThat(pages.get(pages.size() - 1)[1]).isEqualTo(1_000);
    }

    @Test
    void smallVersionsAndDeletionsGoInOneStatement() {
        List<NewVersion> versions = new ArrayList<>();
        for (int i = 0; i < 8_192; i++) {
            versions.add(version(i, i % 10 == 0 ? null : "{\"id\": " + i + "}"));
        }
        assertThat(pages(versions)).singleElement().satisfies(p -> assertThat(p).containsExactly(0, 8_192));
    }

    @Test
    void aVersionLargerThanAPageGetsAPageOfItsOwn() {
        String huge = "y".repeat(HistoryWriter.INSERT_PAGE_CHARS + 1);
        List<NewVersion> versions = List.of(version(0, "{}"), version(1, huge), version(2, "{}"));
        assertThat(pages(versions)).extracting(p -> p[0] + "-" + p[1]).containsExactly("0-1", "1-2", "2-3");
    }

    private static List<int[]> pages(List<NewVersion> versions) {
        List<int[]> pages = new ArrayList<>();
        int from = 0;
        while (from < versions.size()) {
            int to = HistoryWriter.pageEnd(versions, from);
            pages.add(new int[] {from, to});
            from = to;
        }
        return pages;
    }

    private static NewVersion version(long i, String data) {
        return new NewVersion(
                Instant.EPOCH.plusSeconds(i),
                null,
                data == null,
                Lsn.parse("0/" + Long.toHexString(100 + i)),
                i,
                data == null ? null : VersionData.stored("{\"body\": \"" + data + "\"}"));
    }
}
