package io.cohort.api.resources;

import io.cohort.api.error.ApiException;
import io.cohort.auth.Role;
import io.cohort.engine.Evaluator;
import io.cohort.engine.RuleFiles;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuntimeIssue;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * GET /v1/rules/files/{file}: one rule file as it is in the rules directory now, with the last
 * reload's compile messages and the run-time issues that point into it, so a reader sees each
 * error at its line. A file that is not UTF-8 text is shown with U+FFFD where its bytes are not,
 * and the error at the first bad byte; one that cannot be read, with its error. Only names of rule files found
 * in the directory are served (looked up in the directory listing, never resolved as a path).
 */
@Path("/v1/rules/files/{file: .+}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.ANALYST, Role.READER, Role.OPERATOR})
public class RuleSourceResource {
    private final RuleService rules;
    private final java.util.function.Supplier<List<RuntimeIssue>> issues;

    /**
     * @param messages         the last reload's messages about this file (errors and warnings)
     * @param lastReloadFailed true when the last reload of the directory failed: the running rules
     *                         are the previous version and may differ from this text
     */
    public record RuleFile(String file, String source, List<RuleMessage> messages, boolean lastReloadFailed,
                           Instant lastAttempt, String activeVersion, List<RuntimeIssue> runtimeIssues) {}

    public RuleSourceResource(RuleService rules, Evaluator evaluator) {
        this(rules, () -> evaluator.stats().issues());
    }

    /** @param issues run-time issues of the running rules */
    public RuleSourceResource(RuleService rules, java.util.function.Supplier<List<RuntimeIssue>> issues) {
        this.rules = rules;
        this.issues = issues;
    }

    @GET
    public RuleFile file(@PathParam("file") String file) {
        RuleFiles files = rules.files();
        String source = files.texts().get(file);
        if (source == null) {
            throw ApiException.notFound("no rule file '" + file + "' in the rules directory; files: " + files.texts().keySet());
        }
        RuleService.Status s = rules.status();
        List<RuleMessage> messages = new ArrayList<>(s.messages().stream().filter(m -> file.equals(m.file())).toList());
        // The source shown has U+FFFD in place of bytes that are not UTF-8, or is empty for a file
        // that cannot be read: say why, even before a reload has.
        RuleMessage problem = files.problems().get(file);
        if (problem != null && !messages.contains(problem)) messages.add(0, problem);
        return new RuleFile(file, source, List.copyOf(messages), s.lastReloadFailed(), s.lastAttempt(), s.activeVersion(),
                issues.get().stream().filter(i -> file.equals(i.file())).toList());
    }
}
