/* cu8_detect: every result code it returns, names that reopen with cu8_decode, byte order
 * marks, declared labels, buffers of every size around the name's (heap buffers of the exact
 * size, so AddressSanitizer sees any write past them), and NULL or overlapping arguments. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

/* "Съешь же ещё этих мягких французских булок, да выпей чаю." in KOI8-R. */
static const char KOI8_R[] =
    "\xf3\xdf\xc5\xdb\xd8 \xd6\xc5 \xc5\xdd\xa3 \xdc\xd4\xc9\xc8 \xcd\xd1\xc7\xcb\xc9\xc8 "
    "\xc6\xd2\xc1\xce\xc3\xd5\xda\xd3\xcb\xc9\xc8 \xc2\xd5\xcc\xcf\xcb, \xc4\xc1 "
    "\xd7\xd9\xd0\xc5\xca \xde\xc1\xc0.";
/* "日本語のテキストです。これはテストです。" in Shift_JIS. */
static const char SHIFT_JIS[] =
    "\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x4c\x83\x58\x83\x67\x82\xc5\x82\xb7\x81\x42"
    "\x82\xb1\x82\xea\x82\xcd\x83\x65\x83\x58\x83\x67\x82\xc5\x82\xb7\x81\x42";
/* "café ✓" in UTF-8. */
static const char UTF8[] = "caf\xc3\xa9 \xe2\x9c\x93";
static const char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06";

/* What one call wrote. */
typedef struct {
    cu8_result result;
    char name[CU8_CHARSET_NAME_SIZE];
    char language[CU8_LANGUAGE_SIZE];
    float confidence;
    size_t bom_len;
} detected;

static detected detect(const char *src, size_t len, const char *declared) {
    detected d;
    memset(&d, '#', sizeof d); /* poison: every value read back must have been written */
    d.result = cu8_detect((const uint8_t *)src, len, declared, d.name, sizeof d.name,
                          &d.confidence, d.language, sizeof d.language, &d.bom_len);
    return d;
}

#define DETECT(src, declared) detect(src, sizeof(src) - 1, declared)

/* Decodes `len` bytes of `src` with the charset `name` and checks that the text starts with
 * `prefix` (UTF-8). */
static void expect_decodes(const char *name, const char *src, size_t len, const char *prefix,
                           int line) {
    uint8_t *dst = NULL;
    size_t dst_len = 0;
    cu8_result r = cu8_decode(name, (const uint8_t *)src, len, CU8_STRICT, &dst, &dst_len, NULL);
    size_t want = strlen(prefix);
    if (r != CU8_OK || dst_len < want || memcmp(dst, prefix, want) != 0) {
        fprintf(stderr, "line %d: %s: %s, or not the text expected\n", line, name,
                cu8_result_message(r));
        check_failures++;
    }
    cu8_free(dst, dst_len);
}

static void charsets_and_languages(void) {
    detected d = DETECT(KOI8_R, NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "KOI8-R") == 0 && strcmp(d.language, "ru") == 0 && d.bom_len == 0);
    CHECK(d.confidence >= CU8_DETECT_THRESHOLD && d.confidence <= 1.0f);
    /* The name opens a decoder: "Съешь". */
    expect_decodes(d.name, KOI8_R, sizeof KOI8_R - 1,
                   "\xd0\xa1\xd1\x8a\xd0\xb5\xd1\x88\xd1\x8c", __LINE__);

    d = DETECT(SHIFT_JIS, NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "SJIS") == 0 && strcmp(d.language, "ja") == 0);
    CHECK(d.confidence >= CU8_DETECT_THRESHOLD && d.confidence <= 1.0f);
    expect_decodes(d.name, SHIFT_JIS, sizeof SHIFT_JIS - 1, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                   __LINE__);

    d = DETECT(UTF8, NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "UTF-8") == 0 && d.bom_len == 0);
    CHECK(d.confidence > 0.5f && d.confidence <= 1.0f);

    d = DETECT("plain ASCII text", NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "ANSI_X3.4-1968") == 0);
    CHECK(d.language[0] == '\0'); /* no language to tell: an empty string */

    /* Empty input may be NULL; every charset reads it, ASCII is named with certainty. */
    char name[CU8_CHARSET_NAME_SIZE];
    float confidence = -1.0f;
    CHECK_RESULT(cu8_detect(NULL, 0, NULL, name, sizeof name, &confidence, NULL, 0, NULL),
                 CU8_OK);
    CHECK(strcmp(name, "ANSI_X3.4-1968") == 0 && confidence == 1.0f);
}

static void byte_order_marks(void) {
    /* UTF-8 keeps its mark as U+FEFF: skip bom_len bytes for the text alone. */
    static const char utf8[] = "\xef\xbb\xbfhi";
    detected d = DETECT(utf8, NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "UTF-8") == 0 && d.bom_len == 3 && d.confidence == 1.0f);
    expect_decodes(d.name, utf8 + d.bom_len, sizeof utf8 - 1 - d.bom_len, "hi", __LINE__);
    /* UTF-16 reads its mark for the byte order and drops it: decode the bytes whole. */
    static const char le[] = "\xff\xfeh\0i\0";
    static const char be[] = "\xfe\xff\0h\0i";
    d = DETECT(le, NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "UTF-16") == 0 && d.bom_len == 2);
    expect_decodes(d.name, le, sizeof le - 1, "hi", __LINE__);
    d = DETECT(be, NULL);
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "UTF-16") == 0 && d.bom_len == 2);
    expect_decodes(d.name, be, sizeof be - 1, "hi", __LINE__);
}

static void declared_labels(void) {
    detected d = DETECT(KOI8_R, "koi8-r"); /* kept */
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "KOI8-R") == 0);
    d = DETECT(KOI8_R, "UTF-8"); /* invalid in it: overridden */
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "KOI8-R") == 0);
    d = DETECT("plain", "latin1"); /* ASCII reads the same in it: kept */
    CHECK_RESULT(d.result, CU8_OK);
    CHECK(strcmp(d.name, "ISO-8859-1") == 0);
    /* A label naming nothing: the unknown-charset code, every value at "nothing". */
    d = DETECT(KOI8_R, "no-such-charset");
    CHECK_RESULT(d.result, CU8_UNKNOWN_CHARSET);
    CHECK(d.name[0] == '\0' && d.language[0] == '\0' && d.confidence == 0.0f && d.bom_len == 0);
    CHECK_RESULT(DETECT(KOI8_R, "").result, CU8_UNKNOWN_CHARSET);
}

static void binary_input(void) {
    detected d = DETECT(PNG, NULL);
    CHECK_RESULT(d.result, CU8_BINARY_INPUT);
    CHECK(d.name[0] == '\0' && d.language[0] == '\0' && d.bom_len == 0);
    CHECK(d.confidence > 0.5f && d.confidence <= 1.0f); /* how sure it is binary */
    /* No name to write: no room needed. */
    CHECK_RESULT(cu8_detect((const uint8_t *)PNG, sizeof PNG - 1, NULL, NULL, 0, NULL, NULL, 0,
                            NULL),
                 CU8_BINARY_INPUT);
    /* CU8_UNDETECTED_CHARSET (text in no charset the detector can name) has no input that
     * reaches it today; its value and message are checked in static_values. */
}

/* Every name and language buffer size from 0 to one past what is needed, each a heap block of
 * exactly that size: a string that does not fit leaves an empty string, never a cut one. */
static void buffer_sizes(void) {
    for (size_t name_len = 0; name_len <= 8; name_len++) {
        for (size_t language_len = 0; language_len <= 4; language_len++) {
            char *name = malloc(name_len ? name_len : 1);
            char *language = malloc(language_len ? language_len : 1);
            if (name == NULL || language == NULL) {
                CHECK(!"out of memory");
                free(name);
                free(language);
                return;
            }
            memset(name, '#', name_len);
            memset(language, '#', language_len);
            float confidence = -1.0f;
            size_t bom_len = 99;
            cu8_result r = cu8_detect((const uint8_t *)KOI8_R, sizeof KOI8_R - 1, NULL,
                                      name_len ? name : NULL, name_len, &confidence,
                                      language_len ? language : NULL, language_len, &bom_len);
            /* "KOI8-R" needs 7 bytes, "ru" 3; a language buffer of 0 bytes is not asked. */
            int name_fits = name_len >= 7;
            int language_fits = language_len == 0 || language_len >= 3;
            CHECK_RESULT(r, name_fits && language_fits ? CU8_OK : CU8_OUTPUT_FULL);
            if (name_len > 0) CHECK(strcmp(name, name_fits ? "KOI8-R" : "") == 0);
            if (language_len > 0) CHECK(strcmp(language, language_fits ? "ru" : "") == 0);
            CHECK(confidence > 0.5f && bom_len == 0); /* written even when a string is not */
            free(name);
            free(language);
        }
    }
}

static void bad_arguments(void) {
    char name[16], language[16];
    float confidence = -1.0f;
    size_t bom_len = 99;
    memset(name, '#', sizeof name);
    memset(language, '#', sizeof language);
    CHECK_RESULT(cu8_detect(NULL, 1, NULL, name, sizeof name, &confidence, language,
                            sizeof language, &bom_len),
                 CU8_NULL_ARGUMENT);
    /* The numbers are reset before the arguments are judged; the buffers are left alone. */
    CHECK(confidence == 0.0f && bom_len == 0 && name[0] == '#' && language[0] == '#');
    const uint8_t *src = (const uint8_t *)KOI8_R;
    size_t len = sizeof KOI8_R - 1;
    CHECK_RESULT(cu8_detect(src, len, NULL, NULL, 8, NULL, NULL, 0, NULL), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_detect(src, len, NULL, name, sizeof name, NULL, NULL, 8, NULL),
                 CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_detect(src, SIZE_MAX, NULL, name, sizeof name, NULL, NULL, 0, NULL),
                 CU8_INVALID_ARGUMENT);
    CHECK_RESULT(cu8_detect(src, len, NULL, name, SIZE_MAX, NULL, NULL, 0, NULL),
                 CU8_INVALID_ARGUMENT);
    /* Overlapping buffers: the language inside the name, the name inside the input. */
    CHECK_RESULT(cu8_detect(src, len, NULL, name, sizeof name, NULL, name + 8, 8, NULL),
                 CU8_INVALID_ARGUMENT);
    char text[64] = "caf\xc3\xa9 and more!!"; /* 16 bytes before its NUL */
    CHECK_RESULT(cu8_detect((const uint8_t *)text, 16, NULL, text + 8, 16, NULL, NULL, 0, NULL),
                 CU8_INVALID_ARGUMENT);
    CHECK(text[8] == 'd'); /* the input was not written to */
    /* Adjacent but distinct buffers are fine, and all the optional outputs may be NULL. */
    CHECK_RESULT(cu8_detect((const uint8_t *)text, 16, NULL, text + 16, 16, NULL, text + 32, 16,
                            NULL),
                 CU8_OK);
    CHECK(strcmp(text + 16, "UTF-8") == 0);
    CHECK_RESULT(cu8_detect(src, len, NULL, name, sizeof name, NULL, NULL, 0, NULL), CU8_OK);
    /* No room for the name at all: a buffer too short. */
    CHECK_RESULT(cu8_detect(src, len, NULL, NULL, 0, NULL, NULL, 0, NULL), CU8_OUTPUT_FULL);
}

static void static_values(void) {
    CHECK(CU8_BINARY_INPUT == 9 && CU8_UNDETECTED_CHARSET == 10);
    CHECK(strcmp(cu8_result_message(CU8_BINARY_INPUT), "unknown cu8_result value") != 0);
    CHECK(strcmp(cu8_result_message(CU8_UNDETECTED_CHARSET), "unknown cu8_result value") != 0);
    CHECK(CU8_CHARSET_NAME_SIZE >= 18 && CU8_LANGUAGE_SIZE >= 8);
    CHECK(CU8_DETECT_THRESHOLD > 0.0 && CU8_DETECT_THRESHOLD < 1.0);
}

int main(void) {
    charsets_and_languages();
    byte_order_marks();
    declared_labels();
    binary_input();
    buffer_sizes();
    bad_arguments();
    static_values();
    return check_finish("test_detect");
}
