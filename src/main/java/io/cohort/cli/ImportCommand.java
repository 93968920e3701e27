package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.CohortConfiguration;
import io.cohort.Pipeline;
import io.cohort.api.JsonBodies;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.FieldError;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.RecordParser;
import io.cohort.store.Migrations;
import io.cohort.store.RecordStore;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.db.ManagedDataSource;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.TreeSet;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code import config.yml <dir|file>... [--source id] [--native object]}: bulk-loads record
 * files into the store through the same validation as POST /v1/sources/{id}/records (a batch is
 * stored whole or not at all). A batch that fails is reported with file, record index and field,
 * and skipped; the rest is loaded; the exit status is non-zero when anything was skipped.
 * Run it while the service is stopped: the service numbers batches in memory, and evaluates
 * everything in the store when it starts.
 */
public final class ImportCommand extends ConfiguredCommand<CohortConfiguration> {
    private static final int MAX_REPORTED = 50;

    public ImportCommand() {
        super("import", "Bulk-load canonical record files (.json, .ndjson, .jsonl) into the store");
    }

    @Override
    public void configure(Subparser subparser) {
        super.configure(subparser);
        subparser.addArgument("paths").nargs("+").help("record files, or directories of them");
        subparser.addArgument("--source").help("source id for every file (default: each file's name, crm-1.json → crm-1)");
        subparser.addArgument("--native").metavar("OBJECT")
                .help("each file is one native payload of this object (as POST …/native/{object}), e.g. leads");
        subparser.addArgument("--batch-size").type(Integer.class)
                .help("records per batch (default and maximum: ingest.maxRecordsPerBatch)");
    }

    @Override
    protected void run(Bootstrap<CohortConfiguration> bootstrap, Namespace ns, CohortConfiguration config) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        List<Path> files = CanonicalFiles.list(ns.<String>getList("paths").stream().map(Path::of).toList());
        int max = config.ingestLimits().maxRecordsPerBatch();
        Integer requested = ns.getInt("batch_size");
        int batchSize = requested == null ? max : Math.max(1, Math.min(requested, max));
        String nativeObject = ns.getString("native");

        ManagedDataSource ds = config.database().build(bootstrap.getMetricRegistry(), "import");
        try {
            if (config.migrateOnStart()) Migrations.migrate(ds);
            RecordStore store = new RecordStore(Jdbi.create(ds), bootstrap.getObjectMapper());
            Pipeline pipeline = Pipeline.withoutEvaluation(config.sources(), new RecordParser(config.ingestLimits()), store,
                    new ProfileGraph(), Clock.systemUTC(), bootstrap.getMetricRegistry());
            JsonBodies json = new JsonBodies(config.ingestLimits());
            Report report = new Report(err);
            Progress progress = new Progress(err, files.size());
            long[] loaded = {0};
            for (Path file : files) {
                String source = ns.getString("source") != null ? ns.getString("source") : CanonicalFiles.sourceOf(file);
                if (pipeline.source(source).isEmpty()) {
                    report.add(file + ": unknown source '" + source + "'; configured: "
                            + String.join(", ", new TreeSet<>(config.sources().keySet())) + " (or give --source)");
                } else if (nativeObject != null) {
                    try {
                        JsonNode payload = json.mapper().readTree(file.toFile());
                        Pipeline.Accepted a = pipeline.ingestNative(source, nativeObject, payload);
                        loaded[0] += a.accepted();
                        progress.records(a.accepted());
                    } catch (NativeFormatException e) {
                        report.errors(file, 0, null, e.errors());
                    } catch (InvalidBatchException e) {
                        report.errors(file, 0, null, e.errors());
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        report.add(file + ": malformed JSON: " + e.getOriginalMessage());
                    }
                } else {
                    CanonicalFiles.read(file, json.mapper(), batchSize, new CanonicalFiles.Sink() {
                        @Override public void batch(CanonicalFiles.Batch b) {
                            try {
                                Pipeline.Accepted a = pipeline.ingest(source, b.records());
                                loaded[0] += a.accepted();
                                progress.records(a.accepted());
                            } catch (InvalidBatchException e) {
                                report.errors(b.file(), b.firstIndex(), b.lines(), e.errors());
                                progress.rejected(b.records().size());
                            }
                        }

                        @Override public void unreadable(CanonicalFiles.Unreadable u) {
                            report.add(u.file() + ":" + u.line() + ": " + u.message());
                        }
                    });
                }
                progress.fileDone();
            }
            progress.finish();
            out.printf("imported %,d records from %d files in %,d ms (%,d records/s); %d batches or files rejected%n",
                    loaded[0], files.size(), progress.elapsedMillis(), progress.perSecond(), report.rejected);
            if (report.rejected > 0) {
                throw new CommandFailed("import incomplete: " + report.rejected + " batches or files rejected (listed above); "
                        + "the rest was stored. Fix them and import those files again: records are keyed, so re-importing is safe");
            }
        } finally {
            ds.stop();
        }
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        if (e instanceof CommandFailed || e instanceof IllegalArgumentException) cli.getStdErr().println(e.getMessage());
        else super.onError(cli, namespace, e);
    }

    /** What was rejected, where: file, line (NDJSON), record index in the file, field. */
    private static final class Report {
        private final PrintStream err;
        int rejected;
        private int lines;

        Report(PrintStream err) {
            this.err = err;
        }

        void add(String problem) {
            rejected++;
            print("REJECTED " + problem);
        }

        void errors(Path file, int firstIndex, List<Integer> fileLines, List<FieldError> errors) {
            rejected++;
            print("REJECTED batch of " + file + " from record " + firstIndex + ": nothing of it was stored");
            for (FieldError e : errors) {
                int index = e.index() < 0 ? -1 : firstIndex + e.index();
                String line = fileLines != null && e.index() >= 0 && e.index() < fileLines.size() ? ":" + fileLines.get(e.index()) : "";
                print("  " + file + line + ": record " + (index < 0 ? "-" : index) + ", field '" + e.field() + "': " + e.message());
            }
        }

        private void print(String s) {
            if (++lines <= MAX_REPORTED) err.println(s);
            else if (lines == MAX_REPORTED + 1) err.println("  … more problems not shown");
        }
    }
}
