/*
 * fuzz_fault.c: libFuzzer harness for lastroom-faultproxy's control-line parser
 * (fault_parse), which reads every line sent to the control port or FIFO.
 *
 * Properties checked besides memory safety: a refusal always gives a reason; an
 * accepted mode is within its caps, and written back as a command it parses to the
 * same mode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[256], again[96], err[128];
    struct fault_cmd c, d;

    if (size >= sizeof line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0'; /* a control line ends at its first NUL, as read from the port */
    err[0] = '\0';
    if (fault_parse(line, &c, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort();
        return 0;
    }
    if (c.verb != FAULT_CMD_MODE)
        return 0;
    if (c.mode.delay_ms > FAULT_MAX_DELAY_MS || c.mode.jitter_ms > FAULT_MAX_DELAY_MS)
        abort();
    if (c.mode.kind == FAULT_LATENCY)
        snprintf(again, sizeof again, "mode latency %u %u", c.mode.delay_ms, c.mode.jitter_ms);
    else
        snprintf(again, sizeof again, "mode %s", fault_name(c.mode.kind));
    if (fault_parse(again, &d, err, sizeof err) != 0 || d.verb != FAULT_CMD_MODE
        || memcmp(&c.mode, &d.mode, sizeof c.mode) != 0)
        abort();
    return 0;
}
