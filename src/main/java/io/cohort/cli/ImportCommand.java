package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.CohortConfiguration;
import io.cohort.Wiring;
import io.cohort.ingest.LongNumbers;
import io.cohort.ingest.NativeFormatException;
import io.cohort.pipeline.Pipeline;
import io.cohort.record.FieldError;
import io.cohort.store.InstanceLock;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code import config.yml <dir|file>... [--source id] [--native object] [--rejects file]}:
 * bulk-loads record files into the store through the same validation as
 * {@code POST /v1/sources/{id}/records} (canonical records) and {@code …/native/{object}}
 * (vendor payloads, see {@link RecordInputs}). A record that fails validation, or a line that is
 * not JSON, is rejected on its own — written to the reject file with its file, line and reason —
 * and everything else is stored; the exit status is non-zero when anything was rejected.
 * Progress (percent, rate, ETA) goes to stderr.
 * Run it while the service is stopped (on PostgreSQL it refuses to run beside the service:
 * store.InstanceLock): the service numbers batches in memory, and evaluates
 * everything in the store when it starts.
 */
public final class ImportCommand extends ConfiguredCommand<CohortConfiguration> {
    private static final int MAX_REPORTED = 20;

    public ImportCommand() {
        super("import", "Bulk-load record files (canonical .json/.ndjson/.jsonl or vendor exports) into the store");
    }

    @Override
    public void configure(Subparser subparser) {
        super.configure(subparser);
        subparser.addArgument("paths").nargs("+").help("record files, or directories of them");
        subparser.addArgument("--source").help("source id for every file (default: the file's name, crm-1.json → crm-1, "
                + "else its directory's name)");
        subparser.addArgument("--native").metavar("OBJECT")
                .help("each file is one native payload of this object (as POST …/native/{object}), e.g. leads "
                        + "(default: *.json files that are not {\"records\": …} are native, object from the file name)");
        subparser.addArgument("--batch-size").type(Integer.class)
                .help("records per batch (default and maximum: ingest.maxRecordsPerBatch)");
        subparser.addArgument("--rejects").metavar("FILE").setDefault("import-rejects.ndjson")
                .help("where rejected records go, one JSON object a line with file, line and reason "
                        + "(default: import-rejects.ndjson; written only when something is rejected)");
    }

    @Override
    protected void run(Bootstrap<CohortConfiguration> bootstrap, Namespace ns, CohortConfiguration config) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Wiring wiring = new Wiring(config, bootstrap.getObjectMapper(), bootstrap.getMetricRegistry(), Clock.systemUTC());
        ObjectMapper json = wiring.bodies().mapper();
        List<Path> files = CanonicalFiles.list(ns.<String>getList("paths").stream().map(Path::of).toList());
        RecordInputs.Sorted sorted = RecordInputs.sort(files, config.sources(), ns.getString("source"), ns.getString("native"), json);
        int max = config.ingestLimits().maxRecordsPerBatch();
        Integer requested = ns.getInt("batch_size");
        int batchSize = requested == null ? max : Math.max(1, Math.min(requested, max));
        long totalBytes = 0;
        for (RecordInputs.Input in : sorted.inputs()) totalBytes += Files.size(in.file());

        // The service numbers batches in memory: an import beside it (PostgreSQL) would repeat its numbers.
        InstanceLock lock;
        try {
            lock = InstanceLock.acquire(config.database(), InstanceLock.Kind.EXCLUSIVE, "import", java.time.Duration.ZERO).orElse(null);
        } catch (InstanceLock.Refused e) {
            throw new CommandFailed("import refused: " + e.getMessage());
        }
        try (AutoCloseable held = lock == null ? () -> { } : lock;
             Wiring.Database db = wiring.database("import");
             Rejects rejects = new Rejects(Path.of(ns.getString("rejects")), json)) {
            Pipeline pipeline = wiring.pipelineWithoutEvaluation(wiring.store(db.jdbi()));
            Progress progress = new Progress(err, totalBytes);
            Report report = new Report(err, rejects, progress);
            for (RecordInputs.Problem problem : sorted.problems()) {
                report.reject(problem.file(), 0, -1, null, problem.reason(), null, null);
            }
            for (RecordInputs.Input in : sorted.inputs()) {
                if (in.nativeObject() != null) loadNative(in, pipeline, json, progress, report);
                else loadCanonical(in, pipeline, json, batchSize, progress, report);
                progress.fileDone(Files.size(in.file()));
            }
            progress.finish();
            out.printf("imported %,d records from %d files in %,d ms (%,d records/s); %,d rejected%s%n",
                    progress.records(), files.size(), progress.elapsedMillis(), progress.perSecond(), rejects.count(),
                    rejects.count() == 0 ? "" : " (" + rejects.path() + ")");
            if (rejects.count() > 0) {
                throw new CommandFailed("import incomplete: " + rejects.count() + " records or files rejected, each with its "
                        + "file, line and reason in " + rejects.path() + "; everything else was stored. Fix them and import "
                        + "again: records are keyed, so re-importing is safe");
            }
        }
    }

    private static void loadCanonical(RecordInputs.Input in, Pipeline pipeline, ObjectMapper json, int batchSize,
                                      Progress progress, Report report) throws Exception {
        CanonicalFiles.read(in.file(), json, batchSize, new CanonicalFiles.Sink() {
            @Override public void batch(CanonicalFiles.Batch b) throws Exception {
                Pipeline.Accepted a = BadRecords.acceptGood(b.records(), good -> pipeline.ingest(in.source(), good),
                        (i, why) -> report.reject(b.file(), b.line(i), b.index(i), in.source(), why, b.records().get(i), null));
                if (a != null) progress.records(a.accepted());
            }

            @Override public void unreadable(CanonicalFiles.Unreadable u) throws Exception {
                report.reject(u.file(), u.line(), u.index(), in.source(), u.message(), null, u.raw());
            }
        }, progress::position);
    }

    /** One vendor payload: a shape error rejects the file; invalid mapped records only themselves. */
    private static void loadNative(RecordInputs.Input in, Pipeline pipeline, ObjectMapper json, Progress progress,
                                   Report report) throws Exception {
        JsonNode payload;
        try {
            payload = json.readTree(in.file().toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Refused whole, as a push of the payload is; a number too long named by item and field as there.
            LongNumbers.Found f = CanonicalFiles.tooLong(e, json, x -> x.createParser(in.file().toFile()));
            if (f != null) {
                report.reject(in.file(), f.line(), -1, in.source(), (f.index(1) >= 0 ? "item " + f.index(1) + ", " : "")
                        + CanonicalFiles.reason(f, 0), null, null);
            } else {
                report.reject(in.file(), e.getLocation() == null ? 0 : e.getLocation().getLineNr(), -1, in.source(),
                        "malformed JSON: " + e.getOriginalMessage(), null, null);
            }
            return;
        }
        List<JsonNode> mapped;
        try {
            mapped = new ArrayList<>(pipeline.source(in.source()).orElseThrow().nativeMapper(in.source()).map(in.nativeObject(), payload));
        } catch (NativeFormatException e) {
            report.reject(in.file(), 0, -1, in.source(), "not a native '" + in.nativeObject() + "' payload: "
                    + e.errors().stream().map(FieldError::message).collect(Collectors.joining("; ")), null, null);
            return;
        }
        Pipeline.Accepted a = BadRecords.acceptGood(mapped, good -> pipeline.ingest(in.source(), good),
                (i, why) -> report.reject(in.file(), 0, i, in.source(), "mapped record " + i + " of '" + in.nativeObject()
                        + "': " + why, mapped.get(i), null));
        if (a != null) progress.records(a.accepted());
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        if (e instanceof CommandFailed || e instanceof IllegalArgumentException) cli.getStdErr().println(e.getMessage());
        else super.onError(cli, namespace, e);
    }

    /** Every reject to the file; the first few also to stderr, so a person sees what kind of problem it is. */
    private static final class Report {
        private final PrintStream err;
        private final Rejects rejects;
        private final Progress progress;

        Report(PrintStream err, Rejects rejects, Progress progress) {
            this.err = err;
            this.rejects = rejects;
            this.progress = progress;
        }

        void reject(Path file, int line, int index, String source, String reason, JsonNode record, String raw) throws Exception {
            rejects.add(file, line, index, source, reason, record, raw);
            progress.rejected(1);
            if (rejects.count() <= MAX_REPORTED) {
                err.println("REJECTED " + file + (line > 0 ? ":" + line : "") + (index >= 0 ? " (record " + index + ")" : "")
                        + ": " + reason);
            } else if (rejects.count() == MAX_REPORTED + 1) {
                err.println("  … more rejects in " + rejects.path());
            }
        }
    }
}
