/*
 * mergecmd.h: `lastroom-load merge`: the parts of a test split in execution segments
 * (segment.h) made into one run, with one verdict.
 *
 *   lastroom-load merge [--db URL] [--history FILE]... PART.json...
 */
#ifndef LASTROOM_LOAD_MERGECMD_H
#define LASTROOM_LOAD_MERGECMD_H

/* mergecmd_run: `merge` with its arguments (after the word). Reads every part's summary
 * export, refuses parts of different scenarios, seeds or sequences, parts that overlap,
 * a missing part (naming the segment no part covers) and an unreadable or truncated one
 * (naming the file); adds the parts' series up (percentiles from the merged
 * histograms), judges every threshold on the merge, verifies the histories together
 * against --db and prints the summary and the verdict block. Returns 0 (every
 * threshold and check passed), 99 (one failed), 1 (a part or history missing or
 * unreadable, or the verification could not be made: no verdict) or 2 (usage). */
int mergecmd_run(int argc, char **argv);

#endif
