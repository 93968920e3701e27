package io.cohort.ops;

import io.cohort.engine.RuleService;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** POST /tasks/reload-rules: recompile the rules directory now; prints the outcome. */
public final class ReloadRulesTask extends CheckedTask {
    private final RuleService rules;

    public ReloadRulesTask(RuleService rules) {
        super("reload-rules");
        this.rules = rules;
    }

    @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

    @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) {
        var s = rules.reload();
        if (s.lastReloadFailed()) {
            throw TaskRefusal.unprocessable("NOT applied; still serving " + s.activeVersion(), "rules",
                    s.messages().stream().map(Object::toString).toList());
        }
        out.println("applied " + s.activeVersion());
    }
}
