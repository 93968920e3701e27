package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTimeoutException;
import org.apache.tomcat.jdbc.pool.PoolExhaustedException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

/** Which database failures the API answers 503 (a retry may succeed) rather than 500. */
class TransientFailuresTest {

    @Test
    void postgresStatesOfWaitsConnectionsAndShutdownsAreTransient() {
        for (String state : new String[] {"40001", "40P01", "08006", "08001", "57P01", "57P03", "53300", "55P03", "57014"}) {
            assertThat(TransientFailures.of(new RuntimeException(new SQLException("x", state)))).as(state).isPresent();
        }
        for (String state : new String[] {"23505", "23514", "42P01", "22001", "XX000"}) {
            assertThat(TransientFailures.of(new RuntimeException(new SQLException("x", state)))).as(state).isEmpty();
        }
        assertThat(TransientFailures.of(new SQLException("no state"))).isEmpty();
    }

    @Test
    void foundBehindJdbiInChainedAndSuppressedExceptions() {
        SQLTimeoutException timeout = new SQLTimeoutException("Timeout trying to lock table", "HYT00");
        // H2's batch update: the statement's failure is suppressed under a generic batch exception.
        BatchUpdateException batch = new BatchUpdateException("batch failed", "23505", 23505, new int[0]);
        batch.addSuppressed(timeout);
        var found = TransientFailures.of(new UnableToExecuteStatementException(batch, null));
        assertThat(found).containsSame(timeout);
        assertThat(TransientFailures.describe(found.get())).isEqualTo("a lock wait timed out, SQLSTATE HYT00");

        SQLException head = new SQLException("first", "23505");
        SQLException next = new SQLException("deadlock detected", "40P01");
        head.setNextException(next);
        assertThat(TransientFailures.of(head)).containsSame(next);
        assertThat(TransientFailures.describe(next)).startsWith("the transaction was rolled back by the database");
    }

    @Test
    void aBusyPoolIsTransientAConstraintIsNot() {
        assertThat(TransientFailures.of(new PoolExhaustedException("Timeout: Pool empty"))).isPresent();
        assertThat(TransientFailures.describe(new PoolExhaustedException("Timeout: Pool empty")))
                .isEqualTo("every database connection was busy");
        assertThat(TransientFailures.of(new SQLIntegrityConstraintViolationException("dup", "23505"))).isEmpty();
    }

    @Test
    void causeCyclesEnd() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        a.addSuppressed(b);
        assertThat(TransientFailures.of(a)).isEmpty();
    }
}
