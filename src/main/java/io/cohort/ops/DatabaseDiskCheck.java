package io.cohort.ops;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Free disk beside the embedded H2 database file. H2 appends every page it changes and frees the
 * old ones later, so a large change of memberships (many segments added, or one that takes in
 * most profiles) grows the file by two to three times its size before it settles (measured at 1M
 * profiles: 19 → 51 GB, then the disk was full and the start failed; docs/operations.md, "Disk
 * headroom on H2"). The check warns while there is less headroom than that, as the rules check
 * does (healthy, with a message starting {@code WARNING:}: a fuller disk is no reason to take the
 * service out of a load balancer), and turns unhealthy only when writes are about to fail.
 */
public final class DatabaseDiskCheck extends HealthCheck {
    /** Below this, commits are about to fail: not ready. */
    static final long CRITICAL = 256L << 20;
    /** At least this much free, whatever the file's size. */
    static final long MIN_HEADROOM = 1L << 30;
    /** Free space wanted beside the file, in times its size. */
    static final int HEADROOM_FACTOR = 2;

    private final Path file;

    public DatabaseDiskCheck(Path file) { this.file = file; }

    /** Registers the check ({@code database-disk}) and its gauges for the H2 file {@code file}. */
    public static void register(io.dropwizard.core.setup.Environment env, Path file) {
        DatabaseDiskCheck check = new DatabaseDiskCheck(file);
        env.healthChecks().register("database-disk", check);
        env.metrics().register(MetricRegistry.name("cohort", "database", "diskFreeBytes"), (Gauge<Long>) check::free);
        env.metrics().register(MetricRegistry.name("cohort", "database", "fileBytes"), (Gauge<Long>) check::size);
    }

    @Override protected Result check() throws IOException {
        return verdict(file, size(), free());
    }

    long size() {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    long free() {
        try {
            // The file's own directory (created with the database); its parent before the first start.
            Path at = Files.exists(file) ? file : file.toAbsolutePath().getParent();
            return Files.getFileStore(at).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** What the check says for a file of {@code size} bytes with {@code free} bytes free beside it (-1: unknown). */
    static Result verdict(Path file, long size, long free) {
        if (free < 0) return Result.unhealthy("cannot read the free space beside the database file " + file);
        long wanted = Math.max(MIN_HEADROOM, HEADROOM_FACTOR * size);
        String text = gib(free) + " free beside the database file " + file + " (" + gib(size) + ")";
        if (free < CRITICAL) {
            return Result.unhealthy(text + ": writes are about to fail; free disk or move the database (docs/operations.md, \"Disk headroom on H2\")");
        }
        if (free < wanted) {
            return Result.builder().healthy().withMessage("WARNING: " + text + ", less than the " + gib(wanted)
                    + " a large change of memberships can take (twice the file, at least 1 GiB; docs/operations.md, \"Disk headroom on H2\")")
                    .withDetail("freeBytes", free).withDetail("fileBytes", size).withDetail("wantedBytes", wanted).build();
        }
        return Result.builder().healthy().withMessage(text)
                .withDetail("freeBytes", free).withDetail("fileBytes", size).withDetail("wantedBytes", wanted).build();
    }

    private static String gib(long bytes) { return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30)); }
}
