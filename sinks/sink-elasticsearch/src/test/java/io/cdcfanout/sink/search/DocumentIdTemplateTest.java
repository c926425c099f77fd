package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.RowKey;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Document ids are the key's canonical text: the same id for every change of a row. */
class DocumentIdTemplateTest {

    @Test
    void byteaKeysGetOneIdForEveryChange() {
        RowKey insert = new RowKey(List.of("k"), List.of(new byte[] {1, 2}));
        RowKey update = new RowKey(List.of("k"), List.of(new byte[] {1, 2}));
        assertThat(DocumentIdTemplate.canonical().render(insert))
                .isEqualTo("\\x0102")
                .isEqualTo(DocumentIdTemplate.canonical().render(update));
    }

    @Test
    void templatesWriteEachKeyValueInItsCanonicalText() {
        RowKey key = new RowKey(
                List.of("tenant", "blob", "price"), List.of("acme", new byte[] {(byte) 0xab}, new BigDecimal("1.50")));
        assertThat(DocumentIdTemplate.parse("{tenant}:{blob}:{price}").render(key))
                .isEqualTo("acme:\\xab:1.5");
    }

    @Test
    void compositeKeysWithSeparatorsInValuesGetDistinctIds() {
        RowKey first = new RowKey(List.of("a", "b"), List.of("x&b=y", "z"));
        RowKey second = new RowKey(List.of("a", "b"), List.of("x", "y&b=z"));
        assertThat(DocumentIdTemplate.canonical().render(first)).isEqualTo("a=x%26b%3Dy&b=z");
        assertThat(DocumentIdTemplate.canonical().render(second)).isEqualTo("a=x&b=y%26b%3Dz");
    }
}
