/// CRC-64/NVME (the NVM Express polynomial 0xAD93D23594C93659, reflected as 0x9A6C9329AC4BC9B5,
/// initial value and final XOR all ones), the `x-amz-checksum-crc64nvme` algorithm and S3's default
/// for full-object checksums.
///
/// Streaming: feed buffers in order with `update`, read `value` at any point.
public struct CRC64NVME: Sendable {
    private var state: UInt64 = .max

    public init() {}

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        state = CRC64Tables.nvme.update(state, buffer)
    }

    /// The checksum of everything given so far.
    public var value: UInt64 { ~state }
}

/// Slicing-by-8 tables for a reflected 64-bit CRC, for the same reason as `CRCTables`: the checksum
/// runs over every uploaded byte. With a 64-bit register, eight input bytes replace the whole state,
/// so each step is eight independent lookups and no shift of the old state.
struct CRC64Tables: Sendable {
    static let nvme = CRC64Tables(polynomial: 0x9A6C_9329_AC4B_C9B5)

    /// Table k at offsets 256k..<256(k+1).
    private let table: [UInt64]

    init(polynomial: UInt64) {
        var table = [UInt64](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var crc = UInt64(index)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1
            }
            table[index] = crc
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = table[(slice - 1) * 256 + index]
                table[slice * 256 + index] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        self.table = table
    }

    func update(_ state: UInt64, _ buffer: UnsafeRawBufferPointer) -> UInt64 {
        table.withUnsafeBufferPointer { table in
            var crc = state
            var offset = 0
            let count = buffer.count
            while offset + 8 <= count {
                let word = crc ^ UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                crc = table[7 * 256 + Int(word & 0xFF)]
                    ^ table[6 * 256 + Int(word >> 8 & 0xFF)]
                    ^ table[5 * 256 + Int(word >> 16 & 0xFF)]
                    ^ table[4 * 256 + Int(word >> 24 & 0xFF)]
                    ^ table[3 * 256 + Int(word >> 32 & 0xFF)]
                    ^ table[2 * 256 + Int(word >> 40 & 0xFF)]
                    ^ table[1 * 256 + Int(word >> 48 & 0xFF)]
                    ^ table[Int(word >> 56)]
                offset += 8
            }
            while offset < count {
                crc = (crc >> 8) ^ table[Int((crc ^ UInt64(buffer[offset])) & 0xFF)]
                offset += 1
            }
            return crc
        }
    }
}
