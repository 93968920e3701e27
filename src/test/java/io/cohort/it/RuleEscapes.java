package io.cohort.it;

import java.util.ArrayList;
import java.util.List;

/**
 * Rule files an attacker with write access to rules/ might try, each with the line the refusal
 * must point at. {@code compiles} marks those Drools itself accepts (so only the guard stops them).
 */
final class RuleEscapes {
    record Escape(String name, String drl, int line, boolean compiles) {
        String file() { return "escape-" + name + ".drl"; }
    }

    private RuleEscapes() {}

    static final String HEAD = "package cohort.segments;\nimport io.cohort.model.*;\n\n";

    /** A rule whose consequence (line 9) is {@code rhs}. */
    static String rhs(String name, String dialect, String rhs) {
        return HEAD + "rule \"" + name + "\"\n    @segment(\"" + name + "\")" + (dialect == null ? "" : " dialect \"" + dialect + "\"")
                + "\nwhen\n    $p : Person()\nthen\n    " + rhs + "\n    insertLogical(new Qualified(\"" + name + "\", $p.id()));\nend\n";
    }

    /** A rule whose condition (line 7) is {@code lhs}. */
    static String lhs(String name, String lhs) {
        return HEAD + "rule \"" + name + "\"\n    @segment(\"" + name + "\")\nwhen\n    " + lhs
                + "\n    $p : Person()\nthen\n    insertLogical(new Qualified(\"" + name + "\", $p.id()));\nend\n";
    }

    /** Something at line 3, before a harmless rule. */
    static String top(String name, String line3) {
        return "package cohort.segments;\nimport io.cohort.model.*;\n" + line3 + "\n" + rhs(name, null, "").substring(HEAD.length());
    }

    static List<Escape> all() {
        List<Escape> out = new ArrayList<>();
        out.add(new Escape("system-exit", rhs("a", null, "System.exit(1);"), 9, true));
        out.add(new Escape("runtime-exec", rhs("a", null, "try { Runtime.getRuntime().exec(\"touch /tmp/pwned\"); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("process-builder", rhs("a", null, "try { new ProcessBuilder(\"id\").start(); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("process-handle", rhs("a", null, "ProcessHandle.current().destroy();"), 9, true));
        out.add(new Escape("get-method", rhs("a", null, "try { $p.getClass().getMethod(\"id\").invoke($p); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("class-forname", rhs("a", null, "try { Class.forName(\"java.lang.Runtime\"); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("class-literal-loader", rhs("a", null, "try { Person.class.getClassLoader().loadClass(\"java.lang.Runtime\"); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("system-classloader", rhs("a", null, "try { ClassLoader.getSystemClassLoader().loadClass(\"x\"); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("concat-classname", rhs("a", null, "try { Class.forName(\"java.lang.Run\" + \"time\"); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("new-thread", rhs("a", null, "new Thread().start();"), 9, true));
        out.add(new Escape("thread-sleep", rhs("a", null, "try { Thread.sleep(100000); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("object-wait", rhs("a", null, "try { synchronized ($p) { $p.wait(); } } catch (Exception e) {}"), 9, true));
        out.add(new Escape("endless-loop", rhs("a", null, "while ($p != null) { }"), 9, true));
        out.add(new Escape("for-loop", rhs("a", null, "for (int i = 0; i < 1; i += 0) { }"), 9, true));
        out.add(new Escape("nio-read", rhs("a", null, "try { java.nio.file.Files.readString(java.nio.file.Path.of(\"/etc/passwd\")); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("io-read", rhs("a", null, "try { new java.io.FileReader(\"/etc/passwd\").read(); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("socket", rhs("a", null, "try { new java.net.Socket(\"localhost\", 80); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("url", rhs("a", null, "try { new java.net.URL(\"http://localhost/\").openStream(); } catch (Exception e) {}"), 9, true));
        out.add(new Escape("preferences", rhs("a", null, "java.util.prefs.Preferences.userRoot().put(\"k\", \"v\");"), 9, true));
        out.add(new Escape("spaced-qualified", rhs("a", null, "java . util . prefs . Preferences.userRoot().put(\"k\", \"v\");"), 9, true));
        out.add(new Escape("timezone", rhs("a", null, "java.util.TimeZone.setDefault(null);"), 9, true));
        out.add(new Escape("mvel-fqn", rhs("a", "mvel", "java.lang.System.exit(1);"), 9, true));
        out.add(new Escape("mvel-class-property", rhs("a", "mvel", "$p.class.getClassLoader();"), 9, true));
        out.add(new Escape("mvel-bare-class", rhs("a", "mvel", "Person.getClassLoader().loadClass(\"java.lang.Runtime\");"), 9, false));
        out.add(new Escape("import-function", top("a", "import function java.lang.System.exit;"), 3, true));
        out.add(new Escape("import-static", top("a", "import static java.lang.System.exit;"), 3, true));
        out.add(new Escape("import-io", top("a", "import java.io.File;"), 3, true));
        out.add(new Escape("global", top("a", "global java.util.List sink;"), 3, true));
        out.add(new Escape("function-system", top("a", "function void boom() { System.exit(1); }"), 3, true));
        out.add(new Escape("unicode-name", rhs("a", null, "\\u0053ystem.out.println(1);"), 9, false));
        out.add(new Escape("unicode-many-u", rhs("a", null, "\\uuu0053ystem.out.println(1);"), 9, false));
        out.add(new Escape("unicode-newline-in-comment", rhs("a", null, "// harmless \\u000a System.exit(1);"), 9, true));
        out.add(new Escape("unicode-ends-comment", rhs("a", null, "/* \\u002a/ System.exit(1); /* */"), 9, true));
        out.add(new Escape("unicode-ends-string", rhs("a", null, "String s = \"\\u0022; System.exit(1); //\";"), 9, true));
        out.add(new Escape("text-block-ends-then-code", rhs("a", null, "String s = \"\"\"\n    hi\n    \"\"\"; System.exit(1);"), 11, true));
        out.add(new Escape("cr-ends-comment", rhs("a", null, "// note\r System.exit(1);"), 9, false));
        out.add(new Escape("drools-runtime", rhs("a", null, "drools.getKieRuntime().halt();"), 9, true));
        out.add(new Escape("drools-knowledge-runtime", rhs("a", null, "drools.getKnowledgeRuntime().halt();"), 9, true));
        out.add(new Escape("kcontext", rhs("a", null, "kcontext.getKieRuntime().halt();"), 9, true));
        out.add(new Escape("lhs-eval", lhs("a", "eval(Runtime.getRuntime() != null)"), 7, true));
        out.add(new Escape("lhs-from", lhs("a", "$x : Object() from System.getenv().values()"), 7, true));
        out.add(new Escape("salience-expression", rhs("a", null, "").replace("@segment(\"a\")", "@segment(\"a\") salience (System.nanoTime() > 0 ? 1 : 0)"), 5, true));
        out.add(new Escape("declare-file-field", top("a", "declare Evil f : java.io.File end"), 3, true));
        return out;
    }
}
