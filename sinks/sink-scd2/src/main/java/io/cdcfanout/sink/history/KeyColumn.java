package io.cdcfanout.sink.history;

import java.util.Objects;

/**
 * A primary-key column of a source table as the history table repeats it.
 *
 * @param name    the column name as in the source
 * @param sqlType the column's type as Postgres prints it ({@code format_type}), e.g. {@code numeric(10,2)}
 */
record KeyColumn(String name, String sqlType) {

    KeyColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sqlType, "sqlType");
    }

    String quotedName() {
        return HistoryTable.quote(name);
    }
}
