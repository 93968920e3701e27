package io.cohort.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps analysts' DRL inside the fact model. Rule files run inside the service's JVM, so a file
 * may only import the fact model and a few value types, may declare no globals, and may not name
 * anything that reaches the process, threads, files, the network, reflection or class loading.
 * Comments and string literals are blanked first (a description may say "System"), keeping line
 * numbers, so every refusal names its file and line.
 */
public final class SafeRuleGuard implements RuleGuard {
    private static final Set<String> ALLOWED_IMPORTS = Set.of(
            "io.cohort.model.*", "java.time.*", "java.util.List", "java.util.Set", "java.util.Map",
            "java.util.Collection", "java.util.ArrayList", "java.util.HashSet", "java.util.HashMap",
            "java.math.BigDecimal", "java.lang.Math");
    private static final Pattern MODEL_CLASS = Pattern.compile("io\\.cohort\\.model\\.[A-Z]\\w*");
    private static final Pattern JAVA_TIME_CLASS = Pattern.compile("java\\.time\\.[A-Z]\\w*");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(function\\s+|accumulate\\s+)?([\\w.*]+)");
    private static final Pattern GLOBAL = Pattern.compile("^\\s*global\\s+");
    private static final Pattern NEW = Pattern.compile("\\bnew\\s+([\\w.]+)");
    private static final Pattern DECLARE = Pattern.compile("\\bdeclare\\s+(?:trait\\s+|enum\\s+)?(\\w+)");
    private static final Set<String> CONSTRUCTIBLE = Set.of("Qualified", "ArrayList", "HashSet", "HashMap", "BigDecimal");

    /** Each forbidden name with what it would reach, for the message. */
    private static final List<String[]> FORBIDDEN = List.of(
            new String[] {"\\bSystem\\b", "the process (System)"},
            new String[] {"\\bRuntime\\b|\\bgetRuntime\\b", "the process (Runtime)"},
            new String[] {"\\bProcess(Builder|Handle)?\\b", "operating-system processes"},
            new String[] {"\\b(Class|ClassLoader|forName|getClass|newInstance|getDeclared\\w*|getMethods?|getFields?)\\b|\\.class\\b",
                    "reflection and class loading"},
            new String[] {"\\b(reflect|invoke|MethodHandles?|VarHandle|Unsafe|Proxy|LambdaMetafactory)\\b", "reflection"},
            new String[] {"\\b(Thread|ThreadLocal|Executors?|ExecutorService|ForkJoinPool|CompletableFuture|Timer|StackWalker)\\b",
                    "threads"},
            new String[] {"\\b(Files?|Paths?|FileSystems?|RandomAccessFile|FileInputStream|FileOutputStream|FileReader|FileWriter|PrintStream|ObjectInputStream|ObjectOutputStream)\\b",
                    "files"},
            new String[] {"\\b(Socket|ServerSocket|DatagramSocket|URL|URI|URLConnection|HttpClient|HttpURLConnection|InetAddress|InitialContext)\\b",
                    "the network"},
            new String[] {"\\bjava\\.(io|nio|net|lang\\.reflect|lang\\.invoke)\\b|\\bjavax\\.|\\bsun\\.|\\bjdk\\.|\\borg\\.(drools|kie|mvel2)\\b",
                    "packages outside the fact model"},
            new String[] {"\\b(kcontext|getKieRuntime|getWorkingMemory|getKieBase|getRuleBase|halt|exit|ScriptEngine\\w*|SecurityManager|ModuleLayer|Module)\\b",
                    "the engine or the JVM"});

    @Override
    public List<RuleMessage> check(String file, String drl) {
        List<RuleMessage> out = new ArrayList<>();
        String[] lines = blankCommentsAndStrings(drl).split("\n", -1);
        RuleMessage deep = tooDeep(file, lines);
        if (deep != null) return List.of(deep);
        Set<String> declared = new java.util.HashSet<>();
        Matcher dm = DECLARE.matcher(String.join("\n", lines));
        while (dm.find()) declared.add(dm.group(1));
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int n = i + 1;
            Matcher im = IMPORT.matcher(line);
            if (im.find()) {
                String what = im.group(2);
                if (im.group(1) != null) {
                    out.add(RuleMessage.error(file, n, 1, "'import " + im.group(1).trim() + "' is not allowed; "
                            + "use the fact model's helpers (see rules/README.md)"));
                } else if (!ALLOWED_IMPORTS.contains(what) && !MODEL_CLASS.matcher(what).matches()
                        && !JAVA_TIME_CLASS.matcher(what).matches()) {
                    out.add(RuleMessage.error(file, n, 1, "import '" + what + "' is not allowed; rule files may import "
                            + "io.cohort.model.*, java.time.*, and java.util collections"));
                }
                continue;
            }
            if (GLOBAL.matcher(line).find()) {
                out.add(RuleMessage.error(file, n, 1, "globals are not allowed: a rule may only see facts"));
                continue;
            }
            for (String[] f : FORBIDDEN) {
                Matcher m = Pattern.compile(f[0]).matcher(line);
                if (m.find()) {
                    out.add(RuleMessage.error(file, n, m.start() + 1, "'" + m.group().trim()
                            + "' is not allowed in rule files: it reaches " + f[1]));
                }
            }
            Matcher nm = NEW.matcher(line);
            while (nm.find()) {
                String type = nm.group(1);
                if (!CONSTRUCTIBLE.contains(type) && !declared.contains(type)) {
                    out.add(RuleMessage.error(file, n, nm.start() + 1, "'new " + type + "' is not allowed; rules may "
                            + "create Qualified, types they declare, and ArrayList/HashSet/HashMap"));
                }
            }
        }
        return out;
    }

    /**
     * Drools' DRL parser recurses per bracket: a few thousand nested parentheses overflow its stack
     * (a 500 from /v1/rules/validate, and a dead rule watcher; found by BadInputIT). No real rule
     * nests anywhere near this deep.
     */
    static final int MAX_NESTING = 64;

    private static RuleMessage tooDeep(String file, String[] lines) {
        int depth = 0;
        for (int i = 0; i < lines.length; i++) {
            for (int c = 0; c < lines[i].length(); c++) {
                char ch = lines[i].charAt(c);
                if (ch == '(' || ch == '[' || ch == '{') depth++;
                else if (ch == ')' || ch == ']' || ch == '}') depth--;
                if (depth > MAX_NESTING) {
                    return RuleMessage.error(file, i + 1, c + 1, "brackets nested deeper than " + MAX_NESTING + " levels");
                }
            }
        }
        return null;
    }

    /** Replaces comments and string/char literals by spaces, keeping newlines (and so line numbers). */
    static String blankCommentsAndStrings(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            if (c == '/' && next == '/' || c == '#') {
                while (i < s.length() && s.charAt(i) != '\n') { b.append(' '); i++; }
            } else if (c == '/' && next == '*') {
                b.append("  ");
                i += 2;
                while (i < s.length() && !(s.charAt(i) == '*' && i + 1 < s.length() && s.charAt(i + 1) == '/')) {
                    b.append(s.charAt(i) == '\n' ? '\n' : ' ');
                    i++;
                }
                if (i < s.length()) { b.append("  "); i += 2; }
            } else if (c == '"' || c == '\'') {
                b.append(c);
                i++;
                while (i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length()) { b.append(' '); i++; }
                    b.append(' ');
                    i++;
                }
                if (i < s.length() && s.charAt(i) == c) { b.append(c); i++; }
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }
}
