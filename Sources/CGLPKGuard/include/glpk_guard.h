#ifndef OPENDRS_GLPK_GUARD_H
#define OPENDRS_GLPK_GUARD_H
#include <glpk.h>

/*
 * GLPK ends the process (abort) when it meets an internal error or an invalid argument. These
 * wrappers run a GLPK call under an error hook that jumps back here instead: the call returns
 * and *failed is set to 1. After a failure GLPK's environment of the calling thread has been
 * freed (as GLPK requires before the jump), so every problem object of that thread is gone:
 * compare opendrs_glpk_generation() before and after to know whether a problem may still be
 * deleted. Callers validate their input first; the guard is the last line, not the first.
 */

/* Turns GLPK's terminal output off on the calling thread and sends whatever GLPK still prints
   (its error messages, which it prints whatever the setting) to standard error instead of
   standard output, which carries the plan. GLPK keeps both settings in its per-thread
   environment, which a failure frees: every guarded call sets them again. */
void opendrs_glpk_quiet(void);

/* glp_simplex under the guard (GLPK made quiet first). */
int opendrs_guarded_simplex(glp_prob *problem, const glp_smcp *parameters, int *failed);

/* glp_intopt under the guard. A failure inside the branch-and-cut callback also lands here;
   frames of the callback are then left without unwinding (their memory is leaked, once). */
int opendrs_guarded_intopt(glp_prob *problem, const glp_iocp *parameters, int *failed);

/* Number of GLPK failures caught on the calling thread so far. */
unsigned long opendrs_glpk_generation(void);

/* Makes GLPK fail on purpose under the guard (a column index out of range); returns 1 when the
   guard caught the failure and the thread can go on using GLPK. GLPK's error message goes to
   standard error. For tests. */
int opendrs_glpk_provoke_failure(void);

/* Makes the next guarded call on the calling thread fail inside GLPK (a column index out of
   range, under the guard), as an internal GLPK error would. For tests. */
void opendrs_glpk_fail_next_call(void);

#endif
