/*
 * resultcmd.h: lastroom-load's commands on a run's summary, and the output path check.
 *
 *   lastroom-load report SUMMARY.json -o FILE.html
 *   lastroom-load compare BASE.json NEW.json [--tolerance 10%]
 */
#ifndef LASTROOM_LOAD_RESULTCMD_H
#define LASTROOM_LOAD_RESULTCMD_H

/* Exit statuses (main's). */
enum { RESULTCMD_CANNOT = 1, RESULTCMD_USAGE = 2, RESULTCMD_REGRESSED = 99 };

/* resultcmd_writable: path can be written: its folder exists and is writable, it is
 * not a folder, and an existing file there may be written. Returns 0, or -1 after
 * printing "lastroom-load: WHAT PATH cannot be written (why)". Nothing is created. */
int resultcmd_writable(const char *what, const char *path);

/* resultcmd_report: `report` with its arguments (after the word). Returns 0, 1 (the
 * summary could not be read or the report written) or 2 (usage, unwritable -o). */
int resultcmd_report(int argc, char **argv);

/* resultcmd_compare: `compare` with its arguments. Returns 0 (no regression), 99 (a
 * regression), 1 (a summary could not be read) or 2 (usage, different scenarios). */
int resultcmd_compare(int argc, char **argv);

#endif
