package io.cohort.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ingest.SourceFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What each file given to {@code import} or {@code evaluate} is: which source speaks in it, and
 * whether it holds canonical records or one vendor payload (and of which native object).
 * <ul>
 *   <li>source: {@code --source}, else the file's name ({@code crm-1.ndjson}), else its
 *       directory's name ({@code samples/bodea/crm-1/Account.json}), whichever is configured;</li>
 *   <li>canonical: *.ndjson / *.jsonl, or *.json starting {@code {"records": …}};</li>
 *   <li>native: any other *.json (or every file with {@code --native OBJECT}); the object is
 *       {@code --native}, else the file's name when the source's type maps such an object
 *       ({@code leads.json}, {@code crossReferences.json}), else the type's only object
 *       (Salesforce: {@code query}, so {@code Account.json} is a SOQL query result).</li>
 * </ul>
 */
final class RecordInputs {
    /** One file to load; {@code nativeObject} null for canonical records. */
    record Input(Path file, String source, String nativeObject) {}

    /** A file that cannot be used, and why. */
    record Problem(Path file, String reason) {
        @Override public String toString() { return file + ": " + reason; }
    }

    /** Files sorted into inputs, and the ones that cannot be used. */
    record Sorted(List<Input> inputs, List<Problem> problems) {}

    private RecordInputs() {}

    static Sorted sort(List<Path> files, Map<String, SourceFactory> sources, String sourceArg, String nativeArg,
                       ObjectMapper mapper) throws IOException {
        List<Input> inputs = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        String configured = String.join(", ", new TreeSet<>(sources.keySet()));
        for (Path file : files) {
            String source = sourceOf(file, sources, sourceArg);
            if (source == null) {
                String dir = file.getParent() == null || file.getParent().getFileName() == null ? "-" : file.getParent().getFileName().toString();
                problems.add(new Problem(file, "unknown source: neither the file name '" + CanonicalFiles.baseName(file)
                        + "' nor its directory '" + dir + "' is a configured source (" + configured + "); give --source"));
                continue;
            }
            if (nativeArg != null) {
                inputs.add(new Input(file, source, nativeArg));
            } else if (CanonicalFiles.isNdjson(file) || CanonicalFiles.isCanonicalJson(file, mapper)) {
                inputs.add(new Input(file, source, null));
            } else {
                List<String> objects = sources.get(source).nativeMapper(source).objects();
                String base = CanonicalFiles.baseName(file);
                String object = objects.contains(base) ? base : objects.size() == 1 ? objects.get(0) : null;
                if (object == null) {
                    problems.add(new Problem(file, "not canonical records ({\"records\": [ … ]}) and source '" + source
                            + "' maps no native object named '" + base + "'; name the file after one of " + objects
                            + " or give --native OBJECT"));
                } else {
                    inputs.add(new Input(file, source, object));
                }
            }
        }
        return new Sorted(inputs, problems);
    }

    private static String sourceOf(Path file, Map<String, SourceFactory> sources, String sourceArg) {
        if (sourceArg != null) return sources.containsKey(sourceArg) ? sourceArg : null;
        String base = CanonicalFiles.baseName(file);
        if (sources.containsKey(base)) return base;
        Path dir = file.toAbsolutePath().getParent();
        String dirName = dir == null || dir.getFileName() == null ? null : dir.getFileName().toString();
        return dirName != null && sources.containsKey(dirName) ? dirName : null;
    }
}
