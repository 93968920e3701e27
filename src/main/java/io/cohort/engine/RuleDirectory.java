package io.cohort.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads the rules directory: every file below it named like a rule file ({@link
 * RuleFileNames#hasRuleExtension}), hidden ones and Excel's lock files passed over, each as its
 * bytes, and with the reason it cannot be one when {@link RuleFileNames} refuses its name. Such a
 * file is an error of its own when the set is compiled, so the set is not applied, the running
 * rules keep serving and GET /v1/rules names the file and why. Without that, a name the API
 * refuses went live while the analyst could not validate it.
 */
final class RuleDirectory {
    private RuleDirectory() {}

    /** The rule files below {@code directory} (none when it is not a directory). */
    static RuleFiles read(Path directory) {
        Map<String, byte[]> files = new TreeMap<>();
        Map<String, RuleMessage> refused = new TreeMap<>();
        if (!Files.isDirectory(directory)) return RuleFiles.of(Map.of());
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.equals(directory) || !RuleFileNames.passedOver(dir.getFileName().toString())
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String name = file.getFileName().toString();
                    // Symbolic links are not followed: a link named x.drl must not expose another file.
                    if (RuleFileNames.passedOver(name) || !RuleFileNames.hasRuleExtension(name) || !attrs.isRegularFile()) {
                        return FileVisitResult.CONTINUE;
                    }
                    String path = relative(directory, file);
                    Optional<String> badName = RuleFileNames.refusal(path);
                    String key = badName.isPresent() ? RuleFileNames.shown(path) : path;
                    files.put(key, Files.readAllBytes(file));
                    badName.ifPresent(w -> refused.put(key, RuleMessage.error(key, 1, 1, "this file's name is not allowed: " + w
                            + "; rename the file")));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rules directory " + directory, e);
        }
        return RuleFiles.fromBytes(files, refused);
    }

    /** '/' between segments whatever the system's separator (a '\' in a name on Linux is a character of it). */
    private static String relative(Path root, Path file) {
        StringBuilder out = new StringBuilder();
        for (Path segment : root.relativize(file)) out.append(out.isEmpty() ? "" : "/").append(segment);
        return out.toString();
    }
}
