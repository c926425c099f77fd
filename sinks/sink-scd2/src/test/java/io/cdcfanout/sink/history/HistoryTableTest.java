package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.schema.TableId;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTableTest {

    private final HistoryTable table = new HistoryTable(
            new TableId("history", "order_lines"),
            new TableId("public", "order_lines"),
            List.of(new KeyColumn("order_id", "bigint"), new KeyColumn("line", "integer")));

    @Test
    void ddlIsIdempotentAndTypesTheKeyAsInTheSource() {
        List<String> ddl = table.ddl();

        assertThat(ddl).allMatch(s -> s.contains("IF NOT EXISTS"));
        assertThat(ddl.get(1))
                .contains("\"order_id\" bigint NOT NULL", "\"line\" integer NOT NULL")
                .contains(
                        "valid_from timestamptz NOT NULL",
                        "valid_to   timestamptz,",
                        "deleted    boolean     NOT NULL",
                        "lsn        pg_lsn      NOT NULL",
                        "tx_id      bigint      NOT NULL",
                        "data       jsonb")
                .contains("UNIQUE (\"order_id\", \"line\", lsn)");
        assertThat(ddl.get(2)).contains("(\"order_id\", \"line\", valid_from)");
        assertThat(ddl.get(3))
                .startsWith("CREATE UNIQUE INDEX")
                .endsWith("(\"order_id\", \"line\") WHERE valid_to IS NULL");
    }

    @Test
    void longTableNamesGetIndexNamesWithinPostgresLimit() {
        String longName = "t".repeat(63);
        HistoryTable t = new HistoryTable(
                new TableId("history", longName), new TableId("public", "x"), List.of(new KeyColumn("id", "int")));

        String indexName = t.ddl().get(2).split("\"")[1];
        assertThat(indexName.length()).isLessThanOrEqualTo(63);
        assertThat(t.ddl().get(3).split("\"")[1]).isNotEqualTo(indexName);
    }

    @Test
    void keyColumnNamedLikeAVersionColumnIsRefused() {
        assertThatThrownBy(() -> new HistoryTable(
                        new TableId("history", "x"),
                        new TableId("public", "x"),
                        List.of(new KeyColumn("lsn", "pg_lsn"))))
                .hasMessageContaining("clashes");
    }

    @Test
    void keyMatchCastsTextToTheKeyTypes() {
        assertThat(table.keyMatch("h", "u")).isEqualTo("h.\"order_id\" = u.k0::bigint AND h.\"line\" = u.k1::integer");
    }
}
