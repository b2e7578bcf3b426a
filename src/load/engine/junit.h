/*
 * junit.h: a run's thresholds and verification checks as JUnit XML, for CI.
 *
 * Two test suites: "thresholds", one test case per threshold (named "SERIES: EXPR"),
 * and "verification", one test case per verification figure that must be 0 (result.h).
 * A failed case carries a <failure> whose message gives the observed value, so a CI
 * page shows which one failed and by how much. Strings are escaped for XML.
 */
#ifndef LASTROOM_LOAD_ENGINE_JUNIT_H
#define LASTROOM_LOAD_ENGINE_JUNIT_H

#include <stddef.h>
#include <stdio.h>

#include "load/engine/result.h"

/* junit_write: the XML of r to out. Returns 0, or -1 when writing failed. */
int junit_write(FILE *out, const struct result *r);
/* junit_write_file: junit_write into path (whole or not at all). Returns 0, or -1 with
 * a message naming path in err. */
int junit_write_file(const char *path, const struct result *r, char *err, size_t errlen);

#endif
