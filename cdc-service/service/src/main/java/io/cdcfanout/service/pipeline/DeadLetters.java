package io.cdcfanout.service.pipeline;

import java.sql.SQLException;
import java.util.List;

/** Where the {@link Pipeline} stores the changes that could not be applied: {@link DeadLetterStore} in production. */
public interface DeadLetters extends AutoCloseable {

    /** Stores all the letters or none; the pipeline retries a failed call whole. Storing a letter twice adds nothing. */
    void write(List<DeadLetter> letters) throws SQLException;

    @Override
    void close();
}
