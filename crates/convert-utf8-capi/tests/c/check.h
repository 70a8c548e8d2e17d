/* Minimal test harness shared by the C test programs: checks that count failures instead of
 * stopping, so one run reports every broken expectation. */
#ifndef CU8_TEST_CHECK_H
#define CU8_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "convert_utf8.h"

static int check_failures = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

/* Checks a cu8_result, naming both codes when they differ. */
#define CHECK_RESULT(expr, expected)                                                   \
    do {                                                                               \
        cu8_result check_got_ = (expr);                                                \
        cu8_result check_want_ = (expected);                                           \
        if (check_got_ != check_want_) {                                               \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__,  \
                    __LINE__, #expr, (int)check_got_, cu8_result_message(check_got_),  \
                    (int)check_want_, cu8_result_message(check_want_));                \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

/* Checks that a buffer holds exactly the expected bytes. */
#define CHECK_BYTES(ptr, len, expected, expected_len)                                  \
    do {                                                                               \
        size_t check_len_ = (len);                                                     \
        size_t check_want_len_ = (expected_len);                                       \
        if (check_len_ != check_want_len_ ||                                           \
            (check_len_ > 0 && memcmp((ptr), (expected), check_len_) != 0)) {          \
            fprintf(stderr, "%s:%d: %s holds %zu bytes, not the %zu expected\n",       \
                    __FILE__, __LINE__, #ptr, check_len_, check_want_len_);            \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

/* Prints the verdict and returns the process exit status. */
static int check_finish(const char *program) {
    if (check_failures > 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", program, check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", program);
    return 0;
}

#endif /* CU8_TEST_CHECK_H */
