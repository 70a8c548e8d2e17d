# Part of convert-utf8's table generator (tools/gen-tables/src/registry/foreign.rs runs it).
#
# Lists Python's charset codecs with every name Python accepts for each, and decodes the probe
# inputs given on stdin with each codec, so that the generator can find the glibc charset each
# codec means.
#
# stdin:  "S <hex of a UTF-8 sample line>", "P <hex single-byte probe>", "Q <hex pair probe>".
# stdout: per codec, "codec NAME", "names N1 N2 ...", "single T...", optionally "pairs T..."
#         (only for codecs where a lone byte can start a longer sequence), "sample IN OUT" for
#         each sample line the codec encodes and decodes back, then "end". A token T is the hex
#         of the UTF-8 decoding, "=" for empty output, or "-" for an error.

import codecs
import encodings
import encodings.aliases
import pkgutil
import sys
import warnings

warnings.simplefilter("ignore")

# Text codecs that transform text rather than name a character set.
TRANSFORMS = {
    "charmap",
    "idna",
    "mbcs",
    "oem",
    "punycode",
    "raw_unicode_escape",
    "undefined",
    "unicode_escape",
}

samples, singles, pairs = [], [], []
for line in sys.stdin:
    kind, _, data = line.strip().partition(" ")
    {"S": samples, "P": singles, "Q": pairs}[kind].append(bytes.fromhex(data))


def token(codec, data):
    try:
        text = codecs.decode(data, codec)
    except Exception:
        return "-"
    return text.encode("utf-8", "surrogatepass").hex() or "="


def is_multibyte(codec):
    for b in range(256):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            if decoder.decode(bytes([b]), False) == "":
                return True
        except Exception:
            continue
    return False


names = {}
for module in pkgutil.iter_modules(encodings.__path__):
    names.setdefault(module.name, {module.name})
for alias, target in encodings.aliases.aliases.items():
    names.setdefault(target, {target}).add(alias)

for codec in sorted(names):
    if codec in TRANSFORMS:
        continue
    try:
        info = codecs.lookup(codec)
    except LookupError:
        continue
    if not getattr(info, "_is_text_encoding", True):
        continue
    print("codec", codec)
    print("names", " ".join(sorted(names[codec])))
    print("single", " ".join(token(codec, p) for p in singles))
    if is_multibyte(codec):
        print("pairs", " ".join(token(codec, p) for p in pairs))
    for sample in samples:
        text = sample.decode("utf-8")
        try:
            encoded = text.encode(codec)
            if encoded.decode(codec) != text:
                continue
        except Exception:
            continue
        print("sample", encoded.hex(), sample.hex())
    print("end")
