package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Processes of a cluster start on a new database at once: each asks for the store's id (it names
 * the store in graph snapshots), the first gives it, and none of them fails at start for it
 * (one did in ClusterServiceIT: "duplicate key value violates unique constraint store_identity_pkey").
 */
class StoreIdentityTest {

    @Test
    void storesStartingTogetherOnANewDatabaseAgreeOnItsIdAndNoneFails() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                // A new store: the schema, and no identity yet (the id is given at first use, never by a migration).
                Jdbi jdbi = Jdbi.create(MigratedTemplates.h2Memory("identity"));
                CyclicBarrier together = new CyclicBarrier(4);
                List<Future<String>> ids = new ArrayList<>();
                for (int p = 0; p < 4; p++) {
                    RecordStore store = new RecordStore(jdbi, new ObjectMapper());
                    ids.add(pool.submit(() -> {
                        together.await();
                        return store.position().storeId();
                    }));
                }
                String first = ids.get(0).get();
                for (Future<String> id : ids) assertThat(id.get()).as("round %d", round).isEqualTo(first);
                // A later start reads the same id.
                assertThat(new RecordStore(jdbi, new ObjectMapper()).position().storeId()).isEqualTo(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
