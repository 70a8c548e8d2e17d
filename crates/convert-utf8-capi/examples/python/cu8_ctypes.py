"""Decode stdin from CHARSET to UTF-8 on stdout with libconvert_utf8, through ctypes.

Usage: python3 cu8_ctypes.py LIBRARY CHARSET [strict|ignore|replace] < input > output
LIBRARY is the path of libconvert_utf8.so. Exit status 1 on a bad sequence (strict) or an
unusable charset, with a message on stderr, as iconv does.
"""

import ctypes
import sys

CU8_OK, CU8_OUTPUT_FULL = 0, 4
POLICIES = {"strict": 0, "ignore": 1, "replace": 2}  # CU8_STRICT, CU8_IGNORE, CU8_REPLACE
ERROR_MESSAGE_SIZE = 256  # CU8_ERROR_MESSAGE_SIZE

size_p = ctypes.POINTER(ctypes.c_size_t)


def load(path):
    """Opens the library and declares the signatures used here (ctypes needs them all)."""
    lib = ctypes.CDLL(path)
    lib.cu8_decoder_new.argtypes = [
        ctypes.c_char_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p)]
    lib.cu8_decoder_new.restype = ctypes.c_int
    lib.cu8_decoder_decode.argtypes = [
        ctypes.c_void_p,                                # cu8_decoder *dec
        ctypes.c_void_p, ctypes.c_size_t, size_p,       # src, src_len, src_read
        ctypes.c_void_p, ctypes.c_size_t, size_p,       # dst, dst_len, dst_written
        ctypes.c_bool]                                  # last
    lib.cu8_decoder_decode.restype = ctypes.c_int
    lib.cu8_decoder_error_message.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, size_p]
    lib.cu8_decoder_error_message.restype = ctypes.c_int
    lib.cu8_decoder_free.argtypes = [ctypes.c_void_p]
    lib.cu8_decoder_free.restype = None
    lib.cu8_result_message.argtypes = [ctypes.c_int]
    lib.cu8_result_message.restype = ctypes.c_char_p
    return lib


def decode_stream(lib, dec, chunks, write):
    """Decodes an iterable of byte strings, writing UTF-8 as it comes; returns a cu8_result."""
    dst = ctypes.create_string_buffer(64 * 1024)
    read, written = ctypes.c_size_t(), ctypes.c_size_t()
    for chunk, last in chunks:
        src = ctypes.create_string_buffer(chunk, len(chunk))
        pos = 0
        while True:
            result = lib.cu8_decoder_decode(
                dec, ctypes.byref(src, pos), len(chunk) - pos, ctypes.byref(read),
                dst, len(dst), ctypes.byref(written), last)
            pos += read.value
            write(dst.raw[:written.value])
            if result == CU8_OK:
                break
            if result != CU8_OUTPUT_FULL:
                return result
    return CU8_OK


def chunks_of(stream, size=4096):
    """(chunk, is_last) pairs; the last pair may hold an empty chunk."""
    chunk = stream.read(size)
    while True:
        following = stream.read(size)
        yield chunk, not following
        if not following:
            return
        chunk = following


def main():
    library, charset = sys.argv[1], sys.argv[2]
    policy = POLICIES[sys.argv[3] if len(sys.argv) > 3 else "strict"]
    lib = load(library)
    dec = ctypes.c_void_p()
    result = lib.cu8_decoder_new(charset.encode(), policy, ctypes.byref(dec))
    if result != CU8_OK:
        message = lib.cu8_result_message(result).decode()
        sys.exit(f"cu8_ctypes: {charset}: {message}")
    try:
        out = sys.stdout.buffer
        result = decode_stream(lib, dec, chunks_of(sys.stdin.buffer), out.write)
        out.flush()
        if result != CU8_OK:
            text = ctypes.create_string_buffer(ERROR_MESSAGE_SIZE)
            lib.cu8_decoder_error_message(dec, text, len(text), ctypes.byref(ctypes.c_size_t()))
            sys.exit(f"cu8_ctypes: {text.value.decode()}")
    finally:
        lib.cu8_decoder_free(dec)


if __name__ == "__main__":
    main()
