/*
 * fuzz_result.c: libFuzzer harness for summary files read back by `lastroom-load
 * report` and `compare` (result.c), and for what is drawn from them (report.c,
 * chart.c, junit.c, compare.c).
 *
 * Input: the bytes of a summary file. Properties: a document the reader accepts can be
 * rendered as HTML and JUnit without fault, with every '<' of its strings escaped (no
 * "<script" reaches the page); compared with itself it shows no regression; merged
 * with itself its histograms hold twice the samples. A refusal writes a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/engine/compare.h"
#include "load/engine/junit.h"
#include "load/engine/report.h"
#include "load/engine/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const struct result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    report_write(f, r);
    junit_write(f, r);
    fclose(f);
    FILE *table = fopen("/dev/null", "w"); /* compare prints plain text */
    if (table && compare_runs(table, r, r, 0.1, (char[64]){ 0 }, 64) != 0)
        abort(); /* a run is no regression of itself */
    if (table)
        fclose(table);
    if (text && memmem(text, len, "<script", 7))
        abort(); /* a string from the file was not escaped */
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    struct result *r = result_from_doc(doc, err, sizeof err);
    struct result *twin = r ? result_from_doc(doc, err, sizeof err) : NULL;
    json_decref(doc);
    if (!r) {
        if (err[0] == '\0')
            abort(); /* a refusal says why */
        return 0;
    }
    render(r);
    if (twin && result_merge(twin, r, err, sizeof err) == 0)
        for (int i = 0; i < r->n; i++)
            if (r->s[i].hist
                && hist_count(result_find(twin, r->s[i].name)->hist)
                       != 2 * hist_count(r->s[i].hist))
                abort();
    result_free(twin);
    result_free(r);
    return 0;
}
