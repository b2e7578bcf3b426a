/*
 * vm.h: the Lua runtime of scripted tests: one interpreter (lua_State) per event-loop
 * thread and one for the main thread, one coroutine per VU.
 *
 * A state is created sandboxed (no io, os.execute, debug, loading code from disk;
 * load() takes text only), with a memory cap (its allocator refuses past mem_max) and
 * an instruction-count hook (code that runs steps_max instructions without yielding is
 * stopped with an error), and the script's top level is run in it (the init context).
 * Afterwards its globals are frozen: assigning any global is an error naming lr.vu.state.
 */
#ifndef LASTROOM_LOAD_SCRIPT_VM_H
#define LASTROOM_LOAD_SCRIPT_VM_H

#include <stddef.h>

#include "load/script/script_int.h"

/* vm_state_new: a state for thread (-1: the main thread) with the script run in it.
 * Returns NULL with "file:line: message" in err when the script does not compile or its
 * top level fails (*syntax set for a compile error), or no memory. */
struct script_state *vm_state_new(struct script *s, int thread, bool *syntax, char *err,
                                  size_t errlen);
void vm_state_free(struct script_state *st);

/* vm_global: push the frozen global called name (nil when absent). */
void vm_global(struct script_state *st, const char *name);

/* vm_pcall: call the function on the stack under it with nargs arguments (as
 * lua_pcall, with the instruction budget reset). Returns 0 (nres results pushed), or
 * -1 with the error and a traceback in err (stack left balanced). */
int vm_pcall(struct script_state *st, int nargs, int nres, char *err, size_t errlen);

/* vm_vu_init: v's coroutine and lr.vu.state table in st. Returns 0, or -1 (no memory). */
int vm_vu_init(struct script_state *st, struct script_vu *v, struct lr_vu *vu);

/* vm_step: the scenario's step for a script VU (scenario.h): start an iteration
 * (resp NULL) or resume it with resp; answer what the coroutine yielded for. A runtime
 * error ends the iteration as LR_STEP_ABORT, its message noted for the summary. */
enum lr_step vm_step(struct script_vu *v, const struct lr_response *resp, struct lr_request *req);

#endif
