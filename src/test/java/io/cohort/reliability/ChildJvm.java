package io.cohort.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * How the tests launch the service (and cluster workers) as child JVMs, with a class-data-sharing
 * archive of what a start loads. The integration suites start dozens of such JVMs, and a start
 * spends ~2 of its ~5 s loading and verifying classes (Dropwizard, Jersey, Drools, H2); from the
 * archive it took ~3 s here.
 *
 * <p>{@code mvn verify} builds the shaded jar before the tests and names it ({@code -Dcohort.jar}):
 * the service's children then run it as operators do ({@code java -jar cohort.jar server}), which
 * also starts ~12% cheaper than a class path of ~300 entries. Without it (a test run alone,
 * {@code mvn surefire:test}), or when the jar is older than {@code target/classes} (it would not
 * hold the code under test), they run the main class on this test JVM's class path.
 *
 * <p>Each archive is made once per build (the test JVMs of one Maven run share it) by a training
 * start (ready, one batch ingested and evaluated, a clean stop) that writes it at its exit; every
 * later child maps it. Java 17 archives classes from jars only (a non-empty directory on the path
 * refuses the dump), so for the class path its directories ({@code target/classes},
 * {@code target/test-classes}) are packed as jars under {@code target/child-jvm-<a hash of the
 * class path>} (and signed jars copied there without their signatures, which the archive would
 * skip). Any failure on the way leaves the children without an archive: it only makes them faster.
 * {@code -Dcohort.childArchive=false} turns it off.
 */
public final class ChildJvm {
    private static final String MAIN = "io.cohort.CohortApplication";
    private static List<String> launch;
    private static List<String> jarLaunch;
    /** {@link #builtJar()}, decided once per test JVM: it walks target/classes, and every child start asks. */
    private static Optional<Path> jarUnderTest;

    private ChildJvm() {}

    /** What launches the service after the JVM's own flags: {@code -jar} and the built jar, or the class path and main class. */
    public static synchronized List<String> service() {
        if (jarUnderTest().isPresent()) {
            if (jarLaunch == null) jarLaunch = prepareJar(jarUnderTest.get());
            return jarLaunch;
        }
        List<String> out = new ArrayList<>(classPath());
        out.add(MAIN);
        return List.copyOf(out);
    }

    /**
     * What launches {@code jar} after the JVM's own flags: {@code -jar} and the jar, with the
     * children's archive when {@code jar} is the one they run (ShadedJarCheck's commands: a JVM
     * start each, ~60% cheaper from the archive). Another jar gets no archive: training one costs
     * more than its few starts save.
     */
    public static synchronized List<String> jar(Path jar) {
        Path wanted = jar.toAbsolutePath();
        if (!jarUnderTest().equals(Optional.of(wanted))) return List.of("-jar", wanted.toString());
        return service();
    }

    /**
     * The JVM flags that put the code under test on a child's class path, for a main class of the
     * tests' own (ClusterKillIT's workers): {@code -cp …}, with the archive when there is one. When
     * the service's children run the jar, the jar comes first on this path (its classes win over
     * the same ones in the dependencies' jars after it, and the children's archive, dumped with the
     * jar alone on the path, applies to a path it begins); packing and training a second archive
     * for a few starts would cost more (~30 s of CPU) than it saves them.
     */
    public static synchronized List<String> classPath() {
        if (launch == null) launch = jarUnderTest().isPresent() ? jarFirst() : prepare();
        return launch;
    }

    /** {@link #builtJar()}, worked out at the first call. */
    private static Optional<Path> jarUnderTest() {
        if (jarUnderTest == null) jarUnderTest = builtJar();
        return jarUnderTest;
    }

    /** The children's jar, then this JVM's class path without {@code target/classes} (the jar holds them), with the jar's archive. */
    private static List<String> jarFirst() {
        List<String> jarLaunch = service(); // the archive's flag if there is one, -jar, the jar
        int jar = jarLaunch.indexOf("-jar");
        List<String> out = new ArrayList<>(jarLaunch.subList(0, jar));
        StringBuilder path = new StringBuilder(jarLaunch.get(jar + 1));
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p) && p.getFileName().toString().equals("classes")) continue;
            path.append(java.io.File.pathSeparator).append(e);
        }
        out.addAll(List.of("-cp", path.toString()));
        return List.copyOf(out);
    }

    private static List<String> plainClassPath() {
        return List.of("-cp", System.getProperty("java.class.path"));
    }

    private static boolean archiveWanted() {
        return Boolean.parseBoolean(System.getProperty("cohort.childArchive", "true"));
    }

    /** The jar {@code -Dcohort.jar} names, unless a class of {@code target/classes} is newer (the jar would run old code). */
    static Optional<Path> builtJar() {
        String name = System.getProperty("cohort.jar");
        if (name == null || name.isBlank()) return Optional.empty();
        Path jar = Path.of(name).toAbsolutePath();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("-Dcohort.jar=" + name + " does not exist");
        try {
            long built = Files.getLastModifiedTime(jar).toMillis();
            for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path p = Path.of(e);
                if (!Files.isDirectory(p) || !p.getFileName().toString().equals("classes")) continue;
                try (Stream<Path> files = Files.walk(p)) {
                    Optional<Path> newer = files.filter(Files::isRegularFile).filter(f -> modified(f) > built).findAny();
                    if (newer.isPresent()) {
                        System.err.println("child JVMs on the class path: " + jar + " is older than " + newer.get());
                        return Optional.empty();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(jar);
    }

    private static long modified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code -jar} and the jar, with an archive trained on it (in a directory named by its path, size and time). */
    private static List<String> prepareJar(Path jar) {
        List<String> plain = List.of("-jar", jar.toString());
        if (!archiveWanted()) return plain;
        try {
            java.security.MessageDigest digest = sha256();
            digest.update((jar + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String key = java.util.HexFormat.of().formatHex(digest.digest(), 0, 8);
            return underLock(Path.of("target", "child-jvm-jar-" + key).toAbsolutePath(), dir -> trained(dir, plain, plain, plain));
        } catch (Exception e) {
            System.err.println("child JVMs without a class-data archive: " + e);
            return plain;
        }
    }

    private static List<String> prepare() {
        List<String> plain = plainClassPath();
        if (!archiveWanted()) return plain;
        try {
            return underLock(Path.of("target", "child-jvm-" + classPathKey()).toAbsolutePath(), dir -> archived(dir, plain));
        } catch (Exception e) {
            System.err.println("child JVMs without a class-data archive: " + e);
            return plain;
        }
    }

    private interface Making {
        List<String> make(Path dir) throws Exception;
    }

    /**
     * One per build, shared by its test JVMs (surefire runs several at once, forkCount): the first
     * to get here makes it under a file lock, the others wait and map the same archive. Nothing is
     * rewritten once made: when each fork packed its own into one directory, a fork rewrote the
     * jars under the other's children (NoClassDefFoundError).
     */
    private static List<String> underLock(Path dir, Making making) throws Exception {
        Files.createDirectories(dir);
        try (FileChannel channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            Path made = dir.resolve("flags");
            if (Files.isRegularFile(made)) return List.copyOf(Files.readAllLines(made));
            List<String> flags = making.make(dir);
            Files.write(made, flags);
            return flags;
        }
    }

    /**
     * Names what is on the class path as it is now (the path, and the name, size and time of every
     * file of its directories): test JVMs of one build share it, and a build after a change of code
     * gets a directory of its own, never the jars of the one before.
     */
    private static String classPathKey() throws IOException {
        java.security.MessageDigest digest = sha256();
        String path = System.getProperty("java.class.path");
        digest.update(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String e : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (!Files.isDirectory(p)) continue;
            try (Stream<Path> files = Files.walk(p)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    digest.update((f + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis() + "\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest(), 0, 8);
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Packs the class path and trains the archive in {@code dir}: the flags that use it, or {@code plain} when none was written. */
    private static List<String> archived(Path dir, List<String> plain) throws Exception {
        List<String> packed = packed(dir);
        List<String> training = new ArrayList<>(packed);
        training.add(MAIN);
        return trained(dir, training, packed, plain);
    }

    /**
     * Trains the archive in {@code dir} with a start launched by {@code training}: {@code launch}
     * with the archive, or {@code plain} when the start wrote none.
     */
    private static List<String> trained(Path dir, List<String> training, List<String> launch, List<String> plain) throws Exception {
        Path archive = dir.resolve("cohort.jsa");
        Files.deleteIfExists(archive);
        train(dir, training, archive);
        if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
            System.err.println("child JVMs without a class-data archive: the training start wrote none");
            return plain;
        }
        List<String> out = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive));
        out.addAll(launch);
        return List.copyOf(out);
    }

    /** {@code -cp} with every directory of this JVM's class path packed as a jar (in the same place on the path). */
    private static List<String> packed(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                Path jar = dir.resolve((n++) + "-" + p.getFileName() + ".jar");
                jar(p, jar);
                entries.add(jar.toString());
            } else if (signed(p)) {
                // Java 17 leaves a signed jar's classes out of the archive, and its dump then
                // crashed (SIGSEGV adjusting lambda proxies) here: the children get a copy unsigned.
                Path jar = dir.resolve((n++) + "-" + p.getFileName());
                unsigned(p, jar);
                entries.add(jar.toString());
            } else {
                entries.add(e);
            }
        }
        return List.of("-cp", String.join(java.io.File.pathSeparator, entries));
    }

    private static void jar(Path from, Path to) throws IOException {
        try (OutputStream os = Files.newOutputStream(to); JarOutputStream out = new JarOutputStream(os);
             Stream<Path> files = Files.walk(from)) {
            out.setLevel(java.util.zip.Deflater.BEST_SPEED); // packed once per build, read from the archive after
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String name = from.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                if (name.isEmpty()) continue;
                if (Files.isDirectory(f)) {
                    out.putNextEntry(new JarEntry(name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(f, out);
                }
                out.closeEntry();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean isSignature(String name) {
        return name.startsWith("META-INF/") && name.indexOf('/', 9) < 0
                && (name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA") || name.endsWith(".EC"));
    }

    private static boolean signed(Path jar) throws IOException {
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) return false;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            return z.stream().anyMatch(en -> isSignature(en.getName()));
        }
    }

    private static void unsigned(Path from, Path to) throws IOException {
        try (ZipFile z = new ZipFile(from.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            out.setLevel(java.util.zip.Deflater.BEST_SPEED);
            for (ZipEntry en : java.util.Collections.list(z.entries())) {
                if (isSignature(en.getName())) continue;
                out.putNextEntry(new ZipEntry(en.getName()));
                try (var in = z.getInputStream(en)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

    /** A start as the tests make them, so that the archive holds what they load: ready, a batch evaluated, a clean stop. */
    private static void train(Path dir, List<String> launchFlags, Path archive) throws Exception {
        Path work = Files.createTempDirectory(dir, "training-");
        try (CohortProcess p = new CohortProcess(work)) {
            // A crash of the dump must not leave its report in the work tree.
            List<String> flags = new ArrayList<>(List.of("-XX:ArchiveClassesAtExit=" + archive,
                    "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log")));
            flags.addAll(launchFlags);
            p.launchWith(flags).start().awaitReady(Duration.ofMinutes(2));
            var r = p.post("/v1/sources/crm-1/records", """
                    {"records": [{"type": "account", "id": "A1", "name": "Training", "domain": "training.example"},
                                 {"type": "person", "id": "P1", "email": "p1@training.example"},
                                 {"type": "accountPerson", "accountId": "A1", "personId": "P1"}]}""");
            if (r.status() != 200) throw new IllegalStateException("the training batch was answered " + r.status() + ": " + r.body());
            p.get("/v1/profiles?email=p1%40training.example");
            p.stop(); // the archive is written as the JVM exits
        }
    }
}
