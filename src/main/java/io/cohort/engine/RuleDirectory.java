package io.cohort.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads the rules directory: every file below it named like a rule file ({@link
 * RuleFileNames#hasRuleExtension}), hidden ones and Excel's lock files passed over, each as its
 * bytes or with the reason it cannot be one: a name {@link RuleFileNames} refuses, a link or
 * other entry that is not a regular file, a read that fails, a size no rule file has. Such a file
 * is an error of its own when the set is compiled, so the set is not applied, the running rules
 * keep serving and GET /v1/rules names the file and why. Without that, a file that could not be
 * read made the whole directory unreadable (an ERROR every watch interval, no file named) and a
 * name the API refuses went live while the analyst could not validate it.
 */
final class RuleDirectory {
    /** Reads one regular file of the directory. */
    interface Reader {
        byte[] read(Path file) throws IOException;
    }

    /**
     * A larger file is not read: far above what any rule file may hold (1,000,000 characters of
     * DRL, 5 MiB of decision table), far below what would strain the heap (a 3 GB file made the
     * read throw OutOfMemoryError, which stopped the watcher for good).
     */
    static final int MAX_BYTES = 16 << 20;

    /**
     * The most bytes the files of one rule set may hold together: each file under its own limit,
     * five hundred of them were 8 GB read into the heap at every reload (the watcher's thread
     * dies of OutOfMemoryError, as it did for one 3 GB file). 64 MiB is thousands of real rule
     * files; past it the file is refused unread and the running rules keep serving.
     */
    static final long MAX_TOTAL_BYTES = 64L << 20;

    /** Reads a file as the service does: not through a link, at most {@link #MAX_BYTES}. */
    static final Reader FILES = file -> {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) throw new FileSystemException(file.toString(), null, tooLarge("more than " + MAX_BYTES));
            return bytes;
        }
    };

    /** The "file" of the error for a rules directory that is not there. */
    static final String MISSING = "(rules directory)";

    private RuleDirectory() {}

    /**
     * The rule files below {@code directory}. A directory that is not there is an error, not an
     * empty rule set: a volume not mounted yet, a deploy swapping the directory, a wrong path would
     * otherwise remove every segment and, through the activations, every audience at its destination.
     */
    static RuleFiles read(Path directory, Reader reader) {
        Map<String, byte[]> files = new TreeMap<>();
        Map<String, RuleMessage> refused = new TreeMap<>();
        Map<String, RuleMessage> passedOver = new TreeMap<>();
        long[] total = {0};
        if (!Files.isDirectory(directory)) {
            refused.put(MISSING, RuleMessage.error(MISSING, 0, 0, "the rules directory " + directory.toAbsolutePath()
                    + " does not exist or is not a directory (engine.rulesDirectory); no rule set is read from it"));
            return RuleFiles.fromBytes(files, refused);
        }
        try {
            // The directory itself may be a link (rules -> releases/42): the walk would not enter it.
            Path root = directory.toRealPath();
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.equals(root) || !RuleFileNames.passedOver(dir.getFileName().toString())
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                // Links are not followed (the walk does not, and files are opened with NOFOLLOW_LINKS): a
                // link named x.drl must not expose another file. It is refused, so that it shows.
                @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String name = file.getFileName().toString();
                    if (attrs.isSymbolicLink() && !RuleFileNames.passedOver(name) && !RuleFileNames.hasRuleExtension(name)
                            && Files.isDirectory(file)) {
                        // A folder linked in (a shared set of rules): its files would silently be missing.
                        String key = RuleFileNames.shown(relative(root, file)) + "/";
                        passedOver.put(key, RuleMessage.warning(key, 0, 0, "this folder is a symbolic link, and links are not "
                                + "followed: the rule files in it are not loaded; put the folder itself here"));
                        return FileVisitResult.CONTINUE;
                    }
                    if (RuleFileNames.passedOver(name) || !RuleFileNames.hasRuleExtension(name)) return FileVisitResult.CONTINUE;
                    String path = relative(root, file);
                    Optional<String> badName = RuleFileNames.refusal(path);
                    String key = badName.isPresent() ? RuleFileNames.shown(path) : path;
                    String why = badName.map(w -> "this file's name is not allowed: " + w + "; rename the file").orElse(null);
                    if (why == null && attrs.isSymbolicLink()) {
                        why = "cannot read this file: it is a symbolic link, and links are not followed; put the file itself here";
                    } else if (why == null && !attrs.isRegularFile()) {
                        why = "cannot read this file: it is not a regular file (a named pipe, a socket or a device)";
                    } else if (why == null && attrs.size() > MAX_BYTES) {
                        why = "cannot read this file: " + tooLarge(String.valueOf(attrs.size()));
                    } else if (attrs.isRegularFile() && total[0] + attrs.size() > MAX_TOTAL_BYTES) {
                        // Even a file whose name is refused would be read (its page shows it): this one is not.
                        refused.put(key, RuleMessage.error(key, 1, 1, "not read: with this file's " + attrs.size()
                                + " bytes the rule files would hold more than " + (MAX_TOTAL_BYTES >> 20) + " MiB together"
                                + " (the rules directory holds far more than rules: remove what is not a rule file)"));
                        return FileVisitResult.CONTINUE;
                    }
                    if (attrs.isRegularFile() && attrs.size() <= MAX_BYTES) {
                        total[0] += attrs.size();
                        try {
                            files.put(key, reader.read(file));
                        } catch (NoSuchFileException e) {
                            // Removed (or renamed by an editor's save) since it was listed: as if listed a moment later.
                            if (why == null) return FileVisitResult.CONTINUE;
                        } catch (IOException e) {
                            if (why == null) why = "cannot read this file: " + reason(e);
                        }
                    }
                    if (why != null) refused.put(key, RuleMessage.error(key, 1, 1, why));
                    return FileVisitResult.CONTINUE;
                }

                @Override public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (file.equals(root)) throw e;
                    String name = file.getFileName().toString();
                    if (RuleFileNames.passedOver(name) || e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                    String key = RuleFileNames.shown(relative(root, file));
                    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                        key += "/";
                        refused.put(key, RuleMessage.error(key, 1, 1, "cannot read this folder: " + reason(e)
                                + "; the rule files in it are unknown"));
                    } else if (RuleFileNames.hasRuleExtension(name)) {
                        refused.put(key, RuleMessage.error(key, 1, 1, "cannot read this file: " + reason(e)));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Not listable at all (permissions, a network mount gone stale): an error of the set, like a
            // missing directory, logged once by the reload; it was an ERROR with a stack trace every interval.
            files.clear();
            refused.clear();
            refused.put(MISSING, RuleMessage.error(MISSING, 0, 0, "the rules directory " + directory.toAbsolutePath()
                    + " cannot be read: " + reason(e) + "; no rule set is read from it"));
            passedOver.clear();
        }
        return RuleFiles.fromBytes(files, refused, passedOver);
    }

    /** '/' between segments whatever the system's separator (a '\' in a name on Linux is a character of it). */
    private static String relative(Path root, Path file) {
        StringBuilder out = new StringBuilder();
        for (Path segment : root.relativize(file)) out.append(out.isEmpty() ? "" : "/").append(segment);
        return out.toString();
    }

    /** What the file system said, as a reader would: "permission denied". */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String tooLarge(String bytes) {
        return "it has " + bytes + " bytes; a rule file holds at most 1,000,000 characters, a decision table 5 MiB";
    }
}
