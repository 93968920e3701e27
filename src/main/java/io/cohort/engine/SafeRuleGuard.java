package io.cohort.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps analysts' DRL inside the fact model. Rule files run inside the service's JVM, so a file
 * may only import the fact model and a few value types, may declare no globals, and may not name
 * anything that reaches the process, threads, files, the network, reflection, class loading or
 * the engine itself, nor loop or block (a consequence that never returns stops its shard).
 *
 * <p>It is a text scanner, so it first reads the text the way the Java compiler will: Unicode
 * escapes decoded ({@code \u0053ystem} is {@code System} to javac, and {@code \u000a} ends a
 * {@code //} comment) and a lone CR taken as a line end. Escapes of ASCII characters are refused
 * outright: they only serve to hide code. Then comments and string literals are blanked (a
 * description may say "System") keeping line numbers, so every refusal names its file and line.
 * Qualified names are checked against an allow-list rather than a deny-list, since any class on
 * the classpath can be named that way.
 */
public final class SafeRuleGuard implements RuleGuard {
    private static final Set<String> ALLOWED_IMPORTS = Set.of(
            "io.cohort.model.*", "java.time.*", "java.util.List", "java.util.Set", "java.util.Map",
            "java.util.Collection", "java.util.ArrayList", "java.util.HashSet", "java.util.HashMap",
            "java.math.BigDecimal", "java.lang.Math");
    private static final Pattern MODEL_CLASS = Pattern.compile("io\\.cohort\\.model\\.[A-Z]\\w*");
    private static final Pattern JAVA_TIME_CLASS = Pattern.compile("java\\.time\\.[A-Z]\\w*");
    private static final Pattern IMPORT = Pattern.compile(
            "\\bimport\\s+(?:(function|accumulate|static)\\s+)?([\\w*]+(?:\\s*\\.\\s*[\\w*]+)*)\\s*;?");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w]+(?:\\s*\\.\\s*\\w+)*)\\s*;?");
    private static final Pattern FORBIDDEN_PACKAGE = Pattern.compile(
            "(java|javax|jakarta|jdk|sun|io\\.cohort|org\\.drools|org\\.kie|org\\.mvel2)(\\..*)?");
    private static final Pattern GLOBAL = Pattern.compile("\\bglobal\\b");
    private static final Pattern NEW = Pattern.compile("\\bnew\\s+([\\w.]+)");
    private static final Pattern DECLARE = Pattern.compile("\\bdeclare\\s+(?:trait\\s+|enum\\s+)?(\\w+)");
    private static final Set<String> CONSTRUCTIBLE = Set.of("Qualified", "ArrayList", "HashSet", "HashMap", "BigDecimal",
            "String", "int", "long", "double", "boolean");
    /** A dotted name that is not a $binding's field path: a package-qualified class or member. */
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w$.])([A-Za-z_]\\w*(?:\\s*\\.\\s*[A-Za-z_]\\w*)+)");
    /** Top-level packages of what is on the classpath: a dotted name starting so names a class. */
    private static final Set<String> ROOTS = Set.of("java", "javax", "jakarta", "jdk", "sun", "com", "org", "io", "net",
            "ch", "liquibase", "groovy", "kotlin", "scala", "nonapi", "picocli", "antlr", "freemarker", "lombok");
    private static final Pattern QUALIFIED_TYPE = Pattern.compile("[a-z_]\\w*(?:\\.[a-z_]\\w*)*\\.[A-Z]\\w*.*");
    private static final Pattern ALLOWED_QUALIFIED = Pattern.compile(
            "(io\\.cohort\\.model\\.[A-Z]\\w*|java\\.time(\\.[a-z]+)*\\.[A-Z]\\w*"
            + "|java\\.math\\.(BigDecimal|BigInteger|RoundingMode|MathContext)"
            + "|java\\.util\\.(List|Set|Map|Collection|ArrayList|HashSet|HashMap|Objects|Optional|Collections|Arrays|Locale)"
            + "|java\\.lang\\.(Math|String|Integer|Long|Double|Boolean|Character|Number|Object|CharSequence))(\\..*)?");
    private static final Pattern UNICODE_ESCAPE = Pattern.compile("\\\\+u+([0-9a-fA-F]{4})");

    /** Each forbidden name with what it would reach, for the message. */
    private static final List<String[]> FORBIDDEN = List.of(
            new String[] {"\\bSystem\\b", "the process (System)"},
            new String[] {"\\b(Runtime|getRuntime|exec|addShutdownHook|removeShutdownHook|loadLibrary|getenv|getProperty"
                    + "|getProperties|setProperty|setProperties|clearProperty|setDefault)\\b", "the process"},
            new String[] {"\\bProcess(Builder|Handle)?\\b", "operating-system processes"},
            new String[] {"\\b(Class|ClassLoader|ClassValue|forName|getClass|getClassLoader|getContextClassLoader"
                    + "|getSystemClassLoader|getPlatformClassLoader|loadClass|defineClass|findClass|newInstance|getDeclared\\w*"
                    + "|getMethods?|getFields?|getConstructors?|getResource\\w*|getModule|getProtectionDomain|getSuperclass"
                    + "|getInterfaces|getPackages?|getEnclosing\\w*|getNestHost|getNestMembers|getRecordComponents"
                    + "|getEnumConstants|getComponentType|componentType|arrayType|setAccessible|trySetAccessible)\\b"
                    + "|\\.\\s*class\\b", "reflection and class loading"},
            new String[] {"\\b(reflect|invoke\\w*|MethodHandles?|MethodType|VarHandle|Unsafe|Proxy|LambdaMetafactory|lookup"
                    + "|Instrumentation|ServiceLoader)\\b", "reflection"},
            new String[] {"\\b(Thread\\w*|Executors?|ExecutorService|ForkJoin\\w*|CompletableFuture|Timer|TimerTask|StackWalker"
                    + "|LockSupport|synchronized|wait|notify|notifyAll|sleep|park)\\b", "threads (a consequence must not block)"},
            new String[] {"\\b(while|do)\\b|\\bfor\\s*\\(", "loops (a consequence must finish at once: match collections with "
                    + "'from' or 'accumulate' in the when part)"},
            new String[] {"\\b(Files?|Paths?|FileSystems?|RandomAccessFile|FileInputStream|FileOutputStream|FileReader|FileWriter"
                    + "|PrintStream|ObjectInputStream|ObjectOutputStream|Preferences|JarFile|ZipFile)\\b", "files"},
            new String[] {"\\b(Socket|ServerSocket|DatagramSocket|URL|URI|URLConnection|HttpClient|HttpURLConnection|InetAddress"
                    + "|InitialContext)\\b", "the network"},
            new String[] {"\\bjava\\.(io|nio|net|lang\\.reflect|lang\\.invoke)\\b|\\bjavax\\.|\\bsun\\.|\\bjdk\\.|\\borg\\.(drools|kie|mvel2)\\b",
                    "packages outside the fact model"},
            new String[] {"\\b(drools|kcontext|getKieRuntime|getKnowledgeRuntime|getWorkingMemory|getKieBase|getRuleBase"
                    + "|getEntryPoints?|getChannels|getSessionClock|halt|exit|ScriptEngine\\w*|SecurityManager|ModuleLayer"
                    + "|Module|LogManager)\\b", "the engine or the JVM"});
    private static final List<Pattern> FORBIDDEN_PATTERNS = FORBIDDEN.stream().map(f -> Pattern.compile(f[0])).toList();

    @Override
    public List<RuleMessage> check(String file, String drl) {
        List<RuleMessage> out = new ArrayList<>();
        Decoded src = decode(drl);
        for (int[] e : src.asciiEscapes) {
            String shown = e[1] >= 0x20 && e[1] < 0x7f ? " ('" + (char) e[1] + "')" : "";
            out.add(RuleMessage.error(file, e[0], 0, "the Unicode escape " + String.format("\\u%04x", e[1]) + shown
                    + " is not allowed: write the character itself (rule files are UTF-8); escapes only serve to hide code"));
        }
        String[] lines = blankCommentsAndStrings(src.text).split("\n", -1);
        RuleMessage deep = tooDeep(file, lines);
        if (deep != null) return List.of(deep);
        Set<String> declared = new HashSet<>();
        Matcher dm = DECLARE.matcher(String.join("\n", lines));
        while (dm.find()) declared.add(dm.group(1));
        for (int i = 0; i < lines.length; i++) {
            int n = src.originalLine(i);
            String line = checkPackage(file, n, lines[i], out);
            line = checkImports(file, n, line, out);
            if (GLOBAL.matcher(line).find()) {
                out.add(RuleMessage.error(file, n, 1, "globals are not allowed: a rule may only see facts"));
            }
            for (int f = 0; f < FORBIDDEN.size(); f++) {
                Matcher m = FORBIDDEN_PATTERNS.get(f).matcher(line);
                if (m.find()) {
                    out.add(RuleMessage.error(file, n, m.start() + 1, "'" + m.group().trim()
                            + "' is not allowed in rule files: it reaches " + FORBIDDEN.get(f)[1]));
                }
            }
            checkQualifiedNames(file, n, line, out);
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

    /** Checks a package statement's name; returns the line without it. */
    private static String checkPackage(String file, int n, String line, List<RuleMessage> out) {
        Matcher pm = PACKAGE.matcher(line);
        if (!pm.find()) return line;
        String name = pm.group(1).replaceAll("\\s+", "");
        if (FORBIDDEN_PACKAGE.matcher(name).matches()) {
            out.add(RuleMessage.error(file, n, 1, "package '" + name + "' is not allowed: rules live in their own "
                    + "package, e.g. cohort.segments"));
        }
        return blank(line, pm.start(), pm.end());
    }

    /** Checks every import statement of the line; returns the line without them. */
    private static String checkImports(String file, int n, String line, List<RuleMessage> out) {
        Matcher im = IMPORT.matcher(line);
        String rest = line;
        while (im.find()) {
            String what = im.group(2).replaceAll("\\s+", "");
            if (im.group(1) != null) {
                out.add(RuleMessage.error(file, n, im.start() + 1, "'import " + im.group(1) + "' is not allowed; "
                        + "use the fact model's helpers (see rules/README.md)"));
            } else if (!ALLOWED_IMPORTS.contains(what) && !MODEL_CLASS.matcher(what).matches()
                    && !JAVA_TIME_CLASS.matcher(what).matches()) {
                out.add(RuleMessage.error(file, n, im.start() + 1, "import '" + what + "' is not allowed; rule files may "
                        + "import io.cohort.model.*, java.time.*, and java.util collections"));
            }
            rest = blank(rest, im.start(), im.end());
        }
        return rest;
    }

    /** A class named by its package reaches past the imports: only the fact model and value types may. */
    private static void checkQualifiedNames(String file, int n, String line, List<RuleMessage> out) {
        Matcher q = QUALIFIED.matcher(line);
        while (q.find()) {
            String name = q.group(1).replaceAll("\\s+", "");
            String root = name.substring(0, name.indexOf('.'));
            boolean names = ROOTS.contains(root) || QUALIFIED_TYPE.matcher(name).matches();
            if (names && !ALLOWED_QUALIFIED.matcher(name).matches()) {
                out.add(RuleMessage.error(file, n, q.start() + 1, "'" + name + "' is not allowed: rule files may name "
                        + "only the fact model (io.cohort.model), java.time, java.math and java.util collections"));
            }
        }
    }

    private static String blank(String s, int from, int to) {
        return s.substring(0, from) + " ".repeat(to - from) + s.substring(to);
    }

    /** The text as javac reads it, and for each of its lines the line of the file it comes from. */
    record Decoded(String text, List<Integer> lines, List<int[]> asciiEscapes) {
        int originalLine(int decodedIndex) { return decodedIndex < lines.size() ? lines.get(decodedIndex) : lines.get(lines.size() - 1); }
    }

    /**
     * Decodes Unicode escapes (a backslash preceded by an even number of backslashes, one or more
     * 'u', four hex digits: JLS 3.3) and makes every line end a '\n' (JLS 3.4: CR, LF, CR LF).
     */
    static Decoded decode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        List<Integer> lines = new ArrayList<>(List.of(1));
        List<int[]> ascii = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                int run = 0;
                while (i + run < s.length() && s.charAt(i + run) == '\\') run++;
                // In a run of backslashes, pairs are literal backslashes; an odd last one may start an escape.
                b.append("\\".repeat(run - 1));
                i += run - 1;
                Matcher m = UNICODE_ESCAPE.matcher(s).region(i, s.length());
                if (run % 2 == 1 && m.lookingAt() && m.group().startsWith("\\u")) {
                    char d = (char) Integer.parseInt(m.group(1), 16);
                    if (d < 0x80) ascii.add(new int[] {line, d});
                    if (d == '\n' || d == '\r') {
                        b.append('\n');
                        lines.add(line);
                    } else {
                        b.append(d);
                    }
                    i = m.end();
                } else {
                    b.append('\\');
                    i++;
                }
            } else if (c == '\n' || c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                b.append('\n');
                line++;
                lines.add(line);
                i += c == '\r' ? 2 : 1;
            } else if (c == '\r') {
                // A lone CR ends a line for javac but not for Drools' line count: report the Drools line.
                b.append('\n');
                lines.add(line);
                i++;
            } else {
                b.append(c);
                i++;
            }
        }
        return new Decoded(b.toString(), lines, ascii);
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
            // '#' is no comment in Drools 10 (DRL, Java or MVEL): it stays code, so nothing can hide behind it.
            if (c == '/' && next == '/') {
                while (i < s.length() && s.charAt(i) != '\n') { b.append(' '); i++; }
            } else if (c == '/' && next == '*') {
                b.append("  ");
                i += 2;
                while (i < s.length() && !(s.charAt(i) == '*' && i + 1 < s.length() && s.charAt(i + 1) == '/')) {
                    b.append(s.charAt(i) == '\n' ? '\n' : ' ');
                    i++;
                }
                if (i < s.length()) { b.append("  "); i += 2; }
            } else if (s.startsWith("\"\"\"", i)) {
                // A Java text block: it spans lines and ends only at the next unescaped """.
                b.append("   ");
                i += 3;
                while (i < s.length() && !s.startsWith("\"\"\"", i)) {
                    if (s.charAt(i) == '\\' && i + 1 < s.length() && s.charAt(i + 1) != '\n') { b.append(' '); i++; }
                    b.append(s.charAt(i) == '\n' ? '\n' : ' ');
                    i++;
                }
                if (i < s.length()) { b.append("   "); i += 3; }
            } else if (c == '"' || c == '\'') {
                b.append(c);
                i++;
                while (i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length() && s.charAt(i + 1) != '\n') { b.append(' '); i++; }
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
