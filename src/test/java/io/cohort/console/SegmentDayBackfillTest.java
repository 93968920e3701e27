package io.cohort.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.audience.SegmentHistory;
import io.cohort.store.Migrations;
import io.cohort.store.SharedPostgres;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database that already holds a change feed gets its daily history when the segment_day
 * changeset is applied (H2 and PostgreSQL): entered, exited and members per UTC day.
 */
class SegmentDayBackfillTest {
    static final long DAY = 86_400_000L;
    static final long NOV_21 = LocalDate.parse("2026-11-21").toEpochDay() * DAY;

    @TempDir Path tmp;

    @Test
    void backfillsTheHistoryOfAnExistingFeedOnH2() throws Exception {
        backfillsTheHistory(io.cohort.store.OlderSchema.h2(tmp));
    }

    @Test
    void backfillsTheHistoryOfAnExistingFeedOnPostgres() throws Exception {
        backfillsTheHistory(SharedPostgres.dataSource(SharedPostgres.newDatabase("segment_day_backfill")));
    }

    private void backfillsTheHistory(DataSource ds) throws Exception {
        io.cohort.store.OlderSchema.migrateUpTo(ds, "004-segment-day");
        Jdbi jdbi = Jdbi.create(ds);
        long[][] feed = { // seq, day offset, entered?
            {1, 0, 1}, {2, 0, 1}, {3, 0, 1}, {4, 2, 0}, {5, 2, 1}, {6, 5, 0}, {7, 5, 0}};
        jdbi.useHandle(h -> {
            for (long[] c : feed) {
                h.execute("INSERT INTO membership_change (seq, segment_id, person_id, change, at, cause) VALUES (?, ?, ?, ?, ?, ?)",
                        c[0], "hv", "p-" + c[0], c[2] == 1 ? "entered" : "exited", NOV_21 + c[1] * DAY + 3_600_000L * c[0], "ingest");
            }
            h.execute("INSERT INTO membership_change (seq, segment_id, person_id, change, at, cause) VALUES (8, 'other', 'p-1', 'entered', ?, 'start')",
                    NOV_21 + DAY);
        });
        Migrations.migrate(ds);

        List<SegmentHistory.Day> days = new SegmentHistory(jdbi).days("hv", LocalDate.parse("2026-11-20"), LocalDate.parse("2026-11-27"));
        assertThat(days).extracting(d -> d.date() + " " + d.members() + " +" + d.entered() + " -" + d.exited()).containsExactly(
                "2026-11-20 0 +0 -0", "2026-11-21 3 +3 -0", "2026-11-22 3 +0 -0", "2026-11-23 3 +1 -1",
                "2026-11-24 3 +0 -0", "2026-11-25 3 +0 -0", "2026-11-26 1 +0 -2", "2026-11-27 1 +0 -0");
        assertThat(new SegmentHistory(jdbi).days("other", LocalDate.parse("2026-11-22"), LocalDate.parse("2026-11-22")))
                .extracting(SegmentHistory.Day::members).containsExactly(1L);
    }
}
