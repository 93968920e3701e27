package io.cohort.engine.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rule files an attacker with write access to rules/ (or the analyst role, through validate and
 * preview) might try: code execution, endless work, memory exhaustion, reaching other segments'
 * data, and the same again hidden by line breaks inside names, comments, spaces, Unicode escapes,
 * string concatenation and MVEL. Each names the line the refusal must point at.
 * {@code raw}: Drools compiles the file as it is (without the sandbox), so only the sandbox
 * stands between it and the service.
 */
public final class HostileRules {
    public record Hostile(String name, String drl, int line, boolean raw) {
        public String file() { return "hostile-" + name + ".drl"; }
    }

    public static final String HEAD = "package cohort.segments;\nimport io.cohort.model.*;\n\n";

    private HostileRules() {}

    /** A rule whose consequence starts at line 9 with {@code rhs}. */
    static String rhs(String name, String attributes, String rhs) {
        return HEAD + "rule \"" + name + "\"\n    @segment(\"" + name + "\")" + (attributes == null ? "" : " " + attributes)
                + "\nwhen\n    $p : Person()\nthen\n    " + rhs + "\n    insertLogical(new Qualified(\"" + name + "\", $p.id()));\nend\n";
    }

    /** A rule whose condition has {@code lhs} at line 8, after $p : Person() at line 7. */
    static String lhs(String name, String lhs) {
        return HEAD + "rule \"" + name + "\"\n    @segment(\"" + name + "\")\nwhen\n    $p : Person()\n    " + lhs
                + "\nthen\n    insertLogical(new Qualified(\"" + name + "\", $p.id()));\nend\n";
    }

    /** A rule whose only pattern, at line 7, is {@code $p : Person(<constraint>)}. */
    static String constraint(String name, String constraint) {
        return HEAD + "rule \"" + name + "\"\n    @segment(\"" + name + "\")\nwhen\n    $p : Person(" + constraint
                + ")\nthen\n    insertLogical(new Qualified(\"" + name + "\", $p.id()));\nend\n";
    }

    /** {@code line3} at line 3, then a harmless rule. */
    static String top(String name, String line3) {
        return "package cohort.segments;\nimport io.cohort.model.*;\n" + line3 + "\n" + rhs(name, null, "").substring(HEAD.length());
    }

    /** Java statements an attacker would run, each a way out of the sandbox. */
    private static final Map<String, String> CODE = new LinkedHashMap<>();

    static {
        CODE.put("system-exit", "System.exit(1);");
        CODE.put("runtime-exec", "try { Runtime.getRuntime().exec(\"touch /tmp/cohort-pwned\"); } catch (Exception e) {}");
        CODE.put("process-builder", "try { new ProcessBuilder(\"id\").start(); } catch (Exception e) {}");
        CODE.put("process-handle", "ProcessHandle.current().destroy();");
        CODE.put("mvel-eval", "Object r = org.mvel2.MVEL.eval(\"Runtime.getRuntime().exec('id')\");");
        CODE.put("print-writer", "try { new java.io.PrintWriter(\"/tmp/cohort-pwned\").close(); } catch (Exception e) {}");
        CODE.put("driver-manager", "try { java.sql.DriverManager.getConnection(\"jdbc:h2:mem:x\"); } catch (Exception e) {}");
        CODE.put("integer-getinteger", "Integer i = Integer.getInteger(\"user.home\");");
        CODE.put("system-getproperty", "String h = System.getProperty(\"user.home\");");
        CODE.put("system-getenv", "String t = System.getenv(\"COHORT_TOKEN\");");
        CODE.put("get-method", "try { $p.getClass().getMethod(\"id\").invoke($p); } catch (Exception e) {}");
        CODE.put("class-forname", "try { Class.forName(\"java.lang.Runtime\"); } catch (Exception e) {}");
        CODE.put("classloader", "try { Person.class.getClassLoader().loadClass(\"java.lang.Runtime\"); } catch (Exception e) {}");
        CODE.put("concat-classname", "try { Class.forName(\"java.lang.Run\" + \"time\"); } catch (Exception e) {}");
        CODE.put("new-thread", "new Thread().start();");
        CODE.put("thread-sleep", "try { Thread.sleep(100000); } catch (Exception e) {}");
        CODE.put("object-wait", "try { synchronized ($p) { $p.wait(); } } catch (Exception e) {}");
        CODE.put("while-true", "while ($p != null) { }");
        CODE.put("for-ever", "int c = 0; for (;;) { c++; if (c < 0) break; }");
        CODE.put("do-while", "int c = 0; do { c++; } while (c > 0);");
        CODE.put("for-each", "for (String s : $p.sources()) { }");
        CODE.put("recursion-lambda", "java.util.function.Function<Integer,Integer> f = null;");
        CODE.put("nio-read", "try { java.nio.file.Files.readString(java.nio.file.Path.of(\"/etc/passwd\")); } catch (Exception e) {}");
        CODE.put("file-reader", "try { new java.io.FileReader(\"/etc/passwd\").read(); } catch (Exception e) {}");
        CODE.put("socket", "try { new java.net.Socket(\"localhost\", 80); } catch (Exception e) {}");
        CODE.put("url", "try { new java.net.URL(\"http://localhost/\").openStream(); } catch (Exception e) {}");
        CODE.put("preferences", "java.util.prefs.Preferences.userRoot().put(\"k\", \"v\");");
        CODE.put("timezone", "java.util.TimeZone.setDefault(null);");
        CODE.put("drools-halt", "drools.getKieRuntime().halt();");
        CODE.put("drools-knowledge-runtime", "drools.getKnowledgeRuntime().halt();");
        CODE.put("kcontext", "kcontext.getKieRuntime().halt();");
        CODE.put("insert", "insert(new Qualified(\"x\", $p.id()));");
        CODE.put("delete", "delete($p);");
        CODE.put("retract", "retract($p);");
        CODE.put("update", "update($p);");
        CODE.put("modify", "modify($p) { setTitle(\"x\") };");
        CODE.put("string-repeat", "String s = \"x\".repeat(400000000);");
        CODE.put("array-alloc", "long[] a = new long[Integer.MAX_VALUE - 8];");
        CODE.put("local-class", "class X { }");
        CODE.put("throw", "if ($p != null) throw new RuntimeException(\"boom\");");
        CODE.put("system-out", "System.out.println($p);");
        CODE.put("script-engine", "new javax.script.ScriptEngineManager().getEngineByName(\"js\");");
        CODE.put("unsafe", "sun.misc.Unsafe u = null;");
        CODE.put("method-handles", "java.lang.invoke.MethodHandles.lookup();");
        CODE.put("gc", "Runtime.getRuntime().gc();");
        CODE.put("shutdown-hook", "Runtime.getRuntime().addShutdownHook(new Thread());");
        CODE.put("jndi", "try { new javax.naming.InitialContext().lookup(\"ldap://x\"); } catch (Exception e) {}");
        CODE.put("object-stream", "try { new java.io.ObjectInputStream(null).readObject(); } catch (Exception e) {}");
        CODE.put("executors", "java.util.concurrent.Executors.newFixedThreadPool(100);");
        CODE.put("completable", "java.util.concurrent.ForkJoinPool.commonPool().submit(new Thread());");
    }

    public static List<Hostile> all() {
        List<Hostile> out = new ArrayList<>();
        // 1. Code in a consequence, as written and hidden.
        CODE.forEach((name, code) -> {
            out.add(new Hostile("rhs-" + name, rhs("a", null, code), 9, !name.equals("modify") && !name.equals("local-class")));
        });
        // Qualified names split by line breaks, comments and spaces (the text scan let these through).
        out.add(new Hostile("split-mvel", rhs("a", null, "Object r = org\n    .mvel2.MVEL.eval(\"1\");"), 9, true));
        out.add(new Hostile("split-new-java-io", rhs("a", null, "try { Object w = new\n    java\n    .io.PrintWriter(\"f\"); } catch (Exception e) {}"), 9, true));
        out.add(new Hostile("split-java-sql", rhs("a", null, "try { java\n    .sql.DriverManager.getConnection(\"jdbc:h2:mem:x\"); } catch (Exception e) {}"), 9, true));
        out.add(new Hostile("split-runtime", rhs("a", null, "try { Runtime\n    .getRuntime()\n    .exec(\"id\"); } catch (Exception e) {}"), 9, true));
        out.add(new Hostile("split-system", rhs("a", null, "System\n    .exit(1);"), 9, true));
        out.add(new Hostile("comment-in-name", rhs("a", null, "java/**/.lang/**/.System.exit(1);"), 9, true));
        out.add(new Hostile("comment-line-in-name", rhs("a", null, "java // x\n    .lang.System.exit(1);"), 9, true));
        out.add(new Hostile("spaced-name", rhs("a", null, "java . lang . System . exit ( 1 );"), 9, true));
        out.add(new Hostile("for-split", rhs("a", null, "int c = 0; for\n    (;;) { c++; if (c < 0) break; }"), 9, true));
        out.add(new Hostile("while-split", rhs("a", null, "int c = 1; while\n    (c > 0) { c++; }"), 9, true));
        out.add(new Hostile("unicode-system", rhs("a", null, "\\u0053ystem.exit(1);"), 9, false));
        out.add(new Hostile("unicode-many-u", rhs("a", null, "\\uuu0053ystem.exit(1);"), 9, false));
        out.add(new Hostile("unicode-newline-in-comment", rhs("a", null, "// harmless \\u000a System.exit(1);"), 9, true));
        out.add(new Hostile("unicode-ends-comment", rhs("a", null, "/* \\u002a/ System.exit(1); /* */"), 9, true));
        out.add(new Hostile("unicode-ends-string", rhs("a", null, "String s = \"\\u0022; System.exit(1); //\";"), 9, true));
        out.add(new Hostile("unicode-in-condition", constraint("a", "title == \"\\u0041\""), 7, true));
        out.add(new Hostile("text-block", rhs("a", null, "String s = \"\"\"\n    hi\n    \"\"\"; System.exit(1);"), 9, true));
        out.add(new Hostile("cr-ends-comment", rhs("a", null, "// note\r System.exit(1);"), 9, false));
        out.add(new Hostile("string-concat-forname", rhs("a", null, "String n = \"java.lang.\" + \"Runtime\";"), 9, true));
        out.add(new Hostile("qualified-in-new", rhs("a", null, "insertLogical(new io.cohort.model.Qualified(\"a\", $p.id()));"), 9, true));
        out.add(new Hostile("insert-logical-other-type", rhs("a", null, "insertLogical(new java.util.ArrayList());"), 9, true));
        out.add(new Hostile("insert-logical-expression", rhs("a", null, "insertLogical(new Qualified(\"a\", $p.id() + \"x\".repeat(99)));"), 9, true));
        out.add(new Hostile("insert-logical-call", rhs("a", null, "insertLogical(new Qualified(\"a\", String.valueOf(System.nanoTime())));"), 9, true));
        out.add(new Hostile("insert-logical-ternary", rhs("a", null, "insertLogical(new Qualified(\"a\", $p.id() == null ? \"x\" : $p.id()));"), 9, true));
        out.add(new Hostile("other-segment", rhs("a", null, "insertLogical(new Qualified(\"high-value-new-product\", $p.id()));"), 9, true));
        out.add(new Hostile("other-person", lhs("a", "Person($q : id)").replace("insertLogical(new Qualified(\"a\", $p.id()))",
                "insertLogical(new Qualified(\"a\", $q))"), 8, true));
        out.add(new Hostile("drools-variable", rhs("a", null, "drools.insertLogical(new Qualified(\"a\", $p.id()));"), 9, true));
        out.add(new Hostile("mvel-dialect", rhs("a", "dialect \"mvel\"", "java.lang.System.exit(1);"), 5, true));
        out.add(new Hostile("mvel-until", rhs("a", "dialect \"mvel\"", "i = 1; until (i < 0) { i = i + 1; }"), 5, false));
        out.add(new Hostile("mvel-class-property", rhs("a", "dialect \"mvel\"", "$p.class.getClassLoader();"), 5, true));
        // 2. Conditions.
        out.add(new Hostile("eval-runtime", lhs("a", "eval(Runtime.getRuntime() != null)"), 8, true));
        out.add(new Hostile("eval-fib", HEAD + "function int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
                + "rule \"a\" @segment(\"a\")\nwhen\n    $p : Person()\n    eval(fib(90) > 0)\nthen\n    insertLogical(new Qualified(\"a\", $p.id()));\nend\n", 4, true));
        out.add(new Hostile("eval-getclass", lhs("a", "eval($p.getClass() != null)"), 8, true));
        out.add(new Hostile("eval-system", lhs("a", "eval(System.currentTimeMillis() > 0)"), 8, true));
        out.add(new Hostile("constraint-getinteger", constraint("a", "Integer.getInteger(\"x\") != null"), 7, true));
        out.add(new Hostile("constraint-system-getenv", constraint("a", "System.getenv(\"COHORT_TOKEN\") != null"), 7, true));
        out.add(new Hostile("constraint-getclass", constraint("a", "this.getClass() != null"), 7, true));
        out.add(new Hostile("constraint-field-getclass", constraint("a", "title.getClass() != null"), 7, true));
        out.add(new Hostile("constraint-repeat", constraint("a", "title.repeat(400000000) != null"), 7, true));
        out.add(new Hostile("constraint-map-clear", constraint("a", "attributes.size() >= 0 && attributes.clear() == null"), 7, false));
        out.add(new Hostile("constraint-new", constraint("a", "new java.io.File(\"/etc/passwd\").exists()"), 7, true));
        out.add(new Hostile("constraint-new-string", constraint("a", "new String(\"x\") == title"), 7, true));
        out.add(new Hostile("constraint-mvel-map", constraint("a", "attributes[\"x\"] == \"y\""), 7, true));
        out.add(new Hostile("constraint-cast", constraint("a", "((Object) title) != null"), 7, true));
        out.add(new Hostile("constraint-assign", constraint("a", "title = \"x\""), 7, false));
        out.add(new Hostile("constraint-lambda", constraint("a", "sources.stream().anyMatch(s -> true)"), 7, false));
        out.add(new Hostile("constraint-split-qualified", constraint("a", "java\n        .lang.System.getenv(\"X\") != null"), 7, false));
        out.add(new Hostile("constraint-static-field", constraint("a", "java.io.File.separator != null"), 7, true));
        out.add(new Hostile("constraint-unbound", constraint("a", "id == $nobody"), 7, false));
        out.add(new Hostile("constraint-class-literal", constraint("a", "String.class != null"), 7, true));
        out.add(new Hostile("constraint-tostring-chain", constraint("a", "sources.toString().getBytes() != null"), 7, true));
        out.add(new Hostile("constraint-instanceof", constraint("a", "title instanceof String"), 7, true));
        // The sandbox puts Deadline.ok($x) in every join (the time budget inside matching): only it may.
        out.add(new Hostile("constraint-deadline", constraint("a", "io.cohort.engine.sandbox.Deadline.ok(title)"), 7, true));
        out.add(new Hostile("constraint-deadline-start", constraint("a", "io.cohort.engine.sandbox.Deadline.start(0L) != null"), 7, true));
        out.add(new Hostile("join-deadline", lhs("a", "AccountPerson(personId == $p.id, io.cohort.engine.sandbox.Deadline.ok($p))"), 8, true));
        out.add(new Hostile("eval-deadline", lhs("a", "eval(io.cohort.engine.sandbox.Deadline.ok($p))"), 8, true));
        // Rules match with RE2 (LinearRegex): what made Java's matcher backtrack ((a+)+b, .*.*.*x) is
        // accepted now (LinearRegexTest); refused is what RE2 cannot run in linear time or would
        // compile too large.
        out.add(new Hostile("regex-large-counts", constraint("a", "title matches \".{0,1000}.{0,1000}.{0,1000}\""), 7, true));
        out.add(new Hostile("regex-nested-counts", constraint("a", "title matches \"((a{10}){10}){10}\""), 7, true));
        out.add(new Hostile("regex-lookahead", constraint("a", "title matches \"(?=.*cto).*\""), 7, true));
        out.add(new Hostile("regex-possessive", constraint("a", "title matches \"a*+b\""), 7, true));
        out.add(new Hostile("regex-on-number", constraint("a", "title.length() matches \"1.*\""), 7, false));
        out.add(new Hostile("regex-dynamic", constraint("a", "title matches lastName"), 7, true));
        out.add(new Hostile("regex-backref", constraint("a", "title matches \"(a)\\\\1\""), 7, true));
        out.add(new Hostile("soundslike", constraint("a", "title soundslike \"chief\""), 7, true));
        out.add(new Hostile("temporal-after", lhs("a", "$c : Campaign() Campaign(this after $c)"), 8, false));
        out.add(new Hostile("from-getenv", lhs("a", "$x : Object() from System.getenv().values()"), 8, true));
        out.add(new Hostile("from-new-list", lhs("a", "$x : String() from new java.util.ArrayList()"), 8, true));
        out.add(new Hostile("from-method", lhs("a", "$x : String() from $p.attributes.keySet()"), 8, true));
        out.add(new Hostile("from-entry-point", lhs("a", "Opportunity() from entry-point \"x\""), 8, true));
        // Events have no id to join on: two 'from's on one chain match every event with every event
        // (4 over 150 events ran a 1 GB heap out of memory before any rule fired, so no budget saw it).
        out.add(new Hostile("from-cross-product", lhs("a", "$a : Activity(personId == $p.id)\n    $e : Event() from $a.events\n    "
                + "Event() from $a.events"), 10, true));
        out.add(new Hostile("from-cross-product-accumulate", lhs("a", "$a : Activity(personId == $p.id)\n    accumulate(Event() "
                + "from $a.events and Event() from $a.events and Event() from $a.events; $n : count(); $n < 0)"), 9, true));
        out.add(new Hostile("from-cross-product-nested", lhs("a", "$a : Activity(personId == $p.id)\n    $e : Event() from $a.events\n    "
                + "not (Event(eventType != $e.eventType) from $a.events)"), 10, true));
        out.add(new Hostile("from-cross-product-after-or", lhs("a", "$a : Activity(personId == $p.id)\n    "
                + "(Event(eventType == \"x\") from $a.events or Event(eventType == \"y\") from $a.events)\n    "
                + "Event() from $a.events"), 10, true));
        out.add(new Hostile("from-window", lhs("a", "$o : Opportunity() over window:length(3)"), 8, false));
        out.add(new Hostile("accumulate-code", lhs("a", "$t : Number() from accumulate(Opportunity($amt : amount), "
                + "init(double t = 0; System.exit(1);), action(t += $amt;), result(t))"), 8, true));
        out.add(new Hostile("accumulate-unknown-function", lhs("a", "accumulate(AccountPerson(personId == $p.id); $n : exec(); $n > 0)"), 8, false));
        out.add(new Hostile("query-call", lhs("a", "?myQuery($p;)"), 8, false));
        out.add(new Hostile("positional", lhs("a", "AccountPerson($a, $p.id;)"), 8, false));
        out.add(new Hostile("unknown-type", lhs("a", "java.io.File()"), 8, false));
        out.add(new Hostile("runtime-type", lhs("a", "Runtime()"), 8, false));
        out.add(new Hostile("object-type", lhs("a", "Object()"), 8, false));
        out.add(new Hostile("named-consequence", lhs("a", "do[x]"), 8, false));
        // 3. Resource exhaustion: cross products and reach.
        out.add(new Hostile("cross-product-people", lhs("a", "Person()\n    Person()"), 8, true));
        out.add(new Hostile("cross-product-accounts", lhs("a", "Account(industry == \"x\")"), 8, true));
        out.add(new Hostile("cross-product-not", lhs("a", "not Opportunity(won)"), 8, true));
        out.add(new Hostile("cross-product-exists", lhs("a", "exists Account()"), 8, true));
        out.add(new Hostile("cross-product-accumulate", lhs("a", "accumulate(Opportunity(won, $x : amount); $t : sum($x); $t > 0)"), 8, true));
        out.add(new Hostile("cross-product-inequality", lhs("a", "Person(id != $p.id)"), 8, true));
        out.add(new Hostile("cross-product-campaign-members", lhs("a", "CampaignMember(personId == $p.id, $c : campaignId)\n    "
                + "CampaignMember(campaignId == $c)"), 9, true));
        out.add(new Hostile("cross-product-forall", lhs("a", "forall(Opportunity(won))"), 8, true));
        out.add(new Hostile("three-steps", lhs("a", "AccountPerson(personId == $p.id, $a : accountId)\n    "
                + "AccountPerson(accountId == $a, $q : personId)\n    AccountPerson(personId == $q, $b : accountId)\n    "
                + "Account(id == $b, industry == \"x\")"), 10, true));
        out.add(new Hostile("join-wrong-entity", lhs("a", "Account(id == $p.id)"), 8, true));
        out.add(new Hostile("start-from-link", HEAD + "rule \"a\" @segment(\"a\")\nwhen\n    AccountPerson($pid : personId)\n    $p : Person(id == $pid)\nthen\n    insertLogical(new Qualified(\"a\", $p.id()));\nend\n", 6, true));
        out.add(new Hostile("segment-from-account", HEAD + "rule \"a\" @segment(\"a\")\nwhen\n    $a : Account()\nthen\nend\n", 4, true));
        out.add(new Hostile("cyclic-derivation", HEAD + "declare Loop\n    accountId : String @key\n    n : int\nend\n"
                + "rule \"seed\"\nwhen\n    $a : Account()\nthen\n    insertLogical(new Loop($a.id(), 1));\nend\n"
                + "rule \"loop\"\nwhen\n    $l : Loop()\nthen\n    insertLogical(new Loop($l.getAccountId(), $l.getN()));\nend\n", 14, true));
        out.add(new Hostile("derived-without-id", HEAD + "declare Flag\n    name : String\nend\n"
                + "rule \"flag\"\nwhen\n    $p : Person()\nthen\n    insertLogical(new Flag(\"x\"));\nend\n", 11, true));
        out.add(new Hostile("ballast", HEAD + "declare Ballast\n    personId : String @key\n    s : String\nend\n"
                + "rule \"ballast\"\nwhen\n    $p : Person()\nthen\n    insertLogical(new Ballast($p.id(), \"x\".repeat(400000000)));\nend\n", 12, true));
        // Size without brackets: each overflowed the stack of the thread compiling the rules (a
        // StackOverflowError out of the compiler: a 500 from validate, a reload with no status, a
        // start that failed instead of serving the last good rules) or held it for a minute.
        out.add(new Hostile("chain-operators", constraint("a", "title.length() < " + "1 + ".repeat(20_000) + "1"), 7, false));
        out.add(new Hostile("chain-calls", constraint("a", "title" + ".trim()".repeat(20_000) + " == \"a\""), 7, false));
        out.add(new Hostile("chain-concat", constraint("a", "title == " + "title + ".repeat(20_000) + "title"), 7, false));
        out.add(new Hostile("chain-consequence", rhs("a", null, "insertLogical(new Qualified(\"a\", $p.id()"
                + " + $p.id()".repeat(3_000) + "));"), 9, false));
        out.add(new Hostile("chain-consequence-deeper", rhs("a", null, "insertLogical(new Qualified(\"a\", $p.id()"
                + " + $p.id()".repeat(20_000) + "));"), 9, false));
        out.add(new Hostile("chain-and", constraint("a", "title == \"a\" && ".repeat(3_000) + "true"), 7, false));
        out.add(new Hostile("chain-or-patterns", lhs("a", "Activity(personId == $p.id) or ".repeat(1_100) + "Activity(personId == $p.id)"), 8, false));
        out.add(new Hostile("long-in-list", constraint("a", "title in (" + "\"a long title value\", ".repeat(2_100) + "\"x\")"), 7, false));
        // 2,000 conditions per rule: $p : Person() is one, each Activity(personId == $p.id) two, so
        // the 1,000th Activity pattern (line 8 + 999) is the 2,001st.
        out.add(new Hostile("many-patterns", lhs("a", "Activity(personId == $p.id)\n    ".repeat(1_050) + "Activity(personId == $p.id)"), 1007, false));
        out.add(new Hostile("nesting", constraint("a", "(".repeat(3000) + "true" + ")".repeat(3000)), 7, false));
        // 4. The file's top level.
        out.add(new Hostile("import-function", top("a", "import function java.lang.System.exit;"), 3, true));
        out.add(new Hostile("import-static", top("a", "import static java.lang.System.exit;"), 3, true));
        out.add(new Hostile("import-io", top("a", "import java.io.File;"), 3, true));
        out.add(new Hostile("import-deadline", top("a", "import io.cohort.engine.sandbox.Deadline;"), 3, true));
        out.add(new Hostile("import-split", top("a", "import java\n    .io.File;"), 3, false));
        out.add(new Hostile("import-reflect", top("a", "import java.lang.reflect.*;"), 3, true));
        out.add(new Hostile("import-drools", top("a", "import org.drools.core.common.InternalFactHandle;"), 3, true));
        out.add(new Hostile("import-accumulate", top("a", "import accumulate java.lang.Object evil;"), 3, false));
        out.add(new Hostile("global", top("a", "global java.util.List sink;"), 3, true));
        out.add(new Hostile("function", top("a", "function void boom() { System.exit(1); }"), 3, true));
        out.add(new Hostile("function-recursive", top("a", "function int f(int n) { return f(n + 1); }"), 3, true));
        out.add(new Hostile("query", top("a", "query \"all\" $p : Person() end"), 3, true));
        out.add(new Hostile("declare-file-field", top("a", "declare Evil f : java.io.File end"), 3, true));
        out.add(new Hostile("declare-init", top("a", "declare Evil f : String = System.getenv(\"X\") end"), 3, true));
        out.add(new Hostile("declare-extends", top("a", "declare Evil extends Person end"), 3, false));
        out.add(new Hostile("declare-role-event", top("a", "declare Evil @role(event) personId : String end"), 3, true));
        out.add(new Hostile("declare-model-type", top("a", "declare Person end"), 3, false));
        out.add(new Hostile("declare-enum", top("a", "declare enum Evil A, B; end"), 3, true));
        out.add(new Hostile("entry-point-declaration", top("a", "declare entry-point X end"), 3, true));
        out.add(new Hostile("window-declaration", top("a", "declare window W Person() over window:length(10) end"), 3, false));
        out.add(new Hostile("package-java-lang", "package java.lang;\nimport io.cohort.model.*;\n" + rhs("a", null, "").substring(HEAD.length()), 1, false));
        out.add(new Hostile("package-other", "package cohort.other;\nimport io.cohort.model.*;\n" + rhs("a", null, "").substring(HEAD.length()), 1, true));
        out.add(new Hostile("package-dialect-mvel", top("a", "dialect \"mvel\""), 3, true));
        out.add(new Hostile("unit", top("a", "unit Evil;"), 3, false));
        // 5. Rule attributes and annotations.
        for (String attr : List.of("timer (int: 1s)", "calendars \"weekdays\"", "duration 1000", "date-effective \"1-Jan-2020\"",
                "date-expires \"1-Jan-2030\"", "no-loop", "lock-on-active", "agenda-group \"x\"", "activation-group \"x\"",
                "ruleflow-group \"x\"", "auto-focus", "salience (System.nanoTime() > 0 ? 1 : 0)", "enabled (System.exit(1) == null)")) {
            String n = "attr-" + attr.split("[ (]")[0];
            out.add(new Hostile(n, rhs("a", attr, ""), 5, !attr.startsWith("enabled") && !attr.startsWith("salience")));
        }
        out.add(new Hostile("annotation-propagation", rhs("a", "@Propagation(IMMEDIATE)", ""), 5, true));
        out.add(new Hostile("annotation-expression", rhs("a", "@segmentName(System.getenv(\"X\"))", ""), 5, false));
        out.add(new Hostile("rule-extends", HEAD + "rule \"base\" @segment(\"base\")\nwhen\n    $p : Person()\nthen\n"
                + "    insertLogical(new Qualified(\"base\", $p.id()));\nend\nrule \"child\" extends \"base\" @segment(\"child\")\n"
                + "when\n    Account()\nthen\n    insertLogical(new Qualified(\"child\", $p.id()));\nend\n", 10, true));
        out.add(new Hostile("segment-id-path", rhs("a", null, "").replace("@segment(\"a\")", "@segment(\"../../etc/passwd\")"), 5, false));
        out.add(new Hostile("rule-name-huge", rhs("x".repeat(5_000), null, "").replace("@segment(\"" + "x".repeat(5_000) + "\")",
                "@segment(\"huge\")").replace("new Qualified(\"" + "x".repeat(5_000) + "\"", "new Qualified(\"huge\""), 4, true));
        out.add(new Hostile("control-character", rhs("a", null, "\u0000"), 9, false));
        return out;
    }
}
