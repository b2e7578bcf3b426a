/*
 * fuzz_date.c: libFuzzer harness for the date parser (date_parse) and the API's date
 * rule (validate_date), which see every check_in, check_out, from and to a client
 * sends, in JSON bodies and in query strings.
 *
 * Properties checked besides memory safety: a date that parses formats back to the
 * same ten bytes; validate_date accepts exactly the parsed dates within
 * 2000-01-01..2100-12-31 and leaves *day alone when it refuses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "server/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size heap copy, so that ASan sees any read past len */
    char *s = malloc(size ? size : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);

    int32_t day = -1, vday = -7;
    const char *why = NULL;
    int rc = date_parse(s, size, &day);
    int vrc = validate_date(s, size, &vday, &why);
    if (rc == 0) {
        char out[DATE_TEXT_LEN + 1];
        date_format(day, out);
        if (size != DATE_TEXT_LEN || memcmp(out, s, DATE_TEXT_LEN) != 0)
            abort(); /* parse and format disagree */
        int in_range = day >= date_from_ymd(2000, 1, 1) && day <= date_from_ymd(2100, 12, 31);
        if ((vrc == 0) != in_range || (vrc == 0 && vday != day))
            abort();
    } else if (vrc == 0 || day != -1) {
        abort(); /* validate_date took what date_parse refused, or *day was written */
    }
    if (vrc != 0 && (vday != -7 || why == NULL || why[0] == '\0'))
        abort();
    free(s);
    return 0;
}
