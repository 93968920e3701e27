package io.cohort.engine;

import java.net.URL;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parent Drools compiles rules under: the application's class loader, remembering the names
 * it did not find. Compiling a rule set asks for hundreds of classes that do not exist (every
 * type name tried against every import, MVEL's inner-class guesses, the Java compiler's package
 * probes), and each miss walks the whole class path before it throws: with the test suite's ~300
 * jars, 41% of its JVMs' CPU samples were in class loading, most of it such misses (benchmarks.md,
 * round 41). The application's class path does not change while it runs, so a miss stays a miss;
 * classes Drools generates live in its own loaders below this one.
 */
final class MissCachingClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    /** The application's: its misses hold for every compile. */
    static final MissCachingClassLoader OF_APPLICATION = new MissCachingClassLoader(RuleCompiler.class.getClassLoader());

    /**
     * Names come from rule files (a type an analyst misspelt, MVEL's guesses from their
     * identifiers): past this many a miss is no longer remembered, so hostile drafts cannot grow
     * the sets without bound. The shipped rules miss ~650 names.
     */
    static final int REMEMBERED = 50_000;

    private final Set<String> missingClasses = ConcurrentHashMap.newKeySet();
    private final Set<String> missingResources = ConcurrentHashMap.newKeySet();

    private MissCachingClassLoader(ClassLoader parent) {
        super("cohort-rules-parent", parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (missingClasses.contains(name)) throw new Missing(name);
        try {
            return super.loadClass(name, resolve);
        } catch (ClassNotFoundException e) {
            if (missingClasses.size() < REMEMBERED) missingClasses.add(name);
            throw e;
        }
    }

    /** Class files only (the Java compiler's probes): other resources are few and read once. */
    @Override
    public URL getResource(String name) {
        if (!name.endsWith(".class")) return super.getResource(name);
        if (missingResources.contains(name)) return null;
        URL found = super.getResource(name);
        if (found == null && missingResources.size() < REMEMBERED) missingResources.add(name);
        return found;
    }

    /** How many misses are remembered (classes, class files): for tests and the curious. */
    int[] remembered() {
        return new int[] {missingClasses.size(), missingResources.size()};
    }

    /** Thrown for a miss remembered: without a stack trace, which costs more than the lookup now does. */
    private static final class Missing extends ClassNotFoundException {
        Missing(String name) {
            super(name);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
