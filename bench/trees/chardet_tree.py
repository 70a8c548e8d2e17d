#!/usr/bin/env python3
"""The Python script people write to convert a tree: chardet detects each file's charset,
Python's codecs decode it, and a temporary file beside it replaces it. One process.

    python3 bench/trees/chardet_tree.py TREE

Files chardet calls ASCII or UTF-8, or cannot name, are left; so is a file that does not
decode in the named charset. No fsync, as such scripts do not: it does less than convert-utf8.
"""

import os
import sys

import chardet


def main() -> int:
    converted = left = 0
    for directory, _, names in os.walk(sys.argv[1]):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                data = f.read()
            encoding = chardet.detect(data)["encoding"]
            if encoding is None or encoding.lower() in ("ascii", "utf-8"):
                left += 1
                continue
            try:
                text = data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                left += 1
                continue
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.replace(tmp, path)
            converted += 1
    print(f"converted {converted}, left {left}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
