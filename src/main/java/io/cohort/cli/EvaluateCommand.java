package io.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.CohortConfiguration;
import io.cohort.Wiring;
import io.cohort.destination.file.SafeCsv;
import io.cohort.engine.FullEvaluation;
import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleService;
import io.cohort.identity.ProfileGraph;
import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.NativeFormatException;
import io.cohort.ingest.RecordParser;
import io.cohort.ingest.SourceIds;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code evaluate config.yml <dir|file>... --out <dir> [--now instant] [--source id] [--rules dir]}:
 * one-shot, no server and no database. Loads record files — canonical, or vendor exports sorted
 * out as {@code import} does ({@link RecordInputs}) — into a fresh profile graph,
 * compiles the rules directory (with the same guard as the service), runs the real evaluator and
 * writes each segment's members to {@code <segment>.csv} (profileId,email) and
 * {@code <segment>.jsonl}. {@code --now} fixes rule time, so windows ("last 30 days") are reproducible.
 */
public final class EvaluateCommand extends ConfiguredCommand<CohortConfiguration> {

    public EvaluateCommand() {
        super("evaluate", "Evaluate the rules once over record files and write each segment's members");
    }

    @Override
    public void configure(Subparser subparser) {
        super.configure(subparser);
        subparser.addArgument("paths").nargs("+").help("record files or directories of them: canonical (.json, .ndjson, "
                + ".jsonl) or vendor exports, told apart as by import (e.g. samples/bodea)");
        subparser.addArgument("--out").required(true).help("directory for <segment>.csv and <segment>.jsonl");
        subparser.addArgument("--now").help("rule time, an ISO-8601 instant such as 2026-11-25T00:00:00Z (default: now)");
        subparser.addArgument("--source").help("source id for every file (default: each file's name, crm-1.json → crm-1)");
        subparser.addArgument("--rules").help("rules directory (default: engine.rulesDirectory of the config)");
    }

    @Override
    protected void run(Bootstrap<CohortConfiguration> bootstrap, Namespace ns, CohortConfiguration config) throws Exception {
        PrintStream out = System.out;
        Instant now = instant(ns.getString("now"));
        // No database: the rules' last good set is not kept, and a broken rule file fails the run.
        Wiring wiring = new Wiring(config, bootstrap.getObjectMapper(), bootstrap.getMetricRegistry(), new ManualClock(now));
        Path rulesDir = Path.of(ns.getString("rules") != null ? ns.getString("rules") : config.engine().rulesDirectory());
        RuleBook book = wiring.rules(rulesDir, RuleService.LastGood.NONE).initial();

        ProfileGraph graph = new ProfileGraph(config.engine().stepTwoLimit()); // as the service looks through accounts
        RecordParser parser = wiring.parser();
        ObjectMapper mapper = wiring.bodies().mapper();
        List<String> problems = new ArrayList<>();
        long[] seq = {0};
        long[] records = {0};
        // As the service stores them: a Salesforce id named by 15 characters in one export is the API's 18 in another.
        SourceIds ids = new SourceIds(config.sources());
        List<Path> files = CanonicalFiles.list(ns.<String>getList("paths").stream().map(Path::of).toList());
        RecordInputs.Sorted sorted = RecordInputs.sort(files, config.sources(), ns.getString("source"), null, mapper);
        sorted.problems().forEach(p -> problems.add(p.toString()));
        for (RecordInputs.Input in : sorted.inputs()) {
            String source = in.source();
            if (in.nativeObject() != null) {
                List<JsonNode> mapped;
                try {
                    mapped = new ArrayList<>(config.sources().get(source).nativeMapper(source).map(in.nativeObject(), mapper.readTree(in.file().toFile())));
                } catch (NativeFormatException | com.fasterxml.jackson.core.JsonProcessingException e) {
                    problems.add(in.file() + ": not a native '" + in.nativeObject() + "' payload: " + e.getMessage());
                    continue;
                }
                records[0] += load(graph, parser, ids, source, mapped, ++seq[0],
                        (i, why) -> problems.add(in.file() + ": mapped record " + i + ": " + why));
                continue;
            }
            CanonicalFiles.read(in.file(), mapper, config.ingestLimits().maxRecordsPerBatch(), new CanonicalFiles.Sink() {
                @Override public void batch(CanonicalFiles.Batch b) throws Exception {
                    records[0] += load(graph, parser, ids, source, b.records(), ++seq[0], (i, why) -> problems.add(in.file()
                            + ":" + b.line(i) + ": record " + b.index(i) + ", " + why));
                }

                @Override public void unreadable(CanonicalFiles.Unreadable u) {
                    problems.add(u.file() + ":" + u.line() + ": " + u.message());
                }
            }, bytes -> { });
        }

        long started = System.nanoTime();
        FullEvaluation.Outcome outcome = FullEvaluation.run(graph, book, now, wiring.eventRetention());
        MemorySink sink = new MemorySink(outcome);
        out.printf("evaluated %,d records from %d files with rules %s at %s in %,d ms%n", records[0], files.size(),
                book.version(), now, (System.nanoTime() - started) / 1_000_000);
        write(Path.of(ns.getString("out")), book, sink, out);
        problems.forEach(p -> System.err.println("REJECTED " + p));
        if (!problems.isEmpty()) {
            throw new CommandFailed(problems.size() + " record problems (listed above): those records were left out");
        }
    }

    /** Validates and applies what it can of a batch; the records validation names are left out, each reported. */
    private static int load(ProfileGraph graph, RecordParser parser, SourceIds ids, String source, List<JsonNode> batch, long seq,
                            BadRecords.Reject reject) throws Exception {
        ids.canonicalize(source, batch);
        var changes = BadRecords.acceptGood(batch, parser::parse, reject);
        if (changes == null) return 0;
        graph.apply(source, changes, seq);
        return changes.size();
    }

    private static Instant instant(String s) {
        if (s == null) return Instant.now();
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--now must be an ISO-8601 instant such as 2026-11-25T00:00:00Z, got '" + s + "'");
        }
    }

    private static void write(Path dir, RuleBook book, MemorySink sink, PrintStream out) throws Exception {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        for (String segment : new TreeSet<>(book.segments().keySet())) {
            List<String> members = new ArrayList<>(sink.members.getOrDefault(segment, Set.of()));
            members.sort(Comparator.comparing((String id) -> String.valueOf(sink.emails.get(id))).thenComparing(id -> id));
            try (SafeCsv csv = new SafeCsv(Files.newBufferedWriter(dir.resolve(segment + ".csv"), StandardCharsets.UTF_8),
                         List.of("profileId", "email"));
                 BufferedWriter jsonl = Files.newBufferedWriter(dir.resolve(segment + ".jsonl"), StandardCharsets.UTF_8)) {
                for (String id : members) {
                    String email = sink.emails.get(id);
                    csv.row(id, email);
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("segmentId", segment);
                    line.put("profileId", id);
                    line.put("email", email);
                    jsonl.write(json.writeValueAsString(line) + "\n");
                }
            }
            out.printf("%-40s %,8d members → %s%n", segment, members.size(), dir.resolve(segment + ".csv"));
        }
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        if (e instanceof CommandFailed || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            cli.getStdErr().println(e.getMessage());
        } else {
            super.onError(cli, namespace, e);
        }
    }

    /** The memberships of the run, by segment, and the members' emails. */
    private static final class MemorySink {
        final Map<String, Set<String>> members;
        final Map<String, String> emails = new HashMap<>();

        MemorySink(FullEvaluation.Outcome o) {
            members = o.members();
            o.people().forEach((id, p) -> emails.put(id, p.email()));
        }
    }
}
