"""Decode stdin from CHARSET to UTF-8 on stdout with libconvert_utf8, through cffi (ABI mode).

Usage: python3 cu8_cffi.py LIBRARY CHARSET [strict|ignore|replace] < input > output
LIBRARY is the path of libconvert_utf8.so. Exit status 1 on a bad sequence (strict) or an
unusable charset, with a message on stderr, as iconv does.
"""

import sys

from cffi import FFI

# The declarations used here, copied from convert_utf8.h (cffi's parser takes no preprocessor
# lines, so the header is not included whole).
DECLARATIONS = """
typedef enum cu8_result {
    CU8_OK = 0, CU8_UNKNOWN_CHARSET = 1, CU8_INVALID_INPUT = 2, CU8_INCOMPLETE_INPUT = 3,
    CU8_OUTPUT_FULL = 4, CU8_NULL_ARGUMENT = 5, CU8_INVALID_ARGUMENT = 6,
    CU8_INTERNAL_ERROR = 7, CU8_UNSUPPORTED_CHARSET = 8
} cu8_result;
#define CU8_STRICT 0
#define CU8_IGNORE 1
#define CU8_REPLACE 2
#define CU8_ERROR_MESSAGE_SIZE 256
typedef struct cu8_decoder cu8_decoder;
cu8_result cu8_decoder_new(const char *charset, uint32_t flags, cu8_decoder **out);
cu8_result cu8_decoder_decode(cu8_decoder *dec,
                              const uint8_t *src, size_t src_len, size_t *src_read,
                              uint8_t *dst, size_t dst_len, size_t *dst_written, bool last);
cu8_result cu8_decoder_error_message(const cu8_decoder *dec, char *buf, size_t len,
                                     size_t *out_n);
void cu8_decoder_free(cu8_decoder *dec);
const char *cu8_result_message(int result);
"""


def main():
    library, charset = sys.argv[1], sys.argv[2]
    ffi = FFI()
    ffi.cdef(DECLARATIONS)
    lib = ffi.dlopen(library)
    policy = {"strict": lib.CU8_STRICT, "ignore": lib.CU8_IGNORE, "replace": lib.CU8_REPLACE}[
        sys.argv[3] if len(sys.argv) > 3 else "strict"]

    out_dec = ffi.new("cu8_decoder **")
    result = lib.cu8_decoder_new(charset.encode(), policy, out_dec)
    if result != lib.CU8_OK:
        message = ffi.string(lib.cu8_result_message(result)).decode()
        sys.exit(f"cu8_cffi: {charset}: {message}")
    # The decoder is freed when the Python object holding it is collected.
    dec = ffi.gc(out_dec[0], lib.cu8_decoder_free)

    dst = ffi.new("uint8_t[]", 64 * 1024)
    read, written = ffi.new("size_t *"), ffi.new("size_t *")
    out = sys.stdout.buffer
    chunk = sys.stdin.buffer.read(4096)
    while True:
        following = sys.stdin.buffer.read(4096)
        last = not following
        src = ffi.from_buffer(chunk)
        pos = 0
        while True:
            result = lib.cu8_decoder_decode(
                dec, src + pos, len(chunk) - pos, read, dst, len(dst), written, last)
            pos += read[0]
            out.write(ffi.buffer(dst, written[0]))
            if result == lib.CU8_OK:
                break
            if result != lib.CU8_OUTPUT_FULL:
                out.flush()
                text = ffi.new("char[]", lib.CU8_ERROR_MESSAGE_SIZE)
                lib.cu8_decoder_error_message(dec, text, len(text), read)
                sys.exit(f"cu8_cffi: {ffi.string(text).decode()}")
        if last:
            break
        chunk = following
    out.flush()


if __name__ == "__main__":
    main()
