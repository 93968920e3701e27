package io.cohort.engine.sandbox;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * By hand, not a test: how long the sandbox takes to check rule sets at its bound of
 * {@link DrlSandbox#MAX_SET_CONDITIONS} conditions, in several shapes, printed per shape (the
 * first round warms the JVM; the later ones are the figures). Classpath: target/classes,
 * target/test-classes and the test dependencies ({@code mvn dependency:build-classpath}).
 *
 * <pre>java -cp … io.cohort.engine.sandbox.SetCheckTime [rounds=3] [only=&lt;shape&gt;]</pre>
 */
public final class SetCheckTime {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final String HEAD = "package cohort.segments;\nimport io.cohort.model.*;\n";

    public static void main(String[] args) {
        int rounds = 3;
        String only = null;
        for (String a : args) {
            if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
            else if (a.startsWith("only=")) only = a.substring(5);
            else throw new IllegalArgumentException("unknown argument " + a + " (rounds=<n>, only=<shape>)");
        }
        Map<String, Map<String, String>> shapes = new TreeMap<>();
        shapes.put("a-comparisons", Map.of("l.drl", comparisons(50, 399)));      // RuleCountTest's shape, 50 × 400
        shapes.put("b-in-lists", Map.of("l.drl", inLists(10, 1_995)));           // 10 target-account lists of ~2,000
        shapes.put("c-patterns", Map.of("l.drl", patterns(80, 31)));             // 80 rules of 31 joined triples of patterns
        shapes.put("d-small-rules", Map.of("l.drl", comparisons(1_000, 19)));    // 1,000 rules of 20 conditions
        for (int round = 1; round <= rounds; round++) {
            for (var e : shapes.entrySet()) {
                if (only != null && !e.getKey().equals(only)) continue;
                // CPU times and bytes allocated too: on a shared machine the wall time says more of the
                // neighbours than of the check.
                long t = System.nanoTime();
                long bytes = THREADS.getCurrentThreadAllocatedBytes();
                long thread = THREADS.getCurrentThreadCpuTime();
                long process = OS.getProcessCpuTime();
                DrlSandbox.Result r = new DrlSandbox().check(e.getValue());
                System.out.printf("round %d %-14s %6d ms wall %6d ms thread cpu %6d ms process cpu (JIT, GC) %6d MB allocated  %s%n",
                        round, e.getKey(), (System.nanoTime() - t) / 1_000_000, (THREADS.getCurrentThreadCpuTime() - thread) / 1_000_000,
                        (OS.getProcessCpuTime() - process) / 1_000_000, (THREADS.getCurrentThreadAllocatedBytes() - bytes) >> 20,
                        r.ok() ? "ok" : "REFUSED " + r.messages().get(0));
            }
        }
    }

    /** Rules of a Person pattern with {@code each} comparisons, every literal of the set a different one. */
    static String comparisons(int rules, int each) {
        StringBuilder b = new StringBuilder(HEAD);
        for (int i = 0; i < rules; i++) {
            int rule = i;
            String constraints = IntStream.range(0, each).mapToObj(j -> "email != \"x" + rule + "-" + j + "\"")
                    .collect(Collectors.joining(", "));
            b.append("rule \"l").append(i).append("\" @segment(\"l").append(i).append("\") when $p : Person(").append(constraints)
                    .append(") then insertLogical(new Qualified(\"l").append(i).append("\", $p.id())); end\n");
        }
        return b.toString();
    }

    /** Rules matching a person's accounts against an {@code in (…)} list of {@code each} ids (each list its own). */
    static String inLists(int rules, int each) {
        StringBuilder b = new StringBuilder(HEAD);
        for (int i = 0; i < rules; i++) {
            int rule = i;
            String ids = IntStream.range(0, each).mapToObj(j -> "\"001-" + rule + "-" + j + "\"").collect(Collectors.joining(", "));
            b.append("rule \"t").append(i).append("\" @segment(\"t").append(i).append("\") when $p : Person()\n")
                    .append("  AccountPerson(personId == $p.id, accountId in (").append(ids).append("))\n")
                    .append("then insertLogical(new Qualified(\"t").append(i).append("\", $p.id())); end\n");
        }
        return b.toString();
    }

    /** Rules of {@code each} joined AccountPerson/Account/Opportunity triples (3 patterns, 3 comparisons each). */
    static String patterns(int rules, int each) {
        StringBuilder b = new StringBuilder(HEAD);
        for (int i = 0; i < rules; i++) {
            b.append("rule \"p").append(i).append("\" @segment(\"p").append(i).append("\") when $p : Person()\n");
            for (int j = 0; j < each; j++) {
                b.append("  AccountPerson(personId == $p.id, $a").append(j).append(" : accountId)\n")
                        .append("  Account(id == $a").append(j).append(", industry != null)\n")
                        .append("  Opportunity(accountId == $a").append(j).append(", won)\n");
            }
            b.append("then insertLogical(new Qualified(\"p").append(i).append("\", $p.id())); end\n");
        }
        return b.toString();
    }
}
