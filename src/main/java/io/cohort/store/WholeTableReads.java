package io.cohort.store;

import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * How a read of a whole table (every stored record after a crash, every membership at start, a
 * field discovery) reaches the database: a page of rows at a time, never the whole result first.
 * The query itself must set a fetch size.
 * <ul>
 *   <li>PostgreSQL's driver pages through a cursor only when the connection is not in autocommit:
 *       the read runs in a transaction.</li>
 *   <li>H2 makes a query's whole result before it hands out the first row (past a few thousand
 *       rows on disk: at 1M people, 25M rows written to a temporary file and read back before the
 *       start applied one) unless the session runs queries lazily: the read turns that on for its
 *       own session and off again before the connection goes back to the pool. A lazy query reads
 *       the statement's snapshot, as the whole result would have held.</li>
 * </ul>
 */
public final class WholeTableReads {
    private WholeTableReads() {}

    /** Runs {@code read} on a handle set up to stream, in a transaction of its own. */
    public static void stream(Jdbi jdbi, HandleConsumer<RuntimeException> read) {
        jdbi.useTransaction(h -> {
            boolean h2 = isH2(h);
            if (h2) h.execute("SET LAZY_QUERY_EXECUTION TRUE");
            try {
                read.useHandle(h);
            } finally {
                // A session setting, not undone by the transaction's end: the pool's next user must not get it.
                if (h2) h.execute("SET LAZY_QUERY_EXECUTION FALSE");
            }
        });
    }

    private static boolean isH2(Handle h) {
        try {
            return "H2".equals(h.getConnection().getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell which database this is", e);
        }
    }
}
