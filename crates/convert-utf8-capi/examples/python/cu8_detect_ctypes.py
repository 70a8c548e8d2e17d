"""Detect the charset of stdin with libconvert_utf8's cu8_detect, through ctypes.

Usage: python3 cu8_detect_ctypes.py LIBRARY [DECLARED-LABEL] < input
Prints the charset's name, the confidence, the language and the length of the byte order mark,
tab-separated (e.g. "KOI8-R	0.9990	ru	0"), "binary" and the confidence that it is, or
"undetected". An unknown declared label is a message and exit status 1.
"""

import ctypes
import sys

CU8_OK, CU8_BINARY_INPUT, CU8_UNDETECTED_CHARSET = 0, 9, 10
CHARSET_NAME_SIZE, LANGUAGE_SIZE = 64, 16  # CU8_CHARSET_NAME_SIZE, CU8_LANGUAGE_SIZE


def load(path):
    """Opens the library and declares the signatures used here (ctypes needs them all)."""
    lib = ctypes.CDLL(path)
    lib.cu8_detect.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t,               # src, src_len
        ctypes.c_char_p,                                # declared label, or None
        ctypes.c_char_p, ctypes.c_size_t,               # name_buf, name_buf_len
        ctypes.POINTER(ctypes.c_float),                 # confidence
        ctypes.c_char_p, ctypes.c_size_t,               # language_buf, language_buf_len
        ctypes.POINTER(ctypes.c_size_t)]                # bom_len
    lib.cu8_detect.restype = ctypes.c_int
    lib.cu8_result_message.argtypes = [ctypes.c_int]
    lib.cu8_result_message.restype = ctypes.c_char_p
    return lib


def detect(lib, data, declared=None):
    """(result, name, confidence, language, bom_len) for the bytes `data`."""
    name = ctypes.create_string_buffer(CHARSET_NAME_SIZE)
    language = ctypes.create_string_buffer(LANGUAGE_SIZE)
    confidence, bom_len = ctypes.c_float(), ctypes.c_size_t()
    label = declared.encode() if declared is not None else None
    result = lib.cu8_detect(data, len(data), label, name, len(name), ctypes.byref(confidence),
                            language, len(language), ctypes.byref(bom_len))
    return result, name.value.decode(), confidence.value, language.value.decode(), bom_len.value


def main():
    lib = load(sys.argv[1])
    declared = sys.argv[2] if len(sys.argv) > 2 else None
    result, name, confidence, language, bom_len = detect(lib, sys.stdin.buffer.read(), declared)
    if result == CU8_OK:
        print(f"{name}\t{confidence:.4f}\t{language}\t{bom_len}")
    elif result == CU8_BINARY_INPUT:
        print(f"binary\t{confidence:.4f}")
    elif result == CU8_UNDETECTED_CHARSET:
        print("undetected")
    else:
        sys.exit(f"cu8_detect_ctypes: {lib.cu8_result_message(result).decode()}")


if __name__ == "__main__":
    main()
