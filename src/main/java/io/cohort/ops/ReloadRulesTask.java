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

    @Override public void execute(Map<String, List<String>> parameters, PrintWriter out) {
        var s = rules.reload();
        if (s.lastReloadFailed()) {
            out.println("NOT applied; still serving " + s.activeVersion());
            s.messages().forEach(out::println);
        } else {
            out.println("applied " + s.activeVersion());
        }
    }
}
