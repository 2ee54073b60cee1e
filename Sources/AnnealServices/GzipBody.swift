import AnnealAWS
import CZlib
import Foundation

/// Request bodies sent with `Content-Encoding: gzip`: botocore compresses PutMetricData bodies of
/// 10 KiB and more (the operation's `requestcompression` trait), so the JSON and Query services
/// must read them.
enum GzipBody {
    /// Whether the request's Content-Encoding names gzip (possibly among others, e.g. `gzip, aws-chunked`).
    static func isGzip(_ contentEncoding: String?) -> Bool {
        guard let contentEncoding else { return false }
        return contentEncoding.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "gzip" }
    }

    /// The inflated body; errors are the client's (a damaged stream, or more than `limit` bytes).
    static func inflate(_ compressed: [UInt8], limit: Int) throws(AWSError) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer, as Content-Encoding: gzip means.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw AWSError.internalFailure("cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = compressed
        let status: Int32 = input.withUnsafeMutableBufferPointer { source -> Int32 in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                let result = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { return Z_BUF_ERROR }
                if result == Z_STREAM_END { return Z_OK }
                if result != Z_OK { return result }
                if produced == 0 && stream.avail_in == 0 { return Z_DATA_ERROR }
            }
        }
        switch status {
        case Z_OK: return output
        case Z_BUF_ERROR:
            throw AWSError("RequestEntityTooLarge", "The request body inflates to more than \(limit) bytes", status: 413)
        default:
            throw AWSError.serialization("The request body is not a valid gzip stream (Content-Encoding: gzip)")
        }
    }
}
