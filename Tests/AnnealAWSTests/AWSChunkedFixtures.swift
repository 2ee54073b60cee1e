/// Bodies printed by Fixtures/aws_chunked_vectors.py: botocore 1.43.11's own `AwsChunkedWrapper`
/// (STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer, as boto3 uploads over HTTPS) at several
/// chunk sizes, and a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body built there from the AWS
/// documentation's rules. The payload holds CRLFs and a fake chunk header, so a decoder that looks
/// for framing inside chunk data fails. Line breaks in the literals are escaped: only `\r\n` counts.
enum AWSChunkedFixtures {
    static let payload = Array("""
        The quick brown fox jumps over the lazy dog.\r\n0;chunk-signature=x\r\n !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~
        """.utf8)
    static let payloadCRC32 = "KurRDg=="
    static let payloadCRC32C = "5ErDsg=="

    static let botocoreBodies: [(chunkSize: Int, body: String)] = [
        (1, """
            1\r\nT\r\n1\r\nh\r\n1\r\ne\r\n1\r\n \r\n1\r\nq\r\n1\r\nu\r\n1\r\ni\r\n1\r\nc\r\n1\r\nk\r\n\
            1\r\n \r\n1\r\nb\r\n1\r\nr\r\n1\r\no\r\n1\r\nw\r\n1\r\nn\r\n1\r\n \r\n1\r\nf\r\n1\r\no\r\n\
            1\r\nx\r\n1\r\n \r\n1\r\nj\r\n1\r\nu\r\n1\r\nm\r\n1\r\np\r\n1\r\ns\r\n1\r\n \r\n1\r\no\r\n\
            1\r\nv\r\n1\r\ne\r\n1\r\nr\r\n1\r\n \r\n1\r\nt\r\n1\r\nh\r\n1\r\ne\r\n1\r\n \r\n1\r\nl\r\n\
            1\r\na\r\n1\r\nz\r\n1\r\ny\r\n1\r\n \r\n1\r\nd\r\n1\r\no\r\n1\r\ng\r\n1\r\n.\r\n1\r\n\r\r\n\
            1\r\n\n\r\n1\r\n0\r\n1\r\n;\r\n1\r\nc\r\n1\r\nh\r\n1\r\nu\r\n1\r\nn\r\n1\r\nk\r\n1\r\n-\r\n\
            1\r\ns\r\n1\r\ni\r\n1\r\ng\r\n1\r\nn\r\n1\r\na\r\n1\r\nt\r\n1\r\nu\r\n1\r\nr\r\n1\r\ne\r\n\
            1\r\n=\r\n1\r\nx\r\n1\r\n\r\r\n1\r\n\n\r\n1\r\n \r\n1\r\n!\r\n1\r\n"\r\n1\r\n#\r\n1\r\n$\r\n\
            1\r\n%\r\n1\r\n&\r\n1\r\n'\r\n1\r\n(\r\n1\r\n)\r\n1\r\n*\r\n1\r\n+\r\n1\r\n,\r\n1\r\n-\r\n\
            1\r\n.\r\n1\r\n/\r\n1\r\n0\r\n1\r\n1\r\n1\r\n2\r\n1\r\n3\r\n1\r\n4\r\n1\r\n5\r\n1\r\n6\r\n\
            1\r\n7\r\n1\r\n8\r\n1\r\n9\r\n1\r\n:\r\n1\r\n;\r\n1\r\n<\r\n1\r\n=\r\n1\r\n>\r\n1\r\n?\r\n\
            1\r\n@\r\n1\r\nA\r\n1\r\nB\r\n1\r\nC\r\n1\r\nD\r\n1\r\nE\r\n1\r\nF\r\n1\r\nG\r\n1\r\nH\r\n\
            1\r\nI\r\n1\r\nJ\r\n1\r\nK\r\n1\r\nL\r\n1\r\nM\r\n1\r\nN\r\n1\r\nO\r\n1\r\nP\r\n1\r\nQ\r\n\
            1\r\nR\r\n1\r\nS\r\n1\r\nT\r\n1\r\nU\r\n1\r\nV\r\n1\r\nW\r\n1\r\nX\r\n1\r\nY\r\n1\r\nZ\r\n\
            1\r\n[\r\n1\r\n\\\r\n1\r\n]\r\n1\r\n^\r\n1\r\n_\r\n1\r\n`\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n\
            1\r\nd\r\n1\r\ne\r\n1\r\nf\r\n1\r\ng\r\n1\r\nh\r\n1\r\ni\r\n1\r\nj\r\n1\r\nk\r\n1\r\nl\r\n\
            1\r\nm\r\n1\r\nn\r\n1\r\no\r\n1\r\np\r\n1\r\nq\r\n1\r\nr\r\n1\r\ns\r\n1\r\nt\r\n1\r\nu\r\n\
            1\r\nv\r\n1\r\nw\r\n1\r\nx\r\n1\r\ny\r\n1\r\nz\r\n1\r\n{\r\n1\r\n|\r\n1\r\n}\r\n1\r\n~\r\n\
            0\r\nx-amz-checksum-crc32:KurRDg==\r\n\r\n
            """),
        (7, """
            7\r\nThe qui\r\n7\r\nck brow\r\n7\r\nn fox j\r\n7\r\numps ov\r\n7\r\ner the \r\n7\r\nlazy do\r\n\
            7\r\ng.\r\n0;c\r\n7\r\nhunk-si\r\n7\r\ngnature\r\n7\r\n=x\r\n !"\r\n7\r\n#$%&'()\r\n7\r\n*+,-./0\r\n\
            7\r\n1234567\r\n7\r\n89:;<=>\r\n7\r\n?@ABCDE\r\n7\r\nFGHIJKL\r\n7\r\nMNOPQRS\r\n7\r\nTUVWXYZ\r\n\
            7\r\n[\\]^_`a\r\n7\r\nbcdefgh\r\n7\r\nijklmno\r\n7\r\npqrstuv\r\n7\r\nwxyz{|}\r\n1\r\n~\r\n\
            0\r\nx-amz-checksum-crc32:KurRDg==\r\n\r\n
            """),
        (64, """
            40\r\nThe quick brown fox jumps over the lazy dog.\r\n0;chunk-signature=\r\n40\r\nx\r\n !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\r\n\
            22\r\n]^_`abcdefghijklmnopqrstuvwxyz{|}~\r\n0\r\nx-amz-checksum-crc32:KurRDg==\r\n\r\n
            """),
        (1024, """
            a2\r\nThe quick brown fox jumps over the lazy dog.\r\n0;chunk-signature=x\r\n !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\r\n\
            0\r\nx-amz-checksum-crc32:KurRDg==\r\n\r\n
            """),
    ]

    /// `AwsChunkedWrapper` without a checksum: no trailers, just the empty line.
    static let botocoreBodyWithoutChecksum = """
        40\r\nThe quick brown fox jumps over the lazy dog.\r\n0;chunk-signature=\r\n40\r\nx\r\n !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\r\n\
        22\r\n]^_`abcdefghijklmnopqrstuvwxyz{|}~\r\n0\r\n\r\n
        """

    /// Signed with the AWS documentation's example key, time and scope; chunks of 64 bytes.
    static let signedTrailerSeed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
    static let signedTrailerBody = """
        40;chunk-signature=33bd15a364412e9b5afa81236bfe19e01456346364541aa44d157a9dc38b88db\r\nThe quick brown fox jumps over the lazy dog.\r\n\
        0;chunk-signature=\r\n40;chunk-signature=d93bb43ae492d105e57ff2da96041472e2f459290463e5aef76e7ce3a63e45af\r\n\
        x\r\n !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\r\n22;chunk-signature=c4a024f1ee2597cfaf23677784892d64761df3d067774fbe5addcc5c9b0dfb7a\r\n\
        ]^_`abcdefghijklmnopqrstuvwxyz{|}~\r\n0;chunk-signature=c71d28300d85ee2a28b773c46f67b6d34b4af204fc3a5b693ce2d91551f6c71a\r\n\
        x-amz-checksum-crc32c:5ErDsg==\r\nx-amz-trailer-signature:306094b12cad40b8cda31a910383b3e8019c389b34d696585d143197da0a459a\r\n\
        \r\n
        """
}
