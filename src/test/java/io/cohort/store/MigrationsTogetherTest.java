package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Cluster processes started together on a new PostgreSQL database (a compose file's `up`) each
 * migrate it: they must take turns. Liquibase's own lock lives in a table it first creates, and
 * two processes creating it at once made one exit at start ("relation databasechangelog already
 * exists"; ClusterPostgresOutageIT, once in three suite runs). Three migrations released together
 * by a barrier on each of several new databases: none fails, and the schema is there once.
 */
class MigrationsTogetherTest {

    @Test
    void processesMigratingANewDatabaseTogetherTakeTurns() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 6; round++) {
                DataSource ds = SharedPostgres.dataSource(SharedPostgres.newDatabase("together"));
                CyclicBarrier together = new CyclicBarrier(3);
                List<Future<?>> runs = new ArrayList<>();
                for (int p = 0; p < 3; p++) {
                    runs.add(pool.submit(() -> {
                        together.await();
                        Migrations.migrate(ds);
                        return null;
                    }));
                }
                for (Future<?> r : runs) r.get(); // throws what a migration threw
                int changeSets = Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM databasechangelog").mapTo(Integer.class).one());
                int distinct = Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT id) FROM databasechangelog").mapTo(Integer.class).one());
                assertThat(changeSets).as("round %d: each change set applied once", round).isEqualTo(distinct).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
