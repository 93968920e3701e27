package io.cohort.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.tomcat.jdbc.pool.PoolExhaustedException;

/**
 * Database failures that a later attempt of the same request may not meet: a lock wait that timed
 * out, a deadlock or serialization failure, a lost or refused connection, a database shutting down
 * or out of resources. The API answers them 503 with Retry-After instead of 500: the request was
 * fine, the store could not take it now.
 */
public final class TransientFailures {
    private TransientFailures() {}

    /** The transient SQL failure among {@code e}'s causes (and their chained or suppressed exceptions), if any. */
    public static Optional<SQLException> of(Throwable e) {
        return find(e, new HashSet<>());
    }

    /**
     * {@link #describe} of {@code e}'s transient SQL failure, if it has one: what a log line says
     * instead of a stack (in an outage every operation fails alike, and a stack each buries the log).
     */
    public static Optional<String> reason(Throwable e) {
        return of(e).map(TransientFailures::describe);
    }

    private static Optional<SQLException> find(Throwable t, Set<Throwable> seen) {
        for (; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException n = s; n != null && (n == s || seen.add(n)); n = n.getNextException()) {
                    if (isTransient(n)) return Optional.of(n);
                }
            }
            // JDBC drivers put the failure of one statement of a batch here (H2's batch updates do).
            for (Throwable s : t.getSuppressed()) {
                Optional<SQLException> found = find(s, seen);
                if (found.isPresent()) return found;
            }
        }
        return Optional.empty();
    }

    static boolean isTransient(SQLException s) {
        if (s instanceof SQLTransientException || s instanceof SQLRecoverableException
                || s instanceof SQLNonTransientConnectionException || s instanceof PoolExhaustedException) {
            return true;
        }
        String state = s.getSQLState();
        if (state == null) return false;
        // SQL standard and PostgreSQL classes: 08 connection, 40 transaction rollback (deadlock,
        // serialization), 53 insufficient resources, 57P operator intervention (shutdown, cannot
        // connect now), 57014 statement canceled (statement_timeout), 55P03 lock not available;
        // HYT00 timeout (H2's lock timeout).
        return state.startsWith("08") || state.startsWith("40") || state.startsWith("53") || state.startsWith("57P")
                || state.equals("57014") || state.equals("55P03") || state.equals("HYT00");
    }

    /** A short description of the failure for the client, without SQL text or values. */
    public static String describe(SQLException s) {
        String state = s.getSQLState() == null ? "" : s.getSQLState();
        String what;
        if (state.equals("HYT00") || state.equals("55P03")) what = "a lock wait timed out";
        else if (state.startsWith("40")) what = "the transaction was rolled back by the database (deadlock or serialization failure)";
        else if (s instanceof PoolExhaustedException) what = "every database connection was busy";
        else if (state.startsWith("08") || s instanceof SQLNonTransientConnectionException || s instanceof SQLRecoverableException) {
            what = "the connection to the database failed";
        } else if (state.startsWith("57P")) what = "the database is shutting down or not accepting connections";
        else if (state.startsWith("53")) what = "the database is out of resources";
        else if (state.equals("57014")) what = "a statement took longer than the database allows";
        else what = "the database refused the transaction for now";
        return state.isEmpty() ? what : what + ", SQLSTATE " + state;
    }
}
