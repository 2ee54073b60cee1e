#!/usr/bin/env python3
"""Generate the fixtures of ChecksumAlgorithmTests.swift (AnnealCryptoTests) and AWSChunkedTests.swift.

Run:  python3 Tests/AnnealAWSTests/Fixtures/aws_chunked_vectors.py
It prints the two tables of `ChecksumVectors` (ChecksumAlgorithmTests.swift), then the whole of
AWSChunkedFixtures.swift; paste them in.

- Flexible checksums of sample inputs: CRC32, SHA-1 and SHA-256 from zlib/hashlib (what botocore's
  Crc32Checksum, Sha1Checksum and Sha256Checksum use); CRC32C and CRC64NVME from the bitwise
  references below, because botocore only has those through awscrt, which is not installed here.
  The references are checked against the published check values of "123456789" first.
- STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies made by botocore's own AwsChunkedWrapper (what boto3
  sends over HTTPS) with a CRC32 trailer, at several chunk sizes.
- A STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body built here from the AWS documentation
  ("Signature calculations for trailing headers"), with the documentation's example credentials.
  The chunk signer is first checked against the published STREAMING-AWS4-HMAC-SHA256-PAYLOAD example.
"""
import base64
import hashlib
import hmac
import io
import re
import zlib

import botocore
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum


def crc_reflected(data, poly, width):
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ mask


def crc32c(data):
    return crc_reflected(data, 0x82F63B78, 32)


def crc64nvme(data):
    return crc_reflected(data, 0x9A6C9329AC4BC9B5, 64)


assert crc32c(b"123456789") == 0xE3069283
assert crc64nvme(b"123456789") == 0xAE8B14860A799888
assert zlib.crc32(b"123456789") == 0xCBF43926


def checksums(data):
    b64 = lambda raw: base64.b64encode(raw).decode()
    return {
        "crc32": b64(zlib.crc32(data).to_bytes(4, "big")),
        "crc32c": b64(crc32c(data).to_bytes(4, "big")),
        "crc64nvme": b64(crc64nvme(data).to_bytes(8, "big")),
        "sha1": b64(hashlib.sha1(data).digest()),
        "sha256": b64(hashlib.sha256(data).digest()),
    }


def escape(data):
    """The bytes as the inside of a Swift string literal (ASCII only; CR and LF escaped)."""
    out = []
    for byte in data:
        ch = chr(byte)
        if ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            raise ValueError("fixtures are ASCII")
    return "".join(out)


def swift_string(data):
    return '"' + escape(data).replace('"', '\\"') + '"'


def swift_multiline(data, indent):
    """A multi-line Swift literal whose lines break after a CRLF, each break escaped with `\\`."""
    text = escape(data)
    tokens = re.findall(r"\\.|.", text)
    lines, current = [], ""
    for token in tokens:
        current += token
        if len(current) >= 90 and current.endswith("\\n"):
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    body = "\\\n".join(indent + line for line in lines)
    return '"""\n' + body + "\n" + indent + '"""'


# MARK: checksums

print("// ChecksumAlgorithmTests.swift: ChecksumVectors.all")
for text in [b"", b"hello world", b"123456789"]:
    values = checksums(text)
    print(f'    ({swift_string(text)}, [')
    for name, value in values.items():
        print(f'        .{name}: "{value}",')
    print("    ]),")

# The composite ("checksum of checksums") of two parts, as S3 computes it for multipart uploads.
parts = [b"hello ", b"world"]
print("// ChecksumAlgorithmTests.swift: composite of parts", [p.decode() for p in parts])
for name in ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]:
    raws = [base64.b64decode(checksums(p)[name]) for p in parts]
    print(f'        .{name}: ("{checksums(parts[0])[name]}", "{checksums(parts[1])[name]}", '
          f'"{checksums(b"".join(raws))[name]}"),')

# MARK: unsigned trailer (botocore)

PAYLOAD = b"The quick brown fox jumps over the lazy dog.\r\n0;chunk-signature=x\r\n" + bytes(range(0x20, 0x7F))
BOTOCORE_BODIES = []
for chunk_size in [1, 7, 64, 1024]:
    wrapper = AwsChunkedWrapper(io.BytesIO(PAYLOAD), checksum_cls=Crc32Checksum,
                                checksum_name="x-amz-checksum-crc32", chunk_size=chunk_size)
    BOTOCORE_BODIES.append((chunk_size, wrapper.read()))
BOTOCORE_WITHOUT_CHECKSUM = AwsChunkedWrapper(io.BytesIO(PAYLOAD), chunk_size=64).read()

# MARK: signed chunks and signed trailer

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AMZ_DATE = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


key = ("AWS4" + SECRET).encode()
for part in ["20130524", "us-east-1", "s3", "aws4_request"]:
    key = sign(key, part)


def chunk_signature(previous, data):
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", AMZ_DATE, SCOPE, previous, EMPTY_HASH,
                                hashlib.sha256(data).hexdigest()])
    return sign(key, string_to_sign).hex()


def trailer_signature(previous, trailers):
    canonical = "".join(f"{name}:{value}\n" for name, value in trailers).encode()
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", AMZ_DATE, SCOPE, previous,
                                hashlib.sha256(canonical).hexdigest()])
    return sign(key, string_to_sign).hex()


# The published STREAMING-AWS4-HMAC-SHA256-PAYLOAD example, to show this signer is sound.
previous = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
for size, expected in [(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
                       (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
                       (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")]:
    previous = chunk_signature(previous, b"a" * size)
    assert previous == expected, (size, previous)

SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
CHUNK = 64
signed_body = b""
previous = SEED
for offset in range(0, len(PAYLOAD) + 1, CHUNK):
    data = PAYLOAD[offset:offset + CHUNK]
    previous = chunk_signature(previous, data)
    signed_body += b"%x;chunk-signature=%s\r\n" % (len(data), previous.encode())
    if data:
        signed_body += data + b"\r\n"
if len(PAYLOAD) % CHUNK != 0:  # otherwise the loop already ended with the empty chunk
    previous = chunk_signature(previous, b"")
    signed_body += b"0;chunk-signature=%s\r\n" % previous.encode()
trailers = [("x-amz-checksum-crc32c", checksums(PAYLOAD)["crc32c"])]
for name, value in trailers:
    signed_body += f"{name}:{value}\r\n".encode()
signed_body += f"x-amz-trailer-signature:{trailer_signature(previous, trailers)}\r\n\r\n".encode()

print("// AWSChunkedFixtures.swift")
print(f"""/// Bodies printed by Fixtures/aws_chunked_vectors.py: botocore {botocore.__version__}'s own `AwsChunkedWrapper`
/// (STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer, as boto3 uploads over HTTPS) at several
/// chunk sizes, and a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body built there from the AWS
/// documentation's rules. The payload holds CRLFs and a fake chunk header, so a decoder that looks
/// for framing inside chunk data fails. Line breaks in the literals are escaped: only `\\r\\n` counts.
enum AWSChunkedFixtures {{
    static let payload = Array({swift_multiline(PAYLOAD, " " * 8)}.utf8)
    static let payloadCRC32 = "{checksums(PAYLOAD)["crc32"]}"
    static let payloadCRC32C = "{checksums(PAYLOAD)["crc32c"]}"

    static let botocoreBodies: [(chunkSize: Int, body: String)] = [""")
for chunk_size, body in BOTOCORE_BODIES:
    print(f"        ({chunk_size}, {swift_multiline(body, ' ' * 12)}),")
print(f"""    ]

    /// `AwsChunkedWrapper` without a checksum: no trailers, just the empty line.
    static let botocoreBodyWithoutChecksum = {swift_multiline(BOTOCORE_WITHOUT_CHECKSUM, " " * 8)}

    /// Signed with the AWS documentation's example key, time and scope; chunks of {CHUNK} bytes.
    static let signedTrailerSeed = "{SEED}"
    static let signedTrailerBody = {swift_multiline(signed_body, " " * 8)}
}}""")
