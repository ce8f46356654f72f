#include "glpk_guard.h"
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>

/* The jump target of the innermost guarded call on this thread (GLPK's environment is per
   thread, and so is its error hook). */
static _Thread_local jmp_buf *active_jump = NULL;
static _Thread_local unsigned long failures = 0;
/* Set by opendrs_glpk_fail_next_call: the next guarded call fails on purpose. */
static _Thread_local int fail_next = 0;

static void on_glpk_error(void *info) {
    (void)info;
    jmp_buf *target = active_jump;
    failures += 1;
    /* GLPK's state is inconsistent after an error: release the whole environment, then leave. */
    glp_free_env();
    if (target != NULL) longjmp(*target, 1);
}

unsigned long opendrs_glpk_generation(void) { return failures; }

/* Every line GLPK prints reaches this hook, never standard output: with terminal output off that
   is only what GLPK prints on an error (its error path turns terminal output back on before it
   prints the message and calls the error hook). */
static int to_stderr(void *info, const char *text) {
    (void)info;
    fputs(text, stderr);
    return 1;
}

void opendrs_glpk_quiet(void) {
    glp_term_out(GLP_OFF);
    glp_term_hook(to_stderr, NULL);
}

/* One GLPK call under the hook: `call` runs `solve` on `problem` with `parameters`. */
typedef int (*glpk_call)(glp_prob *problem, const void *parameters);

static int guarded(glpk_call call, glp_prob *problem, const void *parameters, int *failed) {
    jmp_buf jump;
    jmp_buf *outer = active_jump;
    volatile int code = 0;
    *failed = 0;
    active_jump = &jump;
    opendrs_glpk_quiet();
    if (setjmp(jump) == 0) {
        glp_error_hook(on_glpk_error, NULL);
        if (fail_next) {
            fail_next = 0;
            glp_set_col_bnds(problem, glp_get_num_cols(problem) + 1, GLP_FX, 0.0, 0.0); /* out of range */
        }
        code = call(problem, parameters);
        /* An enclosing guarded call keeps its hook. */
        glp_error_hook(outer != NULL ? on_glpk_error : NULL, NULL);
    } else {
        *failed = 1;
        code = -1;
    }
    active_jump = outer;
    return code;
}

static int call_simplex(glp_prob *problem, const void *parameters) {
    return glp_simplex(problem, (const glp_smcp *)parameters);
}

static int call_intopt(glp_prob *problem, const void *parameters) {
    return glp_intopt(problem, (const glp_iocp *)parameters);
}

int opendrs_guarded_simplex(glp_prob *problem, const glp_smcp *parameters, int *failed) {
    return guarded(call_simplex, problem, parameters, failed);
}

int opendrs_guarded_intopt(glp_prob *problem, const glp_iocp *parameters, int *failed) {
    return guarded(call_intopt, problem, parameters, failed);
}

void opendrs_glpk_fail_next_call(void) { fail_next = 1; }

int opendrs_glpk_provoke_failure(void) {
    jmp_buf jump;
    jmp_buf *outer = active_jump;
    volatile int caught = 0;
    active_jump = &jump;
    opendrs_glpk_quiet();
    if (setjmp(jump) == 0) {
        glp_error_hook(on_glpk_error, NULL);
        glp_prob *problem = glp_create_prob();
        glp_set_col_bnds(problem, 5, GLP_FX, 0.0, 0.0); /* no column 5: GLPK reports an error */
        glp_error_hook(NULL, NULL);
        glp_delete_prob(problem);
    } else {
        caught = 1;
    }
    active_jump = outer;
    opendrs_glpk_quiet();
    return caught;
}
